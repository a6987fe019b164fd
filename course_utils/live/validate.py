"""The Live unions in the shared event checker (:mod:`course_utils.voice.events`).

* OpenAI Live: ``openai.types.live.ServerEvent`` / ``ClientEvent`` (discriminated unions);
* Gemini Live: ``google.genai.types.LiveServerMessage``, validated from the wire JSON (camelCase,
  base64 bytes) as the SDK itself reads it.

One rule for all (the checker's): undeclared fields are kept and reported once per name; a wrong type,
a missing required field or an unknown event type raise :class:`EventError` (a ProtocolError).
"""
from __future__ import annotations

from functools import lru_cache

from ..voice.events import EventChecker

__all__ = ["live_server_checker", "live_client_checker", "gemini_server_checker", "validate_live_server_event",
           "validate_live_client_event", "validate_gemini_server_message"]


def live_server_checker(**kw) -> EventChecker:
    from openai.types.live import ServerEvent

    return EventChecker(ServerEvent, name="Live server event", label="openai.types.live.ServerEvent", **kw)


def live_client_checker(**kw) -> EventChecker:
    from openai.types.live import ClientEvent

    return EventChecker(ClientEvent, name="Live client event", label="openai.types.live.ClientEvent", **kw)


def gemini_server_checker(**kw) -> EventChecker:
    from google.genai import types

    return EventChecker(types.LiveServerMessage, name="Gemini Live server message", **kw)


@lru_cache(maxsize=None)
def _shared(which: str) -> EventChecker:
    return {"server": live_server_checker, "client": live_client_checker, "gemini": gemini_server_checker}[which]()


def validate_live_server_event(event):
    """Validate one OpenAI Live server event (dict or JSON); return the typed model or raise EventError."""
    return _shared("server").check(event)


def validate_live_client_event(event):
    """Validate one OpenAI Live client event (dict or JSON); return the typed model or raise EventError."""
    return _shared("client").check(event)


def validate_gemini_server_message(message):
    """Validate one Gemini Live server message (wire JSON or dict) against ``types.LiveServerMessage``."""
    return _shared("gemini").check(message)
