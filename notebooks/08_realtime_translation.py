# %% [markdown]
# # 8.4 Real-time translation: an interpreter session, and when a voice agent is the wrong tool
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/realtime-video-lab/realtime-video-lab/blob/main/notebooks/08_realtime_translation.ipynb)
#
# **Cost of running it live:** about <span>&#36;</span>0.07 (an 18-second translation session with source transcription, about <span>&#36;</span>0.015; a short hand-written session, under <span>&#36;</span>0.01; the same 18 seconds through a Realtime voice agent with gpt-realtime-2.1, about <span>&#36;</span>0.05; each session is reserved in the ledger before it opens). In replay mode (the default) it costs nothing and needs no key.
#
# The chapter lists real-time translation among the Realtime API's use cases ("low latency, streaming output"). Since 2026-05-07 OpenAI has a dedicated interpreter for it: `gpt-realtime-translate` on `/v1/realtime/translations`, billed <span>&#36;</span>0.034 per minute of audio ([model page](https://developers.openai.com/api/docs/models/gpt-realtime-translate), read 2026-12-04). It is a different shape from everything else in this course: **no turns, no `response.create`, no tools**. Audio streams in continuously, silence included, and translated speech and text stream out while the speaker is still talking. This notebook runs one, measures how far behind the speaker it runs, does the same job with a voice agent told to translate, and prices both.
#
# **In replay mode the interpreter is a local server of ours that replays recorded translations.** `LocalTranslationServer` on 127.0.0.1 speaks the real protocol (the SDK's own event types, the same errors), segments the incoming speech with a voice activity detector and, phrase by phrase, streams a recorded translation **a configured lag** behind the speaker. The speech and the translations are espeak-ng recordings (`data/fixtures/translation/weekly_update/`, whose `provenance` says so). Every lag measured here in replay is that setting, not a finding about the real API; in live mode the same cells measure the real one.

# %% [markdown]
# In Colab, install this course's package at a pinned version (one line says what changed; elsewhere nothing happens), then choose the mode. `setup()` prints the mode and which providers have keys, never a key. Replay mode talks only to local servers on 127.0.0.1.

# %%
# In Colab: install this course's package at the version these notebooks were written for, and say in one line
# what changed. Anywhere else it does nothing (scripts/install.sh set up the local copy).
import sys

COURSE_VERSION = "0.3.0"  # git tag v0.3.0 of github.com/realtime-video-lab/realtime-video-lab
WHY = {"openai": "the Realtime and Live protocol types", "google-genai": "Gemini's Interactions API and v1 Files API"}


def install_course(version: str) -> str:
    import importlib
    import re
    import subprocess
    import time
    from importlib.metadata import distributions

    def installed() -> dict:
        return {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d.version for d in distributions()}

    before = installed()
    if before.get("realtime-video-lab") == version:
        return f"realtime-video-lab {version} is already installed: nothing to do"
    start = time.monotonic()
    url = f"git+https://github.com/realtime-video-lab/realtime-video-lab@v{version}"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"realtime-video-lab @ {url}"],
                         capture_output=True, text=True, timeout=600)
    if pip.returncode:
        raise RuntimeError(f"pip could not install realtime-video-lab {version}: {pip.stderr.strip().splitlines()[-1:]}")
    importlib.invalidate_caches()
    after = installed()
    added = sorted(set(after) - set(before) - {"realtime-video-lab"})
    upgraded = [f"{name} {before[name]} -> {after[name]}" + (f" (for {WHY[name]})" if name in WHY else "")
                for name in sorted(before) if after.get(name, before[name]) != before[name]]
    conflicts = [line.split(", but")[0].strip() for line in pip.stderr.splitlines() if " requires " in line]
    return (f"installed realtime-video-lab {version} in {time.monotonic() - start:.0f} s; added {', '.join(added) or 'nothing'}; "
            f"upgraded {'; '.join(upgraded) or 'nothing'}"
            + (f"; pip notes, about packages this course does not use: {'; '.join(conflicts)}" if conflicts else ""))


print(install_course(COURSE_VERSION) if "google.colab" in sys.modules else "not in Colab: nothing to install here")

