from . import main
from . import health
