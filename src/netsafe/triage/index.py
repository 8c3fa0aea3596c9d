"""The former name of :mod:`netsafe.triage.matching`, kept so that older imports work."""

from netsafe.triage.matching import *  # noqa: F403
from netsafe.triage.matching import __all__  # noqa: F401
