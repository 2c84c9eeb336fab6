from . import test_matrix
