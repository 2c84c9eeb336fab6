from . import test_sale_detectors
from . import test_blocking
from . import test_occurrences
from . import test_waive
from . import test_batch
from . import test_exception_report
