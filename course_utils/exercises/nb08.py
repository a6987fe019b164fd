"""Notebook 08 (real-time translation): the meeting's cost, the interpreter's lag, the protocol by hand."""
from __future__ import annotations

import asyncio
import inspect
import math

from ..voice.models import TRANSLATION_MODEL
from . import Exercise, NotDone

# -- q1: a meeting with several listener languages ------------------------------------------------------
Q1_CASES = [
    (60, ["es", "es", "fr", "en", "de", "fr"], "en"),   # one hour, three languages besides the speaker's
    (45, ["ja", "en", "ja"], "en"),
    (30, ["es"], "en"),
]


def _q1_expected(minutes: float, listeners: list[str], source: str) -> float:
    from ..costs import price

    return minutes * price(TRANSLATION_MODEL, "audio_minute") * len(set(listeners) - {source})


def check_q1(fn) -> str | None:
    from ..costs import price

    rate = price(TRANSLATION_MODEL, "audio_minute")
    for minutes, listeners, source in Q1_CASES:
        got = fn(minutes, list(listeners), source)
        if got is None:
            raise NotDone
        want = _q1_expected(minutes, listeners, source)
        if math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9):
            continue
        langs = len(set(listeners) - {source})
        people = (len(listeners), len([x for x in listeners if x != source]))
        if any(math.isclose(got, minutes * rate * n, rel_tol=1e-6) for n in people):
            return ("you priced one session per listener; a session has one output language and everyone who hears "
                    "that language shares it, so count distinct languages")
        if math.isclose(got, minutes * rate * len(set(listeners)), rel_tol=1e-6):
            return (f"you opened a session for the speaker's own language ({source!r}); those listeners hear the speaker "
                    "directly, so leave the source language out")
        if math.isclose(got, minutes * 60 * rate * langs, rel_tol=1e-6):
            return "you priced seconds as minutes: the price is per minute of audio, so use the minutes as they are"
        if math.isclose(got, minutes / 60 * rate * langs, rel_tol=1e-6):
            return "you divided by 60: the price is already per minute, and the meeting length is given in minutes"
        if math.isclose(got, minutes * rate, rel_tol=1e-6):
            return "you priced a single session; each listener language needs its own session for the whole meeting"
        return (f"for {minutes} min with listeners {listeners} (speaker: {source}) you returned {got!r}, "
                f"expected about ${want:.4f}")
    return None


# -- q2: measure the lag ---------------------------------------------------------------------------------
Q2_SOURCE = [(400.0, 4100.0), (5100.0, 8300.0), (9300.0, 12100.0)]
Q2_WORDS = [(1900.0, "Buenos"), (2100.0, " días."), (6600.0, " Esta"), (7000.0, " semana"), (8100.0, " lanzamos."),
            (11100.0, " Las"), (11500.0, " consultas"), (12600.0, " bajaron.")]
Q2_WANT = [1500.0, 1500.0, 1800.0]


def check_q2(fn) -> str | None:
    got = fn(list(Q2_SOURCE), list(Q2_WORDS))
    if got is None:
        raise NotDone
    got = [float(x) for x in got]
    if len(got) == len(Q2_WORDS):
        return "you returned one lag per word; group the words into sentences (a sentence ends with . ? or !) first"
    if len(got) != len(Q2_WANT):
        return f"you returned {len(got)} lags for {len(Q2_SOURCE)} phrases; pair the n-th phrase with the n-th sentence"
    if all(math.isclose(a, b, abs_tol=1) for a, b in zip(got, Q2_WANT)):
        return None
    from_end = [1900 - 4100, 6600 - 8300, 11100 - 12100]
    if all(math.isclose(a, b, abs_tol=1) for a, b in zip(got, from_end)):
        return "you measured from the end of each source phrase; the lag runs from when the speaker started it"
    last_word = [2100 - 400, 8100 - 5100, 12600 - 9300]
    if all(math.isclose(a, b, abs_tol=1) for a, b in zip(got, last_word)):
        return "you took the last word of each sentence; the interpreter starts a phrase with its first word"
    if all(math.isclose(a, -b, abs_tol=1) for a, b in zip(got, Q2_WANT)):
        return "your lags are negative: subtract the source start from the translation start, not the other way round"
    return f"for the example you returned {got}, expected {Q2_WANT}"


