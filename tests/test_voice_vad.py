"""course_utils.voice.vad: the energy VAD finds the known speech spans of the espeak-ng fixture clips."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.errors import AudioFormatError
from course_utils.realtime.conversation import list_conversations, load_conversation
from course_utils.voice import EnergyVAD, VADEvent, chunk_pcm
from course_utils.voice.vad import frame_energy_db, threshold_to_db

FRAME = 10  # ms


def _clips():
    for name in list_conversations():
        conv = load_conversation(name)
        for i, u in enumerate(conv.user):
            if u.speech_ms:  # every fixture clip whose speech span is known
                yield pytest.param(u.pcm, list(u.speech_ms), id=f"{name}-{i}")


def _run(vad: EnergyVAD, pcm: bytes, ms: int = 40) -> list[VADEvent]:
    events = []
    for chunk in chunk_pcm(pcm, ms):
        events += vad.feed(chunk)
    return events


@pytest.mark.parametrize("pcm, span", list(_clips()))
def test_vad_finds_the_known_speech_span(pcm, span):
    events = _run(EnergyVAD(), pcm)
    assert [e.kind for e in events] == ["speech_started", "speech_stopped"]
    start, stop = events
    assert abs(start.audio_ms - (span[0] - 300)) <= FRAME       # onset minus prefix_padding_ms
    assert abs(stop.audio_ms - (span[1] + 500)) <= FRAME        # last speech plus silence_duration_ms
    assert start.detected_ms >= span[0] and stop.detected_ms == stop.audio_ms


def test_chunk_size_does_not_change_decisions():
    pcm = load_conversation("short_qa").user_audio(0)
    reference = _run(EnergyVAD(), pcm, 40)
    for ms in (7, 20, 100, 333):
        assert _run(EnergyVAD(), pcm, ms) == reference


def test_threshold_maps_to_energy_and_matters():
    assert threshold_to_db(0.0) == -70 and threshold_to_db(0.5) == -45 and threshold_to_db(1.0) == -20
    pcm = load_conversation("short_qa").user_audio(0)
    quiet = (np.frombuffer(pcm, "<i2") * 0.05).astype("<i2").tobytes()  # -26 dB
    assert _run(EnergyVAD(threshold=0.5), quiet) != []
    assert _run(EnergyVAD(threshold=1.0), quiet) == []


def test_noise_floor_is_ignored_at_default_threshold_but_not_at_zero():
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 32768 * 10 ** (-66 / 20), 24000 * 2).astype("<i2").tobytes()
    assert _run(EnergyVAD(), noise) == []
    assert _run(EnergyVAD(threshold=0.0), noise)[0].kind == "speech_started"


def _burst_gap_burst(gap_ms: int) -> bytes:
    t = np.arange(24000 // 2) / 24000  # 500 ms tone bursts
    tone = (8000 * np.sin(2 * np.pi * 300 * t)).astype("<i2")
    z = lambda ms: np.zeros(24 * ms, "<i2")  # noqa: E731
    return np.concatenate([z(200), tone, z(gap_ms), tone, z(1000)]).tobytes()


def test_silence_duration_decides_whether_a_pause_ends_the_turn():
    pcm = _burst_gap_burst(400)
    assert [e.kind for e in _run(EnergyVAD(silence_duration_ms=500), pcm)] == ["speech_started", "speech_stopped"]
    split = _run(EnergyVAD(silence_duration_ms=300), pcm)
    assert [e.kind for e in split] == ["speech_started", "speech_stopped"] * 2
    # the second start's padding may not reach back before the first stop
    assert split[2].audio_ms >= split[1].audio_ms


def test_prefix_padding_is_clamped_at_zero_and_reset_restarts():
    vad = EnergyVAD(prefix_padding_ms=300)
    first = _run(vad, _burst_gap_burst(400))
    assert first[0].audio_ms == 0  # onset at 200 ms, padding 300 ms
    vad.reset()
    assert vad.position_ms == 0 and not vad.in_speech
    assert _run(vad, _burst_gap_burst(400)) == first


def test_bad_parameters_are_refused():
    with pytest.raises(AudioFormatError):
        EnergyVAD(threshold=1.5)
    with pytest.raises(AudioFormatError):
        EnergyVAD(silence_duration_ms=0)


def test_frame_energy_of_silence_and_full_scale():
    levels = frame_energy_db(np.concatenate([np.zeros(240, "<i2"), np.full(240, 32767, "<i2")]).tobytes())
    assert levels[0] == -120 and abs(levels[1]) < 0.01
