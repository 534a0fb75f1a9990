# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Optimizers: SGD, momentum, RMSprop, Adam and AdamW
#
# Every optimizer in `classroom.optim` does the same job: given the gradient
# $g_t$ of the loss at the current parameters $\theta_{t-1}$, choose the next
# parameters $\theta_t$. They differ in **memory** (do past gradients count?)
# and in **step size per parameter** (is every coordinate moved by the same
# learning rate?).
#
# | optimizer | update (per parameter, element-wise) |
# |---|---|
# | SGD | $\theta_t = \theta_{t-1} - \eta\, g_t$ |
# | SGD + momentum | $b_t = \mu b_{t-1} + g_t,\quad \theta_t = \theta_{t-1} - \eta\, b_t$ |
# | RMSprop | $v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\quad \theta_t = \theta_{t-1} - \eta\, g_t / (\sqrt{v_t} + \varepsilon)$ |
# | Adam | $m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$ |
# | | $\theta_t = \theta_{t-1} - \eta\, \dfrac{m_t / (1-\beta_1^t)}{\sqrt{v_t / (1-\beta_2^t)} + \varepsilon}$ |
# | AdamW | $\theta \leftarrow (1 - \eta\lambda)\,\theta$, then an Adam step |
#
# The notebook has four parts:
#
# 1. paths on 2-D surfaces, where we can *see* the difference;
# 2. the classic Adam bug (bias correction with $1-\beta$ instead of
#    $1-\beta^t$), and how a reference test catches it;
# 3. RMSprop's $\varepsilon$ inside or outside the square root;
# 4. the race on MNIST: training curves in this notebook, and the numbers of
#    the full run made with `scripts/optimizers_mnist.py`.
#
# **Mode.** In quick mode (`CLASSROOM_QUICK=1`, used to build the site) the
# MNIST race trains on 10,000 images for 3 epochs; in full mode on 55,000
# images for 10 epochs. Parts 1 to 3 are the same in both modes. The next cell
# prints the mode of this run.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from classroom.config import quick_mode
from classroom.evaluation.tables import markdown_table
from classroom.data import MNIST_MEAN, MNIST_STD, load_mnist, mnist_as_float, stratified_split
from classroom.models.mlp import MLP
from classroom.nn import CrossEntropyLoss, Parameter
from classroom.optim import SGD, Adam, AdamW, RMSprop
from classroom.plots import compare_histories
from classroom.plots.plane import plot_trajectories
from classroom.optim.surfaces import Quadratic, Rosenbrock, run_optimizer_on_surface
from classroom.train import Trainer

try:  # PyTorch is only a reference to compare with; the notebook runs without it.
    import torch
except ImportError:
    torch = None

QUICK = quick_mode()
print("quick mode" if QUICK else "full mode", "| PyTorch", "available" if torch is not None else "not installed")


# %% [markdown]
# ## 1. Paths on 2-D surfaces
#
# ### An elongated bowl
#
# $f(x, y) = \tfrac12 (x^2 + 25\, y^2)$ curves 25 times more steeply along $y$
# than along $x$. Plain gradient descent multiplies $y$ by $(1 - 25\eta)$ and
# $x$ by $(1 - \eta)$ at each step, so it diverges as soon as $\eta > 2/25$,
# and a rate that is safe for $y$ is slow for $x$. With $\eta = 0.07$, close to
# the limit, it zig-zags across the valley while $x$ shrinks by only 7% per
# step; with $\eta = 0.01$ the zig-zag is gone and $x$ crawls. Momentum 0.5 at
# the same $\eta = 0.07$ damps the zig-zag (successive gradients in $y$ have
# opposite signs and cancel) and speeds up $x$ (consistent gradients add up,
# for an effective rate of about $\eta / (1 - 0.5)$).

