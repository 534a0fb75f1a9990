"""Weekend 1's ``TwoLayerNet`` checks: its layers, forward and backward against ``classroom.models.mlp.MLP``.

Also the helpers that give the learner's network and the reference the same
weights; the training and MNIST checks use them too.
"""

from __future__ import annotations

import numpy as np

from classroom import nn
from classroom.nn.gradcheck import numerical_gradient

from ..compare import ATOL, FD_ATOL, FD_RTOL, RTOL, as_ndarray, close, error_summary
from ..core import CheckFailed, register
from .reference import (
    WEEKEND,
    ReferenceTwoLayerNet,
    reference_cross_entropy,
    reference_cross_entropy_grad,
    reference_softmax,
)


def _net_weights(seed, n_in, hidden, n_out, dtype=np.float64):
    """Initial weights for both networks: classroom.nn.Linear's initialisation from a fixed seed."""
    rng = np.random.default_rng(seed)
    first, second = nn.Linear(n_in, hidden, rng=rng, dtype=dtype), nn.Linear(hidden, n_out, rng=rng, dtype=dtype)
    return [(first.weight.data.copy(), first.bias.data.copy()), (second.weight.data.copy(), second.bias.data.copy())]


def _linear_layers(model):
    layers = list(getattr(model, "layers", []))
    return [layer for layer in layers if hasattr(layer, "weight")]


def _set_net_weights(model, weights):
    linears = _linear_layers(model)
    if len(linears) != 2:
        raise CheckFailed("net-layers", f"model.layers holds {len(linears)} layers with a weight; expected 2 "
                          "(Linear, ReLU, Linear)",
                          "build self.layers = [Linear(in_features, hidden), ReLU(), Linear(hidden, out_features)] "
                          "from your own classes")
    for layer, (weight, bias) in zip(linears, weights):
        layer.weight = weight.copy()
        layer.bias = bias.copy()


def _make_nets(ns, seed, n_in, hidden, n_out, dtype=np.float64):
    weights = _net_weights(seed, n_in, hidden, n_out, dtype)
    learner = ns["TwoLayerNet"](n_in, hidden, n_out, rng=np.random.default_rng(seed))
    _set_net_weights(learner, weights)
    reference = ReferenceTwoLayerNet(n_in, hidden, n_out, dtype=dtype)
    _set_net_weights(reference, weights)
    return learner, reference


@register(WEEKEND, "network", "TwoLayerNet: layers", needs=["TwoLayerNet"],
          compared="TwoLayerNet(784, 128, 10).layers: three layers, the weight shapes (128, 784) and (10, 128)")
def _check_net_layers(ns):
    model = ns["TwoLayerNet"](784, 128, 10, rng=np.random.default_rng(0))
    layers = list(getattr(model, "layers", []))
    shapes = [tuple(np.shape(layer.weight)) for layer in layers if hasattr(layer, "weight")]
    if len(layers) != 3 or shapes != [(128, 784), (10, 128)] or hasattr(layers[1], "weight"):
        raise CheckFailed("net-layers", f"model.layers has {len(layers)} layers with weight shapes {shapes}; expected "
                          "3 layers (Linear, ReLU, Linear) with weights (128, 784) and (10, 128)",
                          "build self.layers = [Linear(in_features, hidden, rng=rng), ReLU(), Linear(hidden, "
                          "out_features, rng=rng)] from your own classes")
    return "Linear(784, 128), ReLU, Linear(128, 10)"


@register(WEEKEND, "network", "TwoLayerNet: forward", needs=["TwoLayerNet"],
          compared="TwoLayerNet.forward against classroom.models.mlp.MLP(in, [hidden], out) with the same weights "
                   "(batches of 6 and 1)")
