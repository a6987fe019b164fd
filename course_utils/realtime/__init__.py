"""OpenAI Realtime (GA protocol): an async client, and a local Realtime-compatible server.

In the Realtime API the *client* decides the turns: it configures VAD, cancels responses and
truncates what the user did not hear. (The OpenAI Live API, in ``course_utils.live``, lets the model
decide.) Start with :class:`RealtimeClient`; in replay mode it starts a :class:`LocalRealtimeServer`
replaying a conversation fixture from ``data/fixtures/realtime/``.
"""
from .client import DEFAULT_MODEL, RealtimeClient
from .conversation import list_conversations, load_conversation
from .schema import validate_client_event, validate_server_event

__all__ = ["RealtimeClient", "LocalRealtimeServer", "DEFAULT_MODEL", "load_conversation",
           "list_conversations", "validate_client_event", "validate_server_event"]


def __getattr__(name: str):
    # imported on first use, so `python -m course_utils.realtime.server` runs the module only once
    if name == "LocalRealtimeServer":
        from .server import LocalRealtimeServer

        return LocalRealtimeServer
    raise AttributeError(name)
