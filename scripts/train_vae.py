"""Train the weekend-7 VAE on CelebA faces (pure NumPy) and save samples, reconstructions and metrics.

The model is ``classroom.models.vae.ConvVAE`` (strided convolutions down,
transposed convolutions up, Gaussian likelihood with a learned variance),
trained with Adam on the negative ELBO. The last ``--held-out`` faces (in
file order) are never trained on; the held-out negative ELBO is measured on
them after every epoch (one latent sample and one dequantisation per face,
an unbiased estimate) and reported in nats per image and in bits per
dimension (an upper bound for the 8-bit images, see ``classroom.models.elbo``).

Outputs in ``--out`` (default ``runs/vae/``), rewritten after every epoch so
that a run stopped early still leaves usable files:

* ``metrics.json`` - settings, per-epoch curves, final held-out ELBO, seconds;
* ``samples.png`` - 64 faces decoded from ``z ~ N(0, I)`` (the same ``z`` every epoch);
* ``traversal.png`` - one held-out face with each of its six most-used latent
  coordinates swept from -3 to 3 (one row each);
* ``reconstructions.png`` - rows of held-out originals, each followed by its reconstruction;
* ``interpolation.png`` - a walk in latent space between two held-out faces;
* ``model.npz`` - ``state_dict`` + metadata (architecture), for
  ``classroom.io.load_model`` into ``classroom.models.registry.build_model(metadata["architecture"])``.

Usage::

    python scripts/train_vae.py --size 64 --epochs 40 --max-minutes 30 --threads 1
    python scripts/train_vae.py --size 32 --limit 2000 --epochs 3 --out /tmp/vae-quick
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from PIL import Image

from classroom.data import load_celeba, to_float_nchw
from classroom.io import save_model
from classroom.io.atomic import atomic_write, write_json
from classroom.models.vae import MLPVAE, ConvVAE
from classroom.plots.grids import image_grid
from classroom.train.runs import add_run_options, apply_run_options, machine_record
from classroom.train.vae import evaluate_vae, train_vae


def parse_args(argv=None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=64, help="image side in pixels (default 64)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first LIMIT faces (default: all)")
    parser.add_argument("--held-out", type=int, default=1000, help="faces kept out of training (default 1000)")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--max-minutes", type=float, default=None, help="stop before an epoch that would overrun")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--latent-dim", type=int, default=64)
    parser.add_argument("--widths", default="32,64,128,256", help="conv widths, comma-separated")
    parser.add_argument("--batch-norm", action="store_true", help="BatchNorm2d after each hidden convolution")
    parser.add_argument("--sigma", type=float, default=0.2, help="initial likelihood std (default 0.2)")
    parser.add_argument("--fixed-sigma", action="store_true", help="keep sigma fixed instead of learning it")
    parser.add_argument("--kl-warmup-steps", type=int, default=0,
                        help="raise the KL term's weight in the gradient from 0 to 1 over this many steps (default 0)")
    parser.add_argument("--model", choices=["conv", "mlp"], default="conv")
    parser.add_argument("--hidden", default="512", help="MLP hidden sizes, comma-separated (--model mlp)")
    add_run_options(parser, out="runs/vae", threads=None, seed=0)
    return parser.parse_args(argv)


def write_png(path: Path, image: np.ndarray) -> None:
    """Write a uint8 (height, width, 3) array as PNG, atomically."""
    with atomic_write(path) as stream:
        Image.fromarray(image).save(stream, format="PNG", optimize=True)


TRAVERSAL_STEPS = 9


def latent_traversal(model, shown: np.ndarray, rows: int = 6) -> np.ndarray:
    """Sweep the ``rows`` most-used latent coordinates of the first shown face from -3 to 3.

    "Most used": the largest average KL to the prior over the shown faces,
    i.e. the coordinates whose codes move furthest from the prior.
    """
    was_training = model.training
    model.eval()
    try:
        mu, logvar = model.encode(shown)
    finally:
        model.train(was_training)
    kl_per_dimension = 0.5 * (mu**2 + np.exp(logvar) - logvar - 1.0).mean(axis=0)
    dimensions = np.argsort(kl_per_dimension)[::-1][: min(rows, model.latent_dim)]
    return model.traverse(shown[0], dimensions, np.linspace(-3.0, 3.0, TRAVERSAL_STEPS))


def reconstruction_rows(originals: np.ndarray, reconstructions: np.ndarray, columns: int = 8) -> np.ndarray:
    """Interleave rows: ``columns`` originals, then their reconstructions, and so on."""
    rows = []
    for start in range(0, len(originals), columns):
        rows.append(originals[start : start + columns])
        rows.append(reconstructions[start : start + columns])
    return np.concatenate(rows)


def main(argv=None) -> dict:
    """Train, evaluate and write the outputs; return the metrics."""
    args = parse_args(argv)
    blas = apply_run_options(args)  # data directory and BLAS threads for the rest of the run
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)

    load_start = time.perf_counter()
    faces = load_celeba(size=args.size, limit=args.limit)
    if len(faces) <= args.held_out + args.batch_size:
        raise SystemExit(f"need more than {args.held_out + args.batch_size} faces, got {len(faces)}; raise --limit")
    train_faces, held_out_faces = faces[: -args.held_out], faces[-args.held_out :]
    print(f"{len(train_faces)} training and {len(held_out_faces)} held-out faces at {args.size}x{args.size} "
          f"({time.perf_counter() - load_start:.1f} s to load)")

    if args.model == "conv":
        widths = tuple(int(width) for width in args.widths.split(","))
        model = ConvVAE(args.size, 3, args.latent_dim, widths, batch_norm=args.batch_norm, sigma=args.sigma,
                        learn_sigma=not args.fixed_sigma, rng=args.seed)
    else:
        hidden = tuple(int(size) for size in args.hidden.split(","))
        model = MLPVAE(args.size, 3, args.latent_dim, hidden, sigma=args.sigma,
                       learn_sigma=not args.fixed_sigma, rng=args.seed)
    parameter_count = sum(parameter.data.size for parameter in model.parameters())
    print(f"{type(model).__name__} {model.architecture()}: {parameter_count:,} parameters")

    # Fixed inputs for the pictures, so the images of successive epochs compare.
    picture_rng = np.random.default_rng(args.seed + 1)
    prior_codes_rng_seed = args.seed + 2
    shown = to_float_nchw(held_out_faces[:16])
    settings = {key: (str(value) if isinstance(value, Path) else value) for key, value in vars(args).items()}
    machine = machine_record(threads=args.threads, blas=blas)

    def save_outputs(epoch: int, history: dict) -> None:
        samples = model.sample(64, np.random.default_rng(prior_codes_rng_seed))
        write_png(args.out / "samples.png", image_grid(samples, columns=8))
        write_png(args.out / "traversal.png", image_grid(latent_traversal(model, shown), columns=TRAVERSAL_STEPS))
        reconstructions = model.reconstruct(shown)
        write_png(args.out / "reconstructions.png", image_grid(reconstruction_rows(shown, reconstructions)))
        path = model.interpolate(shown[0], shown[1], steps=10)
        write_png(args.out / "interpolation.png", image_grid(path, columns=10))
        save_model(
            args.out / "model.npz",
            model,
            metadata={"name": "celeba-vae", "architecture": model.architecture(), "epoch": epoch,
                      "held_out_neg_elbo_nats": history["held_out_neg_elbo"][-1]},
        )
        write_json(args.out / "metrics.json", {"settings": settings, "machine": machine,
                                               "parameters": parameter_count, "history": history,
                                               "finished": False})

    start = time.perf_counter()
    cpu_start = time.process_time()
    history = train_vae(
        model,
        train_faces,
        held_out_faces,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        rng=rng,
        on_epoch=save_outputs,
        max_seconds=None if args.max_minutes is None else 60.0 * args.max_minutes,
        kl_warmup_steps=args.kl_warmup_steps,
    )
    final = evaluate_vae(model, held_out_faces, rng=picture_rng)
    total_seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start

    metrics = {
        "settings": settings,
        "machine": machine,
        "parameters": parameter_count,
        "epochs_trained": len(history["epoch"]),
        "train_seconds": float(sum(history["seconds"])),
        "total_seconds": total_seconds,
        "process_cpu_seconds": cpu_seconds,
        "load_average_at_end": list(os.getloadavg()),
        "held_out_faces": len(held_out_faces),
        "final_held_out": final,
        "history": history,
        "finished": True,
        "note": "neg_elbo in nats per image of dequantised pixels (x + u) / 256 in [0, 1); "
                "bits_per_dim = neg_elbo / (D ln 2) + 8 bounds -log2 P(8-bit image) / D from above",
    }
    write_json(args.out / "metrics.json", metrics)
    print(f"held-out -ELBO {final['neg_elbo']:.1f} nats per image = {final['bits_per_dim']:.3f} bits/dim "
          f"(reconstruction {final['reconstruction']:.1f}, KL {final['kl']:.1f}); sigma {model.sigma:.4f}")
    print(f"{len(history['epoch'])} epochs, {sum(history['seconds']):.0f} s training, {total_seconds:.0f} s in all; "
          f"outputs in {args.out}")
    return metrics


if __name__ == "__main__":
    main()