# %%
bowl = Quadratic(condition=25.0)
bowl_start = (-2.2, 1.0)
bowl_steps = 60
bowl_paths = {
    "SGD, lr 0.07": run_optimizer_on_surface(lambda params: SGD(params, lr=0.07), bowl_start, bowl_steps, surface=bowl),
    "SGD, lr 0.01": run_optimizer_on_surface(lambda params: SGD(params, lr=0.01), bowl_start, bowl_steps, surface=bowl),
    "SGD + momentum 0.5, lr 0.07": run_optimizer_on_surface(
        lambda params: SGD(params, lr=0.07, momentum=0.5), bowl_start, bowl_steps, surface=bowl
    ),
    "Adam, lr 0.1": run_optimizer_on_surface(lambda params: Adam(params, lr=0.1), bowl_start, bowl_steps, surface=bowl),
}
figure = plot_trajectories(bowl, bowl_paths, markers_every=1)
figure.axes[0].set_title(f"f = (x² + 25 y²) / 2, {bowl_steps} steps from {bowl_start}")
figure.set_size_inches(8, 5)

display(markdown_table(
    ["optimizer", f"f after {bowl_steps} steps"],
    [[name, f"{path.values[-1]:.2e}"] for name, path in bowl_paths.items()],
))

# %% [markdown]
# Adam moves each coordinate by roughly $\eta$ whatever the size of its
# gradient (it divides by $\sqrt{v}$), so the steep direction no longer
# dictates the learning rate. The price shows near the minimum: its steps stay
# of order $\eta$ until the moving averages catch up, so on this simple bowl
# it is not the fastest. Well-tuned momentum is hard to beat on a quadratic.
#
# ### Rosenbrock's valley
#
# $f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2$ has its minimum at $(1, 1)$ at the
# bottom of a curved, flat valley. Every optimizer reaches the valley quickly;
# the race is along it. The learning rates are each optimizer's own sensible
# value for this surface (one rate for all would be unfair: see the page's
# failure modes).

# %%
rosenbrock = Rosenbrock()
rosenbrock_start = (-1.5, 2.0)
rosenbrock_steps = 1500
optimizers_2d = {
    "SGD (lr 1e-3)": lambda params: SGD(params, lr=1e-3),
    "SGD + momentum (lr 1e-3, 0.9)": lambda params: SGD(params, lr=1e-3, momentum=0.9),
    "RMSprop (lr 1e-2)": lambda params: RMSprop(params, lr=1e-2),
    "Adam (lr 0.05)": lambda params: Adam(params, lr=0.05),
    "AdamW (lr 0.05, decay 0.1)": lambda params: AdamW(params, lr=0.05, weight_decay=0.1),
}
rosenbrock_paths = {
    name: run_optimizer_on_surface(factory, rosenbrock_start, rosenbrock_steps, surface=rosenbrock)
    for name, factory in optimizers_2d.items()
}
figure = plot_trajectories(rosenbrock, rosenbrock_paths)
figure.set_size_inches(8, 6)

minimum = rosenbrock.minima[0]
rows = []
for name, path in rosenbrock_paths.items():
    distance = path.distance_to(minimum)
    close = np.flatnonzero(distance < 0.01)
    rows.append([
        name,
        f"{path.values[-1]:.2e}",
        f"({path.final_point[0]:.3f}, {path.final_point[1]:.3f})",
        str(close[0]) if len(close) else f"not within {rosenbrock_steps}",
    ])
display(markdown_table(["optimizer", "final f", "final point", "first step within 0.01 of (1, 1)"], rows))

# %% [markdown]
# * **SGD** crawls: the valley floor is nearly flat, so its gradient is tiny.
# * **Momentum** accumulates those tiny, consistent gradients into speed.
# * **RMSprop** takes steps of about $\eta$ in each coordinate; with
#   $\eta = 10^{-2}$ that is a slow, steady walk along the valley.
# * **Adam** combines both; it overshoots the bend, then settles.
# * **AdamW** stops short of $(1, 1)$: its weight decay pulls the point
#   towards the origin at every step, so it settles where the pull balances
#   the gradient. On a network that pull is the regulariser; here it shows
#   that weight decay changes *which* point is optimal.
#
# The loss along the way, on a log scale:

# %%
figure, axis = plt.subplots(figsize=(8, 4))
for name, path in rosenbrock_paths.items():
    axis.semilogy(path.values, label=name)
axis.set(xlabel="step", ylabel="f (log scale)", title="Rosenbrock: value along each path")
axis.legend(fontsize="small")
axis.grid(alpha=0.3)

