"""AudioFormat: bytes per millisecond of each wire format (G.711 is 8 kHz, one byte a sample)."""
from __future__ import annotations

import pytest

from course_utils.voice.formats import G711_RATE, AudioFormat, silence


@pytest.mark.parametrize("config", ["g711_ulaw", "g711_alaw", {"type": "audio/pcmu"}, {"type": "audio/pcma"}])
def test_g711_is_8_khz_one_byte_a_sample(config):
    fmt = AudioFormat.from_config(config)
    assert fmt.rate == G711_RATE and fmt.bytes_per_ms == 8.0
    wire = fmt.encode(silence(100))                    # 100 ms of PCM16 24 kHz
    assert len(wire) == 800 == 100 * fmt.bytes_per_ms  # what bytes_per_ms says is what encode makes
    assert len(fmt.decode(wire)) == len(silence(100))


@pytest.mark.parametrize("kind", ["audio/pcmu", "audio/pcma"])
def test_g711_built_directly_without_a_rate(kind):
    assert AudioFormat(kind).bytes_per_ms == 8.0 and AudioFormat(kind).as_config() == {"type": kind, "rate": 8000}


def test_pcm16_keeps_its_rate():
    assert AudioFormat.from_config(None).bytes_per_ms == 48.0
    assert AudioFormat.from_config({"type": "audio/pcm", "rate": 16000}).bytes_per_ms == 32.0
    assert AudioFormat.from_config("pcm16").rate == 24000


def test_a_wrong_g711_rate_is_kept_for_the_server_to_refuse_but_coding_stays_8_khz():
    fmt = AudioFormat.from_config({"type": "audio/pcma", "rate": 24000})
    assert fmt.as_config() == {"type": "audio/pcma", "rate": 24000}     # what the client asked, sent as asked
    assert fmt.bytes_per_ms == 8.0 and len(fmt.encode(silence(10))) == 80
