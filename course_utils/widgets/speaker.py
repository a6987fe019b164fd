"""A speaker for notebooks that knows what was heard: a :class:`~course_utils.voice.PlaybackSink`.

The kernel sends each ``response.output_audio.delta`` chunk to the browser as a binary comm message;
``speaker.js`` schedules the chunks back to back with Web Audio (gapless) and reports, about every
100 ms, how many milliseconds of each item have actually come out of the speakers. On barge-in the
client calls :meth:`Speaker.stop`: the browser stops every scheduled buffer at once and reports the
final position, and later deltas of that item are dropped.

``played_ms(item_id)`` is the browser's last report, moved forward by the time since that report
while the browser says it is playing (never past what was sent, never more than 250 ms past the
report): the truncation point of ``conversation.item.truncate`` comes from the browser's own clock.

Outside a notebook, use :class:`course_utils.voice.SpeakerSink` (``sounddevice``) instead.
"""
from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import anywidget
import traitlets

from ..errors import CourseError
from ..voice.formats import SAMPLE_RATE, duration_ms

_HERE = Path(__file__).resolve().parent

#: The longest we move a report forward without hearing from the browser again.
MAX_EXTRAPOLATION_MS = 250.0


@dataclass
class ItemPlayback:
    """What the kernel knows about one assistant item's playback."""

    item_id: str
    sent_ms: float = 0.0              # audio sent to the browser
    reported_ms: float = 0.0          # the browser's last played position
    reported_at: float | None = None  # time.monotonic() when that report arrived
    state: str = "sent"               # sent | playing | drained | done | flushed
    browser_final_ms: float | None = None  # the browser's own figure after a flush or at the end
    chunks: int = 0


class Speaker(anywidget.AnyWidget):
    """Plays assistant audio in the browser and reports what was heard (see the module doc)."""

    _esm = (_HERE / "speaker.js").read_text()
    _css = (_HERE / "widgets.css").read_text()

    label = traitlets.Unicode("Speaker").tag(sync=True)
    sample_rate = traitlets.Int(SAMPLE_RATE, read_only=True).tag(sync=True)
    volume = traitlets.Float(1.0, min=0.0, max=2.0).tag(sync=True)
    _instance_id = traitlets.Unicode().tag(sync=True)

    def __init__(self, *, label: str = "Speaker", volume: float = 1.0, **kwargs) -> None:
        super().__init__(label=label, volume=volume, _instance_id=uuid.uuid4().hex, **kwargs)
        self._items: dict[str, ItemPlayback] = {}
        self._cut: set[str] = set()
        self._lock = threading.Lock()
        self._flush_token = 0
        self.audio_state = "unknown"   # the browser's AudioContext state: suspended | running | closed
        self.flushes: list[dict] = []  # the browser's answers to stop(): {"token", "items": {id: ms}}
        self.on_msg(self._on_front_end_msg)

    # -- the PlaybackSink protocol --------------------------------------------------------------
    def write(self, item_id: str, pcm: bytes) -> None:
        """Send PCM16 mono 24 kHz audio of ``item_id`` to the browser (dropped once the item was cut)."""
        if not pcm or item_id in self._cut:
            return
        if len(pcm) % 2:
            raise CourseError(f"PCM16 audio has an even number of bytes; got {len(pcm)} for {item_id}.")
        with self._lock:
            item = self._items.setdefault(item_id, ItemPlayback(item_id))
            item.chunks += 1
            item.sent_ms += duration_ms(pcm, self.sample_rate)
            seq = item.chunks
        self.send({"type": "audio", "item_id": item_id, "seq": seq, "rate": self.sample_rate}, buffers=[bytes(pcm)])

    def end(self, item_id: str) -> None:
        """No more audio for ``item_id`` (lets the browser report it as done)."""
        if item_id in self._items and item_id not in self._cut:
            self.send({"type": "end", "item_id": item_id})

    def played_ms(self, item_id: str) -> int:
        """Milliseconds of ``item_id`` heard so far, by the browser's clock (see the module doc)."""
        now = time.monotonic()
        with self._lock:
            item = self._items.get(item_id)
            if item is None:
                return 0
            return int(round(self._estimate(item, now)))

    def stop(self) -> dict[str, int]:
        """Barge-in: flush the browser's queue now; return ``{item_id: played_ms}`` of the items cut."""
        now = time.monotonic()
        with self._lock:
            self._flush_token += 1
            token = self._flush_token
            cut: dict[str, int] = {}
            for item in self._items.values():
                if item.state in ("sent", "playing", "drained") and item.sent_ms > 0:
                    if item.state == "drained" or self._estimate(item, now) < item.sent_ms:
                        cut[item.item_id] = int(round(self._estimate(item, now)))
                        item.reported_ms, item.reported_at = self._estimate(item, now), now
                        item.state = "flushed"
            self._cut.update(cut)
        self.send({"type": "flush", "token": token})
        return cut

    @property
    def is_playing(self) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(i.state in ("sent", "playing") and self._estimate(i, now) < i.sent_ms for i in self._items.values())

    # -- the browser's reports ---------------------------------------------------------------------
    def _estimate(self, item: ItemPlayback, now: float) -> float:
        if item.reported_at is None:
            return 0.0
        ms = item.reported_ms
        if item.state == "playing" and self.audio_state == "running":
            ms += min(MAX_EXTRAPOLATION_MS, (now - item.reported_at) * 1000)
        return min(ms, item.sent_ms)

    def _on_front_end_msg(self, _widget, content: dict, _buffers: list) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        now = time.monotonic()
        if kind == "played":
            with self._lock:
                item = self._items.get(content.get("item_id"))
                if item is None:
                    return
                state = content.get("state", "playing")
                ms = float(content.get("ms") or 0)
                if content.get("running") is not None:
                    self.audio_state = "running" if content["running"] else "suspended"
                if item.state == "flushed":     # the kernel already cut it: keep the browser's figure apart
                    if state == "flushed":
                        item.browser_final_ms = ms
                    return
                item.reported_ms, item.reported_at, item.state = ms, now, state
                if state == "done":
                    item.browser_final_ms = ms
        elif kind == "flushed":
            self.flushes.append({"token": content.get("token"), "items": dict(content.get("items") or {})})
        elif kind == "audio-state":
            self.audio_state = str(content.get("state"))

    # -- for notebooks and tests -------------------------------------------------------------------
    def items(self) -> dict[str, ItemPlayback]:
        """A snapshot of every item's playback figures."""
        with self._lock:
            return {k: ItemPlayback(**vars(v)) for k, v in self._items.items()}

    def __repr__(self) -> str:
        return f"Speaker(audio={self.audio_state}, items={len(self._items)}, cut={len(self._cut)})"