# %% [markdown]
# ### Watch them move
#
# The same paths, replayed step by step: press play, or drag the slider. On
# the bowl (left), plain SGD at $\eta = 0.07$ bounces from one wall of the
# valley to the other, SGD at $\eta = 0.01$ creeps, momentum's bounces die
# out after a few steps, and Adam sets off on a diagonal (a step of about
# $\eta$ in $x$ and in $y$ alike), overshoots and curls back to the minimum.
# On Rosenbrock's valley (right) the race is along the curved floor towards
# the star: watch which dot arrives first, and how far plain SGD has got when
# the 1,500 steps are over. On the left there is a frame every two steps of
# the 60; on the right the frames are closer together at the start, where the
# paths change fastest, so read the step number in the title.

# %%
from IPython.display import HTML, display

from classroom.plots import animate_figure
from classroom.plots.animation import frame_indices
from classroom.plots.plane import plot_surface_contours

PATH_FRAMES = 30
bowl_frame_steps = frame_indices(bowl_steps + 1, PATH_FRAMES)
rosenbrock_frame_steps = np.round(rosenbrock_steps * np.linspace(0, 1, PATH_FRAMES) ** 2).astype(int)
race = {name: rosenbrock_paths[name] for name in
        ["SGD (lr 1e-3)", "SGD + momentum (lr 1e-3, 0.9)", "RMSprop (lr 1e-2)", "Adam (lr 0.05)"]}

figure, axes = plt.subplots(1, 2, figsize=(10.5, 4.2))
panels = []
for axis, surface, paths, frame_steps in ((axes[0], bowl, bowl_paths, bowl_frame_steps),
                                          (axes[1], rosenbrock, race, rosenbrock_frame_steps)):
    plot_surface_contours(surface, ax=axis)
    lines = []
    for colour, (name, path) in enumerate(paths.items()):
        (trail,) = axis.plot([], [], color=f"C{colour}", lw=1.4, label=name)
        (head,) = axis.plot([], [], "o", color=f"C{colour}", markeredgecolor="k", markersize=6)
        lines.append((path, trail, head))
    axis.legend(fontsize="x-small", loc="lower right")
    panels.append((axis, surface, lines, frame_steps))
figure.tight_layout()


def draw_paths(frame):
    """Draw every path up to its step of this frame, with a dot where the optimizer is."""
    for axis, surface, lines, frame_steps in panels:
        step = frame_steps[frame]
        for path, trail, head in lines:
            trail.set_data(path.points[: step + 1, 0], path.points[: step + 1, 1])
            head.set_data(path.points[step : step + 1, 0], path.points[step : step + 1, 1])
        axis.set_title(f"{surface.name}: step {step}")


display(HTML(animate_figure(figure, draw_paths, PATH_FRAMES, interval=150, dpi=64)))

# %% [markdown]
# ## 2. The classic Adam mistake: $1-\beta$ instead of $1-\beta^t$
#
# $m$ and $v$ start at zero. After $t$ steps of a constant gradient $g$,
# $m_t = (1-\beta_1^t)\, g$: too small early on. Dividing by $1-\beta_1^t$
# (the `bias_correction(beta, step)` method of `classroom.optim.Adam`) gives
# back exactly $g$. A frequent slip writes `1 - beta1` instead of
# `1 - beta1 ** t`. At $t = 1$ the two agree, so the first step is right and a
# one-step test passes. Afterwards, with a constant gradient the buggy step is
#
# $$
# \eta\,\frac{(1-\beta_1^t)/(1-\beta_1)}{\sqrt{(1-\beta_2^t)/(1-\beta_2)}}
# \;\xrightarrow{t\to\infty}\; \eta\,\frac{1/0.1}{\sqrt{1/0.001}} \approx 0.32\,\eta ,
# $$
#
# after rising to about $2\,\eta$ around step 12. The deliberate bug, as a
# subclass that overrides only that method:

# %%
class AdamWithClassicBiasCorrectionMistake(Adam):
    """Adam with the classic bug: divides by 1 - beta instead of 1 - beta**step."""

    def bias_correction(self, beta, step):
        return 1.0 - beta


def step_sizes_with_constant_gradient(optimizer_class, steps=3000, lr=0.01):
    """How far one parameter moves at each step when its gradient is always 2.0 (eps = 0)."""
    parameter = Parameter(np.zeros(1))
    optimizer = optimizer_class([parameter], lr=lr, eps=0.0)
    positions = [0.0]
    for _ in range(steps):
        parameter.grad[...] = 2.0
        optimizer.step()
        positions.append(float(parameter.data[0]))
    return np.abs(np.diff(positions))


