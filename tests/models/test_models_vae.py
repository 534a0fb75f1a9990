"""Tests of ``classroom.models.vae`` and ``classroom.models.vae_base``: the ELBO's gradient, sampling, rebuilding.

Unit tests use small synthetic arrays (random numbers, labelled as such).
The formulas are tested in ``test_models_elbo.py``, the training loop in
``tests/train/test_train_vae.py``, the image grid in
``tests/plots/test_plots_grids.py``.
"""

from __future__ import annotations

import importlib
import math
import warnings

import numpy as np
import pytest

from classroom.io import load_model, load_model_state, save_model
from classroom.models.registry import build_model, registered_architectures
from classroom.models.vae import MLPVAE, ConvVAE
from classroom.models.vae_base import VAE
from classroom.nn.gradcheck import numerical_gradient


def tiny_models():
    """Small float64 VAEs for finite-difference checks (built fresh on every call)."""
    return {
        "conv": ConvVAE(image_size=8, channels=2, latent_dim=3, widths=(3, 4), dtype=np.float64, rng=1),
        "conv-fixed-sigma": ConvVAE(
            image_size=4, channels=1, latent_dim=2, widths=(2,), learn_sigma=False, sigma=0.5, dtype=np.float64, rng=2
        ),
        "conv-batch-norm": ConvVAE(
            image_size=8, channels=2, latent_dim=3, widths=(3, 4), batch_norm=True, dtype=np.float64, rng=4
        ),
        "mlp": MLPVAE(image_size=3, channels=2, latent_dim=2, hidden=(5, 4), dtype=np.float64, rng=3),
    }


@pytest.mark.parametrize("kind", ["conv", "conv-fixed-sigma", "conv-batch-norm", "mlp"])
def test_negative_elbo_gradient_matches_finite_differences_for_every_parameter(kind):
    model = tiny_models()[kind]
    data_rng = np.random.default_rng(5)
    # Synthetic images in [0, 1].
    x = data_rng.random((3, *model.image_shape))
    # Move log_sigma and the weights away from their initial values so that
    # every term of the gradient matters.
    for parameter in model.parameters():
        parameter.data += 0.1 * data_rng.standard_normal(parameter.shape)

    def loss(_):
        # The same seed gives the same eps as in loss_and_backward.
        neg_elbo, _, _ = model.negative_elbo(x, np.random.default_rng(7))
        return float(np.mean(neg_elbo))

    model.zero_grad()
    value, reconstruction, kl = model.loss_and_backward(x, np.random.default_rng(7))
    assert value == pytest.approx(loss(None), rel=1e-12)
    assert value == pytest.approx(reconstruction + kl, rel=1e-12)
    names = [name for name, _ in model.named_parameters()]
    assert ("log_sigma" in names) == model.learn_sigma
    for name, parameter in model.named_parameters():
        numerical = numerical_gradient(loss, parameter.data)
        np.testing.assert_allclose(parameter.grad, numerical, rtol=1e-5, atol=1e-6, err_msg=name)


def test_sample_reconstruct_and_interpolate_return_images_in_range(rng):
    model = ConvVAE(image_size=16, channels=3, latent_dim=4, widths=(4, 8))
    x = rng.random((3, 3, 16, 16)).astype(np.float32)  # synthetic
    samples = model.sample(5, rng)
    reconstructions = model.reconstruct(x)
    path = model.interpolate(x[0], x[1], steps=4)
    assert samples.shape == (5, 3, 16, 16)
    assert reconstructions.shape == x.shape
    assert path.shape == (4, 3, 16, 16)
    for images in (samples, reconstructions, path):
        assert images.dtype == np.float32
        assert images.min() >= 0.0 and images.max() <= 1.0
    np.testing.assert_allclose(path[0], reconstructions[0], atol=1e-6)
    np.testing.assert_allclose(path[-1], reconstructions[1], atol=1e-6)
    assert model.training, "inference must restore training mode"


def test_sampling_is_reproducible_with_a_seeded_rng():
    model = MLPVAE(image_size=4, channels=1, latent_dim=2, hidden=(6,))
    first = model.sample(3, np.random.default_rng(9))
    second = model.sample(3, np.random.default_rng(9))
    np.testing.assert_array_equal(first, second)


