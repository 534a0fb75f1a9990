"""Count how many of a trained VAE's prior samples a face detector finds a face in.

"Are the samples faces?" is judged by eye on the lesson page; this script
adds an objective count. It decodes a fixed set of prior draws (seeded, not
picked: the same ``z`` for every model and every run), and runs OpenCV's
Viola-Jones frontal-face detector (``haarcascade_frontalface_default.xml``)
on each 64x64 sample, upscaled twice. The detector is calibrated in the same
run on images whose answer is known:

* real held-out faces (the last ``--held-out`` faces, never trained on):
  the share it finds is the best a model can score;
* the same faces blurred with a Gaussian of 6 pixels (blotches of skin and
  background with a face's colours but not its parts): how often it is
  fooled by the failure mode the count is meant to catch.

Outputs in ``--out`` (default: the model file's folder): ``face-count.json``
(per temperature: the count, which samples, the calibration) and, per
temperature, ``samples-t<T>.png``, the grid that was counted (8 columns,
sample ``i`` at row ``i // 8``, column ``i % 8``).

OpenCV is a measuring instrument here, like PyTorch for the benchmarks, and
never a dependency of the package: ``pip install 'opencv-python-headless<5'``
(version 5 no longer ships the detector's trained cascades).

Usage::

    python scripts/count_faces.py runs/vae/model.npz --samples 64 --temperature 1.0 0.8
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from classroom.data import load_celeba
from classroom.io import load_model
from classroom.io.atomic import atomic_write, write_json
from classroom.io.model_files import load_model_state
from classroom.models.registry import build_model
from classroom.models.vae_base import VAE
from classroom.plots.grids import image_grid
from classroom.train.runs import add_run_options, apply_run_options

#: Seed of the prior draws every count uses (the training script's picture seed is another).
PRIOR_SEED = 1234


def parse_args(argv=None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path, help="a model.npz written by scripts/train_vae.py")
    parser.add_argument("--samples", type=int, default=64, help="prior draws to count (default 64)")
    parser.add_argument("--temperature", type=float, nargs="+", default=[1.0],
                        help="latent scale(s), z = T * N(0, I) (default 1.0, the model's own prior)")
    parser.add_argument("--held-out", type=int, default=1000,
                        help="the training run's held-out faces: the last HELD_OUT of the data (default 1000)")
    parser.add_argument("--calibration", type=int, default=200, help="held-out faces used to calibrate (default 200)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the model file's folder)")
    add_run_options(parser, threads=None, seed=PRIOR_SEED)
    return parser.parse_args(argv)


def face_detector():
    """Return OpenCV's frontal-face cascade, or exit with how to install it."""
    try:
        import cv2
    except ImportError:
        raise SystemExit("count_faces needs OpenCV: pip install 'opencv-python-headless<5'") from None
    path = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"
    if not path.is_file():
        raise SystemExit(f"this OpenCV ({cv2.__version__}) has no {path.name}: pip install 'opencv-python-headless<5'")
    return cv2, cv2.CascadeClassifier(str(path))


def detect_faces(images: np.ndarray, upscale: int = 2) -> np.ndarray:
    """Return one bool per image: does the frontal-face detector find a face in it?

    Parameters
    ----------
    images : ndarray of shape (n, height, width, 3), uint8
    upscale : int, default 2
        The detector's smallest window is 24x24; faces of a 64x64 crop fill
        most of it, so the image is enlarged first and windows smaller than
        ``24 * upscale`` pixels (a third of the picture) are not searched.

    Returns
    -------
    ndarray of shape (n,), bool
    """
    cv2, cascade = face_detector()
    found = []
    for image in images:
        grey = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
        height, width = grey.shape
        grey = cv2.resize(grey, (width * upscale, height * upscale), interpolation=cv2.INTER_LINEAR)
        boxes = cascade.detectMultiScale(grey, scaleFactor=1.05, minNeighbors=3,
                                         minSize=(24 * upscale, 24 * upscale))
        found.append(len(boxes) > 0)
    return np.asarray(found, dtype=bool)


def to_uint8_nhwc(images: np.ndarray) -> np.ndarray:
    """(n, 3, h, w) floats in [0, 1] -> (n, h, w, 3) uint8, rounded."""
    return np.round(np.clip(images, 0.0, 1.0).transpose(0, 2, 3, 1) * 255.0).astype(np.uint8)


def calibrate(held_out: np.ndarray) -> dict:
    """The detector's rate on real held-out faces and on the same faces blurred into blotches."""
    cv2, _ = face_detector()
    blurred = np.stack([cv2.GaussianBlur(image, (0, 0), 6) for image in held_out])
    real_hits, blurred_hits = detect_faces(held_out), detect_faces(blurred)
    return {
        "faces": len(held_out),
        "found_in_real_faces": float(real_hits.mean()),
        "found_in_blurred_faces": float(blurred_hits.mean()),
    }


def main(argv=None) -> dict:
    """Sample, count, calibrate, write the grids and the JSON; return the JSON's content."""
    args = parse_args(argv)
    apply_run_options(args)
    face_detector()  # fail early, before any work, when OpenCV is missing
    try:
        _, metadata = load_model_state(args.model)
        model = build_model(metadata["architecture"]) if "architecture" in metadata else None
        if not isinstance(model, VAE):
            raise ValueError(f"{args.model} does not hold a VAE written by scripts/train_vae.py")
        load_model(args.model, model)
    except (OSError, ValueError, KeyError) as error:
        raise SystemExit(f"count_faces: {error}") from None
    out = args.out or args.model.parent
    out.mkdir(parents=True, exist_ok=True)
    size = model.image_shape[1]

    faces = load_celeba(size=size)
    held_out = faces[-args.held_out :][: args.calibration]
    result = {"model": args.model.name, "epoch": metadata.get("epoch"), "prior_seed": args.seed,
              "detector": "OpenCV haarcascade_frontalface_default, image upscaled 2x, minNeighbors 3",
              "calibration": calibrate(held_out), "temperatures": {}}
    for temperature in args.temperature:
        samples = model.sample(args.samples, np.random.default_rng(args.seed), temperature=temperature)
        found = detect_faces(to_uint8_nhwc(samples))
        grid_path = out / f"samples-t{temperature:g}.png"
        with atomic_write(grid_path) as stream:
            Image.fromarray(image_grid(samples, columns=8)).save(stream, format="PNG", optimize=True)
        result["temperatures"][f"{temperature:g}"] = {
            "samples": args.samples, "faces_found": int(found.sum()),
            "without_a_face": [int(i) for i in np.flatnonzero(~found)], "grid": grid_path.name,
        }
        print(f"temperature {temperature:g}: the detector finds a face in {int(found.sum())} of {args.samples} "
              f"samples ({grid_path})")
    calibration = result["calibration"]
    print(f"calibration on {calibration['faces']} held-out faces: found in {calibration['found_in_real_faces']:.1%} "
          f"of the real faces and {calibration['found_in_blurred_faces']:.1%} of the blurred ones")
    write_json(out / "face-count.json", result)
    return result


if __name__ == "__main__":
    main()
