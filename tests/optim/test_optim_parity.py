"""Optimizers against torch.optim: same parameters, same seeded gradient sequence, 20 steps."""

import numpy as np
import pytest

from classroom.nn import Parameter
from classroom.optim import SGD, Adam, AdamW, RMSprop

N_STEPS = 20
SHAPES = [(3, 4), (4,), (2, 2, 3)]

CONFIGS = [
    (SGD, "SGD", {"lr": 0.1}),
    (SGD, "SGD", {"lr": 0.05, "weight_decay": 0.1}),
    (SGD, "SGD", {"lr": 0.05, "momentum": 0.9}),
    (SGD, "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    (SGD, "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
    (RMSprop, "RMSprop", {}),
    (RMSprop, "RMSprop", {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1}),
    (RMSprop, "RMSprop", {"lr": 0.01, "momentum": 0.8}),
    (RMSprop, "RMSprop", {"lr": 0.01, "centered": True}),
    (RMSprop, "RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "eps": 1e-3}),
    (Adam, "Adam", {}),
    (Adam, "Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    (Adam, "Adam", {"lr": 0.01, "amsgrad": True}),
    (Adam, "Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05, "eps": 1e-4}),
    (AdamW, "AdamW", {}),
    (AdamW, "AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    (AdamW, "AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
]


def _make_parameters(seed):
    rng = np.random.default_rng(seed)
    return [Parameter(rng.standard_normal(shape)) for shape in SHAPES]


def _gradient_sequence(seed):
    """Random (synthetic) gradients, with scale changing over time so every moment estimate matters."""
    rng = np.random.default_rng(seed + 1)
    return [
        [rng.standard_normal(shape) * (1 + 2 * np.sin(step)) for shape in SHAPES] for step in range(N_STEPS)
    ]


def _run_ours(optimizer_class, kwargs, seed, n_steps=N_STEPS):
    parameters = _make_parameters(seed)
    optimizer = optimizer_class(parameters, **kwargs)
    history = []
    for gradients in _gradient_sequence(seed)[:n_steps]:
        for parameter, gradient in zip(parameters, gradients):
            parameter.grad[...] = gradient
        optimizer.step()
        history.append([parameter.data.copy() for parameter in parameters])
    return history


def _run_torch(torch, optimizer_name, kwargs, seed):
    parameters = [torch.nn.Parameter(torch.from_numpy(p.data.copy())) for p in _make_parameters(seed)]
    optimizer = getattr(torch.optim, optimizer_name)(parameters, **kwargs)
    history = []
    for gradients in _gradient_sequence(seed):
        for parameter, gradient in zip(parameters, gradients):
            parameter.grad = torch.from_numpy(gradient.copy())
        optimizer.step()
        history.append([parameter.detach().numpy().copy() for parameter in parameters])
    return history


@pytest.mark.torch
@pytest.mark.parametrize("optimizer_class, torch_name, kwargs", CONFIGS, ids=lambda value: str(value))
def test_optimizer_matches_torch_for_twenty_steps(optimizer_class, torch_name, kwargs, torch):
    ours = _run_ours(optimizer_class, kwargs, seed=0)
    theirs = _run_torch(torch, torch_name, kwargs, seed=0)
    for step, (our_parameters, their_parameters) in enumerate(zip(ours, theirs)):
        for our_values, their_values in zip(our_parameters, their_parameters):
            np.testing.assert_allclose(
                our_values, their_values, rtol=1e-9, atol=1e-12, err_msg=f"differs after step {step + 1}"
            )


class AdamWithClassicBiasCorrectionMistake(Adam):
    """Divides by ``1 - beta`` instead of ``1 - beta**t``: right at step 1, wrong afterwards."""

    def bias_correction(self, beta, step):
        return 1.0 - beta


@pytest.mark.torch
def test_buggy_bias_correction_is_caught_by_the_torch_reference(torch):
    kwargs = {"lr": 0.01}
    buggy = _run_ours(AdamWithClassicBiasCorrectionMistake, kwargs, seed=0)
    theirs = _run_torch(torch, "Adam", kwargs, seed=0)
    # Step 1 agrees (1 - beta**1 == 1 - beta), so the bug hides in a one-step test ...
    np.testing.assert_allclose(buggy[0][0], theirs[0][0], rtol=1e-9)
    # ... but by step 20 the parameters differ clearly.
    difference = np.max(np.abs(buggy[-1][0] - theirs[-1][0]))
    assert difference > 1e-3
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(buggy[-1][0], theirs[-1][0], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "optimizer_class, should_match", [(Adam, True), (AdamWithClassicBiasCorrectionMistake, False)]
)
def test_adam_with_constant_gradient_moves_lr_per_step_only_with_correct_bias_correction(
    optimizer_class, should_match
):
    # With a constant gradient g, the bias-corrected moments are exactly g and g**2,
    # so every Adam step moves by lr * g / (|g| + eps), i.e. almost exactly lr.
    parameter = Parameter(np.zeros(1))
    optimizer = optimizer_class([parameter], lr=0.01, eps=0.0)
    for _ in range(10):
        parameter.grad[...] = 2.0
        optimizer.step()
    matches = np.isclose(parameter.data[0], -10 * 0.01, rtol=1e-12)
    assert matches == should_match


def test_adam_bias_correction_is_one_minus_beta_to_the_step():
    optimizer = Adam([Parameter(np.zeros(2))])
    assert optimizer.bias_correction(0.9, 1) == pytest.approx(0.1)
    assert optimizer.bias_correction(0.9, 3) == pytest.approx(1 - 0.9**3)


@pytest.mark.parametrize("optimizer_class", [SGD, RMSprop, Adam, AdamW])
def test_optimizer_updates_parameter_arrays_in_place(optimizer_class):
    parameter = Parameter(np.ones(3))
    original_array = parameter.data
    parameter.grad[...] = 1.0
    optimizer_class([parameter], lr=0.1).step()
    assert parameter.data is original_array
    assert np.all(parameter.data < 1.0)


@pytest.mark.parametrize("optimizer_class", [SGD, RMSprop, Adam, AdamW])
def test_optimizer_keeps_float32_parameters_float32(optimizer_class):
    parameter = Parameter(np.ones(3, dtype=np.float32))
    parameter.grad[...] = 0.5
    optimizer = optimizer_class([parameter], lr=0.1)
    for _ in range(3):
        optimizer.step()
    assert parameter.data.dtype == np.float32


@pytest.mark.parametrize("optimizer_class", [SGD, Adam])
def test_optimizer_skips_parameters_without_gradient(optimizer_class):
    frozen, trained = Parameter(np.ones(2)), Parameter(np.ones(2))
    frozen.grad = None
    trained.grad[...] = 1.0
    optimizer_class([frozen, trained], lr=0.1).step()
    np.testing.assert_array_equal(frozen.data, np.ones(2))
    assert np.all(trained.data < 1)


def test_zero_grad_clears_gradients_in_place():
    parameter = Parameter(np.ones(3))
    parameter.grad[...] = 5.0
    gradient_array = parameter.grad
    SGD([parameter]).zero_grad()
    assert parameter.grad is gradient_array
    np.testing.assert_array_equal(parameter.grad, 0.0)


@pytest.mark.parametrize(
    "optimizer_class, kwargs",
    [
        (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
        (RMSprop, {"centered": True, "momentum": 0.5}),
        (Adam, {"lr": 0.01, "amsgrad": True}),
        (AdamW, {"lr": 0.01}),
    ],
)
def test_state_dict_round_trip_through_npz_gives_identical_next_steps(optimizer_class, kwargs, tmp_path):
    # Train 10 steps, save, then continue in two ways: the same optimizer, and a
    # new optimizer on copied parameters that loads the saved state.
    parameters = _make_parameters(seed=3)
    optimizer = optimizer_class(parameters, **kwargs)
    gradients = _gradient_sequence(seed=3)
    for step_gradients in gradients[:10]:
        for parameter, gradient in zip(parameters, step_gradients):
            parameter.grad[...] = gradient
        optimizer.step()

    np.savez(tmp_path / "optimizer.npz", **optimizer.state_dict())
    copied_parameters = [Parameter(parameter.data) for parameter in parameters]
    restored = optimizer_class(copied_parameters)  # default hyperparameters, overwritten by load
    with np.load(tmp_path / "optimizer.npz", allow_pickle=False) as saved:
        restored.load_state_dict(dict(saved))
    assert restored.step_count == 10

    for step_gradients in gradients[10:]:
        for parameter, copy, gradient in zip(parameters, copied_parameters, step_gradients):
            parameter.grad[...] = gradient
            copy.grad[...] = gradient
        optimizer.step()
        restored.step()
    for parameter, copy in zip(parameters, copied_parameters):
        np.testing.assert_array_equal(parameter.data, copy.data)


def test_state_dict_is_flat_arrays_with_documented_keys():
    parameter = Parameter(np.ones(3))
    parameter.grad[...] = 1.0
    optimizer = Adam([parameter], lr=0.01)
    optimizer.step()
    state = optimizer.state_dict()
    assert all(isinstance(value, np.ndarray) for value in state.values())
    assert {"step", "lr", "betas", "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.step"} <= set(state)
    assert state["lr"].shape == ()
    assert int(state["step"]) == 1


def test_load_state_dict_with_wrong_shape_names_key_and_shapes():
    parameter = Parameter(np.ones(3))
    parameter.grad[...] = 1.0
    optimizer = Adam([parameter])
    optimizer.step()
    state = optimizer.state_dict()
    other = Adam([Parameter(np.ones(4))])
    with pytest.raises(ValueError, match=r"state.0.exp_avg.*\(3,\).*\(4,\)"):
        other.load_state_dict(state)


def test_load_state_dict_from_a_different_optimizer_names_missing_keys():
    sgd_state = SGD([Parameter(np.ones(2))], momentum=0.9).state_dict()
    with pytest.raises(KeyError, match="betas"):
        Adam([Parameter(np.ones(2))]).load_state_dict(sgd_state)


@pytest.mark.parametrize(
    "make_optimizer, message",
    [
        (lambda p: SGD(p, lr=-1.0), "Invalid learning rate"),
        (lambda p: SGD(p, nesterov=True), "Nesterov momentum requires a momentum"),
        (lambda p: Adam(p, betas=(1.0, 0.999)), "beta parameter at index 0"),
        (lambda p: RMSprop(p, eps=-1.0), "Invalid epsilon"),
        (lambda p: SGD([], lr=0.1), "empty parameter list"),
    ],
)
def test_invalid_optimizer_arguments_raise_value_error(make_optimizer, message):
    with pytest.raises(ValueError, match=message):
        make_optimizer([Parameter(np.ones(2))])


def test_optimizer_given_raw_arrays_explains_to_pass_parameters():
    with pytest.raises(TypeError, match="pass model.parameters"):
        SGD([np.ones(3)])
