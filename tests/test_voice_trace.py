"""course_utils.voice.trace: per-turn latency figures from timestamped events, and the timeline plot."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from course_utils.errors import CourseError  # noqa: E402
from course_utils.voice import ManualClock, Trace, plot_timeline  # noqa: E402


def _session() -> Trace:
    clock = ManualClock(100.0)
    tr = Trace(clock=clock)
    at = lambda s: setattr(clock, "now", 100.0 + s)  # noqa: E731
    at(0.00)
    tr.sent({"type": "input_audio_buffer.append", "audio": "AAAA"})
    at(1.00)
    tr.received({"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 1000, "item_id": "u1"})
    at(1.05)
    tr.received({"type": "response.created", "response": {"id": "r1"}})
    at(1.30)
    tr.received({"type": "response.output_audio_transcript.delta", "response_id": "r1", "item_id": "a1", "delta": "Hi"})
    at(1.32)
    tr.received({"type": "response.output_audio.delta", "response_id": "r1", "item_id": "a1", "delta": "AAAA"})
    at(1.42)
    tr.received({"type": "response.output_audio.delta", "response_id": "r1", "item_id": "a1", "delta": "AAAA"})
    at(2.00)
    tr.received({"type": "input_audio_buffer.speech_started", "audio_start_ms": 1700, "item_id": "u2"})
    at(2.003)
    tr.local("playback.stopped")
    at(2.01)
    tr.received({"type": "response.done", "response": {"id": "r1", "status": "cancelled"}})
    at(3.00)
    tr.sent({"type": "conversation.item.create", "item": {"type": "message"}})
    at(3.01)
    tr.sent({"type": "response.create"})
    at(3.20)
    tr.received({"type": "response.created", "response": {"id": "r2"}})
    at(3.50)
    tr.received({"type": "response.output_text.delta", "response_id": "r2", "item_id": "a2", "delta": "x"})
    at(3.60)
    tr.received({"type": "response.done", "response": {"id": "r2", "status": "completed"}})
    return tr


def test_turn_figures_are_measured_from_the_anchor():
    first, second = _session().turns()
    assert first.anchor == "input_audio_buffer.speech_stopped" and first.status == "cancelled"
    assert first.first_audio_ms == pytest.approx(320) and first.first_transcript_ms == pytest.approx(300)
    assert first.done_ms == pytest.approx(1010) and first.barge_in_ms == pytest.approx(3)
    assert first.audio_deltas == 2
    assert second.anchor == "conversation.item.create" and second.first_audio_ms is None
    assert second.first_transcript_ms == pytest.approx(500) and second.done_ms == pytest.approx(600)


def test_events_keep_ids_and_summaries_not_payloads():
    tr = _session()
    append = tr.events[0]
    assert append.info["b64_chars"] == 4 and "audio" not in append.info
    assert tr.counts()["received:response.output_audio.delta"] == 2
    assert "turn" in tr.format_table() and tr.table()[0]["barge-in -> stop ms"] == 3.0


def test_timeline_plots_the_session_and_one_turn():
    tr = _session()
    fig = plot_timeline(tr)
    assert fig.axes[0].get_title().startswith("Session timeline")
    fig1 = plot_timeline(tr, turn=1)
    assert "cancelled" in fig1.axes[0].get_title()
    with pytest.raises(CourseError, match="2 responses"):
        plot_timeline(tr, turn=3)


def test_timeline_reads_event_families_from_the_trace():
    """A Live trace's audio deltas land in the audio lane and its done arrow says 'last audio'."""
    import matplotlib

    matplotlib.use("Agg")
    from course_utils.live.trace import LiveTrace
    from course_utils.voice.trace import plot_timeline

    t = [0.0]
    trace = LiveTrace(clock=lambda: t[0])
    trace.local("user.speech_end")
    for _ in range(3):
        t[0] += 0.1
        trace.record("received", {"type": "session.output_audio.delta", "delta": "AAAA", "response_id": "r1"})
    fig = plot_timeline(trace)
    ax = fig.axes[0]
    audio_lane = 2  # "audio deltas"
    lane_lines = [ln for ln in ax.get_lines() if list(ln.get_ydata()) == [audio_lane - 0.25, audio_lane + 0.25]]
    assert len(lane_lines) == 3
