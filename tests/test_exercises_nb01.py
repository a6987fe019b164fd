"""Notebook 01's checkers: each reference solution passes, each typical mistake gets its own message."""
from __future__ import annotations

import pytest

from course_utils import costs
from course_utils.exercises import Grader, nb01
from course_utils.exercises.solutions.nb01 import SOLUTIONS

NAMES = {"q1": "my_turn_detection", "q2": "session_cost_usd", "q3": "barge_in_events"}


@pytest.fixture(scope="module")
def grader():
    return Grader("01")


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

    assert grader.check("q1", None).status == "todo"
    assert grader.check("q2", stub).status == "todo"
    assert grader.check("q3", stub).status == "todo"


# -- q1: silence_duration_ms, through the local server's VAD ------------------------------------------
def td(ms, **more):
    return {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": ms, **more}


def test_q1_the_server_vad_splits_the_question_at_the_default_and_not_at_800():
    import asyncio

    assert [k for k, _ in asyncio.run(nb01.vad_decisions(td(500)))].count("speech_stopped") == 2
    assert [k for k, _ in asyncio.run(nb01.vad_decisions(td(800)))].count("speech_stopped") == 1


@pytest.mark.parametrize("answer, fragments", [
    (td(500), ["hesitation inside the sentence ended the turn", "680 ms"]),
    (td(650), ["hesitation inside the sentence ended the turn"]),
    (td(1400), ["ended 1400 ms after the last word", "1200 ms"]),
    (td(2000), ["the turn never ended"]),
    (td(0.8), ["in milliseconds", "seconds"]),
    ({"silence_duration_ms": 800}, ["needs a 'type'"]),
    (td(800, eagerness_level=3), ["server refused", "eagerness_level"]),
    (800, ["as a dict"]),
])
def test_q1_mistakes(grader, answer, fragments):
    wrong(grader, "q1", answer, *fragments)


def test_q1_semantic_vad_with_low_eagerness_also_works(grader):
    assert grader.check("q1", {"type": "semantic_vad", "eagerness": "low"}).status == "right"


# -- q2: a session's price from its usage blocks ------------------------------------------------------
def test_q2_reference_matches_the_course_pricing():
    for model in ("gpt-realtime-2.1", "gpt-realtime-2.1-mini"):
        ours = nb01.session_cost_reference(nb01.USAGES, nb01.prices_for(model, "2026-11-25"))
        course = costs.sum_costs("s", [costs.cost_from_realtime_usage(u, model, on="2026-11-25") for u in nb01.USAGES])
        assert ours == pytest.approx(course.total_usd, rel=1e-12)


def _priced(**slip):
    return lambda usages, prices: nb01._priced(usages, prices, **slip)


@pytest.mark.parametrize("answer, fragment", [
    (lambda u, p: nb01._priced(u[-1:], p), "only the last response"),
    (_priced(cached_full=True), "cached tokens at the full input rate"),
    (_priced(cached_twice=True), "charged the cached tokens twice"),
    (_priced(one_rate=True), "at the text rates"),
    (_priced(audio_out_as_input=True), "output audio at the input audio rate"),
    (_priced(no_text_out=True), "left out the output text tokens"),
    (_priced(per=1000), "divided by 1,000"),
    (_priced(per=1), "did not divide at all"),
    (lambda u, p: 0.5, "price each modality"),
    (lambda u, p: "cheap", "one number"),
])
def test_q2_mistakes(grader, answer, fragment):
    wrong(grader, "q2", answer, fragment)


# -- q3: the barge-in handler -------------------------------------------------------------------------
def _truncate(item_id, ms):
    return {"type": "conversation.item.truncate", "item_id": item_id, "content_index": 0, "audio_end_ms": ms}


def _cut_then(make_events, cancel="never"):
    """A handler that stops the sink and turns each cut item into events by ``make_events``."""
    def handler(sink, active, interrupt_response):
        received = {item: sink.queued_ms(item) for item in sink.items()}
        cut = sink.stop()
        events = []
        if active and (cancel == "always" or (cancel == "when needed" and not interrupt_response)):
            events.append({"type": "response.cancel", "response_id": active})
        events += [make_events(item, played, received[item]) for item, played in cut.items()]
        if cancel == "after" and active and not interrupt_response:
            events.append({"type": "response.cancel", "response_id": active})
        return events
    return handler


def test_q3_mistakes(grader):
    def no_stop(sink, active, interrupt_response):
        return [_truncate(item, sink.played_ms(item)) for item in sink.items()]

    def every_item(sink, active, interrupt_response):
        played = {item: sink.played_ms(item) for item in sink.items()}
        sink.stop()
        cancel = [{"type": "response.cancel", "response_id": active}] if active and not interrupt_response else []
        return cancel + [_truncate(item, ms) for item, ms in played.items()]

    def always_cancel_when_false(sink, active, interrupt_response):
        cut = sink.stop()
        events = [] if interrupt_response else [{"type": "response.cancel"}]
        return events + [_truncate(i, ms) for i, ms in cut.items()]

    cases = [
        (no_stop, "playback is still running"),
        (_cut_then(lambda i, played, got: _truncate(i, got), "when needed"), "what was received (4000 ms)"),
        (_cut_then(lambda i, played, got: _truncate(i, played * 48), "when needed"), "looks like bytes"),
        (_cut_then(lambda i, played, got: _truncate(i, played * 24), "when needed"), "looks like samples"),
        (_cut_then(lambda i, played, got: {**_truncate(i, 0), "audio_end_ms": played / 1000}, "when needed"),
         "not a valid client event"),
        (_cut_then(lambda i, played, got: _truncate(i, played), "always"), "already cancelled"),
        (_cut_then(lambda i, played, got: _truncate(i, played), "never"), "keeps generating"),
        (_cut_then(lambda i, played, got: _truncate(i, played), "after"), "before conversation.item.truncate"),
        (lambda sink, active, interrupt_response: (sink.stop(), [])[1], "still believes the user heard"),
        (every_item, "item_A was played in full"),
        (always_cancel_when_false, "send nothing"),
        (lambda sink, active, interrupt_response: (sink.stop(), "truncate")[1], "list of client events"),
    ]
    for handler, fragment in cases:
        wrong(grader, "q3", handler, fragment)


def test_q3_seconds_as_an_integer_is_named(grader):
    # audio_end_ms must be an integer in the SDK's type, so seconds show up as a rounded int: 1500 ms -> 2
    handler = _cut_then(lambda i, played, got: _truncate(i, round(played / 1000)), "when needed")
    wrong(grader, "q3", handler, "audio_end_ms should be what the sink played of item_A (1500 ms)")
