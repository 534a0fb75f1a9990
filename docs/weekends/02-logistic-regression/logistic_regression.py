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
# # Logistic regression from scratch, on Iris
#
# Logistic regression is the one-layer neural network: a linear layer, a
# sigmoid (or softmax) on top, and the cross-entropy loss. This notebook
# trains it by plain gradient descent with the course package and checks
# every number against scikit-learn on the **same split with the same
# regularisation**.
#
# 1. the data and a seeded, stratified split;
# 2. the math: the gradient of the cross-entropy, checked against the code;
# 3. binary logistic regression (versicolor against virginica, two features);
# 4. softmax regression on all three species, four features, then two
#    features for a picture.
#
# **Mode.** Iris has 150 flowers and every fit below takes about a second, so
# quick mode (`CLASSROOM_QUICK=1`, used to build the site) and full mode run
# exactly the same code; the next cell prints which one this is.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from classroom.config import quick_mode
from classroom.evaluation.tables import markdown_table
from classroom.data import load_iris, stratified_split
from classroom.evaluation.metrics import accuracy, confusion_matrix
from classroom.models.logistic import BinaryLogisticRegression, SoftmaxRegression
from classroom.nn import functional as F
from classroom.plots import plot_confusion_matrix
from classroom.plots.plane import plot_decision_boundary

# scikit-learn is only a comparison peer here; the package never imports it.
from sklearn.linear_model import LogisticRegression

QUICK = quick_mode()
print("quick mode" if QUICK else "full mode", "(identical here: Iris is tiny)")


# %% [markdown]
# ## 1. The data and the split
#
# Fisher's 150 flowers: four measurements in centimetres and one of three
# species, 50 of each.

# %%
iris = load_iris()
X_all, y_all = iris.data, iris.target
print(X_all.shape, X_all.dtype, "labels:", np.bincount(y_all), iris.target_names)
print(iris.feature_names)

figure, axes = plt.subplots(1, 2, figsize=(10, 4))
for species, name in enumerate(iris.target_names):
    members = y_all == species
    axes[0].scatter(X_all[members, 0], X_all[members, 1], label=name, s=18)
    axes[1].scatter(X_all[members, 2], X_all[members, 3], label=name, s=18)
axes[0].set(xlabel=iris.feature_names[0], ylabel=iris.feature_names[1], title="sepals")
axes[1].set(xlabel=iris.feature_names[2], ylabel=iris.feature_names[3], title="petals")
axes[1].legend()
figure.tight_layout()

# %% [markdown]
# Setosa stands apart; versicolor and virginica overlap a little, which makes
# them the interesting pair.
#
# We keep 20% of each species aside as a **test set** (a stratified split,
# seeded, so the run is reproducible). There is no validation set because we
# tune nothing: the regularisation strength is fixed in advance. Features are
# then **standardised** with the mean and standard deviation of the *training*
# part only, so no information from the test flowers leaks into training.

# %%
train_index, test_index = stratified_split(y_all, (0.8, 0.2), seed=0)
print(f"train {len(train_index)} flowers {np.bincount(y_all[train_index])}, "
      f"test {len(test_index)} flowers {np.bincount(y_all[test_index])}")

feature_mean = X_all[train_index].mean(axis=0)
feature_std = X_all[train_index].std(axis=0)


def standardise(X, columns=slice(None)):
    """Subtract the training mean and divide by the training std of the chosen columns."""
    return (X - feature_mean[columns]) / feature_std[columns]


X_train, y_train = standardise(X_all[train_index]), y_all[train_index]
X_test, y_test = standardise(X_all[test_index]), y_all[test_index]
print("largest |training mean| after standardising:", np.abs(X_train.mean(axis=0)).max())
print("training standard deviations after standardising:", X_train.std(axis=0))