def test_a_kl_weight_scales_only_the_kl_part_of_the_gradient_and_not_the_reported_loss():
    model = tiny_models()["conv"]
    x = np.random.default_rng(5).random((3, *model.image_shape))  # synthetic
    gradients, losses = {}, {}
    for weight in (0.0, 0.5, 1.0):
        model.zero_grad()
        losses[weight] = model.loss_and_backward(x, np.random.default_rng(7), kl_weight=weight)
        gradients[weight] = {name: parameter.grad.copy() for name, parameter in model.named_parameters()}
    assert losses[0.0] == losses[0.5] == losses[1.0]
    # The gradient is linear in the weight: half-way is the mean of the ends, and the ends differ.
    for name in gradients[1.0]:
        np.testing.assert_allclose(gradients[0.5][name], 0.5 * (gradients[0.0][name] + gradients[1.0][name]),
                                   rtol=1e-10, atol=1e-12, err_msg=name)
    assert not np.allclose(gradients[0.0]["encoder.5.weight"], gradients[1.0]["encoder.5.weight"])


def test_sampling_at_a_lower_temperature_decodes_the_same_codes_scaled():
    model = MLPVAE(image_size=4, channels=1, latent_dim=2, hidden=(6,), rng=0)
    z = np.random.default_rng(9).standard_normal((3, 2))
    cold = model.sample(3, np.random.default_rng(9), temperature=0.5)
    np.testing.assert_allclose(cold, np.clip(model.decode((0.5 * z).astype(np.float32)), 0, 1), atol=1e-6)
    assert not np.allclose(cold, model.sample(3, np.random.default_rng(9)))
    with pytest.raises(ValueError, match="temperature > 0"):
        model.sample(3, np.random.default_rng(9), temperature=0.0)


def test_a_latent_traversal_changes_one_coordinate_per_row(rng):
    model = ConvVAE(image_size=16, channels=3, latent_dim=4, widths=(4, 8))
    face = rng.random((3, 16, 16)).astype(np.float32)  # synthetic
    values = np.linspace(-3, 3, 5)
    grid = model.traverse(face, [2, 0], values)
    assert grid.shape == (10, 3, 16, 16)
    model.eval()
    mu, _ = model.encode(face[None])
    model.train()
    expected = np.repeat(mu, 10, axis=0)
    expected[:5, 2] = values
    expected[5:, 0] = values
    model.eval()
    np.testing.assert_allclose(grid, np.clip(model.decode(expected.astype(np.float32)), 0, 1), atol=1e-6)
    model.train()
    with pytest.raises(ValueError, match=r"dimensions \[4\] are outside \[0, 4\)"):
        model.traverse(face, [4], values)


def test_vae_rejects_images_of_the_wrong_shape_or_dtype(rng):
    model = ConvVAE(image_size=16, channels=3, latent_dim=4, widths=(4, 8))
    with pytest.raises(ValueError, match=r"expects images of shape \(batch, 3, 16, 16\), got \(2, 3, 32, 32\)"):
        model.loss_and_backward(rng.random((2, 3, 32, 32)).astype(np.float32), rng)
    with pytest.raises(TypeError, match="float64 images"):
        model.reconstruct(rng.random((2, 3, 16, 16)))
    with pytest.raises(TypeError, match="dequantize"):
        model.reconstruct(np.zeros((2, 3, 16, 16), dtype=np.uint8))


def test_conv_vae_rejects_an_image_size_it_cannot_halve():
    with pytest.raises(ValueError, match="divisible by 8"):
        ConvVAE(image_size=20, widths=(4, 8, 16))


@pytest.mark.parametrize("batch_norm", [False, True])
def test_saved_vae_loads_into_a_model_built_from_its_architecture(tmp_path, rng, batch_norm):
    model = ConvVAE(image_size=8, channels=3, latent_dim=3, widths=(4, 5), batch_norm=batch_norm, rng=4)
    model.log_sigma.data[:] = -2.0
    model.loss_and_backward(rng.random((4, 3, 8, 8)).astype(np.float32), rng)  # updates batch-norm statistics
    path = save_model(tmp_path / "vae.npz", model, metadata={"architecture": model.architecture()})
    loaded = build_model({**model.architecture(), "seed": 99})
    metadata = load_model(path, loaded)
    assert metadata["architecture"]["name"] == "conv_vae"
    assert type(loaded) is ConvVAE
    x = rng.random((2, 3, 8, 8)).astype(np.float32)
    np.testing.assert_array_equal(loaded.reconstruct(x), model.reconstruct(x))
    assert loaded.sigma == pytest.approx(math.exp(-2.0))


def test_the_vaes_are_registered_and_rebuild_from_their_architecture():
    assert {"conv_vae", "mlp_vae"} <= set(registered_architectures())
    for model in tiny_models().values():
        rebuilt = build_model(model.architecture())
        assert type(rebuilt) is type(model)
        assert rebuilt.architecture() == model.architecture()
        assert {name: array.shape for name, array in rebuilt.state_dict().items()} == {
            name: array.shape for name, array in model.state_dict().items()
        }


