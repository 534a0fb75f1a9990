# The ML Classroom model server in a container.
#
# Build (after exporting models into runs/models/, e.g. with
# python scripts/export_demo_models.py):
#
#     docker build -t classroom-serve .
#     docker run --rm -p 8000:8000 classroom-serve
#
# then open http://127.0.0.1:8000/ (upload page) or /docs (API).
# Choose other models at build time:
#     docker build --build-arg MODELS_DIR=path/to/models -t classroom-serve .
# and at run time by replacing the command:
#     docker run --rm -p 8000:8000 classroom-serve \
#         classroom serve --host 0.0.0.0 --model /app/models/cifar_cnn_demo.npz
FROM python:3.11-slim

# One BLAS thread: a single image is too small a matrix product to share
# across cores (more threads only add waiting).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1

WORKDIR /app

# The package and the serving extras (FastAPI, uvicorn, python-multipart).
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install ".[serve]"

# Run as an unprivileged user; the model files (and their .sha256 checksum
# files) are copied in readable for that user.
RUN useradd --create-home --uid 10001 classroom
ARG MODELS_DIR=runs/models
COPY --chown=classroom:classroom ${MODELS_DIR}/ /app/models/
USER classroom

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)"]

# 0.0.0.0 so the published port reaches the server inside the container.
CMD ["classroom", "serve", "--host", "0.0.0.0", "--port", "8000", "--model", "/app/models/mnist_mlp.npz"]