def _check_net_forward(ns):
    for seed, n, sizes in [(80, 6, (5, 7, 3)), (81, 1, (8, 4, 10))]:
        learner, reference = _make_nets(ns, seed, *sizes)
        x = np.random.default_rng(seed + 100).standard_normal((n, sizes[0]))
        got = as_ndarray(learner.forward(x.copy()), "TwoLayerNet.forward")
        expected = reference.forward(x)
        where = f"TwoLayerNet{sizes} on a batch of {n}"
        if close(got, expected):
            continue
        first, second = reference.layers[0], reference.layers[2]
        linear_only = (x @ first.weight.T + first.bias) @ second.weight.T + second.bias
        if close(got, linear_only):
            raise CheckFailed("net-missing-relu", f"{where}: your output is two linear layers with no ReLU between them",
                              "apply self.layers in order, ReLU included: for layer in self.layers: x = layer.forward(x)")
        if close(got, reference_softmax(expected)):
            raise CheckFailed("net-returns-probabilities", f"{where}: your forward returns softmax probabilities",
                              "forward returns the logits; softmax belongs to the loss (cross_entropy), which is stable "
                              "only on logits")
        raise CheckFailed("net-forward-mismatch", f"{where}: "
                          f"{error_summary(got, expected) if got.shape == expected.shape else f'shape {got.shape}, expected {expected.shape}'}",
                          "forward applies Linear, ReLU, Linear in that order and returns the logits")
    return f"logits within {ATOL:g} + {RTOL:g}*|b| of classroom.models.mlp.MLP"


@register(WEEKEND, "network", "TwoLayerNet: backward", needs=["TwoLayerNet", "cross_entropy", "cross_entropy_grad"],
          compared="the gradients of both layers after TwoLayerNet.backward, against classroom.models.mlp.MLP and "
                   "against central differences of the cross-entropy (float64, a 5-7-3 network)")
def _check_net_backward(ns):
    n_in, hidden, n_out = 5, 7, 3
    learner, reference = _make_nets(ns, 90, n_in, hidden, n_out)
    rng = np.random.default_rng(190)
    x, y = rng.standard_normal((6, n_in)), rng.integers(0, n_out, 6)
    learner.backward(reference_cross_entropy_grad(np.asarray(learner.forward(x.copy())), y))
    reference.backward(reference_cross_entropy_grad(reference.forward(x), y))
    names = ("first Linear", "second Linear")
    for name, mine, theirs in zip(names, _linear_layers(learner), _linear_layers(reference)):
        for attribute in ("grad_weight", "grad_bias"):
            got, expected = np.asarray(getattr(mine, attribute)), getattr(theirs, attribute)
            if close(got, expected):
                continue
            if name == "first Linear":
                # Gradient that skipped the ReLU mask on the way down.
                second = reference.layers[2]
                grad_hidden = reference_cross_entropy_grad(reference.forward(x), y) @ second.weight
                unmasked = grad_hidden.T @ x if attribute == "grad_weight" else grad_hidden.sum(axis=0)
                if close(got, unmasked):
                    raise CheckFailed("net-backward-skips-relu", f"{name}.{attribute} ignores the ReLU: the gradient "
                                      "reached the first layer without the ReLU mask",
                                      "backward must visit every layer in reverse order, ReLU included: "
                                      "for layer in reversed(self.layers): grad = layer.backward(grad)")
            raise CheckFailed("net-backward-mismatch", f"{name}.{attribute}: "
                              f"{error_summary(got, expected) if got.shape == expected.shape else f'shape {got.shape}, expected {expected.shape}'}",
                              "pass the gradient through the layers in reverse order, each layer's backward "
                              "returning the gradient for the one below it")
    # Finite differences of the loss through the learner's forward, for every parameter.
    linears = _linear_layers(learner)

    def loss(_=None):
        return reference_cross_entropy(np.asarray(learner.forward(x)), y)

    learner.backward(reference_cross_entropy_grad(np.asarray(learner.forward(x)), y))
    analytic = [(np.array(layer.grad_weight, dtype=np.float64), np.array(layer.grad_bias, dtype=np.float64)) for layer in linears]
    for name, layer, (grad_weight, grad_bias) in zip(names, linears, analytic):
        for attribute, got in (("weight", grad_weight), ("bias", grad_bias)):
            numeric = numerical_gradient(loss, getattr(layer, attribute))
            if not close(got, numeric, FD_ATOL, FD_RTOL):
                raise CheckFailed("net-backward-mismatch", f"{name} d(loss)/d{attribute} vs central differences: "
                                  f"{error_summary(got, numeric, FD_ATOL, FD_RTOL)}",
                                  "pass the gradient through the layers in reverse order")
    return (f"both layers' gradients within {ATOL:g} + {RTOL:g}*|b| of MLP and within {FD_ATOL:g} + "
            f"{FD_RTOL:g}*|numeric| of central differences")
