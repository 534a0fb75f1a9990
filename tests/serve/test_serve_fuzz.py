"""A bounded fuzz test of a real server: random, truncated and bit-flipped uploads never get a 5xx.

The source images are SYNTHETIC (``photo_like``: gradients, discs and noise),
encoded here as PNG and JPEG in several variants. With a fixed seed the same
300 uploads are sent on every run, one after the other over one connection
(a few seconds on two busy cores).
"""

from __future__ import annotations

import collections
import io

import httpx
import numpy as np
import pytest
from PIL import Image
from serve_helpers import photo_like, running_server, seeded_mlp_file

SEED = 20261202
RANDOM, TRUNCATED, FLIPPED = 40, 120, 140


def _sources(rng) -> dict[str, bytes]:
    """PNG and JPEG variants of one synthetic photo, by name."""
    pixels = photo_like(rng, 48, 64)
    variants = {
        "png-rgb": ("PNG", "RGB", {}),
        "png-rgba": ("PNG", "RGBA", {}),
        "png-palette": ("PNG", "P", {}),
        "png-grey": ("PNG", "L", {}),
        "jpeg-baseline": ("JPEG", "RGB", {"quality": 75}),
        "jpeg-progressive": ("JPEG", "RGB", {"progressive": True}),
        "jpeg-grey": ("JPEG", "L", {}),
        "jpeg-restarts": ("JPEG", "RGB", {"restart_marker_blocks": 3}),
    }
    sources = {}
    for name, (image_format, mode, options) in variants.items():
        buffer = io.BytesIO()
        Image.fromarray(pixels).convert(mode).save(buffer, image_format, **options)
        sources[name] = buffer.getvalue()
    return sources


def _uploads(rng) -> list[tuple[str, str, bytes]]:
    """(kind, source name, bytes) of every upload: random bytes, truncations (some in the last bytes), bit flips."""
    sources = _sources(rng)
    names = sorted(sources)
    uploads = []
    for index in range(RANDOM):
        noise = rng.integers(0, 256, int(rng.integers(0, 4000)), dtype=np.uint8).tobytes()
        prefix = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"][index % 3]  # also past the format check
        uploads.append(("random", "-", prefix + noise))
    for name in names:  # cut in the last bytes: the end chunk or end marker
        uploads += [("truncated", name, sources[name][:-cut]) for cut in (1, 4, 12)]
    for _ in range(TRUNCATED - 3 * len(names)):
        name = names[int(rng.integers(len(names)))]
        data = sources[name]
        uploads.append(("truncated", name, data[: int(rng.integers(1, len(data)))]))
    for _ in range(FLIPPED):
        name = names[int(rng.integers(len(names)))]
        data = bytearray(sources[name])
        for position in rng.integers(0, len(data), int(rng.integers(1, 9))):
            data[position] ^= 1 << int(rng.integers(8))
        uploads.append(("flipped", name, bytes(data)))
    return uploads


@pytest.mark.slow
def test_fuzzed_uploads_get_a_json_answer_below_500_and_the_server_stays_up(tmp_path):
    uploads = _uploads(np.random.default_rng(SEED))
    assert len(uploads) == 300
    answers = collections.Counter()
    with running_server([seeded_mlp_file(tmp_path)]) as (base_url, process):
        with httpx.Client(base_url=base_url, timeout=30) as client:
            for kind, name, data in uploads:
                response = client.post("/predict", files={"file": ("upload", data, "application/octet-stream")})
                where = f"{kind} {name} ({len(data)} bytes): {response.status_code} {response.text[:300]}"
                assert response.status_code < 500, where
                assert response.headers["content-type"] == "application/json", where
                body = response.json()
                if response.status_code == 200:
                    assert body["predictions"], where
                else:
                    assert isinstance(body["detail"], str) and body["detail"], where
                if kind == "truncated" or (kind == "flipped" and name.startswith("png")):
                    assert response.status_code in (400, 415), where  # never decoded anyway
                answers[kind, response.status_code] += 1
            assert client.get("/health").status_code == 200
        assert process.poll() is None, "the server exited"
    print("\nanswers by kind and status: " + ", ".join(f"{kind} {status}: {count}"
                                                      for (kind, status), count in sorted(answers.items())))
    assert answers["flipped", 200] > 0 and answers["flipped", 400] > 0  # the fuzz reached both outcomes
