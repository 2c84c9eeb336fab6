from . import distribution_event
from . import res_config_settings
from . import res_partner
from . import ir_cron
