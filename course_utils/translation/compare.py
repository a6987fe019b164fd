"""The same job done by a Realtime voice agent told to translate: its replay script and its timeline.

A voice agent takes turns: it waits for the end of each utterance (server VAD: ``silence_duration_ms``
of quiet), then answers. Told to translate, its answer is the translation. In replay,
:func:`agent_fixture` hands ``LocalRealtimeServer`` the interpreter fixture's phrases as user turns and
their recorded translations as the assistant's replies (in memory), so both paths speak the same audio.
"""
from __future__ import annotations

from ..voice.formats import ms_to_bytes, silence
from .fixture import Monologue

AGENT_INSTRUCTIONS = ("You are an interpreter. Repeat everything the user says in {language}, in the first person, "
                      "and say nothing else: no answers, no comments, no greetings.")


def phrase_clips(monologue: Monologue, trailing_silence_ms: int = 700) -> list[bytes]:
    """Each source phrase cut from the monologue (PCM16), with ``trailing_silence_ms`` of quiet after it
    so the agent's VAD can hear the utterance end."""
    clips = []
    for p in monologue.phrases:
        a, b = (ms_to_bytes(ms) for ms in p.span_ms)
        clips.append(monologue.source_pcm[a:b] + silence(trailing_silence_ms))
    return clips


def agent_fixture(monologue: Monologue, language: str = "es", first_delta_ms: float = 400.0):
    """A :class:`~course_utils.voice.conversation.Conversation` (in memory): the phrases as user turns,
    their translations as replies. ``first_delta_ms`` is the stand-in's think time before each reply
    (a setting, not a measurement)."""
    from ..voice.conversation import Conversation, Utterance

    user = tuple(Utterance(p.text, pcm) for p, pcm in zip(monologue.phrases, phrase_clips(monologue)))
    replies = tuple(Utterance(p.translations[language].text, p.translations[language].pcm,
                              think_ms=round(first_delta_ms)) for p in monologue.phrases)
    manifest = {"provenance": f"{monologue.provenance} (the translation/{monologue.name} phrases turned into a "
                              f"conversation in memory by course_utils.translation.compare.agent_fixture)"}
    return Conversation(f"{monologue.name}_agent_{language}", "", user, replies, manifest)


def agent_timeline(trace, starts: list[float], durations_ms: list[float], speed: float = 1.0) -> list[dict]:
    """Per turn of a RealtimeClient trace: when the phrase started (``starts``: trace seconds, taken just
    before each ``say``), when the reply's first audio arrived, the lag from the phrase's start and from
    its end (``durations_ms``: the speech in each phrase). Times in session seconds (trace time x speed)."""
    rows = []
    for n, (start, dur, turn) in enumerate(zip(starts, durations_ms, trace.turns()), 1):
        first = turn.t_anchor + (turn.first_audio_ms or 0.0) / 1000
        lag = (first - start) * speed * 1000
        rows.append({"phrase": n, "source starts s": round(start * speed, 2),
                     "translation starts s": round(first * speed, 2), "lag ms": round(lag),
                     "after the phrase ended ms": round(lag - dur)})
    return rows


def plot_agent(rows: list[dict], durations_ms: list[float], reply_ms: list[float], texts: list[str], language: str,
               title: str = "", ax=None):
    """The agent's turns drawn like the interpreter's timeline (rows from :func:`agent_timeline`)."""
    from .timeline import PhraseLag, plot

    lags, source, audio = [], [], []
    for row, dur, rep in zip(rows, durations_ms, reply_ms):
        s0, t0 = row["source starts s"] * 1000, row["translation starts s"] * 1000
        source.append((s0, s0 + dur))
        lags.append(PhraseLag(row["phrase"], s0, s0 + dur, t0, t0 + rep, ""))
        audio.append((t0, rep))
    return plot(source, texts, lags, audio, language, title=title, ax=ax)
