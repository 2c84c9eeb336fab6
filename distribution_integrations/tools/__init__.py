from . import normalisers
from . import signatures
from . import standard_webhooks