# %%
import course_utils

cfg = course_utils.setup()  # replay unless COURSE_MODE or setup(mode=...) says otherwise

# %% [markdown]
# The exercises in this notebook are checked by a grader: each check prints whether your answer is right, and if not, the likely mistake.

# %%
from course_utils.exercises import Grader

grader = Grader("08")

# %% [markdown]
# ## 1. An interpreter, not an assistant
# OpenAI's guide puts the difference in one table ([Realtime translation](https://developers.openai.com/api/docs/guides/realtime-translation), read 2026-12-04). A voice-agent session connects to `/v1/realtime`, acts as an assistant, runs a conversation of turns and responses, may call tools, and you call `response.create`. A translation session connects to `/v1/realtime/translations`, acts as an interpreter, streams continuously from the incoming audio, produces translated audio and transcript deltas, and has no `response.create`. The guide's advice: keep appending audio, including the silence between phrases, and handle output events as they arrive.
#
# The SDK's types say the same thing more bluntly. Here is every event a translation client may send, and every event the server sends (openai-python's `RealtimeTranslationClientEvent` and `RealtimeTranslationServerEvent` unions):

# %%
import openai
from openai.types.realtime import RealtimeTranslationClientEvent, RealtimeTranslationServerEvent

from course_utils.voice.events import EventChecker

print("openai", openai.__version__)
print("client sends:   ", ", ".join(EventChecker(RealtimeTranslationClientEvent).types()))
print("server answers: ", ", ".join(EventChecker(RealtimeTranslationServerEvent).types()))

# %% [markdown]
# Three client events: configure (`session.update`: the output language in `session.audio.output.language`, optional source transcription, noise reduction), append audio, close. The audio is base64 PCM16, 24 kHz, mono; the model consumes it in 200 ms frames, so appending 200 ms at a time is the documented best fit. The target language can change mid-session; the model cannot.

# %% [markdown]
# ## 2. The speaker
# A short status update in English: four phrases with pauses between them, about 18 seconds. Each phrase has a recorded translation into Spanish and French (espeak-ng voices, texts written by hand).

# %%
from course_utils.translation import load_monologue

mono = load_monologue("weekly_update")
print(mono.provenance, "\n")
for p in mono.phrases:
    print(f"{p.span_ms[0] / 1000:5.1f}-{p.span_ms[1] / 1000:4.1f} s  {p.text}")

# %% [markdown]
# The first phrase, as the speaker says it (downsampled to 16 kHz to keep the notebook small):

# %%
import numpy as np

from course_utils.voice import audio_widget, resample


def listen(pcm: bytes, seconds: float):
    """An inline player of the first `seconds` of PCM16 24 kHz audio, at 16 kHz."""
    x = np.frombuffer(pcm[: int(seconds * 24000) * 2], dtype="<i2")
    return audio_widget(resample(x, 24000, 16000).tobytes(), 16000)


listen(mono.source_pcm, mono.phrases[0].span_ms[1] / 1000)

# %% [markdown]
# ## 3. A translation session
# `TranslationClient` wraps the official SDK's `client.realtime.translations.connect(model="gpt-realtime-translate")`. It prices the session in the ledger before connecting (refused past the budget, with no connection made), waits for `session.created`, sends `session.update` with the target language (and `gpt-realtime-whisper` for a source transcript), then keeps a microphone open: speech when you `say` something, silence otherwise, in 200 ms appends. What comes back goes to a playback sink, the transcripts to a trace. `close()` sends `session.close` and waits, with a timeout, for `session.closed`: the server first finishes the translation it still owes.
#
# In replay, `LocalTranslationServer` plays the interpreter with `lag_ms=1500`, and `SPEED` paces the audio at five times real time; against the real API it must be 1.

# %%
from course_utils.translation import LocalTranslationServer, TranslationClient

SPEED = 5 if cfg.is_replay else 1
LAG_MS = 1500  # the stand-in's setting: how far behind each phrase's start its translation begins

server = await LocalTranslationServer(mono, lag_ms=LAG_MS, speed=SPEED).start() if cfg.is_replay else None
tr = TranslationClient("es", transcribe=True, speed=SPEED, max_minutes=1,
                       websocket_base_url=server.websocket_base_url if server else None)
