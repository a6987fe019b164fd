"""The shared latency trace, read the Live way: replies instead of responses.

:class:`course_utils.voice.trace.Trace` records events; its per-turn figures are keyed to Realtime's
``response.created`` / ``response.done``. A Live session has neither: the model starts and stops
talking on its own. :class:`LiveTrace` records the same events (the clients mark each received
audio or transcript delta with the reply it belongs to) and derives the same :class:`TurnFigures`:

* anchor: the end of the user's speech as the client sent it (``local: user.speech_end``, found in
  the clip with the shared energy VAD; ``user.audio_end``, the end of the clip, if none) - the
  moment a user stops talking and starts waiting;
* ``first_audio_ms``: anchor -> the reply's first audio;
* ``first_transcript_ms``: anchor -> the reply's first output transcript piece;
* ``done_ms``: anchor -> the reply's last audio (the model went quiet);
* ``barge_in_ms``: the user starts talking over the reply (``local: user.barge_in``) -> the reply's
  last audio: how long the model kept talking once interrupted (no cancel, no truncate: the server
  decides).

``plot_timeline`` from ``course_utils.voice`` draws a LiveTrace like any other trace.
"""
from __future__ import annotations

from ..voice.trace import Trace, TraceEvent, TurnFigures

LIVE_AUDIO_DELTAS = {"session.output_audio.delta", "gemini.model_turn.audio"}
LIVE_TRANSCRIPT_DELTAS = {"session.output_transcript.delta", "gemini.output_transcription"}


class LiveTrace(Trace):
    """A :class:`Trace` whose turns are the model's replies (see the module docstring)."""

    #: event types read by turns(); a timeline plot that reads them from the trace draws Live's deltas in
    #: the audio lane, its microphone appends as ticks, and labels its key events
    audio_delta_types = frozenset(LIVE_AUDIO_DELTAS)
    transcript_delta_types = frozenset(LIVE_TRANSCRIPT_DELTAS)
    append_types = frozenset({"session.input_audio.append", "realtimeInput.audio"})
    key_event_types = frozenset({"session.start", "session.started", "session.delegation.created",
                                 "session.commentary.append", "session.commentary.appended", "session.close",
                                 "session.closed", "user.speech_end", "user.barge_in", "tool.ran", "playback.stopped",
                                 "setup", "setupComplete", "gemini.tool_call", "toolResponse", "gemini.interrupted",
                                 "gemini.turn_complete"})
    done_label = "last audio"

    def turns(self) -> list[TurnFigures]:
        turns: list[TurnFigures] = []
        by_reply: dict[str, TurnFigures] = {}
        anchor: TraceEvent | None = None
        barge: TraceEvent | None = None
        for ev in sorted(self.events, key=lambda e: e.t):
            if ev.direction == "local" and ev.type == "user.speech_end":
                anchor = ev
            elif ev.direction == "local" and ev.type == "user.audio_end":
                if anchor is None or anchor.type != "user.speech_end":
                    anchor = ev
            elif ev.direction == "local" and ev.type == "user.barge_in":
                barge = ev
                target = by_reply.get(ev.response_id or "")
                if target is not None:
                    target.status = "interrupted"
            elif ev.direction == "received" and ev.response_id:
                turn = by_reply.get(ev.response_id)
                if turn is None:
                    a = anchor
                    turn = TurnFigures(len(turns) + 1, ev.response_id, a.type if a else ev.type,
                                       a.t if a else ev.t, status="completed")
                    turns.append(turn)
                    by_reply[ev.response_id] = turn
                    anchor = None
                if ev.type in self.audio_delta_types:
                    turn.audio_deltas += 1
                    if turn.first_audio_ms is None:
                        turn.first_audio_ms = (ev.t - turn.t_anchor) * 1000
                    turn.done_ms = (ev.t - turn.t_anchor) * 1000
                    turn.t_done = ev.t
                    if barge is not None and barge.response_id == ev.response_id:
                        turn.barge_in_ms = (ev.t - barge.t) * 1000
                elif ev.type in self.transcript_delta_types and turn.first_transcript_ms is None:
                    turn.first_transcript_ms = (ev.t - turn.t_anchor) * 1000
            elif ev.direction == "local" and ev.type == "playback.stopped" and barge is not None:
                target = by_reply.get(barge.response_id or "")
                if target is not None:  # the client flushed its buffer (Gemini's "interrupted")
                    target.barge_in_ms = max(target.barge_in_ms or 0.0, (ev.t - barge.t) * 1000)
        for turn in turns:  # an interruption with no audio after it: quiet at once
            if turn.status == "interrupted" and turn.barge_in_ms is None:
                turn.barge_in_ms = 0.0
        return turns

    def __repr__(self) -> str:
        return f"LiveTrace({len(self.events)} events, {len(self.turns())} replies)"


def plot_turns(trace: Trace, ax=None, title: str | None = None):
    """Who talks when: the user's clips and the model's replies as bars on one time axis (session
    time), with barge-ins and tool runs marked, and each reply's first-audio latency written on it."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 2.6))
    else:
        fig = ax.figure
    events = sorted(trace.events, key=lambda e: e.t)
    t0 = events[0].t if events else 0.0
    starts = [e.t for e in events if e.type == "user.audio_start"]
    ends = [e.t for e in events if e.type in ("user.speech_end",)]
    for a, b in zip(starts, ends):
        ax.barh(1, b - a, left=a - t0, height=0.5, color="tab:blue", alpha=0.8)
    replies: dict[str, list[float]] = {}
    for e in events:
        if e.direction == "received" and e.response_id and e.type in LIVE_AUDIO_DELTAS:
            replies.setdefault(e.response_id, []).append(e.t)
    figures = {t.response_id: t for t in trace.turns()} if isinstance(trace, LiveTrace) else {}
    for rid, ts in replies.items():
        ax.barh(0, ts[-1] - ts[0] + 0.1, left=ts[0] - t0, height=0.5, color="tab:orange", alpha=0.8)
        f = figures.get(rid)
        if f is not None and f.first_audio_ms is not None:
            ax.text(ts[0] - t0, -0.42, f"{f.first_audio_ms:.0f} ms", fontsize=7, color="tab:orange")
    for e in events:
        if e.type == "user.barge_in":
            ax.axvline(e.t - t0, color="crimson", ls="--", lw=1)
            ax.text(e.t - t0, 1.35, "barge-in", color="crimson", fontsize=7)
        elif e.type == "tool.ran":
            ax.plot([e.t - t0], [0.5], "v", color="black", ms=5)
            ax.text(e.t - t0, 0.58, "tool", fontsize=7)
    ax.set_yticks([0, 1], ["model", "user"])
    ax.set_ylim(-0.6, 1.6)
    ax.set_xlabel("session time (s)")
    ax.set_title(title or "Who talks when (bars), first-audio latency under each reply")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
