from . import distribution_exception_waive
