"""ONNX export: the exported graphs compute what the NumPy models compute.

Oracle: ONNX Runtime (a test dependency only). Tolerance, stated once for
every comparison: float32 outputs agree within ``ATOL + RTOL * |expected|``
with ``ATOL = RTOL = 1e-4``; on real test images the top-1 class agrees for
every image whose two best logits are more than ``TIE = 1e-3`` apart (closer
ones may legitimately swap under float32 rounding; the test counts them).

* real data (skipped cleanly without it, failing in CI): the MNIST MLP on
  1,000 MNIST test digits, the CIFAR-10 CNN with batch norm (eval mode) and
  max-pooling on 500 CIFAR-10 test images, and a convolutional VAE's
  decoder (and encoder) on the latent codes of 256 CIFAR-10 test images;
  each model trained briefly so batch norm's running statistics are real,
  saved as the server saves it, read back by ``load_served_model`` and
  exported through ``classroom export-onnx``;
* every mapped layer on random inputs, the batch axis left free;
* ``onnx.checker`` on every exported file;
* the errors: a layer with no ONNX mapping (named, with the fix), an input
  shape that does not fit, a damaged model file, ``onnx`` not installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import IN_CI, require_dataset

ATOL = 1e-4
RTOL = 1e-4
TIE = 1e-3


def _require(module_name: str):
    try:
        return __import__(module_name)
    except ImportError:
        message = f"{module_name} is not installed (pip install -e '.[tests]')"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def onnx():
    return _require("onnx")


@pytest.fixture(scope="module")
def ort():
    return _require("onnxruntime")


def run_onnx(ort, path_or_bytes, inputs: np.ndarray) -> np.ndarray:
    """Run the exported graph on ``inputs`` with ONNX Runtime's CPU provider."""
    source = str(path_or_bytes) if isinstance(path_or_bytes, Path) else path_or_bytes
    session = ort.InferenceSession(source, providers=["CPUExecutionProvider"])
    (name,) = [node.name for node in session.get_inputs()]
    return session.run(None, {name: np.ascontiguousarray(inputs, dtype=np.float32)})[0]


def assert_close(got: np.ndarray, expected: np.ndarray, what: str) -> float:
    """Assert the stated tolerance and return the largest absolute difference."""
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, expected {expected.shape}"
    difference = np.abs(got.astype(np.float64) - expected.astype(np.float64))
    allowed = ATOL + RTOL * np.abs(expected.astype(np.float64))
    worst = np.unravel_index(np.argmax(difference - allowed), difference.shape)
    assert np.all(difference <= allowed), (
        f"{what}: ONNX Runtime differs from NumPy by {difference[worst]:.3g} at {worst} "
        f"(allowed {allowed[worst]:.3g})"
    )
    return float(difference.max())


def assert_same_top1(got: np.ndarray, expected: np.ndarray, what: str) -> None:
    ordered = np.sort(expected, axis=1)
    clear = (ordered[:, -1] - ordered[:, -2]) > TIE
    disagree = np.flatnonzero(clear & (got.argmax(axis=1) != expected.argmax(axis=1)))
    assert disagree.size == 0, f"{what}: top-1 differs on images {disagree[:10].tolist()}"
    assert clear.mean() > 0.95, f"{what}: only {clear.mean():.1%} of the images have a clear top-1"


def train_briefly(model, inputs, labels, *, steps: int, lr: float, batch_size: int = 64, seed: int = 0):
    """A few SGD steps, so the weights and batch norm's running statistics are those of a trained model."""
    from classroom.nn import CrossEntropyLoss
    from classroom.optim import SGD

    rng = np.random.default_rng(seed)
    loss_function = CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=lr, momentum=0.9)
    model.train()
    for _ in range(steps):
        index = rng.choice(len(inputs), size=batch_size, replace=False)
        loss_function(model(inputs[index]), labels[index])
        optimizer.zero_grad()
        model.backward(loss_function.backward())
        optimizer.step()
    model.eval()
    return model


def export_with_cli(model_path: Path, out: Path, *extra: str) -> Path:
    """``classroom export-onnx MODEL OUT``, as a learner runs it."""
    from classroom.cli import main

    assert main(["export-onnx", str(model_path), str(out), *extra]) == 0
    return out


def preprocess_all(served, images: np.ndarray) -> np.ndarray:
    """Each test image through the server's preprocessing (the one saved in the model file)."""
    from PIL import Image

    return np.stack([served.preprocessing(Image.fromarray(image)) for image in images])


