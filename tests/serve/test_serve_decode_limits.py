"""What decoding may cost is bounded before decoding, and a burst is answered, not queued (real server)."""

from __future__ import annotations

import concurrent.futures
import io
import struct
import threading
import time
import zlib

import httpx
import numpy as np
import pytest
from PIL import Image
from serve_helpers import png_chunk, running_server, seeded_mlp_file

from classroom.serve.images import UploadError, decode_upload, decoded_size


def zero_png(width: int, height: int, *, bit_depth: int = 8, colour_type: int = 2) -> bytes:
    """A valid PNG of zeros (synthetic): compresses about 1000:1, so a small file decodes large."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    row = b"\x00" * (1 + width * channels * bit_depth // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


def test_a_16_bit_rgba_bomb_is_refused_from_its_header():
    bomb = zero_png(5000, 5000, bit_depth=16, colour_type=6)
    assert len(bomb) < 200_000  # the file: 194,471 bytes
    with pytest.raises(UploadError) as refused:
        decode_upload(bomb)
    assert refused.value.status_code == 413
    assert "200,000,000 bytes to decode (5000x5000, 4 channels of 16 bits)" in str(refused.value)


def test_an_ordinary_large_png_is_within_the_budget():
    image = decode_upload(zero_png(3000, 3000))  # 27 MB decoded
    assert image.size == (3000, 3000)


def test_a_jpeg_counts_at_the_size_its_decoder_produces_for_the_model():
    buffer = io.BytesIO()
    Image.fromarray(np.full((2000, 2000, 3), 128, dtype=np.uint8)).save(buffer, "JPEG")
    photo = buffer.getvalue()
    with pytest.raises(UploadError):
        decode_upload(photo, max_decoded_bytes=1_000_000)  # 12 MB at full size
    small = decode_upload(photo, draft=("L", (28, 28)), max_decoded_bytes=1_000_000)  # drafted to 1/8
    assert small.size == (250, 250) and small.info["original_size"] == (2000, 2000)
    opened = Image.open(io.BytesIO(photo))
    assert decoded_size(opened, photo) == 2000 * 2000 * 3


@pytest.mark.slow
def test_a_burst_of_bombs_and_large_images_gets_413_or_503_and_memory_stays_bounded(tmp_path):
    psutil = pytest.importorskip("psutil")
    model = seeded_mlp_file(tmp_path)
    bomb = zero_png(5000, 5000, bit_depth=16, colour_type=6)
    large = zero_png(4000, 4000)  # 48 MB decoded: within the budget, slow enough to overlap
    with running_server([model], "--max-concurrent-decodes", "1", "--max-waiting-decodes", "2") as (base_url, process):
        server = psutil.Process(process.pid)
        baseline = server.memory_info().rss
        peak, sampling = [baseline], True

        def sample():
            while sampling:
                peak.append(server.memory_info().rss)
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()

        def post(data):
            return httpx.post(f"{base_url}/predict", files={"file": ("x.png", data, "image/png")}, timeout=60)

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(post, [bomb] * 8 + [large] * 8))
            health_started = time.monotonic()
            health = httpx.get(f"{base_url}/health", timeout=10)
            health_seconds = time.monotonic() - health_started
        sampling = False
        sampler.join()
        time.sleep(0.5)
        final = server.memory_info().rss

    statuses = [answer.status_code for answer in answers]
    assert all(status < 500 or status == 503 for status in statuses), statuses
    assert set(statuses[:8]) <= {413, 503} and 413 in statuses[:8], statuses  # a bomb is never decoded
    assert set(statuses[8:]) <= {200, 503} and 200 in statuses, statuses
    assert 503 in statuses, statuses  # one decode at a time: the others are told to retry
    assert all(answer.headers.get("retry-after") == "1" for answer in answers if answer.status_code == 503)
    assert health.status_code == 200 and health_seconds < 1.0
    assert max(peak) - baseline < 300 * 2**20, f"peak {max(peak) / 2**20:.0f} MB from {baseline / 2**20:.0f} MB"
    assert final - baseline < 50 * 2**20, f"{final / 2**20:.0f} MB held after the burst, from {baseline / 2**20:.0f} MB"
    print(f"\nserver RSS: baseline {baseline / 2**20:.0f} MB, peak {max(peak) / 2**20:.0f} MB, "
          f"after {final / 2**20:.0f} MB; statuses {sorted(set(statuses))}; /health {health_seconds * 1000:.0f} ms")
