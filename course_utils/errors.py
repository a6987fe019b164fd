"""One-line errors that say what to do.

Every error the package raises on purpose is a :class:`CourseError`. Its message is a single line:
what went wrong, then what to do about it. Keys never appear in these messages.
"""
from __future__ import annotations


class CourseError(Exception):
    """Base class: a one-line, actionable message."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class MissingKeyError(CourseError):
    """Live or record mode needs a provider key that is not set."""


class BudgetExceeded(CourseError):
    """A live call would push spending past the budget set in ``setup(budget_usd=...)``."""


class ReplayNetworkBlocked(CourseError):
    """Replay mode tried to reach a host other than 127.0.0.1."""


class FixtureError(CourseError):
    """A recorded fixture is missing, malformed or lacks provenance."""


class ProtocolError(CourseError):
    """A server sent (or a client tried to send) an event that breaks the protocol."""


class ServerErrorEvent(CourseError):
    """The server answered with an ``error`` event."""

    def __init__(self, message: str, *, code: str | None = None, event_id: str | None = None):
        self.code = code
        self.event_id = event_id
        super().__init__(message)


class OperationTimeout(CourseError, TimeoutError):
    """A wait ran past its timeout."""


class JobFailed(CourseError):
    """A provider job (upload, generation) failed or was refused; carries the provider's message."""

    def __init__(self, message: str, *, provider: str | None = None, provider_message: str | None = None):
        self.provider = provider
        self.provider_message = provider_message
        super().__init__(message)


class AudioFormatError(CourseError, ValueError):
    """Audio that cannot be converted to what the API takes."""


class VideoFormatError(CourseError, ValueError):
    """A video file that is missing, unreadable, unsupported or too large."""
