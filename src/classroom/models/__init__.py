"""Ready-made models built from ``classroom.nn`` layers.

* ``classroom.models.mlp.MLP``: a multilayer perceptron (weekend 1).
* ``classroom.models.logistic``: binary and softmax logistic regression
  trained by full-batch gradient descent (weekend 2).
"""
