"""The speaker widget's kernel side: a PlaybackSink whose play clock is the browser's reports."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.voice import PlaybackSink
from course_utils.widgets import Speaker
from course_utils.widgets import speaker as speaker_module


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(speaker_module.time, "monotonic", c)
    return c


@pytest.fixture
def spk(monkeypatch):
    s = Speaker()
    s.sent = []
    monkeypatch.setattr(s, "send", lambda content, buffers=None: s.sent.append((content, buffers)))
    return s


def pcm(ms: int, value: int = 500) -> bytes:
    return np.full(24 * ms, value, dtype="<i2").tobytes()


def report(spk: Speaker, item: str, ms: float, state: str = "playing", running: bool = True) -> None:
    spk._on_front_end_msg(spk, {"type": "played", "item_id": item, "ms": ms, "state": state, "running": running}, [])


def test_is_a_playback_sink_and_sends_binary_audio(spk):
    assert isinstance(spk, PlaybackSink)
    spk.write("item_1", pcm(200))
    content, buffers = spk.sent[-1]
    assert content == {"type": "audio", "item_id": "item_1", "seq": 1, "rate": 24000}
    assert buffers == [pcm(200)]
    assert spk.items()["item_1"].sent_ms == pytest.approx(200)
    spk.write("item_1", b"")          # nothing to send
    assert len(spk.sent) == 1
    assert "export default" in spk._esm and "msg:custom" in spk._esm


def test_played_ms_follows_the_browser_and_extrapolates_a_little(spk, clock):
    spk.write("a", pcm(1000))
    assert spk.played_ms("a") == 0 and spk.is_playing      # nothing confirmed heard yet
    report(spk, "a", 300)
    assert spk.played_ms("a") == 300 and spk.audio_state == "running"
    clock.now += 0.1
    assert spk.played_ms("a") == 400                          # moved on by the time since the report
    clock.now += 5
    assert spk.played_ms("a") == 300 + speaker_module.MAX_EXTRAPOLATION_MS  # but not far past it
    report(spk, "a", 990)
    clock.now += 1
    assert spk.played_ms("a") == 1000                         # never past what was sent
    assert spk.played_ms("unknown") == 0


def test_no_extrapolation_while_the_browser_blocks_sound(spk, clock):
    spk.write("a", pcm(1000))
    report(spk, "a", 0, running=False)
    clock.now += 1
    assert spk.played_ms("a") == 0 and spk.audio_state == "suspended"


def test_stop_flushes_cuts_and_drops_late_deltas(spk, clock):
    spk.write("a", pcm(2000))
    report(spk, "a", 700)
    clock.now += 0.05
    cut = spk.stop()
    assert cut == {"a": 750}
    assert spk.sent[-1][0] == {"type": "flush", "token": 1}
    assert spk.played_ms("a") == 750 and not spk.is_playing
    n = len(spk.sent)
    spk.write("a", pcm(100))                                  # a delta still in flight
    assert len(spk.sent) == n
    # the browser's own figure arrives later and is kept apart
    report(spk, "a", 742, state="flushed")
    spk._on_front_end_msg(spk, {"type": "flushed", "token": 1, "items": {"a": 742}}, [])
    assert spk.items()["a"].browser_final_ms == 742 and spk.played_ms("a") == 750
    assert spk.flushes == [{"token": 1, "items": {"a": 742}}]
    spk.write("b", pcm(100))                                  # the next item plays
    assert spk.sent[-1][0]["item_id"] == "b"


def test_finished_items_are_not_cut(spk, clock):
    spk.write("a", pcm(500))
    spk.end("a")
    assert spk.sent[-1][0] == {"type": "end", "item_id": "a"}
    report(spk, "a", 500, state="done")
    assert spk.stop() == {} and spk.played_ms("a") == 500
    assert spk.items()["a"].browser_final_ms == 500


def test_a_drained_item_waiting_for_more_audio_is_cut_where_it_stopped(spk, clock):
    spk.write("a", pcm(300))
    report(spk, "a", 300, state="drained")
    clock.now += 1
    assert spk.played_ms("a") == 300
    assert spk.stop() == {"a": 300}


def test_odd_byte_counts_are_refused(spk):
    with pytest.raises(Exception, match="even number of bytes"):
        spk.write("a", b"\x00\x01\x02")


def test_speaker_is_the_realtime_clients_sink_and_truncation_uses_its_reports(monkeypatch):
    """Kernel side end to end, with a small stand-in for the browser that plays at the server's pace."""
    import asyncio
    import time as real_time

    from course_utils.realtime.client import RealtimeClient
    from course_utils.voice.conversation import load_conversation

    speed = 4.0
    spk = Speaker()
    started: dict[str, float] = {}

    def browser_receives(content, buffers=None):   # what speaker.js does with each message, minus the sound
        if content["type"] == "audio":
            started.setdefault(content["item_id"], real_time.monotonic())
        elif content["type"] == "flush":
            spk._on_front_end_msg(spk, {"type": "flushed", "token": content["token"], "items": {}}, [])

    monkeypatch.setattr(spk, "send", browser_receives)

    async def browser_reports():
        while True:
            now = real_time.monotonic()
            for item_id, t0 in started.items():
                item = spk.items()[item_id]
                if item.state != "flushed":
                    ms = min(item.sent_ms, (now - t0) * 1000 * speed)
                    report(spk, item_id, ms)
            await asyncio.sleep(0.025)

    async def main():
        user = load_conversation("barge_in", "realtime").user
        reporter = asyncio.create_task(browser_reports())
        async with RealtimeClient(fixture="barge_in", speed=speed, sink=spk) as rt:
            await rt.stream_audio(user[0].path)
            await rt.wait_for(lambda: spk.items() != {}, timeout=10, what="the first audio")
            await asyncio.sleep(0.5)
            await rt.stream_audio(user[1].path)
            first = await rt.wait_for_response(timeout=10)
            second = await rt.wait_for_response(timeout=10)
        reporter.cancel()
        return rt, first, second

    rt, first, second = asyncio.run(asyncio.wait_for(main(), 30))
    assert first.status == "cancelled" and second.status == "completed"
    [cut] = rt.truncations
    item = spk.items()[cut["item_id"]]
    assert item.state == "flushed"
    assert cut["audio_end_ms"] == round(item.reported_ms)   # the truncation point is the sink's play clock
    assert 0 < cut["audio_end_ms"] < cut["received_ms"]
