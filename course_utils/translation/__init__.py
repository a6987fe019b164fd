"""OpenAI Realtime translation: an interpreter session over the official SDK, and a local server for it.

A translation session is not a conversation: no turns, no ``response.create``, no tools. Audio
streams in continuously (silence included) and translated audio and transcripts stream out while
the speaker is still talking. :class:`TranslationClient` runs one over
``client.realtime.translations.connect(model="gpt-realtime-translate")``; in replay mode it talks to
:class:`LocalTranslationServer` (``course_utils.translation.server``), which interprets a recorded
monologue (``data/fixtures/translation/``) with a configurable lag.
"""
from .client import DEFAULT_MODEL, TRANSCRIPTION_MODEL, TranslationClient
from .fixture import Monologue, load_monologue
from .timeline import PhraseLag, TranslationTrace

__all__ = ["TranslationClient", "LocalTranslationServer", "DEFAULT_MODEL", "TRANSCRIPTION_MODEL", "Monologue",
           "load_monologue", "PhraseLag", "TranslationTrace"]


def __getattr__(name: str):
    # imported on first use, so `python -m course_utils.translation.server` runs the module only once
    if name == "LocalTranslationServer":
        from .server import LocalTranslationServer

        return LocalTranslationServer
    raise AttributeError(name)
