"""Notebook 02's exercises: what the user waits for, a cascade that hears the user over its own voice,
and what the cascade's memory should hold after an interruption.

* q1 is arithmetic on the **replayed** stage latencies (a published budget, not a measurement);
  the checker tries several budgets so a hard-coded figure does not pass.
* q2 runs the learner's detector on real (espeak-ng) speech mixed with the reply's own echo, where the
  VAD's default threshold fires on the echo; a doctest could not say *why* a position is wrong.
* q3 checks the text the learner keeps in the chat history: a whole-word prefix about as long as the
  share of the reply that was played.
"""
from __future__ import annotations

import math
from functools import lru_cache

from ..voice.formats import bytes_per_ms
from . import Exercise, NotDone

# -- q1: time to first audio, counted from the last word ----------------------------------------------
STAGES = ("transcribe", "chat", "speak")


def first_audio_reference(latency_ms: dict, silence_ms: float, first_delta_ms: float) -> dict:
    return {"cascade": silence_ms + sum(latency_ms[s] for s in STAGES), "realtime": silence_ms + first_delta_ms}


def replayed_latencies() -> dict[str, float]:
    """``{stage: ms}`` the replay fixture waits (a published budget's shares; replayed, not measured)."""
    from ..cascade import replayed_latency_table

    return {row["stage"]: row["latency_ms"] for row in replayed_latency_table()}


def check_first_audio(fn) -> str | None:
    if not callable(fn):
        return "write a function first_audio_ms(latency_ms, silence_ms, first_delta_ms) returning a dict"
    cases = [(replayed_latencies(), 500, 300), ({"transcribe": 800, "chat": 1200, "speak": 400}, 700, 450)]
    for latency, silence, first in cases:
        got = fn(dict(latency), silence, first)
        if got is None:
            raise NotDone
        if not isinstance(got, dict) or not {"cascade", "realtime"} <= set(got):
            return "return a dict with two numbers: {'cascade': ms, 'realtime': ms}"
        want = first_audio_reference(latency, silence, first)
        try:
            c, r = float(got["cascade"]), float(got["realtime"])
        except (TypeError, ValueError):
            return "the values must be numbers of milliseconds"
        stages = sum(latency[s] for s in STAGES)
        if math.isclose(c, want["cascade"]) and math.isclose(r, want["realtime"]):
            continue
        if math.isclose(c, silence + max(latency.values())):
            return "the cascade's stages run in series, not side by side: add their latencies, do not take the largest"
        if math.isclose(c, stages) or math.isclose(r, first):
            return (f"count from the last word: the VAD waits silence_ms ({silence} ms) of quiet before anyone knows "
                    f"the turn is over, on both paths")
        if math.isclose(c, 2 * silence + stages):
            return "the silence is waited once, before the first stage starts: you counted it twice"
        if math.isclose(c, silence + latency["transcribe"] + latency["chat"]):
            return "the user hears nothing until the speak stage's first byte: add its latency too"
        if math.isclose(c, want["realtime"]) and math.isclose(r, want["cascade"]):
            return "you swapped the two paths"
        return (f"with these latencies the cascade's first audio comes {want['cascade']:g} ms after the last word "
                f"and Realtime's {want['realtime']:g} ms; you said {c:g} and {r:g}")
    return None


# -- q2: a cascade's own barge-in detector ------------------------------------------------------------
ECHO_GAIN = 0.08       # the reply leaks into the microphone about 22 dB down
REACT_MS = 200         # the player must stop within this long after the user's speech begins


@lru_cache(maxsize=4)
def mic_while_playing(user_starts_ms: int | None = 2100) -> bytes:
    """What the microphone hears while the cascade plays its reply: the reply's own echo (the
    ``barge_in`` answer, 22 dB down) and, from ``user_starts_ms``, the user's "Sorry, just tell me the
    year." (the fixture's second user clip: 400 ms of room noise, then speech). ``None``: no user.
    PCM16 24 kHz mono; position 0 is the start of playback. A synthetic mix of espeak-ng fixtures."""
    import numpy as np

    from ..realtime import load_conversation

    bi = load_conversation("barge_in")
    echo = np.frombuffer(bi.assistant[0].pcm, "<i2").astype(np.float64) * ECHO_GAIN
    user = np.frombuffer(bi.user_audio(1), "<i2").astype(np.float64)
    if user_starts_ms is None:
        mic = echo[: 8000 * 24].copy()
    else:
        at = user_starts_ms * 24
        mic = echo[: at + len(user)].copy()
        mic[at:] += user
    return np.clip(np.round(mic), -32768, 32767).astype("<i2").tobytes()


@lru_cache(maxsize=4)
def speech_onset_ms(user_starts_ms: int) -> int:
    """Where the user's speech begins in :func:`mic_while_playing` (from the clean clip's fixture)."""
    from ..realtime import load_conversation

    return user_starts_ms + int(load_conversation("barge_in").user[1].speech_ms[0])


