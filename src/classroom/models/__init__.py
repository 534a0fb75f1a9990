"""Ready-made models built from ``classroom.nn`` layers.

* ``classroom.models.mlp.MLP``: a multilayer perceptron (weekend 1).
* ``classroom.models.logistic``: binary and softmax logistic regression
  trained by full-batch gradient descent (weekend 2).
* ``classroom.models.cnn.cifar_cnn``: the CIFAR-10 convolutional network (weekend 4).
* ``classroom.models.vae``: convolutional and MLP variational autoencoders (weekend 7);
  the VAE they share is in ``classroom.models.vae_base``, the formulas of its
  loss in ``classroom.models.elbo``.
* ``classroom.models.registry.build_model``: rebuild a saved model from its architecture.
"""

# Weekend 4: the CIFAR-10 convolutional network (``classroom.models.cnn``).
from .cnn import cifar_cnn  # noqa: E402

# Weekend 7: variational autoencoders (``classroom.models.vae``).
from .vae import VAE, ConvVAE, MLPVAE  # noqa: E402