await tr.connect()
await tr.say(mono.source_pcm)  # returns when the last chunk has been sent; the translation streamed meanwhile
words_while_speaking = len(tr.output_words)
await tr.close()
if server:
    await server.stop()
print("source (gpt-realtime-whisper):", tr.input_text)
print("\ntranslation (es):             ", tr.output_text)

# %% [markdown]
# How much had already come back when the speaker finished talking (this depends on timing, so it may differ by a word or two from run to run):

# %%
# NBVAL_IGNORE_OUTPUT
first_audio_ms = tr.output_chunks[0][0]
print(f"the speaker talked for {mono.duration_ms / 1000:.1f} s; the first translated audio arrived {first_audio_ms / 1000:.1f} s "
      f"into the session; {words_while_speaking} of {len(tr.output_words)} translated words had arrived before the last append")
print(tr)

# %% [markdown]
# The translated speech (its first six seconds):

# %%
listen(tr.output_pcm(), 6)

# %% [markdown]
# ## 4. The timeline and the lag
# The client measures the lag from what it knows itself, so the same code works live: **when each source phrase started** (the shared energy VAD on the audio it sent) and **when the first word of each translated sentence arrived**, both in session time (seconds of audio sent). Blue is the speaker, orange the translated audio (placed where it would play), the arrows the lag of each phrase.
#
# **Replayed with a configured lag of 1,500 ms.** In replay the lag is the local server's `lag_ms` setting, plus up to one 200 ms frame of buffering; it is not a measurement of `gpt-realtime-translate`. What the replay does show is structural: an interpreter cannot start a sentence before it has finished saying the previous one, so when the translation is longer than the source (Spanish here), it falls further behind as the speech goes on, and it catches up only in the speaker's pauses. To measure the real lag, run the same cells with `course_utils.setup(mode="live")` and a key.

# %%
# NBVAL_IGNORE_OUTPUT
# (the measured lags move by a frame or so with timing)
fig = tr.plot_timeline(source_text=[p.text for p in mono.phrases],
                       title=f"Replayed interpreter (configured lag {LAG_MS} ms, not a measurement of the real API)")

# %%
# NBVAL_IGNORE_OUTPUT
from course_utils.display import HTMLTable
from course_utils.translation import timeline

lags = tr.lags()
print(timeline.summary(lags))
HTMLTable([lag.as_row() for lag in lags])

# %% [markdown]
# ### Exercise q2: measure the lag yourself
# Write `phrase_lags(source_segments, output_words)`: for each source phrase, how many milliseconds after its **start** the **first word** of its translated sentence arrived. `source_segments` is a list of `(start_ms, end_ms)` of the speaker (what `tr.source_segments` holds); `output_words` a list of `(arrival_ms, delta)` of `session.output_transcript.delta` (what `tr.output_words` holds). Deltas are append-only pieces of text, each with its own leading space; a sentence ends with `.`, `?` or `!`. Pair the n-th phrase with the n-th sentence.
#
# Stuck? `grader.hint("q2")` gives a hint (call it again for the next one), and `grader.solution("q2")` shows a solution. The same works for every exercise.

# %%
# EXERCISE q2
def phrase_lags(source_segments, output_words):
    raise NotImplementedError  # your code here


# %%
grader.check("q2", phrase_lags)

# %% [markdown]
# ## 5. The protocol by hand, and what bad input gets
# The same session without the wrapper: the SDK's connection, `session.update`, appends, `session.close`, and a reader that runs **while** the audio is being sent (the translation arrives before you are done sending). On the way we send two mistakes: audio that is not base64, and a `response.create` (a voice-agent habit). Each gets an `error` event; the session goes on.

# %%
import asyncio
import base64

from openai import AsyncOpenAI