def stratified(labels: np.ndarray, per_class: int) -> np.ndarray:
    return np.concatenate([np.flatnonzero(labels == label)[:per_class] for label in np.unique(labels)])


# --------------------------------------------------------------------------
# Real test images
# --------------------------------------------------------------------------
@pytest.mark.data
def test_the_mnist_mlp_matches_onnxruntime_on_mnist_test_digits(tmp_path, onnx, ort, capsys):
    require_dataset("mnist")
    from classroom.data import load_mnist, mnist_as_float
    from classroom.models.registry import build_model
    from classroom.serve.model_file import export_model, load_served_model

    train_images, train_labels = load_mnist("train")
    test_images, _ = load_mnist("test")
    architecture = {"name": "mlp", "in_features": 784, "hidden_sizes": [128], "out_features": 10}
    model = train_briefly(build_model(architecture), mnist_as_float(train_images[:6000]), train_labels[:6000], steps=150, lr=0.1)
    model_path = export_model(
        tmp_path / "mnist_mlp.npz",
        model,
        metadata={
            "name": "mnist-mlp", "architecture": architecture, "input_shape": [784],
            "classes": [str(digit) for digit in range(10)],
            "preprocess": {"mode": "L", "size": [28, 28], "mean": [0.0], "std": [1.0], "invert": "auto"},
        },
    )
    onnx_path = export_with_cli(model_path, tmp_path / "mnist_mlp.onnx")
    assert "wrote" in capsys.readouterr().out
    onnx.checker.check_model(str(onnx_path), full_check=True)

    served = load_served_model(model_path)
    inputs = preprocess_all(served, test_images[:1000]).reshape(1000, 784)
    np.testing.assert_allclose(inputs, mnist_as_float(test_images[:1000]), atol=1e-6)  # the saved preprocessing
    expected = np.asarray(served.model(inputs))
    got = run_onnx(ort, onnx_path, inputs)
    worst = assert_close(got, expected, "MNIST MLP logits")
    assert_same_top1(got, expected, "MNIST MLP")
    print(f"MNIST MLP, 1,000 test digits: largest logit difference {worst:.2e}")


@pytest.mark.data
def test_the_cifar_cnn_with_batch_norm_and_pooling_matches_onnxruntime_on_cifar10_test_images(tmp_path, onnx, ort):
    require_dataset("cifar10")
    from classroom.data import CIFAR10_CLASSES, CIFAR10_MEAN, CIFAR10_STD, load_cifar10
    from classroom.models.registry import build_model
    from classroom.nn import BatchNorm2d, MaxPool2d
    from classroom.serve.model_file import load_served_model
    from classroom.io import save_model

    train_images, train_labels = load_cifar10("train")
    test_images, test_labels = load_cifar10("test")
    mean = np.asarray(CIFAR10_MEAN, np.float32)
    std = np.asarray(CIFAR10_STD, np.float32)
    subset = np.random.default_rng(0).permutation(len(train_images))[:4000]
    x_train = ((train_images[subset] / np.float32(255) - mean) / std).transpose(0, 3, 1, 2).astype(np.float32)
    architecture = {"name": "cifar_cnn", "widths": [8, 16, 32, 64], "convs_per_stage": [1, 2, 1, 1], "seed": 0}
    model = train_briefly(build_model(architecture), x_train, train_labels[subset], steps=20, lr=0.05, batch_size=32)
    norms = [layer for layer in model.modules() if isinstance(layer, BatchNorm2d)]
    assert norms and any(isinstance(layer, MaxPool2d) for layer in model.modules())
    assert all(not np.allclose(layer.running_var, 1.0) for layer in norms), "batch norm saw no data"

    # Saved as scripts/train_cifar10.py saves it: "normalization" instead of "preprocess".
    model_path = save_model(
        tmp_path / "model.npz",
        model,
        metadata={
            "name": "cifar10-cnn", "architecture": architecture, "input_shape": [3, 32, 32],
            "classes": list(CIFAR10_CLASSES), "normalization": {"mean": mean.tolist(), "std": std.tolist()},
        },
    )
    onnx_path = export_with_cli(model_path, tmp_path / "cifar_cnn.onnx")
    onnx.checker.check_model(str(onnx_path), full_check=True)
    operators = {node.op_type for node in onnx.load(str(onnx_path)).graph.node}
    assert {"Conv", "BatchNormalization", "MaxPool", "GlobalAveragePool", "Gemm"} <= operators

    served = load_served_model(model_path)
    picked = stratified(test_labels, 50)
    inputs = preprocess_all(served, test_images[picked])
    expected = np.asarray(served.model(inputs))
    got = run_onnx(ort, onnx_path, inputs)
    worst = assert_close(got, expected, "CIFAR-10 CNN logits")
    assert_same_top1(got, expected, "CIFAR-10 CNN")
    print(f"CIFAR-10 CNN, {len(picked):,} test images: largest logit difference {worst:.2e}")


