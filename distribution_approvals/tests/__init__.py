from . import test_access
from . import test_blocking
from . import test_decisions
from . import test_delegation
from . import test_escalation
from . import test_matrix
from . import test_reapproval
from . import test_waiver