correct_steps = step_sizes_with_constant_gradient(Adam)
buggy_steps = step_sizes_with_constant_gradient(AdamWithClassicBiasCorrectionMistake)
t = np.arange(1, len(buggy_steps) + 1)
predicted = 0.01 * ((1 - 0.9**t) / 0.1) / np.sqrt((1 - 0.999**t) / 0.001)

figure, axis = plt.subplots(figsize=(8, 3.8))
axis.semilogx(t, correct_steps / 0.01, label="Adam (1 - beta**t)")
axis.semilogx(t, buggy_steps / 0.01, label="buggy (1 - beta)")
axis.semilogx(t, predicted / 0.01, "k:", label="formula above")
axis.set(xlabel="step t (log scale)", ylabel="step size / lr", title="Constant gradient: how far each step moves")
axis.grid(alpha=0.3)
axis.legend()
print(f"step 1: correct {correct_steps[0]:.6f}, buggy {buggy_steps[0]:.6f}")
print(f"largest buggy step {buggy_steps.max() / 0.01:.2f} lr at t = {t[np.argmax(buggy_steps)]}, "
      f"last {buggy_steps[-1] / 0.01:.3f} lr")

# %% [markdown]
# The bug does not crash anything and training still "works", which is what
# makes it dangerous. The first steps side by side, on a parameter vector with
# a seeded sequence of random (synthetic) gradients; the last column is
# `torch.optim.Adam` when PyTorch is installed:

# %%
def run_adam_like(optimizer_class, n_steps=20, lr=0.01, seed=0):
    """Parameter values after each of ``n_steps`` steps with a seeded gradient sequence."""
    rng = np.random.default_rng(seed)
    start = rng.standard_normal(4)
    gradients = [rng.standard_normal(4) * (1 + 2 * np.sin(step)) for step in range(n_steps)]
    if optimizer_class == "torch":
        parameter = torch.nn.Parameter(torch.from_numpy(start.copy()))
        optimizer = torch.optim.Adam([parameter], lr=lr)
        history = []
        for gradient in gradients:
            parameter.grad = torch.from_numpy(gradient.copy())
            optimizer.step()
            history.append(parameter.detach().numpy().copy())
        return np.array(history)
    parameter = Parameter(start)
    optimizer = optimizer_class([parameter], lr=lr)
    history = []
    for gradient in gradients:
        parameter.grad[...] = gradient
        optimizer.step()
        history.append(parameter.data.copy())
    return np.array(history)


ours = run_adam_like(Adam)
buggy = run_adam_like(AdamWithClassicBiasCorrectionMistake)
reference = run_adam_like("torch") if torch is not None else None
rows = []
for step in (1, 2, 3, 5, 10, 20):
    row = [step, f"{ours[step - 1, 0]:.8f}", f"{buggy[step - 1, 0]:.8f}"]
    if reference is not None:
        row.append(f"{reference[step - 1, 0]:.8f}")
    rows.append(row)
header = ["step", "classroom Adam", "buggy Adam"] + (["torch.optim.Adam"] if reference is not None else [])
display(markdown_table(header, rows))

# %% [markdown]
# ### How a reference test catches it
#
# The package's test `tests/optim/test_optim_parity.py` runs every optimizer
# (17 configurations) and `torch.optim` on the same parameters and the same
# seeded gradients for **20 steps** and requires agreement to `rtol=1e-9`
# (`test_optimizer_matches_torch_for_twenty_steps`). Twenty steps, not one,
# because the bug is invisible at step 1. The same file keeps this very
# subclass as a regression check
# (`test_buggy_bias_correction_is_caught_by_the_torch_reference`), and a
# PyTorch-free check too: with a constant gradient every correct Adam step
# moves exactly $\eta$
# (`test_adam_with_constant_gradient_moves_lr_per_step_only_with_correct_bias_correction`).
#
# Here is the same comparison, live. A failing assertion is caught and printed
# so the notebook goes on.

