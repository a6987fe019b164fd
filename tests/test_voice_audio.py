"""course_utils.voice.audio (conversion to PCM16 24 kHz mono, chunking, base64, the inline player) and
course_utils.voice.formats (resampling, G.711)."""
from __future__ import annotations

import io
import wave

import numpy as np
import pytest
import soundfile as sf

from course_utils.errors import AudioFormatError
from course_utils.fixtures import fixture_dir
from course_utils.realtime.conversation import load_conversation
from course_utils.voice import audio as A
from course_utils.voice import formats as F


def _sine(freq: float, rate: int, seconds: float = 1.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _peak_hz(x: np.ndarray, rate: int = F.SAMPLE_RATE) -> float:
    spectrum = np.abs(np.fft.rfft(x.astype(np.float64) * np.hanning(len(x))))
    return float(np.argmax(spectrum) * rate / len(x))


def test_flac_fixture_loads_as_int16_24k():
    path = fixture_dir("realtime", "short_qa") / "user_01.flac"
    x = A.load_audio(path)
    assert x.dtype == np.int16 and x.ndim == 1
    assert abs(len(x) / F.SAMPLE_RATE * 1000 - load_conversation("short_qa").user[0].duration_ms) < 2
    assert load_conversation("short_qa").user[0].path == path


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
def test_wav_at_any_rate_and_stereo_is_resampled_and_downmixed(tmp_path, rate):
    left, right = _sine(440, rate), _sine(440, rate)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), rate, subtype="PCM_16")
    x = A.load_audio(path)
    assert abs(len(x) - F.SAMPLE_RATE) <= 1
    assert abs(_peak_hz(x) - 440) < 3
    assert 0.45 < np.max(np.abs(x[1000:-1000])) / 32767 < 0.55


def test_numpy_inputs_of_every_kind():
    f = _sine(300, 16000)
    assert len(A.load_audio(f, 16000)) == 24000
    i16 = (f * 32767).astype(np.int16)
    np.testing.assert_allclose(A.load_audio(i16, 24000), i16, atol=1)
    i32 = i16.astype(np.int32) << 16
    np.testing.assert_allclose(A.load_audio(i32, 24000), i16, atol=2)
    u8 = (f * 127 + 128).astype(np.uint8)
    assert abs(_peak_hz(A.load_audio(u8, 16000)) - 300) < 3
    channels_first = np.stack([f, f])  # (2, n)
    assert len(A.load_audio(channels_first, 16000)) == 24000
    raw = i16.astype("<i2").tobytes()
    assert A.to_pcm16_bytes(raw) == raw  # raw PCM16 bytes at 24 kHz pass through


@pytest.mark.parametrize("bad, match", [
    (np.array([0.1, np.nan]), "NaN"),
    (np.zeros((2, 2, 2)), "1-D"),
    (np.zeros(10, dtype=complex), "integers or floats"),
    (np.full(10, 1000.0), "int16 sample values"),
    (np.zeros((20, 20)), "samples from channels"),
    (np.zeros(10, dtype=np.int64), "ambiguous"),
    (b"\x00\x01\x02", "odd length"),
    (12345, "Cannot read audio"),
])
def test_unconvertible_input_raises_a_clear_error(bad, match):
    with pytest.raises(AudioFormatError, match=match):
        A.load_audio(bad)


def test_unreadable_files_raise_audio_format_error(tmp_path):
    with pytest.raises(AudioFormatError, match="not found"):
        A.load_audio(tmp_path / "missing.wav")
    junk = tmp_path / "notes.wav"
    junk.write_text("this is not audio")
    with pytest.raises(AudioFormatError, match="ffmpeg"):
        A.load_audio(junk)


def test_resample_keeps_the_band_and_removes_aliases():
    up = F.resample(_sine(440, 16000), 16000, 24000)
    assert len(up) == 24000 and abs(_peak_hz(up) - 440) < 3
    alias = F.resample(_sine(15000, 48000), 48000, 24000)  # above the new Nyquist (12 kHz)
    assert np.max(np.abs(alias[200:-200])) < 0.01
    i16 = (_sine(1000, 48000) * 32767).astype(np.int16)
    assert F.resample(i16, 48000, 24000).dtype == np.int16
    with pytest.raises(AudioFormatError):
        F.resample(np.zeros((4, 2)), 48000, 24000)


def test_chunking_and_durations():
    pcm = bytes(range(256)) * 375  # 96000 bytes = 2 s
    chunks = list(A.chunk_pcm(pcm, ms=40))
    assert {len(c) for c in chunks[:-1]} == {1920} and b"".join(chunks) == pcm
    assert F.duration_ms(pcm) == 2000.0
    assert [len(c) for c in A.chunk_pcm(b"\x00" * 1000, ms=10)] == [480, 480, 40]
    with pytest.raises(AudioFormatError):
        list(A.chunk_pcm(b"\x00" * 3))


def test_base64_round_trip_and_invalid_text():
    pcm = np.arange(-500, 500, dtype="<i2").tobytes()
    assert A.b64decode_pcm(A.b64encode_pcm(pcm)) == pcm
    with pytest.raises(AudioFormatError, match="base64"):
        A.b64decode_pcm("not*base64!")


def test_g711_matches_the_reference_tables():
    audioop = pytest.importorskip("audioop")  # the standard library's G.711 (until Python 3.13)
    every = np.arange(-32768, 32768, dtype="<i2").tobytes()
    assert F.ulaw_encode(every) == audioop.lin2ulaw(every, 2)
    assert F.alaw_encode(every) == audioop.lin2alaw(every, 2)
    codes = bytes(range(256))
    assert F.ulaw_decode(codes) == audioop.ulaw2lin(codes, 2)
    assert F.alaw_decode(codes) == audioop.alaw2lin(codes, 2)


def test_g711_round_trip_error_is_small():
    x = (_sine(500, 8000) * 20000).astype(np.int16)
    for enc, dec in ((F.ulaw_encode, F.ulaw_decode), (F.alaw_encode, F.alaw_decode)):
        coded = enc(x)
        assert len(coded) == len(x)
        back = np.frombuffer(dec(coded), "<i2")
        assert np.max(np.abs(back.astype(int) - x)) < 700  # ~3% of full scale at the top segment


def test_audio_widget_embeds_the_same_wav_every_time():
    pcm = (_sine(440, 24000, 0.1) * 32767).astype("<i2").tobytes()
    html1, html2 = A.audio_widget(pcm)._repr_html_(), A.audio_widget(pcm)._repr_html_()
    assert html1 == html2 and "data:audio/wav;base64," in html1
    with wave.open(io.BytesIO(A.wav_bytes(pcm))) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (24000, 1, 2)
        assert w.readframes(w.getnframes()) == pcm
