"""course_utils.voice.playback: play clocks that know how much of each item was heard."""
from __future__ import annotations

import builtins

import pytest

from course_utils.errors import CourseError
from course_utils.voice import InlinePlayerSink, ManualClock, PlaybackSink, SpeakerSink, VirtualClockSink

MS = 48  # bytes of PCM16 24 kHz per millisecond


def _pcm(ms: int, value: int = 1) -> bytes:
    return (value.to_bytes(2, "little", signed=True)) * (24 * ms)


def test_sinks_follow_the_protocol():
    assert isinstance(VirtualClockSink(), PlaybackSink)
    assert isinstance(InlinePlayerSink(), PlaybackSink)


def test_clock_plays_items_in_order_at_speed():
    clock = ManualClock()
    sink = VirtualClockSink(speed=2.0, clock=clock)
    sink.write("a", _pcm(1000))
    sink.write("b", _pcm(500))
    assert sink.is_playing and sink.played_ms("a") == 0
    clock.advance(0.25)            # 500 ms of audio at 2x
    assert sink.played_ms("a") == 500 and sink.played_ms("b") == 0
    clock.advance(0.5)             # 0.75 s at 2x = 1500 ms: all of a, all of b
    assert sink.played_ms("a") == 1000 and sink.played_ms("b") == 500
    assert not sink.is_playing and sink.items() == ["a", "b"]


def test_underrun_restarts_playback_when_audio_arrives():
    clock = ManualClock()
    sink = VirtualClockSink(clock=clock)
    sink.write("a", _pcm(100))
    clock.advance(1.0)             # queue ran dry long ago
    sink.write("a", _pcm(100))
    assert sink.played_ms("a") == 100
    clock.advance(0.05)
    assert sink.played_ms("a") == 150


def test_stop_flushes_at_once_and_reports_what_was_played():
    clock = ManualClock()
    sink = VirtualClockSink(clock=clock)
    sink.write("a", _pcm(300))
    sink.write("b", _pcm(300))
    clock.advance(0.4)
    cut = sink.stop()
    assert cut == {"b": 100}       # a was fully played; b cut at 100 ms
    assert not sink.is_playing
    clock.advance(1.0)
    assert sink.played_ms("b") == 100                # no more audio after the stop
    sink.write("b", _pcm(300))                       # late deltas of a cut item are dropped
    assert sink.queued_ms("b") == 100
    sink.write("c", _pcm(50))                        # a new item plays
    assert sink.is_playing
    assert len(sink.played_pcm("b")) == 100 * MS


def test_inline_player_shows_what_was_heard():
    clock = ManualClock()
    sink = InlinePlayerSink(clock=clock)
    sink.write("a", _pcm(200, 7))
    clock.advance(0.1)
    sink.stop()
    html = sink.audio()._repr_html_()
    assert "data:audio/wav;base64," in html and html == sink._repr_html_()
    assert len(sink.played_pcm()) == 100 * MS


def test_speed_must_be_positive():
    with pytest.raises(CourseError):
        VirtualClockSink(speed=0)


def test_speaker_sink_without_sounddevice_says_what_to_do(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "sounddevice":
            raise ImportError("no sounddevice")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(CourseError, match="pip install sounddevice"):
        SpeakerSink()
