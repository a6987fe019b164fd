"""The Realtime stand-in's protocol constants and session rules: the default session, how a
``session.update`` merges, and the check of client events (with the API's error codes).

Part of the local Realtime server (:mod:`course_utils.realtime.server`), split along its seams.
"""
from __future__ import annotations

import copy
from typing import Any

from ..standins.openai_ws import ClientError
from ..voice.events import EventError
from ..voice.formats import SAMPLE_RATE, ms_to_bytes
from .schema import client_checker, client_event_types

MAX_APPEND_BYTES = 15 * 1024 * 1024          # the API's documented limit for one append
MAX_BUFFER_BYTES = ms_to_bytes(5 * 60_000)  # 5 minutes of PCM16: our cap on an uncommitted buffer
CACHE_MIN_TOKENS = 1024
DEFAULT_INSTRUCTIONS = "You are a helpful voice assistant. (Local server: replies are replayed from a fixture.)"
SEMANTIC_SILENCE_MS = {"low": 800, "medium": 500, "auto": 500, "high": 300}
#: Fields real servers send that the SDK types do not declare. The local server sends them too, so that
#: replay exercises them: the session object's ``object``/``id``/``expires_at`` and ``obfuscation``
#: padding on the text deltas (transcript, text, function arguments).
WIRE_EXTRAS = frozenset({"session.object", "session.id", "session.expires_at", "obfuscation"})
SESSION_SECONDS = 3600   # the stand-in's session lifetime, for ``expires_at``
#: ``rate_limits.updated`` (sent after each ``response.created``, as the real API does): made-up limits.
RATE_LIMITS = {"requests": 5000, "tokens": 400_000}
_PAD = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
SERVER_VAD_DEFAULTS = {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 500,
                       "idle_timeout_ms": None, "create_response": True, "interrupt_response": True}



def default_session(model: str) -> dict:
    """The session ``session.created`` reports (the SDK's ``RealtimeSessionCreateRequest`` fields)."""
    return {
        "type": "realtime", "model": model, "output_modalities": ["audio"], "instructions": DEFAULT_INSTRUCTIONS,
        "tools": [], "tool_choice": "auto", "max_output_tokens": "inf", "tracing": None, "truncation": "auto",
        "prompt": None, "include": None,
        "audio": {
            "input": {"format": {"type": "audio/pcm", "rate": SAMPLE_RATE}, "transcription": None,
                      "noise_reduction": None, "turn_detection": dict(SERVER_VAD_DEFAULTS)},
            "output": {"format": {"type": "audio/pcm", "rate": SAMPLE_RATE}, "voice": "marin", "speed": 1.0},
        },
    }


#: Containers of the session whose ``null`` in an update means "leave as is" (not "remove").
_CONTAINERS = ("audio", "input", "output", "format")


def _merge(base: dict, update: dict) -> dict:
    """Deep-merge a session update: dicts merge, everything else (lists, None) replaces, except that a
    ``null`` container (audio, input, output, format) leaves the current one as it is."""
    out = dict(base)
    for key, value in update.items():
        if value is None and key in _CONTAINERS and isinstance(out.get(key), dict):
            continue
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key not in ("turn_detection", "format"):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


#: The client-event checker (:mod:`course_utils.voice.events`); silent: the server answers instead.
_CLIENT_EVENTS = client_checker(report=None)


def check_client_event(event: Any) -> None:
    """Raise :class:`ClientError` (with the API's codes) when ``event`` is not a valid client event.

    The shared checker refuses wrong types and missing fields; an undeclared field is refused here
    because the real API refuses unknown parameters in client events (``unknown_parameter``)."""
    try:
        extras = _CLIENT_EVENTS.parse(event).extras
    except EventError as exc:
        if exc.kind == "not_an_object":
            raise ClientError("invalid_type", "Invalid type for event: expected a JSON object.", None) from None
        if exc.kind in ("missing_type", "missing"):
            where = exc.loc or "type"
            raise ClientError("missing_required_parameter", f"Missing required parameter: '{where}'.", where) from None
        if exc.kind == "unknown_type":
            supported = ", ".join(f"'{t}'" for t in client_event_types())
            raise ClientError("invalid_value", f"Invalid value: '{exc.event_type}'. Supported values are: {supported}.",
                              "type") from None
        raise ClientError("invalid_value", f"Invalid value for '{exc.loc}': {exc.detail}.", exc.loc) from None
    if extras:
        raise ClientError("unknown_parameter", f"Unknown parameter: '{extras[0]}'.", extras[0])