short = mono.source_pcm[: int(mono.phrases[0].span_ms[1] * 48) + 24000]  # the first phrase and half a second of quiet
demo = await LocalTranslationServer(mono, lag_ms=LAG_MS, speed=8).start() if cfg.is_replay else None
client = AsyncOpenAI(api_key=cfg.key("openai"), websocket_base_url=demo.websocket_base_url if demo else None)
events = []
async with client.realtime.translations.connect(model="gpt-realtime-translate") as conn:
    await conn.session.update(session={"audio": {"output": {"language": "fr"}}})

    async def read():
        async for event in conn:
            events.append(event)
            if event.type == "session.closed":
                return

    reader = asyncio.create_task(read())
    await conn.session.input_audio_buffer.append(audio="this is not base64!")
    await conn.send_raw('{"type": "response.create"}')  # raw: the SDK's types would not even let us send it
    for i in range(0, len(short), 9600):  # 200 ms of PCM16 at 24 kHz
        await conn.session.input_audio_buffer.append(audio=base64.b64encode(short[i:i + 9600]).decode())
        await asyncio.sleep(0.2 / (8 if demo else 1))
    await conn.session.close()
    await asyncio.wait_for(reader, 30)
if demo:
    await demo.stop()

for event in events:
    if event.type == "error":
        print(f"error {event.error.code}: {event.error.message}")
print("\nafter the errors:", "".join(e.delta for e in events if e.type == "session.output_transcript.delta"))
print("last event:", events[-1].type)

# %% [markdown]
# Billing follows the duration of the audio you append, silence included: a session left open with a microphone sending silence keeps costing <span>&#36;</span>0.034 a minute, so close it when nobody is talking.
#
# ### Exercise q3: a translation session by hand
# Write `async def interpret(base_url, pcm, language, speed)` that returns the translated transcript of `pcm` (PCM16 24 kHz mono bytes): connect with `AsyncOpenAI(api_key=cfg.key("openai"), websocket_base_url=base_url)`, set the output language, append the audio in 200 ms chunks (sleeping `0.2 / speed` s between them), close the session, and collect the `session.output_transcript.delta` deltas until `session.closed`. The checker runs it against a `LocalTranslationServer` with the first two phrases, into French.

# %%
# EXERCISE q3
async def interpret(base_url, pcm: bytes, language: str, speed: float = 1.0) -> str:
    raise NotImplementedError  # your code here


# %%
grader.check("q3", interpret)

# %% [markdown]
# ## 6. The same job with a voice agent told to translate
# Before the translation endpoint, the way to do this was a Realtime voice agent with instructions like "repeat everything the user says in Spanish". It works, but it is a conversation: **it waits for the end of each utterance** (its voice activity detection needs `silence_duration_ms` of quiet), then answers. And the speaker has to wait for the answer: talking over it is a barge-in, which stops the reply. In replay, `agent_fixture` hands `LocalRealtimeServer` the same phrases as user turns and the same recorded translations as replies, with a configured 400 ms of think time; notebook 01's `RealtimeClient` does the rest.

# %%
from course_utils.realtime import LocalRealtimeServer, RealtimeClient
from course_utils.translation.compare import AGENT_INSTRUCTIONS, agent_fixture, agent_timeline, phrase_clips
from course_utils.voice import VirtualClockSink

AGENT_SPEED = 8 if cfg.is_replay else 1
rt_server = await LocalRealtimeServer(fixture=agent_fixture(mono, "es", first_delta_ms=400), speed=AGENT_SPEED).start() if cfg.is_replay else None
rt = RealtimeClient("gpt-realtime-2.1", url=rt_server.url if rt_server else None, speed=AGENT_SPEED,
                    sink=VirtualClockSink(speed=AGENT_SPEED))
