"""course_utils: the companion package for chapter 8.4 "Video & Realtime".

Start every notebook with ``course_utils.setup()``; it prints the mode (replay by default: local
servers, no key, no cost) and never a key.
"""
from .config import Config, get_config, setup
from .errors import BudgetExceeded, CourseError, JobFailed, MissingKeyError, OperationTimeout, ReplayNetworkBlocked

__all__ = ["setup", "get_config", "Config", "CourseError", "BudgetExceeded", "MissingKeyError",
           "ReplayNetworkBlocked", "JobFailed", "OperationTimeout"]
__version__ = "0.3.0"


def credential_variables() -> set[str]:
    """Every environment variable (or Colab secret name) that holds a credential, aliases included.

    Video providers declare theirs in their adapter module, so the adapters are imported first; the
    test set-up and the notebook runners remove all of these before a kernel starts."""
    from .config import KEY_ALIASES, PROVIDER_KEYS
    from .video.generate import adapter_classes

    adapter_classes()
    return {v for names in PROVIDER_KEYS.values() for v in names} | {a for al in KEY_ALIASES.values() for a in al}
