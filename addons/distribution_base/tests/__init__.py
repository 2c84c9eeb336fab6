from . import test_distribution_event
from . import test_event_access
from . import test_event_retention
from . import test_customer_tier
from . import test_tour_event_timeline
from . import test_cron_wake