# %%
def check_against_reference(name, values, reference_values):
    """Assert agreement like the parity test; print PASSED or the assertion message."""
    try:
        np.testing.assert_allclose(values, reference_values, rtol=1e-9, atol=1e-12,
                                   err_msg=f"{name} differs from the reference")
    except AssertionError as error:
        first_lines = "\n".join(str(error).strip().splitlines()[:6])
        print(f"FAILED  {name}\n{first_lines}\n")
    else:
        print(f"PASSED  {name}\n")


if reference is not None:
    print("Reference: torch.optim.Adam, 20 steps\n")
    check_against_reference("classroom Adam, step 1 only", ours[:1], reference[:1])
    check_against_reference("buggy Adam, step 1 only", buggy[:1], reference[:1])
    check_against_reference("classroom Adam, 20 steps", ours, reference)
    check_against_reference("buggy Adam, 20 steps", buggy, reference)
else:
    print("PyTorch is not installed: skipping the torch comparison.\n")

print("Reference without PyTorch: a constant gradient must move the parameter by lr every step\n")
for name, steps in (("classroom Adam", correct_steps), ("buggy Adam", buggy_steps)):
    check_against_reference(name, steps[:20], np.full(20, 0.01))

# %% [markdown]
# The one-step comparison passes for the buggy version too; twenty steps
# expose it. A test against a trusted reference, over enough steps to reach
# the code path that matters, is what turns "it trains" into "it is right".
#
# On Rosenbrock the buggy Adam follows almost the same path and still heads
# for the minimum, only more slowly at the end, where its steps have shrunk to
# about $0.3\,\eta$. Nothing looks broken, which is exactly why nobody notices
# such a bug from a loss curve:

# %%
comparison_paths = {
    "Adam": rosenbrock_paths["Adam (lr 0.05)"],
    "buggy Adam": run_optimizer_on_surface(
        lambda params: AdamWithClassicBiasCorrectionMistake(params, lr=0.05), rosenbrock_start, rosenbrock_steps
    ),
}
figure, axes = plt.subplots(1, 2, figsize=(13, 4.8))
plot_trajectories(rosenbrock, comparison_paths, ax=axes[0])
for name, path in comparison_paths.items():
    axes[1].semilogy(path.values, label=name)
axes[1].set(xlabel="step", ylabel="f (log scale)", title="Rosenbrock: Adam against the buggy Adam")
axes[1].legend()
axes[1].grid(alpha=0.3)
figure.tight_layout()
for name, path in comparison_paths.items():
    print(f"{name:11s} final f = {path.values[-1]:.2e}")

# %% [markdown]
# ## 3. RMSprop: $\varepsilon$ inside or outside the square root
#
# PyTorch (and `classroom.optim.RMSprop`) divide by $\sqrt{v} + \varepsilon$.
# Some implementations (TensorFlow 1's `RMSPropOptimizer`, for one) divide by
# $\sqrt{v + \varepsilon}$. It looks harmless with $\varepsilon = 10^{-8}$, but
# inside the root it puts a floor of $\sqrt{\varepsilon} = 10^{-4}$ under the
# denominator: gradients smaller than that are no longer normalised, so tiny
# gradients give tiny steps, the opposite of what RMSprop is for. A minimal
# version with that change (plain RMSprop only, no momentum or centering):

# %%
class RMSpropEpsInsideSqrt(RMSprop):
    """RMSprop dividing by sqrt(v + eps) instead of sqrt(v) + eps (plain variant only)."""

    def step(self):
        if self.momentum or self.centered or self.weight_decay:
            raise ValueError("this demonstration covers plain RMSprop only")
        for _, parameter, state in self._parameters_with_grad():
            if not state:
                state["square_avg"] = np.zeros_like(parameter.data)
            square_avg = state["square_avg"]
            square_avg *= self.alpha
            square_avg += (1 - self.alpha) * parameter.grad**2
            parameter.data -= self.lr * parameter.grad / np.sqrt(square_avg + self.eps)  # the difference
        self.step_count += 1


def first_rmsprop_steps(optimizer_class, gradient_scale, steps=10, lr=0.01):
    """Total distance moved in ``steps`` steps with a constant gradient of size ``gradient_scale``."""
    parameter = Parameter(np.zeros(1))
    optimizer = optimizer_class([parameter], lr=lr)
    for _ in range(steps):
        parameter.grad[...] = gradient_scale
        optimizer.step()
    return abs(float(parameter.data[0]))


