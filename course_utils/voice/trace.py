"""A latency trace: every event sent and received, with a monotonic timestamp.

The chapter draws the Realtime conversation as a sequence diagram; the trace measures it. The client
records each event it sends (``sent``), each it receives (``received``) and what happens locally
(``local``: playback stopped, truncate decided, tool ran). From that, per turn (one response):

* ``first_audio_ms``: turn anchor -> first ``response.output_audio.delta``
* ``first_transcript_ms``: anchor -> first transcript (or text) delta
* ``done_ms``: anchor -> ``response.done``
* ``barge_in_ms``: ``input_audio_buffer.speech_started`` -> playback stopped (when interrupted)

The anchor is what ended the user's turn: the first ``speech_stopped`` received, or the first
``input_audio_buffer.commit`` / ``conversation.item.create`` / ``response.create`` sent since the
previous response began. Times are on the client's clock, as a user would experience them.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["sent", "received", "local"]

ANCHOR_EVENTS = {
    ("received", "input_audio_buffer.speech_stopped"),
    ("sent", "input_audio_buffer.commit"),
    ("sent", "conversation.item.create"),
    ("sent", "response.create"),
}
AUDIO_DELTAS = {"response.output_audio.delta"}
TRANSCRIPT_DELTAS = {"response.output_audio_transcript.delta", "response.output_text.delta"}


@dataclass
class TraceEvent:
    """One event: seconds since the trace began, direction, type, ids and a few small details."""

    t: float
    direction: Direction
    type: str
    item_id: str | None = None
    response_id: str | None = None
    info: dict = field(default_factory=dict)


@dataclass
class TurnFigures:
    """Measured figures of one response (milliseconds; None when the event never came)."""

    index: int
    response_id: str | None
    anchor: str
    t_anchor: float
    status: str | None = None
    first_audio_ms: float | None = None
    first_transcript_ms: float | None = None
    done_ms: float | None = None
    barge_in_ms: float | None = None
    audio_deltas: int = 0
    t_done: float | None = None

    def as_row(self) -> dict:
        def r(v):
            return None if v is None else round(v, 1)
        return {"turn": self.index, "status": self.status, "anchor": self.anchor,
                "first audio ms": r(self.first_audio_ms), "first transcript ms": r(self.first_transcript_ms),
                "response.done ms": r(self.done_ms), "barge-in -> stop ms": r(self.barge_in_ms),
                "audio deltas": self.audio_deltas}


class Trace:
    """Timestamps of every event of a session (``time.monotonic`` relative to the trace's start).

    The event families below are Realtime's; a trace of another protocol (``live.trace.LiveTrace``)
    overrides them, and ``turns()`` and ``plot_timeline`` read them from the trace.
    """

    audio_delta_types: frozenset[str] = frozenset(AUDIO_DELTAS)
    transcript_delta_types: frozenset[str] = frozenset(TRANSCRIPT_DELTAS)
    append_types: frozenset[str] = frozenset({"input_audio_buffer.append"})
    key_event_types: frozenset[str] = frozenset({
        "input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped", "input_audio_buffer.committed",
        "response.created", "response.done", "response.cancel", "conversation.item.truncate",
        "conversation.item.truncated", "playback.stopped", "response.create", "input_audio_buffer.commit",
        "conversation.item.create", "tool.ran", "response.function_call_arguments.done",
    })
    done_label: str = "response.done"

    def __init__(self, clock: Callable[[], float] | None = None):
        self.clock = clock or time.monotonic
        self.t0 = self.clock()
        self.events: list[TraceEvent] = []

    def now(self) -> float:
        return self.clock() - self.t0

    def record(self, direction: Direction, event: dict, **info) -> TraceEvent:
        """Add an event (a protocol event dict); audio payloads are summarised, not stored."""
        etype = str(event.get("type", "?"))
        if etype in self.audio_delta_types:  # the hot path: many per second
            ev = TraceEvent(self.clock() - self.t0, direction, etype, event.get("item_id"), event.get("response_id"),
                            {"b64_chars": len(event.get("delta") or ""), **info})
            self.events.append(ev)
            return ev
        item = event.get("item_id")
        if item is None and isinstance(event.get("item"), dict):
            item = event["item"].get("id")
        resp = event.get("response_id")
        if resp is None and isinstance(event.get("response"), dict):
            resp = event["response"].get("id")
        for key in ("audio_start_ms", "audio_end_ms", "content_index"):
            if key in event:
                info.setdefault(key, event[key])
        if etype in self.audio_delta_types or etype in self.append_types:
            payload = event.get("delta") or event.get("audio") or ""
            info.setdefault("b64_chars", len(payload))
        if etype == "response.done" and isinstance(event.get("response"), dict):
            info.setdefault("status", event["response"].get("status"))
        ev = TraceEvent(self.now(), direction, etype, item, resp, info)
        self.events.append(ev)
        return ev

    def sent(self, event: dict, **info) -> TraceEvent:
        return self.record("sent", event, **info)

    def received(self, event: dict, **info) -> TraceEvent:
        return self.record("received", event, **info)

    def local(self, etype: str, **info) -> TraceEvent:
        """Something that happened in the app (e.g. ``playback.stopped``, ``tool.ran``)."""
        ev = TraceEvent(self.now(), "local", etype, info.pop("item_id", None), info.pop("response_id", None), info)
        self.events.append(ev)
        return ev

    def clear(self) -> None:
        self.t0 = self.clock()
        self.events.clear()

    # -- derived figures ----------------------------------------------------------------------------
    def turns(self) -> list[TurnFigures]:
        """One :class:`TurnFigures` per response, in order."""
        turns: list[TurnFigures] = []
        by_response: dict[str, TurnFigures] = {}
        anchor: TraceEvent | None = None
        pending_barge: TraceEvent | None = None
        for ev in sorted(self.events, key=lambda e: e.t):
            key = (ev.direction, ev.type)
            if key in ANCHOR_EVENTS and anchor is None:
                anchor = ev
            if ev.direction == "received" and ev.type == "response.created":
                a = anchor or ev
                turn = TurnFigures(len(turns) + 1, ev.response_id, a.type, a.t)
                turns.append(turn)
                if ev.response_id:
                    by_response[ev.response_id] = turn
                anchor = None
                continue
            turn = by_response.get(ev.response_id or "") if ev.response_id else None
            if ev.direction == "received" and turn is not None:
                if ev.type in self.audio_delta_types:
                    turn.audio_deltas += 1
                    if turn.first_audio_ms is None:
                        turn.first_audio_ms = (ev.t - turn.t_anchor) * 1000
                elif ev.type in self.transcript_delta_types and turn.first_transcript_ms is None:
                    turn.first_transcript_ms = (ev.t - turn.t_anchor) * 1000
                elif ev.type == "response.done":
                    turn.done_ms = (ev.t - turn.t_anchor) * 1000
                    turn.t_done = ev.t
                    turn.status = ev.info.get("status")
            if ev.direction == "received" and ev.type == "input_audio_buffer.speech_started":
                pending_barge = ev
            if ev.direction == "local" and ev.type == "playback.stopped" and pending_barge is not None:
                target = next((t for t in reversed(turns) if t.t_anchor <= pending_barge.t), None)
                if target is not None:
                    target.barge_in_ms = (ev.t - pending_barge.t) * 1000
                pending_barge = None
        return turns

    def table(self) -> list[dict]:
        """The per-turn figures as rows (for printing or a DataFrame)."""
        return [t.as_row() for t in self.turns()]

    def table_view(self):
        """The per-turn figures to display: an HTML table that fits a notebook column (plain aligned
        text as its ``text/plain``, what a terminal prints and nbval compares)."""
        from ..display import HTMLTable

        return HTMLTable(self.table(), caption=None)

    def format_table(self) -> str:
        rows = self.table()
        if not rows:
            return "(no responses traced)"
        cols = list(rows[0])
        width = {c: max(len(c), *(len("-" if r[c] is None else str(r[c])) for r in rows)) for c in cols}
        lines = ["  ".join(c.rjust(width[c]) for c in cols)]
        for r in rows:
            lines.append("  ".join(("-" if r[c] is None else str(r[c])).rjust(width[c]) for c in cols))
        return "\n".join(lines)

    def counts(self) -> dict[str, int]:
        """How many events of each ``direction:type``."""
        out: dict[str, int] = {}
        for ev in self.events:
            k = f"{ev.direction}:{ev.type}"
            out[k] = out.get(k, 0) + 1
        return out

    def __repr__(self) -> str:
        return f"Trace({len(self.events)} events, {len(self.turns())} responses)"


# -- the timeline plot ----------------------------------------------------------------------------
_LANES = ["client sent", "server events", "audio deltas", "local"]


def _lane(trace: Trace, ev: TraceEvent) -> str:
    if ev.direction == "sent":
        return "client sent"
    if ev.direction == "local":
        return "local"
    return "audio deltas" if ev.type in trace.audio_delta_types else "server events"


def plot_timeline(trace: Trace, turn: int | None = None, ax=None):
    """A matplotlib figure of the session (or of one turn, numbered from 1): one lane per kind of
    event, key events labelled, the turn's measured latencies drawn as arrows. Returns the figure."""
    import matplotlib.pyplot as plt

    turns = trace.turns()
    events = sorted(trace.events, key=lambda e: e.t)
    origin = events[0].t if events else 0.0
    window = None
    chosen: TurnFigures | None = None
    if turn is not None:
        if not 1 <= turn <= len(turns):
            from ..errors import CourseError
            raise CourseError(f"Turn {turn} does not exist: the trace has {len(turns)} responses.")
        chosen = turns[turn - 1]
        end = chosen.t_done if chosen.t_done is not None else (events[-1].t if events else chosen.t_anchor)
        start = chosen.t_anchor - 0.25
        # include a barge-in that interrupted this turn
        window = (start, end + 0.15)
        origin = chosen.t_anchor
        events = [e for e in events if window[0] <= e.t <= window[1]
                  and (e.response_id in (None, chosen.response_id) or e.direction != "received")]
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 3.4))
    else:
        fig = ax.figure
    colors = {"client sent": "tab:blue", "server events": "tab:green", "audio deltas": "tab:orange", "local": "tab:red"}
    labelled: set = set()
    xs = [(e.t - origin) * 1000 for e in events] or [0.0]
    near = max(1.0, (max(xs) - min(xs)) * 0.06)   # labels closer than this (in ms) are stacked
    last_label: dict[str, tuple[float, int]] = {}
    for ev in events:
        lane = _lane(trace, ev)
        y = _LANES.index(lane)
        x = (ev.t - origin) * 1000
        if lane == "audio deltas":
            ax.plot([x, x], [y - 0.25, y + 0.25], color=colors[lane], lw=1)
            continue
        if ev.type in trace.append_types:
            ax.plot([x], [y], "|", color="tab:gray", ms=6)
            continue
        ax.plot([x], [y], "o", color=colors[lane], ms=3 if ev.type not in trace.key_event_types else 5)
        if ev.type in trace.key_event_types and (ev.type, lane) not in labelled:
            labelled.add((ev.type, lane))
            prev = last_label.get(lane)
            level = (prev[1] + 1) % 3 if prev is not None and x - prev[0] < near else 0
            last_label[lane] = (x, level)
            short = ev.type.replace("input_audio_buffer.", "").replace("conversation.item.", "item.")
            ax.annotate(short, (x, y), xytext=(2, 6 + 9 * level), textcoords="offset points", fontsize=7,
                        arrowprops={"arrowstyle": "-", "color": "0.6", "lw": 0.5} if level else None)
    if chosen is not None:
        for value, label, yy in ((chosen.first_audio_ms, "first audio", 2.45), (chosen.done_ms, trace.done_label, 1.45)):
            if value is not None:
                ax.annotate("", xy=(value, yy), xytext=(0, yy), arrowprops={"arrowstyle": "->", "color": "k"})
                ax.text(value / 2, yy + 0.06, f"{label}: {value:.0f} ms", ha="center", fontsize=8)
        ax.axvline(0, color="k", ls=":", lw=1)
        ax.set_xlabel(f"ms since the turn's anchor ({chosen.anchor})")
        ax.set_title(f"Turn {chosen.index}: response {chosen.status or 'unfinished'}")
    else:
        ax.set_xlabel("ms since the first event")
        ax.set_title(f"Session timeline: {len(trace.events)} events, {len(turns)} responses")
    ax.set_yticks(range(len(_LANES)), _LANES)
    ax.set_ylim(-0.6, len(_LANES) - 0.2)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