@pytest.mark.data
def test_the_vae_decoder_matches_onnxruntime_on_codes_of_cifar10_test_images(tmp_path, onnx, ort):
    require_dataset("cifar10")
    from classroom.data import load_cifar10, to_float_nchw
    from classroom.io import save_model
    from classroom.models.registry import build_model
    from classroom.optim import Adam

    train_images, _ = load_cifar10("train")
    test_images, test_labels = load_cifar10("test")
    architecture = {"name": "conv_vae", "image_size": 32, "channels": 3, "latent_dim": 16,
                    "widths": [16, 32, 64], "batch_norm": True}
    model = build_model(architecture)
    optimizer = Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    x_train = to_float_nchw(train_images[:2000])
    model.train()
    for _ in range(10):
        optimizer.zero_grad()
        model.loss_and_backward(x_train[rng.choice(len(x_train), 32, replace=False)], rng)
        optimizer.step()
    model.eval()
    model_path = save_model(tmp_path / "vae.npz", model, metadata={"name": "cifar-vae", "architecture": architecture})

    decoder_path = export_with_cli(model_path, tmp_path / "decoder.onnx")  # a VAE exports its decoder
    encoder_path = export_with_cli(model_path, tmp_path / "encoder.onnx", "--part", "encoder")
    for path in (decoder_path, encoder_path):
        onnx.checker.check_model(str(path), full_check=True)
    decoder = onnx.load(str(decoder_path))
    assert [tensor.name for tensor in decoder.graph.input] == ["z"]
    assert {"ConvTranspose", "BatchNormalization"} <= {node.op_type for node in decoder.graph.node}

    images = to_float_nchw(test_images[stratified(test_labels, 26)[:256]])
    codes = np.asarray(model.encoder(images))
    assert_close(run_onnx(ort, encoder_path, images), codes, "VAE encoder")
    z = codes[:, : model.latent_dim]  # the means of q(z | x)
    expected = np.asarray(model.decoder(z))
    worst = assert_close(run_onnx(ort, decoder_path, z), expected, "VAE decoder mean images")
    print(f"VAE decoder, codes of 256 test images: largest pixel difference {worst:.2e}")


# --------------------------------------------------------------------------
# Every layer the exporter maps
# --------------------------------------------------------------------------
def _layer_cases():
    from classroom import nn

    rng = np.random.default_rng(0)

    def randomise_norm(layer):
        layer.running_mean[:] = rng.normal(size=layer.num_features)
        layer.running_var[:] = rng.uniform(0.3, 3.0, size=layer.num_features)
        if layer.affine:
            layer.weight.data[:] = rng.normal(size=layer.num_features)
            layer.bias.data[:] = rng.normal(size=layer.num_features)
        return layer

    return {
        "linear-relu-softmax": (nn.Sequential(nn.Linear(12, 9, rng=0), nn.ReLU(), nn.Linear(9, 5, rng=1), nn.Softmax(dim=1)), (12,)),
        "linear-on-rank-3": (nn.Sequential(nn.Linear(6, 4, rng=0), nn.Tanh(), nn.Linear(4, 3, bias=False, rng=1)), (5, 6)),
        "activations-dropout": (nn.Sequential(nn.LeakyReLU(0.2), nn.Dropout(0.5), nn.Sigmoid(), nn.Softmax(dim=-1)), (7,)),
        "batchnorm1d": (nn.Sequential(nn.Linear(8, 6, rng=0), randomise_norm(nn.BatchNorm1d(6)), nn.ReLU()), (8,)),
        "conv-bn-pools": (
            nn.Sequential(
                nn.Conv2d(3, 4, 3, stride=1, padding=1, rng=0), randomise_norm(nn.BatchNorm2d(4)), nn.ReLU(),
                nn.MaxPool2d(3, stride=2, padding=1), nn.Conv2d(4, 5, (3, 2), stride=(2, 1), padding=(1, 0), bias=False, rng=1),
                nn.AvgPool2d(2, stride=1, padding=1), randomise_norm(nn.BatchNorm2d(5, affine=False)),
                nn.AdaptiveAvgPool2d((2, 7)), nn.Flatten(), nn.Linear(70, 4, rng=2),
            ),
            (3, 12, 13),
        ),
        "decoder": (
            nn.Sequential(
                nn.Linear(4, 2 * 3 * 3, rng=0), nn.Unflatten(1, (2, 3, 3)), nn.ReLU(),
                nn.ConvTranspose2d(2, 3, 4, stride=2, padding=1, rng=1), randomise_norm(nn.BatchNorm2d(3)),
                nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1, bias=False, rng=2),
                nn.Flatten(2, 3),
            ),
            (4,),
        ),
    }


