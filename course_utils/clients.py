"""The official OpenAI and Gemini clients, pointed where :func:`course_utils.endpoints.route` says:
the real API (live/record) or our local stand-in (replay).

>>> client = openai_client(fixtures=[("cascade", "support_turn")])
>>> client.chat.completions.create(...)   # same code in every mode
>>> gemini = gemini_client()               # google.genai.Client

In replay mode the OpenAI REST stand-in is started once per kernel and learns new fixture folders as
notebooks ask for them; each client sees only the fixtures it was made with, and replays their
recorded latencies at its own ``speed`` (4: four times faster), whatever other clients use. In live
mode the key comes from ``setup()``'s config (env or Colab secret), and ``speed`` is 1. In record mode
the Gemini client's HTTP traffic feeds :func:`gemini_recorder` (``gemini_recorder().save()`` writes
fixtures, key scrubbed).
"""
from __future__ import annotations

import openai

from .endpoints import route
from .standins.gemini import gemini_standin
from .standins.gemini_fixtures import GeminiRecorder
from .standins.openai_rest import OpenAIRestStandin

_STANDIN: OpenAIRestStandin | None = None
_RECORDER: GeminiRecorder | None = None


def openai_rest_standin(fixtures: list[tuple[str, str]] = ()) -> OpenAIRestStandin:
    """The kernel's OpenAI REST stand-in (started on first use), with ``fixtures`` loaded."""
    global _STANDIN
    if _STANDIN is None:
        _STANDIN = OpenAIRestStandin([]).start()
    for area, name in fixtures:
        _STANDIN.add_fixture(area, name)
    return _STANDIN


def _kwargs(fixtures, timeout: float, max_retries: int, speed: float) -> dict:
    r = route("openai", speed=speed, standin=openai_rest_standin)
    if r.standin is not None:  # replay: a base URL under which only these fixtures answer, at this speed
        return {"api_key": r.api_key, "base_url": r.standin.scoped_base_url(list(fixtures), speed=r.speed),
                "timeout": timeout, "max_retries": 0}
    return {"api_key": r.api_key, "base_url": r.base_url, "timeout": timeout, "max_retries": max_retries}


def openai_client(fixtures: list[tuple[str, str]] = (), timeout: float = 60.0, max_retries: int = 2,
                  speed: float = 1.0) -> openai.OpenAI:
    """``openai.OpenAI`` for the current mode (replay: the local stand-in serving ``fixtures`` at ``speed``)."""
    return openai.OpenAI(**_kwargs(fixtures, timeout, max_retries, speed))


def async_openai_client(fixtures: list[tuple[str, str]] = (), timeout: float = 60.0,
                        max_retries: int = 2, speed: float = 1.0) -> openai.AsyncOpenAI:
    """``openai.AsyncOpenAI`` for the current mode."""
    return openai.AsyncOpenAI(**_kwargs(fixtures, timeout, max_retries, speed))


def gemini_recorder() -> GeminiRecorder:
    """The recorder the record-mode Gemini client feeds (call ``.save()`` to write fixtures)."""
    global _RECORDER
    if _RECORDER is None:
        _RECORDER = GeminiRecorder()
    return _RECORDER


def gemini_client(timeout_s: float = 120.0):
    """A ``google.genai.Client`` for the current mode.

    replay: pointed at the kernel's Gemini stand-in (``HttpOptions(base_url=...)``), placeholder key;
    live: the real API with ``GEMINI_API_KEY``; record: live, with traffic captured by
    :func:`gemini_recorder` for ``save()``.
    """
    from google import genai
    from google.genai import types

    r = route("google", standin=gemini_standin)
    hooks = {"event_hooks": {"response": [gemini_recorder().hook]}} if r.record else None
    options = types.HttpOptions(base_url=r.base_url, timeout=int(timeout_s * 1000),  # milliseconds
                                client_args=hooks)
    return genai.Client(api_key=r.api_key, http_options=options)
