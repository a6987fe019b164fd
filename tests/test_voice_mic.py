"""course_utils.voice.mic: the scripted, always-open microphone of the Live and translation clients."""
from __future__ import annotations

import asyncio

import numpy as np

from course_utils.voice.formats import SAMPLE_RATE
from course_utils.voice.mic import ScriptedMicrophone, find_speech_end_ms


def tone(ms: int, level: int = 8000) -> bytes:
    n = SAMPLE_RATE * ms // 1000
    return (level * np.sin(2 * np.pi * 440 * np.arange(n) / SAMPLE_RATE)).astype("<i2").tobytes()


def test_it_sends_silence_then_the_utterance_then_silence_again():
    sent: list[bytes] = []
    events: list[str] = []

    async def send(chunk: bytes) -> None:
        sent.append(chunk)

    async def main() -> None:
        mic = ScriptedMicrophone(send, chunk_ms=20, speed=50, on_start=lambda: events.append("start"),
                                 on_end=lambda: events.append("end"),
                                 on_speech_end=lambda: events.append("speech_end")).start()
        await asyncio.sleep(0.01)
        utterance = tone(300) + bytes(SAMPLE_RATE * 2 * 300 // 1000)
        await asyncio.wait_for(mic.say(utterance), 5)
        await asyncio.sleep(0.01)
        await mic.stop()
        assert not mic.speaking and mic.error is None
        assert mic.speech_ms == 600 and mic.sent_ms > 600

    asyncio.run(main())
    assert events == ["start", "speech_end", "end"]
    assert all(len(c) == SAMPLE_RATE * 2 * 20 // 1000 for c in sent)
    assert not any(sent[0]) and not any(sent[-1])            # silence around the utterance
    assert any(any(c) for c in sent)


def test_speech_end_is_found_with_the_energy_vad():
    end = find_speech_end_ms(bytes(SAMPLE_RATE * 2 // 10) + tone(500) + bytes(SAMPLE_RATE * 2 // 2))
    assert end is not None and 550 <= end <= 700
    assert find_speech_end_ms(bytes(SAMPLE_RATE * 2)) is None