rows = []
for scale in (1.0, 1e-2, 1e-4, 1e-6):
    outside = first_rmsprop_steps(RMSprop, scale)
    inside = first_rmsprop_steps(RMSpropEpsInsideSqrt, scale)
    rows.append([f"{scale:g}", f"{outside:.4f}", f"{inside:.6f}", f"{inside / outside:.4f}"])
display(markdown_table(["gradient size", "eps outside (PyTorch)", "eps inside the root", "ratio"], rows))

# %% [markdown]
# With gradients of size 1 the two agree to 7 digits, so a quick glance at a
# training curve shows nothing. The parity test's tolerance is tight enough to
# see even that:

# %%
def run_rmsprop_like(optimizer_class, n_steps=20, seed=0):
    """Parameter values after each step, with seeded synthetic gradients (as in the parity test)."""
    rng = np.random.default_rng(seed)
    start = rng.standard_normal(4)
    gradients = [rng.standard_normal(4) * (1 + 2 * np.sin(step)) for step in range(n_steps)]
    if optimizer_class == "torch":
        parameter = torch.nn.Parameter(torch.from_numpy(start.copy()))
        optimizer = torch.optim.RMSprop([parameter], lr=0.01)
    else:
        parameter = Parameter(start)
        optimizer = optimizer_class([parameter], lr=0.01)
    history = []
    for gradient in gradients:
        if optimizer_class == "torch":
            parameter.grad = torch.from_numpy(gradient.copy())
        else:
            parameter.grad[...] = gradient
        optimizer.step()
        history.append(parameter.detach().numpy().copy() if optimizer_class == "torch" else parameter.data.copy())
    return np.array(history)


if torch is not None:
    rmsprop_reference = run_rmsprop_like("torch")
    check_against_reference("classroom RMSprop, 20 steps", run_rmsprop_like(RMSprop), rmsprop_reference)
    check_against_reference("RMSprop with eps inside the root, 20 steps",
                            run_rmsprop_like(RMSpropEpsInsideSqrt), rmsprop_reference)
else:
    print("PyTorch is not installed: skipping the torch comparison.")

# %% [markdown]
# ## 4. The race on MNIST
#
# The weekend-1 network, an MLP 784-128-10 with ReLU, trained with each
# optimizer from the **same initial weights** and the **same mini-batch
# order** (seed 0), batch size 64. Each optimizer gets its usual starting
# learning rate (not tuned here): SGD 0.1, SGD + momentum 0.01 with
# momentum 0.9, RMSprop, Adam and AdamW $10^{-3}$ (AdamW with decay 0.01).
# A stratified part of the training images is held out for validation; the
# test set is used once per optimizer, at the end.

# %%
MNIST_OPTIMIZERS = {
    "SGD": lambda params: SGD(params, lr=0.1),
    "SGD + momentum": lambda params: SGD(params, lr=0.01, momentum=0.9),
    "RMSprop": lambda params: RMSprop(params, lr=1e-3),
    "Adam": lambda params: Adam(params, lr=1e-3),
    "AdamW": lambda params: AdamW(params, lr=1e-3, weight_decay=1e-2),
}
EPOCHS = 3 if QUICK else 10
TRAIN_SIZE = 10_000 if QUICK else 55_000
VALIDATION_SIZE = 2_000 if QUICK else 5_000


def standardised(images):
    """Flatten uint8 images to float32 rows with the MNIST training mean and std removed."""
    return (mnist_as_float(images) - np.float32(MNIST_MEAN)) / np.float32(MNIST_STD)


train_images, train_labels = load_mnist("train")
test_images, test_labels = load_mnist("test")
used = TRAIN_SIZE + VALIDATION_SIZE
fractions = (TRAIN_SIZE / len(train_labels), VALIDATION_SIZE / len(train_labels),
             1 - used / len(train_labels))
train_index, validation_index, _ = stratified_split(train_labels, fractions, seed=0)
train_data = (standardised(train_images[train_index]), train_labels[train_index])
validation_data = (standardised(train_images[validation_index]), train_labels[validation_index])
test_data = (standardised(test_images), test_labels)
print(f"{len(train_index)} training, {len(validation_index)} validation, {len(test_labels)} test images; "
      f"{EPOCHS} epochs")

