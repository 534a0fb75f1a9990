"""Weekend 8's good-image check: a 28x28 PNG gets 200, a sorted predictions list, the offline model's probabilities."""

from __future__ import annotations

import io

import numpy as np

from classroom.check.core import CheckFailed, register

from .reference import PIECE, WEEKEND
from .server import _model_file, _post, _server_error
from .uploads import _drawn_seven, _png


PROBABILITY_TOLERANCE = 1e-4


@register(
    WEEKEND,
    PIECE,
    "predict: a good image",
    needs=["create_app"],
    compared=(
        "POST /predict with a 28x28 PNG: status 200, the response shape, and each probability against the same "
        "model run offline by classroom.serve (seeded untrained MLP)"
    ),
    timeout=60.0,
)
def check_good_image(ns) -> str:
    """A 28x28 PNG must get 200, a predictions list, and the offline model's probabilities."""
    from PIL import Image

    from classroom.serve.model_file import load_served_model

    data = _png(_drawn_seven())
    response, errors = _post(ns, "seven.png", data, "image/png")
    if response.status_code != 200:
        raise CheckFailed(
            "good-image-refused",
            f"a valid 28x28 PNG got {_server_error(response, errors)}",
            "a PNG or JPEG in the form field 'file' must be answered with 200: open it with PIL.Image.open, "
            "prepare it with the model's preprocessing and return the predictions.",
        )
    shape_hint = (
        'return {"predictions": [{"label": "7", "probability": 0.93}, ...]}: a list of dicts with a string label '
        "and a float probability, most likely first."
    )
    try:
        body = response.json()
    except ValueError:
        raise CheckFailed("response-shape", f"the 200 answer is not JSON: {response.text[:120]!r}", shape_hint) from None
    predictions = body.get("predictions") if isinstance(body, dict) else None
    if (
        not isinstance(predictions, list)
        or not predictions
        or not all(
            isinstance(item, dict)
            and isinstance(item.get("label"), str)
            and isinstance(item.get("probability"), (int, float))
            and not isinstance(item.get("probability"), bool)
            for item in predictions
        )
    ):
        raise CheckFailed("response-shape", f"the 200 answer was {str(body)[:160]}", shape_hint)
    probabilities = [float(item["probability"]) for item in predictions]
    if any(later > earlier for earlier, later in zip(probabilities, probabilities[1:])):
        raise CheckFailed(
            "response-shape",
            f"probabilities {np.round(probabilities, 4).tolist()} are not sorted, most likely first",
            shape_hint,
        )

    served = load_served_model(_model_file())
    offline = served.predict(served.preprocessing(Image.open(io.BytesIO(data)))[None])[0]
    by_label = {label: float(p) for label, p in zip(served.classes, offline)}
    unknown = [item["label"] for item in predictions if item["label"] not in by_label]
    if unknown:
        raise CheckFailed(
            "response-shape",
            f"labels {unknown} are not classes of the model ({served.classes})",
            "take the labels from the model file's classes (served.classes), indexed by output unit.",
        )
    error = max(abs(float(item["probability"]) - by_label[item["label"]]) for item in predictions)
    best = served.classes[int(np.argmax(offline))]
    measured = (
        f"200 with {len(predictions)} predictions, top '{predictions[0]['label']}' (offline: '{best}'); "
        f"max probability error {error:.1e} (tolerance {PROBABILITY_TOLERANCE:g})"
    )
    if error > PROBABILITY_TOLERANCE or predictions[0]["label"] != best:
        raise CheckFailed(
            "wrong-probabilities",
            measured,
            "prepare the upload exactly as in training: use the preprocessing stored in the model file "
            "(served.preprocessing(image)), then served.predict.",
        )
    return measured
