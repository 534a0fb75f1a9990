"""Default limits of the model server (plain constants, importable without NumPy)."""

DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
"""Largest accepted upload request body: 5 MiB (enforced by the app's middleware)."""

DEFAULT_MAX_IMAGE_PIXELS = 25_000_000
"""Largest accepted image, in pixels (width x height): about a 25-megapixel photo."""

DEFAULT_BLAS_THREADS = 1
"""BLAS threads for inference. One image is too small a matrix product to split
across cores: extra threads only add synchronisation. Measured on a busy
two-core machine with ``scripts/load_test.py -n 300 -c 1`` and a small CIFAR-10
CNN: median latency 104-138 ms with ``--server-arg=--blas-threads=2``, 7.8 ms
with one thread."""

DEFAULT_BODY_TIMEOUT_SECONDS = 10.0
"""Seconds a client has to send a whole ``/predict`` body; a slower one gets 408 and the connection closes."""

DEFAULT_KEEP_ALIVE_SECONDS = 5
"""Seconds an idle keep-alive connection stays open (uvicorn's ``timeout_keep_alive``)."""

DEFAULT_LIMIT_CONCURRENCY = 64
"""Connections and requests at once before the server answers 503 (uvicorn's ``limit_concurrency``)."""

DEFAULT_MAX_DECODED_BYTES = 128 * 1024 * 1024
"""Largest decoded image, in bytes (width x height x channels x bytes per sample, read from the header
before decoding): 128 MiB, a 25-megapixel 8-bit RGBA PNG is 100 MB. A JPEG counts at the reduced size
its decoder produces for the model; it is decoded a second time at that size to check that its data did
not run out (:func:`classroom.serve.integrity.jpeg_data_ran_out`), so for a moment it holds twice that."""

DEFAULT_MAX_CONCURRENT_DECODES = 2
"""Uploads decoded at once (each may hold up to ``DEFAULT_MAX_DECODED_BYTES`` of pixels)."""

DEFAULT_MAX_WAITING_DECODES = 32
"""Uploads that may wait for a decode slot; beyond them the server answers 503 with ``Retry-After``,
instead of a queue that grows without limit. A waiting upload holds only its bytes (at most the upload limit)."""
