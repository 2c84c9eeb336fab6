from . import distribution_integration_endpoint
from . import distribution_integration_event
from . import distribution_exception_rule
from . import res_config_settings