# %% [markdown]
# ## 2. The math
#
# **Binary.** For one flower with features $x \in \mathbb{R}^d$ the model
# predicts $\hat p = \sigma(z)$ with the logit $z = w^\top x + b$ and
# $\sigma(z) = 1/(1 + e^{-z})$. The loss over $N$ flowers, with an L2 penalty
# of strength $\lambda$ on the weights (not on $b$), is
#
# $$
# J(w, b) = -\frac{1}{N}\sum_{i=1}^N \big[y_i \log \hat p_i + (1 - y_i)\log(1 - \hat p_i)\big]
#           + \frac{\lambda}{2}\lVert w\rVert^2 .
# $$
#
# Two facts make the gradient short. First $\sigma'(z) = \sigma(z)(1-\sigma(z))$.
# Second, for one sample $\ell = -y\log\sigma(z) - (1-y)\log(1-\sigma(z))$, so
#
# $$
# \frac{\partial \ell}{\partial z}
#   = -y\,\frac{\sigma(1-\sigma)}{\sigma} + (1-y)\,\frac{\sigma(1-\sigma)}{1-\sigma}
#   = -y(1-\sigma) + (1-y)\sigma = \hat p - y .
# $$
#
# "Prediction minus target". The chain rule through $z = w^\top x + b$ gives
#
# $$
# \nabla_w J = \frac{1}{N} X^\top (\hat p - y) + \lambda w, \qquad
# \frac{\partial J}{\partial b} = \frac{1}{N}\sum_i (\hat p_i - y_i).
# $$
#
# **Softmax.** With $K$ classes the model has one weight row per class,
# logits $z = W x + b \in \mathbb{R}^K$ and probabilities
# $\hat p_k = e^{z_k} / \sum_j e^{z_j}$. The cross-entropy of a flower of
# class $y$ is $\ell = -\log \hat p_y$, and the same cancellation gives
# $\partial \ell / \partial z_k = \hat p_k - [k = y]$. Stacking the one-hot
# targets in $Y$ ($N \times K$) and the probabilities in $P$:
#
# $$
# \nabla_W J = \frac{1}{N} (P - Y)^\top X + \lambda W, \qquad
# \nabla_b J = \frac{1}{N} \sum_i (P_i - Y_i).
# $$
#
# Gradient descent repeats $w \leftarrow w - \eta\,\nabla_w J$,
# $b \leftarrow b - \eta\,\partial J/\partial b$ with a learning rate $\eta$.
#
# The package's models compute these gradients with `Linear.backward` and the
# loss's `backward`. Let us check that the code and the formulas agree on the
# training data before trusting either.

# %%
check_model = SoftmaxRegression(4, 3, rng=np.random.default_rng(1))
logits = check_model(X_train)
check_model.zero_grad()
check_model.loss_fn(logits, y_train)
check_model.backward(check_model.loss_fn.backward())

P = F.softmax(logits, dim=1)
Y = np.eye(3)[y_train]
formula_grad_W = (P - Y).T @ X_train / len(X_train)
formula_grad_b = (P - Y).mean(axis=0)
print("max |backward - formula| for W:", np.max(np.abs(check_model.linear.weight.grad - formula_grad_W)))
print("max |backward - formula| for b:", np.max(np.abs(check_model.linear.bias.grad - formula_grad_b)))

# %% [markdown]
# They agree to rounding error. (The tests of the package also compare every
# backward pass with finite differences and with PyTorch.)
#
# ## 3. Binary: versicolor against virginica
#
# Two features, petal length and petal width, so that the boundary can be
# drawn. Label 1 is virginica, 0 is versicolor; setosa is left out.
#
# scikit-learn minimises $C\sum_i \ell_i + \tfrac12\lVert w\rVert^2$. Dividing
# by $C N$ shows it is our $J$ when $C = 1/(\lambda N)$, so both should land on
# the **same** coefficients, not just similar accuracy.

# %%
PETALS = [2, 3]
WEIGHT_DECAY = 0.01  # lambda, fixed in advance (not tuned on the test set)

binary_train = y_train > 0
binary_test = y_test > 0
Xb_train, yb_train = X_train[binary_train][:, PETALS], (y_train[binary_train] == 2).astype(np.int64)
Xb_test, yb_test = X_test[binary_test][:, PETALS], (y_test[binary_test] == 2).astype(np.int64)
print(f"{len(yb_train)} training and {len(yb_test)} test flowers; C = 1/(lambda N) = {1 / (WEIGHT_DECAY * len(yb_train)):.3f}")

binary_model = BinaryLogisticRegression(2, rng=np.random.default_rng(0))
started = time.perf_counter()
binary_history = binary_model.fit(Xb_train, yb_train, lr=0.5, epochs=2000, weight_decay=WEIGHT_DECAY)
print(f"2000 gradient steps in {time.perf_counter() - started:.2f} s; "
      f"objective {binary_history[0]:.4f} -> {binary_history[-1]:.6f}")

# %% [markdown]
# The loss curve, and how it depends on the learning rate. The problem is
# convex, so every rate that does not overshoot reaches the same minimum;
# a small rate just takes longer, and a rate that is too large (here 20)
# jumps across the valley and never settles. The right panel plots
# $J - J^\ast$ on a log scale (with $J^\ast$ the best value any run reached):
# a straight line there means the error shrinks by a constant factor per step.