def check_barge_in_detector(fn) -> str | None:
    if not callable(fn):
        return "write a function stop_playback_at_ms(mic_pcm) returning a position in ms, or None"
    got = fn(mic_while_playing(None))
    if got is not None:
        return (f"nobody spoke in this recording, yet your detector stopped the reply at {got} ms: that was the "
                f"reply's own echo in the microphone; raise the VAD threshold above the echo's level")
    for start in (2100, 5300):
        onset = speech_onset_ms(start)
        got = fn(mic_while_playing(start))
        if got is None:
            return ("the user spoke and your detector never fired: the threshold is above their speech, or you "
                    "returned only speech_stopped events")
        try:
            got = float(got)
        except (TypeError, ValueError):
            return f"return a position in milliseconds (a number), not {type(got).__name__}"
        if got in (onset * bytes_per_ms(), (onset + 30) * bytes_per_ms()) or got > 20 * (onset + REACT_MS):
            return "return milliseconds: that looks like a count of bytes or samples"
        if got < onset - 350 and got < start:
            return (f"you stopped the reply at {got:.0f} ms, before the user said anything (they start at {onset} ms): "
                    f"that was the reply's own echo; raise the threshold above the echo's level")
        if onset - 350 <= got < onset:
            return (f"{got:.0f} ms is the padded start of the speech (speech_started.audio_ms: the onset minus "
                    f"prefix_padding_ms): a position in the past; the player can stop only when the VAD has decided, "
                    f"at detected_ms")
        if got > onset + REACT_MS:
            return (f"the player stopped {got - onset:.0f} ms after the user began: too late (aim for under "
                    f"{REACT_MS} ms); a lower threshold, still above the echo, or speech_started rather than speech_stopped")
        if got < onset:
            return f"{got:.0f} ms is before the user's speech begins ({onset} ms)"
    return None


# -- q3: what the cascade's history should hold ------------------------------------------------------
def _acceptable_word_counts(reply: str, reply_ms: float, heard_ms: float) -> set[int]:
    words = reply.split()
    share = max(0.0, min(1.0, heard_ms / reply_ms)) if reply_ms else 1.0
    by_words = share * len(words)
    # by characters: the number of whole words within the first share of the text
    limit = share * len(reply)
    pos, by_chars = 0, 0
    for w in words:
        pos = reply.index(w, pos) + len(w)
        if pos <= limit + 1:
            by_chars += 1
    low = min(math.floor(by_words), by_chars)
    high = max(math.ceil(by_words), by_chars + 1)
    return set(range(max(0, low), min(len(words), high) + 1))


REPLY = ("Of course. The telephone grew out of the telegraph. In eighteen seventy six, Alexander Graham Bell "
         "patented a device that carried the human voice over a wire. Within a few years, cities had their first "
         "exchanges, where operators connected every call by hand.")


def check_heard_text(fn) -> str | None:
    if not callable(fn):
        return "write a function heard_text(reply, reply_ms, heard_ms) returning the text to keep"
    cases = [(REPLY, 15810.0, 2500.0), (REPLY, 15810.0, 9000.0), ("Yes. It was in eighteen seventy six.", 2600.0, 1300.0),
             (REPLY, 15810.0, 0.0), (REPLY, 15810.0, 20000.0)]
    for reply, reply_ms, heard_ms in cases:
        got = fn(reply, reply_ms, heard_ms)
        if got is None:
            raise NotDone
        if isinstance(got, (list, tuple)):
            return "return the heard words as one string (the chat message's content), not a list"
        if not isinstance(got, str):
            return f"return a string, not {type(got).__name__}"
        words, kept = reply.split(), got.split()
        if heard_ms >= reply_ms:
            if kept != words:
                return (f"the user heard {heard_ms:g} ms of a {reply_ms:g} ms reply, that is all of it: keep the whole "
                        f"reply (clamp heard_ms to the reply's length)")
            continue
        if kept == words:
            return ("that is the whole reply: the history would claim the user heard everything; keep only what was "
                    "played before they interrupted")
        if kept and kept == words[len(words) - len(kept):] and len(kept) < len(words):
            return "that is the end of the reply, the part the user did NOT hear; keep the beginning"
        if kept != words[: len(kept)]:
            return "keep whole words from the start of the reply: you cut inside a word (or changed the words)"
        allowed = _acceptable_word_counts(reply, reply_ms, heard_ms)
        if len(kept) not in allowed:
            share = heard_ms / reply_ms
            return (f"the user heard {share:.0%} of the reply's audio, so keep about {share:.0%} of its words "
                    f"({min(allowed)}-{max(allowed)} here), not {len(kept)}")
    return None


EXERCISES = [
    Exercise(
        "q1",
        "Write first_audio_ms(latency_ms, silence_ms, first_delta_ms): how long after the user's LAST WORD each "
        "path's first audio comes, as {'cascade': ms, 'realtime': ms}. latency_ms holds each cascade stage's "
        "wait to its first byte (transcribe, chat, speak); silence_ms is the VAD's silence_duration_ms; "
        "first_delta_ms is the Realtime server's wait before its first audio.",
        check_first_audio,
        hints=["Time 0 in the waterfall is the moment the turn is known to be over; the user stopped talking "
               "silence_ms earlier.",
               "The cascade's stages run one after the other; Realtime has one wait."],
    ),
    Exercise(
        "q2",
        "Write stop_playback_at_ms(mic_pcm): run an EnergyVAD over the microphone audio recorded while the "
        "cascade's reply plays (the reply's own echo is in it) and return the position (ms from the start of "
        "playback) at which the player must stop because the user started talking, or None if they never do.",
        check_barge_in_detector,
        hints=["Feed the audio in 40 ms chunks (chunk_pcm) and look at the speech_started events.",
               "With the default threshold (0.5, -45 dBFS) the echo itself counts as speech: print frame_energy_db "
               "of mic_while_playing(None) to see how loud the echo gets, and set the threshold above it.",
               "speech_started.audio_ms is the onset minus prefix_padding_ms, already in the past when the event "
               "comes; the VAD decided at detected_ms."],
    ),
    Exercise(
        "q3",
        "Write heard_text(reply, reply_ms, heard_ms): the part of the reply to keep in the chat history when "
        "the user interrupted after heard_ms of reply_ms of audio. With no word timings, estimate in proportion "
        "to time, in whole words from the start.",
        check_heard_text,
        hints=["share = heard_ms / reply_ms, clamped to [0, 1].",
               "Keep the first round(share * number_of_words) words, joined by spaces."],
    ),
]
