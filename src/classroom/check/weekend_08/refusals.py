"""Weekend 8's refusal checks: an upload that is not an image, an empty one, one above ``max_upload_bytes``.

The first two must get a 4xx status (400, 415 or 422) with a JSON ``detail``,
the last one 413.
"""

from __future__ import annotations

from classroom.check.core import CheckFailed, register

from .reference import MAX_UPLOAD_BYTES, PIECE, WEEKEND
from .server import _post, _require_json_error, _require_refusal, _server_error
from .uploads import _oversized_png


@register(
    WEEKEND,
    PIECE,
    "predict: not an image",
    needs=["create_app"],
    compared="POST /predict with text bytes declared as image/png: a 4xx status (400, 415 or 422) with a JSON detail",
    timeout=60.0,
)
def check_not_an_image(ns) -> str:
    """Bytes that are not an image must get a 4xx JSON error, not a crash (500) or a prediction."""
    response, errors = _post(ns, "digit.png", b"this is not an image, just some text\n" * 4, "image/png")
    return _require_refusal(
        response,
        errors,
        "text bytes named digit.png",
        crash=(
            "non-image-500",
            "catch the decoder's error (PIL.UnidentifiedImageError, OSError) around Image.open and raise "
            "HTTPException(status_code=400, detail='not a PNG or JPEG image') instead.",
        ),
        accepted=(
            "non-image-accepted",
            "do not guess: when the upload cannot be decoded as an image, answer 400 with a JSON detail.",
        ),
        wrong_status=(
            "non-image-wrong-status",
            "answer a file that is not an image with 400 (bad data) or 415 (unsupported type).",
        ),
    )


@register(
    WEEKEND,
    PIECE,
    "predict: empty upload",
    needs=["create_app"],
    compared="POST /predict with a 0-byte file: a 4xx status (400 or 422) with a JSON detail",
    timeout=60.0,
)
def check_empty_upload(ns) -> str:
    """A 0-byte file must be refused with a JSON 4xx error."""
    response, errors = _post(ns, "empty.png", b"", "image/png")
    return _require_refusal(
        response,
        errors,
        "a 0-byte upload",
        crash=(
            "empty-upload-500",
            "check for an empty upload first (if not data: raise HTTPException(400, 'the file is empty')).",
        ),
        accepted=(
            "empty-upload-accepted",
            "an empty file holds no image: refuse it with HTTPException(status_code=400, detail=...) "
            "instead of predicting on a blank.",
        ),
        wrong_status=(
            "empty-upload-wrong-status",
            "answer an empty upload with 400 (bad request) and say that the file is empty.",
        ),
    )


@register(
    WEEKEND,
    PIECE,
    "predict: oversized upload",
    needs=["create_app"],
    compared=f"POST /predict with a valid PNG larger than max_upload_bytes={MAX_UPLOAD_BYTES:,}: status 413 with a JSON detail",
    timeout=60.0,
)
def check_oversized_upload(ns) -> str:
    """A PNG larger than ``max_upload_bytes`` must get 413, even though it is a valid image."""
    data = _oversized_png()
    response, errors = _post(ns, "noise.png", data, "image/png")
    what = f"a {len(data):,}-byte PNG with max_upload_bytes={MAX_UPLOAD_BYTES:,}"
    if response.status_code == 200:
        raise CheckFailed(
            "no-upload-limit",
            f"{what} was accepted (status 200)",
            "enforce the limit: if len(data) > max_upload_bytes, raise HTTPException(413, ...); without it anyone "
            "can make your server hold gigabytes in memory.",
        )
    if response.status_code != 413:
        raise CheckFailed(
            "oversized-wrong-status",
            f"{what} got {_server_error(response, errors)}, expected 413",
            "answer an upload over the limit with 413 (Content Too Large) and say what the limit is.",
        )
    detail = _require_json_error(response, what)
    return f"status 413, detail {detail[:80]!r}"
