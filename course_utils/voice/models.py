"""The one home of the model names the course defaults to: one constant per model family.

Clients, stand-ins and estimators import these rather than spelling the model id again (a module's
``DEFAULT_MODEL`` is one of these under a local name), so a model rename is one edit here. The speech
models come first; the Gemini video-understanding models live here too, so every default model id has
one home. (Notebook prose may keep the literal id: it is text for the reader.)
"""
from __future__ import annotations

#: OpenAI Realtime (``client.realtime.connect``): the flagship and its cheaper sibling.
REALTIME_MODEL = "gpt-realtime-2.1"
REALTIME_MINI_MODEL = "gpt-realtime-2.1-mini"
#: OpenAI Live (``client.live``), the session-priced speech API; every Live model the stand-in accepts.
OPENAI_LIVE_MODEL = "gpt-live-1.1"
OPENAI_LIVE_MODELS = ("gpt-live-1", OPENAI_LIVE_MODEL)
#: Gemini Live (``client.aio.live.connect``).
GEMINI_LIVE_MODEL = "gemini-3.8-live"
#: OpenAI Realtime translation (``client.realtime.translations.connect``) and its transcription model.
TRANSLATION_MODEL = "gpt-realtime-translate"
TRANSCRIPTION_MODEL = "gpt-realtime-whisper"
#: Gemini video understanding (``client.models.generate_content`` with a video): the default and the cheap one.
GEMINI_VIDEO_MODEL = "gemini-3.8-flash"
GEMINI_VIDEO_CHEAP_MODEL = "gemini-3.5-flash-lite"
#: The text side: OpenAI's chat/vision model (the cascade's LLM, the screen describer, the frame-by-frame
#: baseline), its speech-to-text model, and Gemini's TTS model (the cascade's other voice).
CHAT_MODEL = "gpt-6-luna"   # the chapter's gpt-4.1-mini is deprecated (leaves the API 2027-01-14)
STT_MODEL = "gpt-transcribe"
GEMINI_TTS_MODEL = "gemini-3.8-flash-lite-tts"

__all__ = ["REALTIME_MODEL", "REALTIME_MINI_MODEL", "OPENAI_LIVE_MODEL", "GEMINI_LIVE_MODEL", "TRANSLATION_MODEL",
           "TRANSCRIPTION_MODEL", "GEMINI_VIDEO_MODEL", "GEMINI_VIDEO_CHEAP_MODEL", "OPENAI_LIVE_MODELS",
           "CHAT_MODEL", "STT_MODEL", "GEMINI_TTS_MODEL"]
