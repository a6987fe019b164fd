"""What every speech-to-speech path shares (the voice kit): one home for each idea.

* :mod:`.formats`: bytes per millisecond, PCM16, G.711, resampling, a session's wire format;
* :mod:`.audio`: loading files and arrays as PCM16 24 kHz, chunking, base64, WAV/FLAC, a player;
* :mod:`.events`: the one checker of events against the SDK unions;
* :mod:`.conversation`: the one conversation-fixture model and loader;
* :mod:`.models`: one constant per model family;
* :mod:`.vad`, :mod:`.playback`, :mod:`.trace`: VAD, playback sinks, latency traces;
* the voice-session interface: :mod:`.reply` (:class:`VoiceReply`, the one reply type), :mod:`.tools`
  (:class:`ToolRegistry`, the one tools registry), :mod:`.session` (the shell of the microphone clients)
  and :mod:`.mic` (:class:`~.mic.ScriptedMicrophone`, their always-open microphone of recorded utterances);
* :mod:`.espeak`: the one place that runs espeak-ng (the offline voice), with :mod:`.prerendered` (its
  speech rendered ahead of time, for machines without it).

Used by ``course_utils.realtime`` (OpenAI Realtime), ``course_utils.live`` (OpenAI Live, Gemini Live)
and ``course_utils.translation``. Nothing here talks to a network.
"""
from .audio import audio_widget, b64decode_pcm, b64encode_pcm, chunk_pcm, load_audio, to_pcm16_bytes, wav_bytes
from .formats import (
                      BYTES_PER_MS,
                      SAMPLE_RATE,
                      AudioFormat,
                      alaw_decode,
                      alaw_encode,
                      bytes_per_ms,
                      duration_ms,
                      ms_to_bytes,
                      pcm16_to_array,
                      resample,
                      resample_pcm,
                      silence,
                      ulaw_decode,
                      ulaw_encode,
)
from .playback import InlinePlayerSink, ManualClock, PlaybackSink, SpeakerSink, VirtualClockSink
from .reply import VoiceReply
from .tools import ToolCall, ToolRegistry
from .trace import Trace, TraceEvent, TurnFigures, plot_timeline
from .vad import EnergyVAD, VADEvent

__all__ = [
    "SAMPLE_RATE", "load_audio", "to_pcm16_bytes", "pcm16_to_array", "resample", "chunk_pcm",
    "duration_ms", "b64encode_pcm", "b64decode_pcm", "ulaw_encode", "ulaw_decode", "alaw_encode",
    "alaw_decode", "audio_widget", "wav_bytes", "AudioFormat", "BYTES_PER_MS", "bytes_per_ms", "ms_to_bytes",
    "resample_pcm", "silence",
    "EnergyVAD", "VADEvent",
    "PlaybackSink", "VirtualClockSink", "InlinePlayerSink", "SpeakerSink", "ManualClock",
    "Trace", "TraceEvent", "TurnFigures", "plot_timeline",
    "VoiceReply", "ToolCall", "ToolRegistry",
]