# %%
curves = {}
for lr in (0.05, 0.5, 5.0, 20.0):
    model = BinaryLogisticRegression(2, rng=np.random.default_rng(0))
    curves[lr] = np.array(model.fit(Xb_train, yb_train, lr=lr, epochs=2000, weight_decay=WEIGHT_DECAY))
best_objective = min(curve.min() for curve in curves.values())

figure, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for lr, curve in curves.items():
    axes[0].plot(curve, label=f"lr = {lr}")
    axes[1].semilogy(np.maximum(curve - best_objective, 1e-16), label=f"lr = {lr}")
axes[0].set(xlabel="gradient step", ylabel="objective J", title="Binary logistic regression: loss", ylim=(0.25, 1.5))
axes[1].set(xlabel="gradient step", ylabel="J - J*", title="Distance to the minimum (log scale)")
for axis in axes:
    axis.legend()
    axis.grid(alpha=0.3)
figure.tight_layout()

# %% [markdown]
# Now scikit-learn on the same standardised features, the same labels and
# $C = 1/(\lambda N)$, solved to a tight tolerance.

# %%
binary_sklearn = LogisticRegression(C=1 / (WEIGHT_DECAY * len(yb_train)), tol=1e-12, max_iter=10_000)
binary_sklearn.fit(Xb_train, yb_train)

rows = []
for name, model in (("classroom (gradient descent)", binary_model), ("scikit-learn (lbfgs)", binary_sklearn)):
    w = model.coef_[0]
    rows.append([
        name,
        f"{w[0]:.5f}",
        f"{w[1]:.5f}",
        f"{model.intercept_[0]:.5f}",
        f"{accuracy(yb_train, model.predict(Xb_train)):.3f}",
        f"{accuracy(yb_test, model.predict(Xb_test)):.3f}",
    ])
display(markdown_table(["model", "w (petal length)", "w (petal width)", "b", "train accuracy", "test accuracy"], rows))
print("max |coef difference|:", np.max(np.abs(binary_model.coef_ - binary_sklearn.coef_)))
# Evaluate our objective J at scikit-learn's weights by copying them into a model.
sklearn_twin = BinaryLogisticRegression(2)
sklearn_twin.linear.weight.data[...] = binary_sklearn.coef_
sklearn_twin.linear.bias.data[...] = binary_sklearn.intercept_
print(f"J at our weights {binary_model.objective(Xb_train, yb_train, WEIGHT_DECAY):.10f}, "
      f"J at scikit-learn's {sklearn_twin.objective(Xb_train, yb_train, WEIGHT_DECAY):.10f}")

# %% [markdown]
# Same minimum, same coefficients to about five decimals: two different
# algorithms (gradient descent and L-BFGS) solved the same convex problem.
#
# The decision boundary is where $\hat p = 0.5$, i.e. where $w^\top x + b = 0$:
# a straight line. The plots are in centimetres; each model standardises the
# grid points with the training statistics before predicting.

# %%
def on_petals_in_cm(model):
    """Return predict(points in cm) for a model trained on standardised petal features."""
    return lambda points: model.predict(standardise(points, PETALS))


Xb_cm = X_all[test_index][binary_test][:, PETALS]
figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
for axis, (name, model) in zip(axes, (("classroom", binary_model), ("scikit-learn", binary_sklearn))):
    plot_decision_boundary(
        on_petals_in_cm(model),
        X_all[train_index][binary_train][:, PETALS],
        yb_train,
        ax=axis,
        feature_names=[iris.feature_names[2], iris.feature_names[3]],
        class_names=["versicolor", "virginica"],
        title=f"{name}: training flowers",
    )
    axis.scatter(Xb_cm[:, 0], Xb_cm[:, 1], marker="s", facecolor="none", edgecolor="red", s=60, label="test flowers")
    axis.legend(loc="upper left", fontsize="small")
figure.tight_layout()

# %% [markdown]
# The two lines coincide. A few training flowers sit on the wrong side: no
# straight line separates these two species perfectly, and the L2 penalty
# keeps the weights finite. The test flowers (red squares) are few, 20 here,
# so one mistake more or less moves the test accuracy by 5 points: treat small
# test sets with care.
#
# ## 4. Softmax regression: all three species
#
# First with all four features (the honest model), then with two for a picture.

