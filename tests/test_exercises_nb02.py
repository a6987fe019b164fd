"""Notebook 02's checkers: each reference solution passes, each typical mistake gets its own message."""
from __future__ import annotations

import pytest

from course_utils.exercises import Grader, nb02
from course_utils.exercises.solutions.nb02 import SOLUTIONS
from course_utils.voice import EnergyVAD, chunk_pcm

NAMES = {"q1": "first_audio_ms", "q2": "stop_playback_at_ms", "q3": "heard_text"}


@pytest.fixture(scope="module")
def grader():
    return Grader("02")


def solved(key: str):
    namespace: dict = {}
    exec(SOLUTIONS[key], namespace)
    return namespace[NAMES[key]]


def wrong(grader, key, answer, *fragments):
    result = grader.check(key, answer)
    assert result.status == "wrong", result
    for fragment in fragments:
        assert fragment in result.message, result.message


@pytest.mark.parametrize("key", sorted(NAMES))
def test_reference_solution_is_right(grader, key):
    assert grader.check(key, solved(key)).status == "right"


def test_stubs_are_not_done(grader):
    def stub(*args):
        raise NotImplementedError

    for key in NAMES:
        assert grader.check(key, stub).status == "todo"


# -- q1 ----------------------------------------------------------------------------------------------
def test_q1_replayed_budget_figures():
    assert nb02.replayed_latencies() == {"transcribe": 350, "chat": 500, "speak": 250}
    assert nb02.first_audio_reference(nb02.replayed_latencies(), 500, 300) == {"cascade": 1600, "realtime": 800}


@pytest.mark.parametrize("answer, fragment", [
    (lambda lat, s, f: {"cascade": s + max(lat.values()), "realtime": s + f}, "run in series"),
    (lambda lat, s, f: {"cascade": sum(lat.values()), "realtime": f}, "count from the last word"),
    (lambda lat, s, f: {"cascade": 2 * s + sum(lat.values()), "realtime": s + f}, "counted it twice"),
    (lambda lat, s, f: {"cascade": s + lat["transcribe"] + lat["chat"], "realtime": s + f}, "speak stage's first byte"),
    (lambda lat, s, f: {"cascade": s + f, "realtime": s + sum(lat.values())}, "swapped"),
    (lambda lat, s, f: {"cascade": 1600, "realtime": 800}, "with these latencies"),
    (lambda lat, s, f: (1600, 800), "return a dict"),
])
def test_q1_mistakes(grader, answer, fragment):
    wrong(grader, "q1", answer, fragment)


# -- q2 ----------------------------------------------------------------------------------------------
def detector(threshold=0.5, use="detected_ms", kind="speech_started", scale=1):
    def stop_playback_at_ms(mic_pcm):
        vad = EnergyVAD(threshold=threshold)
        for chunk in chunk_pcm(mic_pcm, 40):
            for event in vad.feed(chunk):
                if event.kind == kind:
                    return getattr(event, use) * scale
        return None
    return stop_playback_at_ms


def test_q2_the_default_vad_fires_on_the_echo_and_a_raised_threshold_does_not():
    assert detector()(nb02.mic_while_playing(None)) is not None
    assert detector(0.8)(nb02.mic_while_playing(None)) is None
    onset = nb02.speech_onset_ms(2100)
    assert onset <= detector(0.8)(nb02.mic_while_playing(2100)) <= onset + nb02.REACT_MS


@pytest.mark.parametrize("answer, fragment", [
    (detector(0.5), "reply's own echo"),
    (detector(0.8, use="audio_ms"), "padded start"),
    (detector(0.8, kind="speech_stopped"), "too late"),
    (detector(0.8, scale=48), "looks like a count of bytes"),
    (lambda pcm: None, "never fired"),
    (lambda pcm: None if len(pcm) == len(nb02.mic_while_playing(None)) else "soon", "a number"),
])
def test_q2_mistakes(grader, answer, fragment):
    wrong(grader, "q2", answer, fragment)


def test_q2_an_echo_free_test_clip_is_not_enough(grader):
    # a detector that ignores the echo only when there is no user at all still stops early with a user
    def only_quiet_when_alone(pcm):
        if len(pcm) == len(nb02.mic_while_playing(None)):
            return None
        return detector(0.7)(pcm)

    wrong(grader, "q2", only_quiet_when_alone, "before the user said anything")


# -- q3 ----------------------------------------------------------------------------------------------
def keep(fraction_of, **kw):
    def heard_text(reply, reply_ms, heard_ms):
        words = reply.split()
        share = heard_ms / reply_ms
        if kw.get("clamp", True):
            share = min(1.0, max(0.0, share))
        return fraction_of(words, share, reply)
    return heard_text


@pytest.mark.parametrize("answer, fragment", [
    (lambda reply, reply_ms, heard_ms: reply, "that is the whole reply"),
    (keep(lambda w, s, r: " ".join(w[len(w) - round(s * len(w)):]) if round(s * len(w)) else ""), "did NOT hear"),
    (keep(lambda w, s, r: r[: round(s * len(r))]), "cut inside a word"),
    (keep(lambda w, s, r: w[: round(s * len(w))]), "not a list"),
    (keep(lambda w, s, r: " ".join(w[: round(s * len(w) / 2)])), "keep about"),
    (keep(lambda w, s, r: " ".join(w[: round(s * len(w))]) if s < 1 else " ".join(w[:-1]), clamp=True),
     "that is all of it"),
    (lambda reply, reply_ms, heard_ms: 3, "return a string"),
])
def test_q3_mistakes(grader, answer, fragment):
    wrong(grader, "q3", answer, fragment)


def test_q3_accepts_an_estimate_by_characters(grader):
    def by_characters(reply, reply_ms, heard_ms):
        limit = min(1.0, heard_ms / reply_ms) * len(reply)
        out = []
        for word in reply.split():
            if len(" ".join(out + [word])) > limit:
                break
            out.append(word)
        return " ".join(out)

    assert grader.check("q3", by_characters).status == "right"
