"""Speech-to-speech where the model decides the turns: OpenAI Live and Gemini Live.

* :class:`LiveClient` - OpenAI Live over the official SDK (``client.live.connect()``);
* :class:`GeminiLiveClient` - Gemini Live over ``google-genai`` (``client.aio.live.connect``);
* :class:`LocalLiveServer`, :class:`LocalGeminiLiveServer` - local stand-ins that implement each
  protocol over a real WebSocket and replay the fixture conversations in ``data/fixtures/live/``;
* :mod:`~course_utils.live.crossover` - cost of one conversation against its length, for Realtime,
  Live, Gemini Live and the cascade, with the crossing points computed;
* :mod:`~course_utils.live.compare` - the three APIs side by side, with sources.

The audio, VAD, playback and trace parts, and the conversation fixtures the stand-ins replay
(:mod:`course_utils.voice.conversation`), are shared with ``course_utils.realtime`` through
``course_utils.voice``.
"""
from .crossover import ConversationShape, all_crossings, cost_curves, crossings, plot_crossover
from .gemini_client import GeminiLiveClient
from .openai_client import DelegationRequest, LiveClient
from .trace import LiveTrace, plot_turns

__all__ = ["LiveClient", "DelegationRequest", "GeminiLiveClient", "LocalLiveServer",
           "LocalGeminiLiveServer", "LiveTrace", "plot_turns",
           "ConversationShape", "cost_curves", "crossings", "all_crossings", "plot_crossover"]


def __getattr__(name: str):
    # the servers are imported on first use, so `python -m course_utils.live.server` runs its module once
    if name == "LocalLiveServer":
        from .server import LocalLiveServer

        return LocalLiveServer
    if name == "LocalGeminiLiveServer":
        from .gemini_server import LocalGeminiLiveServer

        return LocalGeminiLiveServer
    raise AttributeError(name)
