"""One reply type for every voice client: :class:`VoiceReply`.

A reply is one answer of the model as the client saw it, whichever API it came from:

* OpenAI Realtime (``RealtimeClient``): one ``response`` (``id`` = the response id; ``status`` and
  ``reason`` from ``response.done``; ``transcript``/``text``; the audio bytes; the output ``items``;
  ``usage`` and its ``cost``; the function calls);
* OpenAI Live (``LiveClient``): one stretch of output audio (the model decides turns; ``id`` =
  ``reply_N``; the transcript; ``audio_ms`` and the number of deltas; ``interrupted``);
* Gemini Live (``GeminiLiveClient``): one model turn (``turn_N``; ``complete`` at ``turn_complete``;
  what the user said before it; the tool calls it made, with their results).

Fields a client does not know keep their defaults. ``audio`` holds the bytes when the client keeps
them (Realtime); ``audio_ms`` is always the milliseconds received.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .audio import audio_widget
from .formats import duration_ms


@dataclass
class VoiceReply:
    """One answer of the model: what was said (transcript, audio), its tool calls, usage and cost."""

    id: str
    index: int = 0                  # 1, 2, ... in the session (0: not numbered)
    status: str = "in_progress"     # Realtime: completed | cancelled | incomplete | failed; Live: in_progress | done
    reason: str | None = None       # why it ended early (Realtime status_details.reason)
    transcript: str = ""            # the spoken words (audio transcript)
    text: str = ""                  # text output (Realtime text modality; Gemini text parts)
    audio: bytes = b""              # PCM16 24 kHz mono, when the client keeps it
    audio_ms: float = 0.0           # milliseconds of audio received (with or without ``audio``)
    chunks: int = 0                 # audio deltas / chunks received
    interrupted: bool = False       # the user talked over it
    complete: bool = False          # the model finished it (response.done / turn_complete)
    user_text: str = ""             # what the user said before it (when the client knows)
    tool_calls: list = field(default_factory=list)   # ToolCall (course_utils.voice.tools), in order
    items: list = field(default_factory=list)        # Realtime: the response's output items
    usage: Any = None               # the provider's usage for this reply, as received
    cost: Any = None                # a CostBreakdown priced from ``usage``

    @property
    def said(self) -> str:
        """The words of the reply: the transcript, else the text."""
        return self.transcript or self.text

    def add_audio(self, pcm: bytes, keep: bool = False) -> None:
        """Count ``pcm`` (PCM16 24 kHz) as received; keep the bytes with ``keep``."""
        self.audio_ms += duration_ms(pcm)
        self.chunks += 1
        if keep:
            self.audio += pcm

    def audio_widget(self):
        """An inline player of the audio received for this reply (if the client kept it)."""
        return audio_widget(self.audio)

    def __repr__(self) -> str:
        reason = f" ({self.reason})" if self.reason else ""
        calls = f", tools={[c.name for c in self.tool_calls]}" if self.tool_calls else ""
        cost = f", ${self.cost.total_usd:.4f}" if getattr(self.cost, "total_usd", None) is not None else ""
        return (f"VoiceReply({self.id}, {self.status}{reason}{', interrupted' if self.interrupted else ''}, "
                f"{self.audio_ms:.0f} ms audio, {self.said[:60]!r}{calls}{cost})")
