from . import distribution_approval_decide
