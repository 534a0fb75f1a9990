"""Learning-rate schedules against torch.optim.lr_scheduler."""

import numpy as np
import pytest

from classroom.nn import Parameter
from classroom.optim import SGD, Adam
from classroom.optim.lr_scheduler import CosineAnnealingLR, OneCycleLR, StepLR


def _our_lrs(make_scheduler, n_steps, optimizer_class=SGD, **optimizer_kwargs):
    optimizer = optimizer_class([Parameter(np.zeros(2))], lr=0.1, **optimizer_kwargs)
    scheduler = make_scheduler(optimizer)
    lrs = []
    for _ in range(n_steps):
        lrs.append(optimizer.lr)
        assert scheduler.get_last_lr() == [optimizer.lr]
        optimizer.step()
        scheduler.step()
    return lrs


def _torch_lrs(torch, make_scheduler, n_steps, optimizer_name="SGD", **optimizer_kwargs):
    optimizer = getattr(torch.optim, optimizer_name)(
        [torch.nn.Parameter(torch.zeros(2))], lr=0.1, **optimizer_kwargs
    )
    scheduler = make_scheduler(optimizer)
    lrs = []
    for _ in range(n_steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return lrs


SCHEDULES = {
    "step_lr": (
        lambda opt: StepLR(opt, step_size=3),
        lambda torch: lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=3),
        12,
    ),
    "step_lr_gamma": (
        lambda opt: StepLR(opt, step_size=2, gamma=0.5),
        lambda torch: lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5),
        10,
    ),
    "cosine": (
        lambda opt: CosineAnnealingLR(opt, T_max=10),
        lambda torch: lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10),
        25,
    ),
    "cosine_eta_min": (
        lambda opt: CosineAnnealingLR(opt, T_max=7, eta_min=0.01),
        lambda torch: lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=7, eta_min=0.01),
        7,
    ),
    "one_cycle": (
        lambda opt: OneCycleLR(opt, max_lr=1.0, total_steps=20),
        lambda torch: lambda opt: torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=20),
        20,
    ),
    "one_cycle_linear": (
        lambda opt: OneCycleLR(opt, max_lr=0.5, total_steps=17, pct_start=0.25, anneal_strategy="linear"),
        lambda torch: lambda opt: torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=0.5, total_steps=17, pct_start=0.25, anneal_strategy="linear"
        ),
        17,
    ),
    "one_cycle_three_phase": (
        lambda opt: OneCycleLR(opt, max_lr=0.3, epochs=3, steps_per_epoch=7, three_phase=True, div_factor=10),
        lambda torch: lambda opt: torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=0.3, epochs=3, steps_per_epoch=7, three_phase=True, div_factor=10
        ),
        21,
    ),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", list(SCHEDULES))
def test_scheduler_learning_rates_match_torch(name, torch):
    make_ours, make_theirs, n_steps = SCHEDULES[name]
    ours = _our_lrs(make_ours, n_steps, momentum=0.9)
    theirs = _torch_lrs(torch, make_theirs(torch), n_steps, momentum=0.9)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-15)


@pytest.mark.torch
def test_one_cycle_cycles_adam_beta1_like_torch(torch):
    optimizer = Adam([Parameter(np.zeros(2))], lr=0.1)
    scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=10)
    torch_optimizer = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    torch_scheduler = torch.optim.lr_scheduler.OneCycleLR(torch_optimizer, max_lr=0.1, total_steps=10)
    for _ in range(10):
        assert optimizer.betas[0] == pytest.approx(torch_optimizer.param_groups[0]["betas"][0], rel=1e-12)
        assert optimizer.lr == pytest.approx(torch_optimizer.param_groups[0]["lr"], rel=1e-12)
        optimizer.step()
        torch_optimizer.step()
        scheduler.step()
        torch_scheduler.step()


def test_one_cycle_stepped_past_total_steps_raises():
    optimizer = SGD([Parameter(np.zeros(2))], lr=0.1)
    scheduler = OneCycleLR(optimizer, max_lr=1.0, total_steps=3)
    for _ in range(3):
        scheduler.step()
    with pytest.raises(ValueError, match="total_steps is 3"):
        scheduler.step()


def test_one_cycle_without_total_steps_or_epochs_raises():
    with pytest.raises(ValueError, match="total_steps"):
        OneCycleLR(SGD([Parameter(np.zeros(2))]), max_lr=1.0)


def test_cosine_reaches_eta_min_at_t_max():
    optimizer = SGD([Parameter(np.zeros(2))], lr=0.1)
    scheduler = CosineAnnealingLR(optimizer, T_max=5, eta_min=0.001)
    for _ in range(5):
        scheduler.step()
    assert optimizer.lr == pytest.approx(0.001)


def test_scheduler_state_dict_round_trip_continues_the_schedule():
    optimizer = SGD([Parameter(np.zeros(2))], lr=0.1)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    for _ in range(3):
        scheduler.step()
    state = scheduler.state_dict()
    assert all(isinstance(value, np.ndarray) for value in state.values())

    new_optimizer = SGD([Parameter(np.zeros(2))], lr=0.1)
    new_scheduler = StepLR(new_optimizer, step_size=2, gamma=0.5)
    new_scheduler.load_state_dict(state)
    scheduler.step()
    new_scheduler.step()
    assert new_optimizer.lr == optimizer.lr == pytest.approx(0.1 * 0.5**2)


def test_step_lr_rejects_non_positive_step_size():
    with pytest.raises(ValueError, match="step_size"):
        StepLR(SGD([Parameter(np.zeros(2))]), step_size=0)
