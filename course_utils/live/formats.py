"""Live WebSocket audio formats: PCM16 at 24 or 16 kHz, G.711 mu-law / A-law at 8 kHz.

``AudioFormat`` converts between the wire bytes of a session's format and PCM16 24 kHz (what the
VAD hears and the playback sinks play). The same class serves the server and the clients.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..voice.audio import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from .engine import from_pcm24, to_pcm24


@dataclass(frozen=True)
class AudioFormat:
    """A Live WebSocket audio format: its wire name, rate and bytes per sample."""

    type: str = "audio/pcm"
    rate: int = 24000

    @property
    def bytes_per_ms(self) -> float:
        return self.rate * (2 if self.type == "audio/pcm" else 1) / 1000

    def describe(self) -> str:
        return {"audio/pcm": f"PCM16 mono at {self.rate} Hz", "audio/pcmu": "G.711 mu-law at 8000 Hz",
                "audio/pcma": "G.711 A-law at 8000 Hz"}[self.type]

    def decode(self, data: bytes) -> bytes:
        """Wire bytes -> PCM16 24 kHz (what the VAD hears)."""
        if self.type == "audio/pcmu":
            return to_pcm24(ulaw_decode(data), 8000)
        if self.type == "audio/pcma":
            return to_pcm24(alaw_decode(data), 8000)
        return to_pcm24(data, self.rate)

    @classmethod
    def from_config(cls, fmt: dict | None) -> "AudioFormat":
        """From a session's ``audio.format`` (``{"type": "audio/pcm", "rate": 24000}``; None = the default)."""
        if not fmt:
            return cls()
        return cls(str(fmt.get("type", "audio/pcm")), int(fmt.get("rate", 24000)))

    def as_config(self) -> dict:
        return {"type": self.type, "rate": self.rate}

    def encode(self, pcm24: bytes) -> bytes:
        """PCM16 24 kHz -> wire bytes."""
        if self.type == "audio/pcmu":
            return ulaw_encode(from_pcm24(pcm24, 8000))
        if self.type == "audio/pcma":
            return alaw_encode(from_pcm24(pcm24, 8000))
        return from_pcm24(pcm24, self.rate)