histories, results = {}, []
for name, make_optimizer in MNIST_OPTIMIZERS.items():
    model = MLP(784, [128], 10, rng=np.random.default_rng(0))
    trainer = Trainer(model, CrossEntropyLoss(), make_optimizer(model.parameters()), progress=False)
    started = time.perf_counter()
    histories[name] = trainer.fit(train_data, validation_data, epochs=EPOCHS, batch_size=64, rng=0)
    seconds = time.perf_counter() - started
    test_scores = trainer.evaluate(*test_data)
    results.append([name, f"{histories[name]['val_loss'][-1]:.4f}", f"{histories[name]['val_accuracy'][-1]:.4f}",
                    f"{test_scores['accuracy']:.4f}", f"{seconds:.1f}"])
    print(f"{name:15s} done in {seconds:.1f} s")

# %%
figure, axes = plt.subplots(1, 2, figsize=(13, 4.2))
compare_histories(histories, "loss", ax=axes[0], title="loss: training (dashed), validation (solid)")
compare_histories(histories, "accuracy", ax=axes[1], title="accuracy: training (dashed), validation (solid)")
figure.tight_layout()
display(markdown_table(["optimizer", "final validation loss", "final validation accuracy", "test accuracy", "seconds"],
               results))

# %% [markdown]
# Read this with care: one seed, a short run, and a validation set on which
# one percentage point is only a handful of images (the standard error of an
# accuracy near 0.93 on 2,000 images is about 0.6 points). Differences that
# small are noise, not a ranking. What does show: the curves differ most in
# the first epoch, where the update rule matters most, and they come together
# as training goes on. The full run below repeats the race with three seeds.
#
# ### The full run
#
# `scripts/optimizers_mnist.py` runs the same race on 55,000 training images
# (5,002 held out for validation) for 10 epochs, **three seeds** per
# optimizer, and evaluates the 10,000 test images once per run. Command and
# result (22 November 2026, two shared CPU cores):
#
# ```
# OMP_NUM_THREADS=1 python scripts/optimizers_mnist.py --json optimizers_mnist.json
# ```
#
# | optimizer | settings | final validation loss (mean) | test accuracy (mean ± sd, 3 seeds) | seconds per run (mean) |
# |---|---|---|---|---|
# | SGD | lr=0.1 | 0.0734 | 0.9796 ± 0.0005 | 30.9 |
# | SGD + momentum | lr=0.01, momentum=0.9 | 0.0736 | 0.9792 ± 0.0004 | 19.7 |
# | RMSprop | lr=0.001 | 0.1028 | 0.9779 ± 0.0006 | 27.2 |
# | Adam | lr=0.001 | 0.0894 | 0.9774 ± 0.0009 | 37.3 |
# | AdamW | lr=0.001, weight_decay=0.01 | 0.0896 | 0.9772 ± 0.0016 | 32.1 |
#
# All five end within 0.25 percentage points of test accuracy. With these
# usual learning rates the two SGD variants finish slightly ahead, with a
# clearly lower validation loss. In the saved histories (`--json`) every run's
# validation loss bottoms out between epochs 5 and 10 and then rises while the
# training loss goes on falling (or levels off); for RMSprop, Adam and AdamW it bottoms out
# higher and rises further (RMSprop from 0.087-0.090 to 0.099-0.106), so at
# this learning rate they start to overfit sooner. The lesson is the one on the page:
# compare optimizers only after giving each its own learning-rate sweep and
# schedule, and over several seeds. The seconds are wall-clock time on a
# machine shared with other jobs (single runs ranged from 11 to 41 s), so they
# do not rank the optimizers; the extra element-wise work of Adam per step is
# small next to the matrix products.
#
# ## What to remember
#
# * Momentum adds memory: consistent gradients add up, oscillating ones cancel.
# * RMSprop and Adam divide by a running RMS of the gradient, giving every
#   parameter its own step size; Adam adds momentum and bias correction.
# * AdamW applies weight decay to the weights directly instead of through the
#   gradient, where Adam's normalisation would weaken it.
# * Optimizers are easy to get subtly wrong. Compare against a trusted
#   reference for many steps, with a tight tolerance.
