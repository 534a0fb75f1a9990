"""ML Classroom: machine learning built from scratch in NumPy.

Every lesson of the course imports this package. Its modules follow the
course: ``classroom.data`` loads the real datasets, ``classroom.nn`` holds
layers and losses with hand-written backward passes, ``classroom.optim`` the
optimizers, ``classroom.train`` the training loop, and so on.
"""

__version__ = "0.1.0"
