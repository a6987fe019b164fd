"""Live WebSocket audio formats: PCM16 at 24 or 16 kHz, G.711 mu-law / A-law at 8 kHz.

The class lives in :mod:`course_utils.voice.formats` (one home for every audio format); this module
keeps the ``course_utils.live.formats.AudioFormat`` import path working.
"""
from __future__ import annotations

from ..voice.formats import AudioFormat

__all__ = ["AudioFormat"]
