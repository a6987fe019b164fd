"""The Realtime unions in the shared event checker (:mod:`course_utils.voice.events`).

``validate_client_event`` / ``validate_server_event`` apply the checker's one rule to the SDK's
``RealtimeClientEvent`` / ``RealtimeServerEvent``: undeclared fields are kept (reported once per
name), a wrong type, a missing required field or an unknown event type raise
:class:`~course_utils.voice.events.EventError` (a ProtocolError).
"""
from __future__ import annotations

from openai.types.realtime import RealtimeClientEvent, RealtimeServerEvent

from ..voice.events import EventChecker, EventError

__all__ = ["client_checker", "server_checker", "validate_client_event", "validate_server_event",
           "client_event_types", "server_event_types", "EventError"]


def client_checker(report="warn") -> EventChecker:
    """A checker of Realtime client events (``report=None``: record unknown fields without a warning)."""
    kw = {} if report == "warn" else {"report": report}
    return EventChecker(RealtimeClientEvent, name="client event", label="RealtimeClientEvent", **kw)


def server_checker(report="warn") -> EventChecker:
    """A checker of Realtime server events (``report=None``: record unknown fields without a warning)."""
    kw = {} if report == "warn" else {"report": report}
    return EventChecker(RealtimeServerEvent, name="server event", label="RealtimeServerEvent", **kw)


_CLIENT, _SERVER = client_checker(), server_checker()


def validate_client_event(event: dict):
    """Parse a client event with the SDK's ``RealtimeClientEvent``; raise EventError if it does not fit."""
    return _CLIENT.check(event)


def validate_server_event(event: dict):
    """Parse a server event with the SDK's ``RealtimeServerEvent``; raise EventError if it does not fit."""
    return _SERVER.check(event)


def client_event_types() -> list[str]:
    """Every client event type of the GA protocol (from the SDK union)."""
    return _CLIENT.types()


def server_event_types() -> list[str]:
    """Every server event type of the GA protocol (from the SDK union)."""
    return _SERVER.types()