@pytest.mark.parametrize("case", sorted(_layer_cases()))
def test_every_mapped_layer_matches_onnxruntime_with_a_free_batch_axis(case, tmp_path, onnx, ort):
    from classroom.io.onnx_export import save_onnx

    model, input_shape = _layer_cases()[case]
    path = save_onnx(model, tmp_path / f"{case}.onnx", input_shape)
    onnx.checker.check_model(str(path), full_check=True)
    proto = onnx.load(str(path))
    assert proto.opset_import[0].version == 17 and proto.ir_version == 8
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    rng = np.random.default_rng(1)
    for batch in (1, 7):
        x = rng.normal(size=(batch, *input_shape)).astype(np.float32)
        assert_close(run_onnx(ort, path, x), np.asarray(model(x)), f"{case}, batch {batch}")


def test_the_checker_rejects_a_graph_whose_weights_were_cut_off(tmp_path, onnx):
    """onnx.checker is a real check: the same file with its last weight removed fails it."""
    from classroom import nn
    from classroom.io.onnx_export import to_onnx

    proto = to_onnx(nn.Sequential(nn.Linear(4, 3, rng=0)), (4,))
    onnx.checker.check_model(proto, full_check=True)
    del proto.graph.initializer[-1]
    with pytest.raises(onnx.checker.ValidationError):
        onnx.checker.check_model(proto, full_check=True)


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------
def _swish_model():
    from classroom import nn

    class Swish(nn.Module):
        def forward(self, x):
            return x / (1 + np.exp(-x))

    return nn.Sequential(nn.Linear(4, 3, rng=0), nn.Sequential(nn.ReLU(), Swish()))


def test_a_layer_with_no_onnx_mapping_is_named_with_the_fix(onnx):
    from classroom.io.onnx_export import OnnxExportError, to_onnx

    with pytest.raises(OnnxExportError) as caught:
        to_onnx(_swish_model(), (4,))
    message = str(caught.value)
    assert "layer '1.1' (Swish) has no ONNX mapping" in message
    assert "register_onnx_converter" in message and "Conv2d" in message


def test_a_subclass_that_changes_forward_is_not_exported_as_its_base(onnx):
    from classroom import nn
    from classroom.io.onnx_export import OnnxExportError, to_onnx

    class Squared(nn.ReLU):
        def forward(self, x):
            return super().forward(x) ** 2

    class Renamed(nn.ReLU):
        pass

    to_onnx(nn.Sequential(nn.Linear(3, 2, rng=0), Renamed()), (3,))
    with pytest.raises(OnnxExportError, match=r"layer '1' \(Squared\) has no ONNX mapping"):
        to_onnx(nn.Sequential(nn.Linear(3, 2, rng=0), Squared()), (3,))


def test_a_registered_converter_exports_the_layer(onnx, ort):
    from classroom.io import onnx_export, onnx_layers

    model = _swish_model()
    swish = type(model[1][1])

    def convert(layer, graph, x, in_shape, out_shape, where):
        return graph.node("Mul", [x, graph.node("Sigmoid", [x], where)], where)

    onnx_export.register_onnx_converter(swish, convert)
    try:
        proto = onnx_export.to_onnx(model, (4,))
        x = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
        assert_close(run_onnx(ort, proto.SerializeToString(), x), np.asarray(model(x)), "registered Swish")
        with pytest.raises(ValueError, match="already has an ONNX converter"):
            onnx_export.register_onnx_converter(swish, convert)
    finally:
        onnx_layers._CONVERTERS.pop(swish, None)