# -- q3: the protocol by hand -------------------------------------------------------------------------------
async def check_q3(fn) -> str | None:
    if not inspect.iscoroutinefunction(fn):
        return "interpret must be an async def (the SDK's translation connection is async: use await)"
    from ..translation.fixture import load_monologue
    from ..translation.server import LocalTranslationServer
    from ..voice.formats import ms_to_bytes

    mono = load_monologue()
    cut = ms_to_bytes(mono.phrases[1].span_ms[1] + 100)    # the first two phrases, and a little quiet
    pcm = mono.source_pcm[:cut]
    want = " ".join(p.translations["fr"].text for p in mono.phrases[:2])
    async with LocalTranslationServer(lag_ms=1500, speed=12) as server:
        got = await asyncio.wait_for(fn(server.websocket_base_url, pcm, "fr", 12.0), 20)
        session = server.sessions[0] if server.sessions else None
    if got is None:
        raise NotDone
    if session is None:
        return "no session reached the server: connect with AsyncOpenAI(websocket_base_url=...).realtime.translations.connect(model=...)"
    received = [e["type"] for e in session.log.received]
    errors = [e["error"] for e in session.log.sent if e["type"] == "error"]
    codes = [e["code"] for e in errors]
    if any("'response.create'" in e["message"] for e in errors):
        return "you sent response.create: a translation session has no responses, it translates as the audio arrives"
    if "missing_output_language" in codes or "session.update" not in received:
        return "no output language was set: send session.update with session.audio.output.language before the audio"
    if codes:
        return f"the server answered with error events ({', '.join(sorted(set(codes)))}); read their messages"
    got = str(got).strip()
    if got == want:
        return None
    if "session.close" not in received:
        return "you never sent session.close: close the session and read until session.closed to get the whole translation"
    if got and want.startswith(got):
        return ("your text stops early: the interpreter runs behind the speaker, so keep reading after the last "
                "append until session.closed")
    if got.replace(" ", "") == want.replace(" ", "") or "  " in got:
        return "join the deltas as they are: each already carries its own leading space"
    return f"you returned {got[:60]!r}..., expected the French translation {want[:60]!r}..."


EXERCISES = [
    Exercise(
        key="q1",
        question=("Write meeting_cost(minutes, listener_languages, source) returning the USD cost of interpreting a "
                  "meeting of `minutes` minutes for listeners who speak `listener_languages` (one entry per person), "
                  "when the speaker speaks `source`. Use costs.price('gpt-realtime-translate', 'audio_minute')."),
        check=check_q1,
        hints=["A translation session has one output language, and is billed for every minute of audio it receives.",
               "How many sessions? One per distinct language, except the speaker's own.",
               "len(set(listener_languages) - {source}) sessions, each for `minutes` minutes at the per-minute price."],
    ),
    Exercise(
        key="q2",
        question=("Write phrase_lags(source_segments, output_words) returning, for each source phrase, how many ms after "
                  "its start the first word of its translation arrived. source_segments: [(start_ms, end_ms), ...] of "
                  "the speaker; output_words: [(arrival_ms, delta), ...] of session.output_transcript.delta."),
        check=check_q2,
        hints=["Group the words into sentences: a sentence ends with a word ending in '.', '?' or '!'.",
               "Pair the n-th sentence with the n-th source phrase.",
               "lag = arrival of the sentence's first word - start of the phrase."],
    ),
    Exercise(
        key="q3",
        question=("Write async interpret(base_url, pcm, language, speed) that runs a translation session with the SDK "
                  "by hand and returns the translated transcript: connect, set the output language, append the audio "
                  "in 200 ms chunks (sleep 0.2 / speed between them), close the session, and collect "
                  "session.output_transcript.delta until session.closed."),
        check=check_q3,
        hints=["client = AsyncOpenAI(api_key=cfg.key('openai'), websocket_base_url=base_url); "
               "async with client.realtime.translations.connect(model='gpt-realtime-translate') as conn: ...",
               "await conn.session.update(session={'audio': {'output': {'language': language}}}); then "
               "await conn.session.input_audio_buffer.append(audio=base64...) for each chunk.",
               "Read in a background task (asyncio.create_task) while you append: the translation arrives while you "
               "are still sending. After the last chunk, await conn.session.close() and wait for that task to see "
               "session.closed."],
    ),
]
