"""course_utils: the companion package for chapter 8.4 "Video & Realtime".

Start every notebook with ``course_utils.setup()``; it prints the mode (replay by default: local
servers, no key, no cost) and never a key.
"""
from .config import Config, get_config, setup
from .errors import BudgetExceeded, CourseError, JobFailed, MissingKeyError, OperationTimeout, ReplayNetworkBlocked

__all__ = ["setup", "get_config", "Config", "CourseError", "BudgetExceeded", "MissingKeyError",
           "ReplayNetworkBlocked", "JobFailed", "OperationTimeout"]
__version__ = "0.2.0"
