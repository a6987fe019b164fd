"""The official OpenAI clients, pointed at the real API (live/record) or at our local stand-in (replay).

>>> client = openai_client(fixtures=[("cascade", "support_turn")])
>>> client.chat.completions.create(...)   # same code in every mode

In replay mode the REST stand-in is started once per kernel and learns new fixture folders as
notebooks ask for them; each client sees only the fixtures it was made with. In live mode the key comes from ``setup()``'s config (env or Colab secret).
"""
from __future__ import annotations

import openai

from .config import get_config
from .standins.openai_rest import OpenAIRestStandin

_STANDIN: OpenAIRestStandin | None = None


def openai_rest_standin(fixtures: list[tuple[str, str]] = ()) -> OpenAIRestStandin:
    """The kernel's OpenAI REST stand-in (started on first use), with ``fixtures`` loaded."""
    global _STANDIN
    if _STANDIN is None:
        _STANDIN = OpenAIRestStandin([]).start()
    for area, name in fixtures:
        _STANDIN.add_fixture(area, name)
    return _STANDIN


def _kwargs(fixtures, timeout: float, max_retries: int) -> dict:
    cfg = get_config()
    if cfg.is_replay:
        return {"api_key": cfg.key("openai"), "base_url": openai_rest_standin().scoped_base_url(list(fixtures)),
                "timeout": timeout, "max_retries": 0}
    return {"api_key": cfg.key("openai"), "timeout": timeout, "max_retries": max_retries}


def openai_client(fixtures: list[tuple[str, str]] = (), timeout: float = 60.0, max_retries: int = 2) -> openai.OpenAI:
    """``openai.OpenAI`` for the current mode (replay: the local stand-in serving ``fixtures``)."""
    return openai.OpenAI(**_kwargs(fixtures, timeout, max_retries))


def async_openai_client(fixtures: list[tuple[str, str]] = (), timeout: float = 60.0,
                        max_retries: int = 2) -> openai.AsyncOpenAI:
    """``openai.AsyncOpenAI`` for the current mode."""
    return openai.AsyncOpenAI(**_kwargs(fixtures, timeout, max_retries))


def gemini_client(**kwargs):
    """``google.genai.Client`` for the current mode (replay: the local Gemini stand-in); see standins.gemini."""
    from .standins.gemini import gemini_client as _gemini_client

    return _gemini_client(**kwargs)