def test_the_cli_names_the_unknown_layer_and_leaves_an_existing_file_alone(tmp_path, capsys, onnx):
    from classroom.cli import main
    from classroom.io import save_model
    from classroom.models import registry

    registry.register_architecture("swish_test_model", lambda: _swish_model(), overwrite=True)
    try:
        model_path = save_model(tmp_path / "swish.npz", _swish_model(), metadata={
            "architecture": {"name": "swish_test_model"}, "input_shape": [4]})
        out = tmp_path / "swish.onnx"
        out.write_bytes(b"the previous export")
        assert main(["export-onnx", str(model_path), str(out)]) == 2
    finally:
        registry._BUILDERS.pop("swish_test_model", None)
    error = capsys.readouterr().err
    assert "layer '1.1' (Swish) has no ONNX mapping" in error
    assert out.read_bytes() == b"the previous export"
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".part")] == []


def test_unequal_adaptive_pooling_bins_are_refused_by_name(onnx):
    from classroom import nn
    from classroom.io.onnx_export import OnnxExportError, to_onnx

    with pytest.raises(OnnxExportError, match=r"layer '0' \(AdaptiveAvgPool2d\) pools a 5x5 map into 2x2 bins"):
        to_onnx(nn.Sequential(nn.AdaptiveAvgPool2d(2)), (3, 5, 5))


def test_an_input_shape_that_does_not_fit_names_the_layer(onnx):
    from classroom import nn
    from classroom.io.onnx_export import OnnxExportError, to_onnx

    with pytest.raises(OnnxExportError, match=r"layer '0' \(Linear\) does not accept an input of shape \(batch, 5\)"):
        to_onnx(nn.Sequential(nn.Linear(4, 2, rng=0)), (5,))


def test_a_changed_model_file_is_refused_before_export(tmp_path, onnx):
    from classroom.io.onnx_export import OnnxExportError, export_model_file
    from classroom.models.registry import build_model
    from classroom.serve.model_file import export_model

    architecture = {"name": "mlp", "in_features": 4, "hidden_sizes": [3], "out_features": 2}
    path = export_model(tmp_path / "m.npz", build_model(architecture), metadata={
        "name": "m", "architecture": architecture, "input_shape": [4], "classes": ["a", "b"],
        "preprocess": {"mode": "L", "size": [2, 2]}})
    export_model_file(path, tmp_path / "ok.onnx", build_model=build_model)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(OnnxExportError, match="checksum mismatch"):
        export_model_file(path, tmp_path / "bad.onnx", build_model=build_model)
    assert not (tmp_path / "bad.onnx").exists()


def test_the_model_file_metadata_travels_with_the_graph(tmp_path, onnx):
    from classroom.io.onnx_export import METADATA_PROP, export_model_file
    from classroom.io import file_sha256, save_model
    from classroom.models.registry import build_model

    architecture = {"name": "mlp", "in_features": 4, "hidden_sizes": [], "out_features": 2}
    metadata = {"architecture": architecture, "input_shape": [4], "classes": ["no", "yes"]}
    path = save_model(tmp_path / "m.npz", build_model(architecture), metadata=metadata)
    proto = onnx.load(str(export_model_file(path, tmp_path / "m.onnx", build_model=build_model)))
    props = {entry.key: entry.value for entry in proto.metadata_props}
    assert json.loads(props[METADATA_PROP])["classes"] == ["no", "yes"]
    assert props["classroom.source_sha256"] == file_sha256(path)


def test_onnx_is_imported_only_when_exporting_and_its_absence_says_how_to_install(tmp_path):
    """``import classroom`` (and the CLI) never import onnx; exporting without it names the extra."""
    script = (
        "import sys\n"
        "sys.modules['onnx'] = None  # as if it were not installed\n"
        "import classroom, classroom.io, classroom.cli, classroom.io.onnx_export as ox\n"
        "from classroom import nn\n"
        "try:\n"
        "    ox.to_onnx(nn.Sequential(nn.Linear(2, 2)), (2,))\n"
        "except ImportError as error:\n"
        "    print('ImportError:', error)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert result.returncode == 0, result.stderr
    assert 'ImportError: exporting to ONNX needs the \'onnx\' package' in result.stdout
    assert 'pip install "ml-classroom[onnx]"' in result.stdout

    probe = "import sys, classroom, classroom.io, classroom.cli, classroom.io.onnx_export; print('onnx' in sys.modules)"
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert imported.stdout.strip() == "False", imported.stderr
