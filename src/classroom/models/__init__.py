"""Ready-made models built from ``classroom.nn`` layers.

* ``classroom.models.mlp.MLP``: a multilayer perceptron (weekend 1).
* ``classroom.models.logistic``: binary and softmax logistic regression
  trained by full-batch gradient descent (weekend 2).
"""

# Weekend 4: the CIFAR-10 convolutional network (``classroom.models.cnn``).
from .cnn import cifar_cnn  # noqa: E402