# Architecture dicts as VAE model files stored them before the VAEs joined the registry.
OLD_CONV_ARCHITECTURE = {
    "kind": "conv", "image_size": 8, "channels": 3, "latent_dim": 3, "widths": [4, 5], "batch_norm": True,
    "learn_sigma": True,
}
OLD_MLP_ARCHITECTURE = {"kind": "mlp", "image_size": 4, "channels": 1, "latent_dim": 2, "hidden": [6], "learn_sigma": False}


@pytest.mark.parametrize(
    ("old", "cls", "name"), [(OLD_CONV_ARCHITECTURE, ConvVAE, "conv_vae"), (OLD_MLP_ARCHITECTURE, MLPVAE, "mlp_vae")]
)
def test_an_old_architecture_with_kind_still_rebuilds(old, cls, name):
    copy = {key: (list(value) if isinstance(value, list) else value) for key, value in old.items()}
    model = build_model(old)
    assert type(model) is cls
    assert model.architecture() == {"name": name, **{key: value for key, value in old.items() if key != "kind"}}
    assert old == copy, "reading the old form does not modify the dict"


def test_an_old_vae_file_loads_into_the_model_its_architecture_rebuilds(tmp_path, rng):
    # A file as scripts/train_vae.py wrote it before: the architecture keyed by "kind".
    model = ConvVAE(image_size=8, channels=3, latent_dim=3, widths=(4, 5), batch_norm=True, rng=4)
    model.log_sigma.data[:] = -1.5
    model.loss_and_backward(rng.random((4, 3, 8, 8)).astype(np.float32), rng)  # updates batch-norm statistics
    metadata = {"name": "celeba-vae", "architecture": OLD_CONV_ARCHITECTURE}
    path = save_model(tmp_path / "old-vae.npz", model, metadata=metadata)
    _, metadata = load_model_state(path)
    assert "name" not in metadata["architecture"]
    loaded = build_model(metadata["architecture"])
    load_model(path, loaded)
    x = rng.random((2, 3, 8, 8)).astype(np.float32)
    np.testing.assert_array_equal(loaded.reconstruct(x), model.reconstruct(x))
    assert loaded.sigma == pytest.approx(math.exp(-1.5))


def test_an_old_architecture_with_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="'kind' = 'gan'.*known kinds: \\['conv', 'mlp'\\]"):
        build_model({"kind": "gan", "latent_dim": 2})


CURRENT_CONV_ARCHITECTURE = {"name": "conv_vae", **{k: v for k, v in OLD_CONV_ARCHITECTURE.items() if k != "kind"}}


@pytest.mark.parametrize("architecture", [OLD_CONV_ARCHITECTURE, CURRENT_CONV_ARCHITECTURE], ids=["old", "current"])
def test_build_vae_warns_and_rebuilds_through_the_registry(architecture):
    from classroom.models.vae import build_vae

    with pytest.warns(DeprecationWarning, match="build_model"):
        model = build_vae(architecture, seed=99, dtype=np.float64)
    assert type(model) is ConvVAE and model.dtype == np.float64
    assert model.architecture() == CURRENT_CONV_ARCHITECTURE
    expected = build_model({**architecture, "seed": 99, "dtype": np.float64}).state_dict()
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, expected[name], err_msg=name)


def test_build_vae_refuses_an_architecture_that_is_not_a_vae():
    from classroom.models.vae import build_vae

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(ValueError, match="rebuilds the course's VAEs.*got architecture 'mlp'"):
            build_vae({"name": "mlp", "in_features": 4, "out_features": 2})


def test_every_old_name_is_still_importable_from_classroom_models_vae():
    from classroom.models import elbo
    from classroom.plots import grids
    from classroom.train import vae as train_vae_module

    old = importlib.import_module("classroom.models.vae")
    homes = {
        "VAE": VAE,
        "LOG_2PI": elbo.LOG_2PI,
        "bits_per_dim": elbo.bits_per_dim,
        "dequantize": elbo.dequantize,
        "gaussian_kl": elbo.gaussian_kl,
        "gaussian_nll": elbo.gaussian_nll,
        "reparameterize": elbo.reparameterize,
        "train_vae": train_vae_module.train_vae,
        "evaluate_vae": train_vae_module.evaluate_vae,
        "image_grid": grids.image_grid,
    }
    for name, new in homes.items():
        assert getattr(old, name) is new, name
        assert name in dir(old), name
    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        old.nothing_here  # noqa: B018
