"""Reference solutions for notebook 02 (shown on request with ``grader.solution("q1")``)."""

SOLUTIONS = {
    "q1": '''# EXERCISE q1
def first_audio_ms(latency_ms: dict, silence_ms: float, first_delta_ms: float) -> dict:
    """Milliseconds from the user's last word to each path's first audio."""
    cascade = silence_ms + latency_ms["transcribe"] + latency_ms["chat"] + latency_ms["speak"]  # in series
    realtime = silence_ms + first_delta_ms  # one model, one wait
    return {"cascade": cascade, "realtime": realtime}
''',
    "q2": '''# EXERCISE q2
from course_utils.voice import EnergyVAD, chunk_pcm


def stop_playback_at_ms(mic_pcm: bytes):
    """When the player must stop: the moment the VAD decides the user is talking (not the echo)."""
    vad = EnergyVAD(threshold=0.8, prefix_padding_ms=300, silence_duration_ms=500)  # -30 dBFS: above the echo
    for chunk in chunk_pcm(mic_pcm, 40):
        for event in vad.feed(chunk):
            if event.kind == "speech_started":
                return event.detected_ms
    return None
''',
    "q3": '''# EXERCISE q3
def heard_text(reply: str, reply_ms: float, heard_ms: float) -> str:
    """The words the user probably heard, estimated in proportion to time."""
    share = min(1.0, max(0.0, heard_ms / reply_ms)) if reply_ms else 1.0
    words = reply.split()
    return " ".join(words[: round(share * len(words))])
''',
}
