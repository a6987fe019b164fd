"""What every speech-to-speech path shares: audio conversion, VAD, playback sinks, latency traces.

Used by ``course_utils.realtime`` (OpenAI Realtime) and ``course_utils.live`` (OpenAI Live, Gemini
Live). Nothing here talks to a network.
"""
from .audio import (
                    SAMPLE_RATE,
                    alaw_decode,
                    alaw_encode,
                    audio_widget,
                    b64decode_pcm,
                    b64encode_pcm,
                    chunk_pcm,
                    duration_ms,
                    load_audio,
                    pcm16_to_array,
                    resample,
                    to_pcm16_bytes,
                    ulaw_decode,
                    ulaw_encode,
                    wav_bytes,
)
from .playback import InlinePlayerSink, ManualClock, PlaybackSink, SpeakerSink, VirtualClockSink
from .trace import Trace, TraceEvent, TurnFigures, plot_timeline
from .vad import EnergyVAD, VADEvent

__all__ = [
    "SAMPLE_RATE", "load_audio", "to_pcm16_bytes", "pcm16_to_array", "resample", "chunk_pcm",
    "duration_ms", "b64encode_pcm", "b64decode_pcm", "ulaw_encode", "ulaw_decode", "alaw_encode",
    "alaw_decode", "audio_widget", "wav_bytes",
    "EnergyVAD", "VADEvent",
    "PlaybackSink", "VirtualClockSink", "InlinePlayerSink", "SpeakerSink", "ManualClock",
    "Trace", "TraceEvent", "TurnFigures", "plot_timeline",
]