# %%
softmax_model = SoftmaxRegression(4, 3, rng=np.random.default_rng(0))
started = time.perf_counter()
softmax_history = softmax_model.fit(X_train, y_train, lr=0.5, epochs=3000, weight_decay=WEIGHT_DECAY)
print(f"3000 gradient steps in {time.perf_counter() - started:.2f} s; "
      f"objective {softmax_history[0]:.4f} -> {softmax_history[-1]:.6f}")

softmax_sklearn = LogisticRegression(C=1 / (WEIGHT_DECAY * len(y_train)), tol=1e-12, max_iter=10_000)
softmax_sklearn.fit(X_train, y_train)

figure, axis = plt.subplots(figsize=(6, 3.5))
axis.plot(softmax_history)
axis.set(xlabel="gradient step", ylabel="objective J", title="Softmax regression: loss", yscale="log")
axis.grid(alpha=0.3)

# %% [markdown]
# Weights side by side: one row per species and model, one column per feature.

# %%
short_names = ["sepal length", "sepal width", "petal length", "petal width"]
rows = []
for species, species_name in enumerate(iris.target_names):
    for name, model in (("classroom", softmax_model), ("scikit-learn", softmax_sklearn)):
        rows.append([species_name, name, *(f"{value:+.4f}" for value in model.coef_[species]),
                     f"{model.intercept_[species]:+.4f}"])
display(markdown_table(["species", "model", *short_names, "b"], rows))

rows = []
for name, model in (("classroom", softmax_model), ("scikit-learn", softmax_sklearn)):
    rows.append([name, f"{accuracy(y_train, model.predict(X_train)):.3f}",
                 f"{accuracy(y_test, model.predict(X_test)):.3f}"])
display(markdown_table(["model", "train accuracy", "test accuracy"], rows))
print("max |coef difference|:", np.max(np.abs(softmax_model.coef_ - softmax_sklearn.coef_)))
print("max |intercept difference|:", np.max(np.abs(softmax_model.intercept_ - softmax_sklearn.intercept_)))

# %% [markdown]
# The weights read like a botanist's notes: setosa gets large negative weights
# on petal length and width (small petals), virginica large positive ones.
# Where do the remaining errors fall? Rows are the true species, columns the
# predicted one.

# %%
cm_train = confusion_matrix(y_train, softmax_model.predict(X_train), n_classes=3)
cm_test = confusion_matrix(y_test, softmax_model.predict(X_test), n_classes=3)
figure, axes = plt.subplots(1, 2, figsize=(10, 4))
plot_confusion_matrix(cm_train, iris.target_names, title="training flowers", ax=axes[0])
plot_confusion_matrix(cm_test, iris.target_names, title="test flowers", ax=axes[1])
figure.tight_layout()

# %% [markdown]
# All mistakes are between versicolor and virginica, as the scatter plot
# promised.
#
# Finally, softmax regression on the two petal features. The regions where
# each species has the highest probability are bounded by straight lines
# (where two logits are equal), meeting at one point.

# %%
softmax_petals = SoftmaxRegression(2, 3, rng=np.random.default_rng(0))
softmax_petals.fit(X_train[:, PETALS], y_train, lr=0.5, epochs=3000, weight_decay=WEIGHT_DECAY)
softmax_petals_sklearn = LogisticRegression(C=1 / (WEIGHT_DECAY * len(y_train)), tol=1e-12, max_iter=10_000)
softmax_petals_sklearn.fit(X_train[:, PETALS], y_train)

figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
for axis, (name, model) in zip(axes, (("classroom", softmax_petals), ("scikit-learn", softmax_petals_sklearn))):
    test_accuracy = accuracy(y_test, model.predict(X_test[:, PETALS]))
    plot_decision_boundary(
        on_petals_in_cm(model),
        X_all[train_index][:, PETALS],
        y_train,
        ax=axis,
        feature_names=[iris.feature_names[2], iris.feature_names[3]],
        class_names=iris.target_names,
        title=f"{name}: test accuracy {test_accuracy:.3f}",
    )
figure.tight_layout()
print("max |coef difference| (two features):", np.max(np.abs(softmax_petals.coef_ - softmax_petals_sklearn.coef_)))

# %% [markdown]
# ## What to remember
#
# * Logistic regression is a linear layer plus sigmoid/softmax plus
#   cross-entropy; its gradient is "prediction minus target" times the input.
# * Gradient descent and scikit-learn's L-BFGS reach the same weights because
#   the regularised problem is convex with one minimum, provided the penalty
#   is the same ($C = 1/(\lambda N)$) and the features are the same
#   (standardised with training statistics).
# * The decision boundaries are straight lines, which is why this model cannot
#   solve XOR and why the next weekends add depth.
