"""Notebook 08's exercises: each reference solution passes; each anticipated mistake gets its own message."""
from __future__ import annotations

import asyncio
import base64

import pytest

import course_utils
from course_utils import costs
from course_utils.exercises import Grader
from course_utils.exercises.solutions.nb08 import SOLUTIONS

GRADER = Grader("08")
RATE = costs.price("gpt-realtime-translate", "audio_minute")


def solved(key: str, name: str):
    namespace = {"cfg": course_utils.get_config()}
    exec(SOLUTIONS[key], namespace)
    return namespace[name]


@pytest.mark.parametrize("key, name", [("q1", "meeting_cost"), ("q2", "phrase_lags"), ("q3", "interpret")])
def test_reference_solutions_pass(key, name):
    result = GRADER.check(key, solved(key, name))
    assert result.status == "right", result.message


@pytest.mark.parametrize("answer, message", [
    (lambda m, langs, src="en": m * RATE * len(langs), "one session per listener"),
    (lambda m, langs, src="en": m * RATE * len(set(langs)), "speaker's own language"),
    (lambda m, langs, src="en": m * 60 * RATE * len(set(langs) - {src}), "seconds as minutes"),
    (lambda m, langs, src="en": m / 60 * RATE * len(set(langs) - {src}), "divided by 60"),
    (lambda m, langs, src="en": m * RATE, "single session"),
])
def test_q1_mistakes(answer, message):
    result = GRADER.check("q1", answer)
    assert result.status == "wrong" and message in result.message


def _per_word(segments, words):
    return [t - segments[0][0] for t, _ in words]


def _from_end(segments, words):
    return [first - end for (_, end), first in zip(segments, [1900.0, 6600.0, 11100.0])]


def _last_word(segments, words):
    return [last - start for (start, _), last in zip(segments, [2100.0, 8100.0, 12600.0])]


def _negative(segments, words):
    return [start - first for (start, _), first in zip(segments, [1900.0, 6600.0, 11100.0])]


@pytest.mark.parametrize("answer, message", [
    (_per_word, "one lag per word"), (_from_end, "end of each source phrase"), (_last_word, "last word"),
    (_negative, "negative"),
])
def test_q2_mistakes(answer, message):
    result = GRADER.check("q2", answer)
    assert result.status == "wrong" and message in result.message


def _interpreter(*, language=True, close=True, response=False, stop_early=False):
    from openai import AsyncOpenAI

    async def interpret(base_url, pcm, lang, speed=1.0):
        client = AsyncOpenAI(api_key="test-key", websocket_base_url=base_url)
        words = []
        async with client.realtime.translations.connect(model="gpt-realtime-translate") as conn:
            if language:
                await conn.session.update(session={"audio": {"output": {"language": lang}}})
            if response:
                await conn.send({"type": "response.create"})

            async def read():
                async for event in conn:
                    if event.type == "session.output_transcript.delta":
                        words.append(event.delta)
                    elif event.type == "session.closed":
                        return

            reader = asyncio.create_task(read())
            step = 9600
            for i in range(0, len(pcm), step):
                await conn.session.input_audio_buffer.append(audio=base64.b64encode(pcm[i:i + step]).decode())
                await asyncio.sleep(0.2 / speed)
            if stop_early:          # closes, but stops reading without waiting for session.closed
                await conn.session.close()
                reader.cancel()
                return "".join(words)
            if close:
                await conn.session.close()
                await asyncio.wait_for(reader, 10)
            else:
                await asyncio.sleep(0.3)
                reader.cancel()
        return "".join(words)

    return interpret


def _not_async(base_url, pcm, lang, speed=1.0):
    return ""


@pytest.mark.parametrize("answer, message", [
    (_interpreter(language=False), "no output language"),
    (_interpreter(response=True), "response.create"),
    (_interpreter(stop_early=True), "stops early"),
    (_interpreter(close=False), "never sent session.close"),
    (_not_async, "async def"),
])
def test_q3_mistakes(answer, message):
    result = GRADER.check("q3", answer)
    assert result.status == "wrong" and message in result.message, result.message


def test_stubs_are_not_done():
    def stub(*args):
        raise NotImplementedError

    async def astub(*args):
        raise NotImplementedError

    assert GRADER.check("q1", stub).status == "todo"
    assert GRADER.check("q2", None).status == "todo"
    assert GRADER.check("q3", astub).status == "todo"