await rt.connect()
await rt.update_session(instructions=AGENT_INSTRUCTIONS.format(language="Spanish"),
                        turn_detection={"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 500})
starts = []
for clip in phrase_clips(mono):  # each phrase, then 700 ms of quiet so the VAD hears the end
    await rt.wait_for_playback()  # the speaker waits for the interpreter
    starts.append(rt.trace.now())
    reply = await rt.say(clip)
    print(reply.transcript)
await rt.wait_for_playback()
agent_session_s = rt.trace.now() * AGENT_SPEED
await rt.close()
if rt_server:
    await rt_server.stop()

# %% [markdown]
# Side by side on the same scale: the interpreter (top) starts each translation while the phrase is still being spoken; the agent (bottom) starts only after the phrase has ended and its VAD has heard 500 ms of silence, and the speaker then waits for it to finish. The same 18 seconds of speech take about twice as long.

# %%
# NBVAL_IGNORE_OUTPUT
# (measured times move by a frame or so with timing)
import matplotlib.pyplot as plt

from course_utils.translation.compare import plot_agent

durations = [p.duration_ms for p in mono.phrases]
agent_rows = agent_timeline(rt.trace, starts, durations, speed=AGENT_SPEED)
fig, axes = plt.subplots(2, 1, figsize=(11, 5.2), sharex=True)
tr.plot_timeline(source_text=[p.text for p in mono.phrases], ax=axes[0],
                 title=f"Interpreter (gpt-realtime-translate, replayed with a configured {LAG_MS} ms lag)")
plot_agent(agent_rows, durations, [p.translations["es"].duration_ms for p in mono.phrases],
           [p.text for p in mono.phrases], "es", ax=axes[1],
           title="Voice agent told to translate (Realtime, server VAD 500 ms, replayed with 400 ms think time)")
fig.tight_layout()

# %%
# NBVAL_IGNORE_OUTPUT
print(f"interpreter: session {tr.sent_seconds:.1f} s; agent: session {agent_session_s:.1f} s, for the same {mono.duration_ms / 1000:.1f} s of speech")
HTMLTable(agent_rows)

# %% [markdown]
# ## 7. Cost per minute
# The two are billed differently. The interpreter: **per minute of audio appended** (silence included), nothing else. The agent: **per token**, and every reply re-reads the conversation so far (user audio 1 token per 100 ms, its own audio 1 per 50 ms, the re-read prefix at the cached rate), so its cost per minute grows with the length of the session. The fair unit is a **minute of the speaker's talk** (with their own pauses): the interpreter's session lasts as long as the talk; the agent's lasts about twice as long, because the speaker waits for every reply. Prices from `data/pricing/prices.csv` (each row has its source and the date it was read); the agent's figures are estimates for this talk's shape (phrases of this length, replies of this length, 60 tokens of instructions, caching on):

# %%
from course_utils import costs

interpreter_min = costs.estimate_translation_session(1)
print(interpreter_min, "\n")
phrase_s = sum(durations) / len(durations) / 1000
reply_s = sum(p.translations["es"].duration_ms for p in mono.phrases) / len(durations) / 1000
PAUSE_S = 1.0  # the speaker's pause between phrases


def agent_estimate(model: str, talk_minutes: float):
    """A Realtime agent translating `talk_minutes` of this speaker: one turn per phrase."""
    turns = max(1, round(talk_minutes * 60 / (phrase_s + PAUSE_S)))
    return costs.estimate_realtime_conversation(model, turns=turns, user_seconds_per_turn=phrase_s,
                                                assistant_seconds_per_turn=reply_s, instructions_tokens=60)


rows = []
for minutes in (1, 10, 60):
    row = {"minutes of talk": minutes, "interpreter $/min": round(interpreter_min.total_usd, 4)}
    for model in ("gpt-realtime-2.1", "gpt-realtime-2.1-mini"):
        est = agent_estimate(model, minutes)
        row[f"agent {model} $/min"] = round(est.total_usd / minutes, 4)
    row["agent session minutes"] = round(est.minutes, 1)
    rows.append(row)
HTMLTable(rows, caption="cost per minute of the speaker's talk, by the talk's length")

# %% [markdown]
# The interpreter costs <span>&#36;</span>0.034 per minute of talk whatever the length (per output language). A Realtime agent told to translate costs several times that with the flagship model; with the mini model about twice as much for a short talk and about seven times as much for an hour, as the re-read context grows; and its session runs about 1.7 times as long as the talk. What this session cost, from the usage the replayed agent reported in each `response.done` (the replayed usage is computed by the local server with the course's token rules), next to the interpreter's:

# %%
# NBVAL_IGNORE_OUTPUT
# (the interpreter's billed seconds vary by a chunk with timing)
agent_cost = rt.cost()
print(f"interpreter: ${tr.cost.total_usd:.4f} for {tr.sent_seconds:.1f} s of audio "
      f"(${costs.price('gpt-realtime-translate', 'audio_minute'):.3f}/min; with source transcription counted, see the note)")
print(f"agent:       ${agent_cost.total_usd:.4f} for a {agent_session_s:.1f} s session "
      f"(${agent_cost.total_usd / (agent_session_s / 60):.3f} per session minute, "
      f"${agent_cost.total_usd / (mono.duration_ms / 60000):.3f} per minute of the speaker's speech)")

# %% [markdown]
# ## 8. A meeting with several listener languages, priced per hour
# A translation session has **one output language**. A meeting with listeners in Spanish, French and German needs three sessions, each fed the same audio for the whole hour: the cost scales with the number of languages, not the number of people (everyone who hears Spanish shares the Spanish session), and listeners who speak the speaker's language need none. A voice agent per language (the mini model, estimated as above) costs more, and cannot serve the meeting at all without the speaker pausing after every phrase.

# %%
hour = []
agent_hour = agent_estimate("gpt-realtime-2.1-mini", 60)
for languages in range(1, 6):
    hour.append({"listener languages": languages,
                 "interpreter $/hour": round(costs.estimate_translation_session(60, listeners=languages).total_usd, 2),
                 "+ source transcript $/hour": round(costs.estimate_translation_session(
                     60, listeners=languages, transcription_model="gpt-realtime-whisper").total_usd, 2),
                 "agents (2.1-mini) $/hour": round(agent_hour.total_usd * languages, 2)})
HTMLTable(hour)

# %% [markdown]
# The source-transcript column counts `gpt-realtime-whisper`'s <span>&#36;</span>0.017 per minute once: OpenAI's pages do not say whether a translation session bills its source transcription separately, so the estimate errs high.
#
# ### Exercise q1: price a meeting
# Write `meeting_cost(minutes, listener_languages, source)`: the USD cost of interpreting a meeting of `minutes` minutes for listeners whose languages are `listener_languages` (one entry **per person**), when the speaker speaks `source`. Use `costs.price("gpt-realtime-translate", "audio_minute")`.

# %%
# EXERCISE q1
def meeting_cost(minutes: float, listener_languages: list[str], source: str = "en") -> float:
    raise NotImplementedError  # your code here


# %%
grader.check("q1", meeting_cost)

# %% [markdown]
# ## 9. When to pick which
# * **Pick the interpreter (`gpt-realtime-translate`)** when the job is to say what a person said in another language, as they say it: talks, meetings, calls between people, broadcasts, lessons. It starts translating mid-sentence, never makes the speaker wait, has nothing to configure but the language, and costs <span>&#36;</span>0.034 per minute of audio per output language, however long the session. It is not an assistant: it will not answer a question, follow instructions, or call a tool, and you pay for silence while the session is open.
# * **Pick a voice agent** when translation is part of a conversation with the model: a support agent that answers a customer in their language, a tutor that translates and then explains, a flow that needs tools or instructions. There the turn-taking is the point, and the wait for the end of each utterance is acceptable because the model is answering, not interpreting.
# * **Neither** for a recording with no time pressure: transcribe it and translate the text (notebook 02's cascade), far cheaper per minute.
# * Whatever you pick: measure the lag live on your own audio (the code above does it), count sessions per output language, and close sessions when nobody talks.

# %% [markdown]
# ## Running it live
# `course_utils.setup(mode="live", budget_usd=0.50)` with `OPENAI_API_KEY` set, then re-run: `SPEED` becomes 1, `TranslationClient` connects to `wss://api.openai.com/v1/realtime/translations?model=gpt-realtime-translate`, the agent to `wss://api.openai.com/v1/realtime`, each session reserved in the ledger first and settled from what it used. The real interpreter does not follow our recordings: expect its own words, its own voice and its own lag, which is the number worth measuring. The ledger of this kernel (in replay nothing is charged):

# %%
# NBVAL_IGNORE_OUTPUT
# (the billed seconds vary by a chunk with timing)
from IPython.display import display

display(cfg.ledger)

# %%
grader.summary()
