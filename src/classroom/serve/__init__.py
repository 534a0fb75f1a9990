"""Serve trained models over HTTP: upload an image, get back labels and probabilities.

* :mod:`classroom.serve.images` - check and decode uploads, and preprocess them
  exactly as the training data were.
* :mod:`classroom.serve.integrity` - refuse truncated or corrupt PNG and JPEG
  files that Pillow would decode anyway.
* :mod:`classroom.serve.model_file` - load a saved model, refusing damaged or
  mismatched files; export one with a checksum.
* :mod:`classroom.serve.app` - the FastAPI application.

Start a server from the command line::

    classroom serve --model runs/models/mnist_mlp.npz

FastAPI and uvicorn are optional dependencies: ``pip install ml-classroom[serve]``.
"""
