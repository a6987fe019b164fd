"""The microphone widget's kernel side: chunks from the front end reach callbacks and background tasks."""
from __future__ import annotations

import asyncio
import builtins
import threading

import numpy as np
import pytest

from course_utils.errors import CourseError, OperationTimeout
from course_utils.widgets import LocalMicrophone, Microphone, MicrophoneError
from course_utils.widgets import mic as mic_module


def chunk(mic: Microphone, seq: int, value: int = 1000, ms: int = 40) -> bytes:
    """What the browser sends: one binary buffer of PCM16 and a small JSON header."""
    pcm = np.full(24 * ms, value, dtype="<i2").tobytes()
    mic._on_front_end_msg(mic, {"type": "chunk", "seq": seq, "rms": value / 32768, "ms": seq * ms}, [memoryview(pcm)])
    return pcm


def test_front_end_contract():
    mic = Microphone(chunk_ms=20, label="Your microphone")
    state = mic.get_state()
    assert state["sample_rate"] == 24000 and state["chunk_ms"] == 20 and state["label"] == "Your microphone"
    assert state["_instance_id"] and state["_instance_id"] != Microphone().get_state()["_instance_id"]
    assert "registerProcessor" in mic._esm and "getUserMedia" in mic._esm and "export default" in mic._esm
    for code in ("permission-denied", "no-microphone", "busy", "unsupported"):
        assert f'"{code}"' in mic._esm
    with pytest.raises(CourseError, match="between 20 and 40"):
        Microphone(chunk_ms=100)


def test_chunks_reach_callbacks_and_counters():
    mic = Microphone()
    got = []
    mic.on_chunk(got.append)
    sent = [chunk(mic, i) for i in range(1, 4)]
    assert got == sent
    assert mic.chunks_received == 3 and mic.received_ms == pytest.approx(120)
    mic._on_front_end_msg(mic, {"type": "started", "device": "Fake Default Audio Input"}, [])
    assert mic.state == "recording" and mic.device == "Fake Default Audio Input"
    assert "recording" in repr(mic)


def test_a_background_task_receives_chunks_sent_from_another_thread():
    async def main():
        mic = Microphone()
        received: list[bytes] = []

        async def send(pcm: bytes) -> None:   # e.g. client.append_audio
            received.append(pcm)

        task = mic.forward(send)
        await asyncio.sleep(0)  # let the task subscribe
        sent = []
        t = threading.Thread(target=lambda: sent.extend(chunk(mic, i) for i in range(1, 6)))
        t.start()
        t.join()
        for _ in range(100):
            if len(received) == 5:
                break
            await asyncio.sleep(0.01)
        task.cancel()
        return sent, received

    sent, received = asyncio.run(asyncio.wait_for(main(), 10))
    assert received == sent


def test_browser_errors_end_the_stream_with_a_one_line_message():
    async def main():
        mic = Microphone()
        errors: list[BaseException] = []
        task = mic.forward(lambda pcm: None, on_error=errors.append)
        await asyncio.sleep(0)
        mic._on_front_end_msg(mic, {"type": "error", "code": "permission-denied",
                                    "message": "Microphone permission was denied. Allow microphone access."}, [])
        for _ in range(100):
            if task.done():
                break
            await asyncio.sleep(0.01)
        return mic, task, errors

    mic, task, errors = asyncio.run(asyncio.wait_for(main(), 10))
    assert task.done() and isinstance(errors[0], MicrophoneError)
    assert errors[0].code == "permission-denied" and "\n" not in str(errors[0])
    assert mic.state == "error" and mic.error is errors[0]


def test_an_idle_stream_times_out():
    async def main():
        mic = Microphone()
        async for _ in mic.chunks(idle_timeout=0.05):
            pass

    with pytest.raises(OperationTimeout, match="press Start"):
        asyncio.run(asyncio.wait_for(main(), 10))


def test_forward_needs_an_event_loop():
    with pytest.raises(CourseError, match="running event loop"):
        Microphone().forward(lambda pcm: None)


def test_a_failing_callback_does_not_stop_the_stream(capsys):
    mic = Microphone()
    got = []
    mic.on_chunk(lambda pcm: 1 / 0)
    mic.on_chunk(got.append)
    chunk(mic, 1)
    assert len(got) == 1 and "ZeroDivisionError" in capsys.readouterr().err


def test_local_microphone_without_sounddevice_says_what_to_install(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "sounddevice":
            raise ImportError("No module named 'sounddevice'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(MicrophoneError, match="pip install sounddevice") as info:
        LocalMicrophone()
    assert info.value.code == "unsupported"


def test_local_microphone_streams_through_the_same_api(monkeypatch):
    """With a stand-in for sounddevice's RawInputStream, the chunks flow like the widget's."""
    class FakeStream:
        def __init__(self, samplerate, channels, dtype, device, blocksize, callback):
            assert (samplerate, channels, dtype, blocksize) == (24000, 1, "int16", 960)
            self.callback = callback

        def start(self):
            for i in range(3):
                self.callback(np.full(960, i, "<i2").tobytes(), 960, None, None)

        def stop(self):
            pass

        def close(self):
            pass

    class FakeSD:
        RawInputStream = FakeStream

    monkeypatch.setitem(__import__("sys").modules, "sounddevice", FakeSD)
    got = []
    mic = LocalMicrophone(chunk_ms=40)
    mic.on_chunk(got.append)
    with mic:
        pass
    assert [len(g) for g in got] == [1920] * 3 and mic.chunks_received == 3
    assert mic_module.DEFAULT_IDLE_TIMEOUT_S > 0
