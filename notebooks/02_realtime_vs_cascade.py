# %% [markdown]
# # 8.4 Realtime vs cascade: the published figures, a replayed walk-through, and the code that measures them live
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/realtime-video-lab/realtime-video-lab/blob/main/notebooks/02_realtime_vs_cascade.ipynb)
#
# **Cost of running it live:** about <span>&#36;</span>0.02 (one cascade turn, about <span>&#36;</span>0.0003 with espeak-ng as its voice; one two-turn gpt-realtime-2.1 session, about <span>&#36;</span>0.01); talking to it with the microphone (last section) costs about <span>&#36;</span>0.09 per minute. In replay mode (the default) it costs nothing and needs no key.
#
# The chapter says the Realtime API is about **10x faster** than speech-to-text + a chat model + text-to-speech called in series, that such a cascade **cannot be interrupted**, and that it **loses intonation**. Here the same spoken question goes through both paths and we look at where the time goes, what the first audio costs in waiting, what happens when the user talks over the reply, and what a minute of each costs.
#
# **Replay mode (the default) replays stage latencies; it does not measure the APIs.** The local servers wait for figures taken from a published latency budget, or made up (each printed with its source, and every such figure is marked *replayed, synthetic* where it appears). Conclusions about the real APIs below rest on OpenAI's published figures, cited with their dates; live mode runs the same cells against the real APIs and measures them.

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
# Three exercises along the way ask you to compute and write the pieces yourself: what the user waits for, a cascade that hears the user over its own voice, and what its memory should keep after an interruption. Each is checked offline, right below it; the grader says what looks wrong, not only that it is.

# %%
from course_utils.exercises import Grader

grader = Grader("02")

# %% [markdown]
# ## 1. The question
# Both paths hear the same clip: the first user turn of the `barge_in` conversation fixture (synthetic speech made with espeak-ng; its manifest says so).

# %%
from course_utils import cascade as cas
from course_utils.fixtures import load_manifest

question = cas.fixture_question()
manifest = load_manifest(*cas.FIXTURE)
print(f"{manifest['question_text']!r}: {manifest['question_seconds']} s of audio")
print("how it was made:", manifest["provenance"][:120], "...")

# %% [markdown]
# ## 2. The cascade: three calls in series
# `course_utils.cascade.Cascade` makes three separate calls with the official `openai` client, each waiting for the one before:
#
# 1. **transcribe**: `client.audio.transcriptions.create(model="gpt-transcribe", ...)` (speech to text);
# 2. **chat**: `client.chat.completions.create(model="gpt-6-luna", ...)` (the reply, as text);
# 3. **speak**: text to speech. Here `espeak-ng`, locally (section 3 says why not OpenAI's TTS).
#
# In replay mode the first two calls go to a local stand-in of OpenAI's REST API, which waits a **replayed** latency before answering. These are the figures and where they come from (the stage shares of one blog's voice-agent latency budget, read 2026-11-25 when the fixture was made; a budget, not a measurement of these models):

# %%
for row in cas.replayed_latency_table():
    print(f"{row['stage']:<10} waits {row['latency_ms']:>4} ms (replayed, synthetic)  source: {row['source']} (read 2026-11-25)")
    print(f"           {row['note']}")

# %% [markdown]
# First the cascade by hand: three calls with the official `openai` client, each waiting for the one before, timed from the moment the user's speech is over (t = 0). (This cell always talks to the local stand-in, even in live mode: it is the lesson. `cas.Cascade` below is what runs live, priced in the ledger.)

# %%
import time

import openai

from course_utils.clients import openai_rest_standin
from course_utils.voice.audio import load_audio, to_pcm16_bytes, wav_bytes
from course_utils.voice.espeak import espeak_pcm

local = openai.OpenAI(api_key="local", base_url=openai_rest_standin().scoped_base_url([cas.FIXTURE]), timeout=30,
                      max_retries=0)


def cascade_by_hand(client, audio, history: list[dict]):
    """One user turn: transcribe, then chat, then speak. Returns the transcript, the reply, its audio
    (PCM16 24 kHz) and when each stage ended, in ms from the end of the user's speech."""
    pcm = to_pcm16_bytes(load_audio(audio))
    t0 = time.perf_counter()
    ended = {}
    # 1. speech -> text: the whole clip is uploaded once the user has finished
    heard = client.audio.transcriptions.create(model="gpt-transcribe",
                                               file=("question.wav", wav_bytes(pcm), "audio/wav")).text.strip()
    ended["transcribe"] = (time.perf_counter() - t0) * 1000
    # 2. text -> reply text: the chat model sees the words only, not how they were said
    history.append({"role": "user", "content": heard})
    chat = client.chat.completions.create(model="gpt-6-luna", messages=history, max_completion_tokens=150)
    reply = (chat.choices[0].message.content or "").strip()
    history.append({"role": "assistant", "content": reply})
    ended["chat"] = (time.perf_counter() - t0) * 1000
    # 3. reply text -> speech: espeak-ng, locally; its whole audio is ready at once
    speech = espeak_pcm(reply)
    ended["speak"] = (time.perf_counter() - t0) * 1000
    return heard, reply, speech, ended


# %%
# NBVAL_IGNORE_OUTPUT
# (timings differ on every run)
history = [{"role": "system", "content": cas.DEFAULT_INSTRUCTIONS}]
heard, reply, speech, ended = cascade_by_hand(local, question, history)
print("heard  :", heard)
print("replied:", reply)
for stage, ms in ended.items():
    print(f"{stage:<10} done {ms:5.0f} ms after the user's speech ended")

# %% [markdown]
# `cas.Cascade` does the same, with the edge cases handled: in live mode it prices each call and reserves it in the ledger before making it (refused if over budget) and settles it from the reported usage; it checks the TTS model's shutdown date before any call; with OpenAI's TTS it streams the audio, so the first byte is timed apart from the end; it can speak through a Gemini TTS model in live mode; and it labels each stage's timing (measured, or replayed delays with their source).
#
# Run one turn. Each stage is timed from the moment the user's speech is over (t = 0). In replay mode the `timing` column says `measured (replayed delays)`: the clock is real, the waiting is the replayed figure; espeak-ng really runs on this machine.

# %%
# NBVAL_IGNORE_OUTPUT
# (timings differ on every run)
cascade = cas.Cascade(tts="espeak-ng")
turn = cascade.run(question)
turn

# %%
print("heard  :", turn.transcript)
print("replied:", turn.reply)
print("stages :", " -> ".join(f"{s.name} ({s.model}, {s.timing})" for s in turn.stages))

# %% [markdown]
# ### Exercise q1: what the user waits for
# The waterfall below starts its clock when the turn is known to be over. The user's clock starts earlier, at their last word: the VAD first waits `silence_duration_ms` of quiet (500 ms by default) to be sure they are done. Write `first_audio_ms(latency_ms, silence_ms, first_delta_ms)`: how long after the last word each path's first audio comes, as `{"cascade": ms, "realtime": ms}`. `latency_ms` holds each cascade stage's wait to its first byte (the replayed budget above: `{"transcribe": 350, "chat": 500, "speak": 250}`, synthetic); `first_delta_ms` is the Realtime server's wait before its first audio (the fixture's made-up 300 ms, section 4). The check also tries other budgets. Stuck? `grader.hint("q1")` gives a hint (call it again for the next), and `grader.solution("q1")` shows a solution; the same works for every exercise.

# %%
# EXERCISE q1
def first_audio_ms(latency_ms: dict, silence_ms: float, first_delta_ms: float) -> dict:
    raise NotImplementedError  # your code here


# %%
grader.check("q1", first_audio_ms)

# %% [markdown]
# Listen to the cascade's reply: the audio its TTS step made (espeak-ng here), embedded in the notebook. `listen` converts it to 16 kHz mono first, which keeps speech clear and the notebook a third smaller than at the API's 24 kHz.

# %%
# NBVAL_IGNORE_OUTPUT
# (embedded audio: its bytes depend on the installed espeak-ng)
import numpy as np

from course_utils.voice.audio import audio_widget
from course_utils.voice.formats import SAMPLE_RATE, resample


def listen(pcm: bytes):
    """An inline player of PCM16 mono 24 kHz audio, stored at 16 kHz."""
    return audio_widget(resample(np.frombuffer(pcm, "<i2"), SAMPLE_RATE, 16000).tobytes(), 16000)


listen(turn.audio)

# %% [markdown]
# ## 3. What happens when the TTS step loses its model
# OpenAI's speech models (`tts-1`, `tts-1-hd`, `gpt-4o-mini-tts`) were given notice on 2026-10-01 and **will shut down on 2027-01-06**: they still answer today (this notebook was checked on 2026-12-04), and stop a month from now ([OpenAI deprecations](https://developers.openai.com/api/docs/deprecations), read 2026-12-04). No new `/v1/audio/speech` model was announced (the SDK's docstring points to the Realtime API, `gpt-realtime-2.1-mini`, instead). A cascade built on them does not slowly degrade: on that day its last step simply has no model. `Cascade` checks the date before any call and says what to do:

# %%
print(cas.check_tts("gpt-4o-mini-tts", on="2026-12-01"))

try:
    cas.Cascade(tts="gpt-4o-mini-tts", on="2027-01-07")
except cas.ModelRetired as err:
    print("ModelRetired:", err)

# %% [markdown]
# Two ways to keep the cascade speaking:
#
# * **espeak-ng**, offline and free (what this notebook uses): robotic, but it needs no network and no key. Its whole reply is ready at once, so its "first byte" is its end.
# * **A Gemini TTS model** with `google-genai` in live mode: `cas.Cascade(tts="gemini-3.8-flash-lite-tts")` after `course_utils.setup(mode="live")` with `GEMINI_API_KEY`. That model id and its price (<span>&#36;</span>0.50 text in, <span>&#36;</span>6 audio out per 1M) are **unverified**: we saw them only on third-party price lists, not on [Google's pricing page](https://ai.google.dev/gemini-api/docs/pricing) (read 2026-11-25), so check the id there before you rely on it. There is no recorded exchange to replay, so replay mode refuses it with a one-line error.
#
# The lesson reaches beyond TTS: every stage of a cascade is a model that can be retired on a date. Keep the stage swappable, and keep a local fallback for the one you cannot lose.

# %%
print(cas.check_tts("espeak-ng"))

# %% [markdown]
# ## 4. The Realtime session: the same question, one connection
# The Realtime client streams the clip into a WebSocket session as a microphone would (in real time). The server's voice activity detection notices the end of speech (after 500 ms of silence) and the reply starts streaming back as audio.
#
# In replay mode this is the local Realtime server replaying the `barge_in` fixture. It waits the fixture's think time (each reply's `think_ms`, 300 ms: the server's `first_delta_ms`) before the first audio: a **made-up** figure (replayed, synthetic; its manifest says so), chosen near the 320 ms average OpenAI published for GPT-4o's audio replies (fastest 232 ms, not the chapter's 250 ms; [Hello GPT-4o](https://openai.com/index/hello-gpt-4o/), 2024-05-13, read 2026-11-25). That is a figure for GPT-4o in ChatGPT, not a measurement of `gpt-realtime-2.1` over the API; no such figure is published that we found. A notebook cannot stream to your speakers while it is checked, so the audio "plays" on a virtual clock at real speed (`VirtualClockSink`).

# %%
from course_utils.realtime.client import RealtimeClient
from course_utils.voice import VirtualClockSink

rt = RealtimeClient(fixture="barge_in", speed=1.0, sink=VirtualClockSink(speed=1.0))
await rt.connect()
await rt.stream_audio(question)  # 3.8 s, paced like a microphone
await rt.wait_for(lambda: any(t.first_audio_ms is not None for t in rt.trace.turns()), timeout=10,
                  what="the first audio")
realtime_first = rt.trace.turns()[0]
print("the turn ended with:", realtime_first.anchor)

# %%
# NBVAL_IGNORE_OUTPUT
# (timings differ on every run)
print(f"first audio {realtime_first.first_audio_ms:.0f} ms after the server's speech_stopped")

# %% [markdown]
# ## 5. Where the time goes
# One row per stage, on one clock: 0 is the moment the user's turn is known to be over. (Both paths need that moment: the Realtime server's VAD decided it; a cascade needs its own VAD or a push-to-talk button, not counted here.) Hatched bars wait replayed delays (synthetic, see above): the plot shows how such a budget adds up, not how fast the APIs are. The tick is the first byte.

# %%
import matplotlib.pyplot as plt

realtime_stage = cas.Stage(
    "realtime", "respond", rt.model, 0.0, realtime_first.first_audio_ms, realtime_first.first_audio_ms,
    "measured (replayed delays)", "the local server waits first_delta_ms = 300 ms (made-up, see above)")
stages = turn.stages + [realtime_stage]
title = ("Where the time goes, replayed (synthetic delays; 0 = end of the user's turn)" if cfg.is_replay
         else "Where the time goes, measured live (0 = end of the user's turn)")
cas.plot_waterfall(stages, title=title)
plt.show()

# %%
# NBVAL_IGNORE_OUTPUT
# (timings differ on every run)
c, r = turn.time_to_first_audio_ms, realtime_first.first_audio_ms
label = "replayed, synthetic delays" if cfg.is_replay else "measured live"
print(f"time to first audio - cascade : {c:6.0f} ms (transcribe + chat + speak, in series; {label})")
print(f"time to first audio - realtime: {r:6.0f} ms ({label})")
print(f"ratio in this run: {c / r:.1f}x ({label})")

# %% [markdown]
# The ratio above is a property of the numbers the fixture replays, not a finding about the APIs. The figures behind the chapter's "10x" are OpenAI's own, for ChatGPT's voice mode before and after it became one speech-to-speech model ([Hello GPT-4o](https://openai.com/index/hello-gpt-4o/), published 2024-05-13, read 2026-11-25):

# %%
for ref in manifest["reference_figures"]:
    fastest = f", fastest {ref['min_ms']} ms" if "min_ms" in ref else ""
    print(f"{ref['ms']:>5} ms average{fastest}  {ref['what']}  ({ref['source']}, 2024-05-13)")
print(f"ratio of the averages: {2800 / 320:.1f}x (GPT-3.5 cascade) to {5400 / 320:.1f}x (GPT-4 cascade)")
print("the chapter's 'fastest 250 ms': the source says 232 ms")

# %% [markdown]
# So "about 10x" (9x to 17x by these figures) describes 2024's ChatGPT cascade (batch Whisper, a large model, full-reply TTS) against GPT-4o in ChatGPT; it was never a measurement of the Realtime API against a tuned cascade. What holds by construction: a cascade waits for three calls in series before its first sound, a speech-to-speech model for one. How much that costs in milliseconds today is for a live run to say. To measure it, run `course_utils.setup(mode="live", budget_usd=0.10)` (with `OPENAI_API_KEY`) and re-run sections 2 to 5: the same cells then time the real calls, the `timing` column says `measured`, and the plot title says *measured live*. Streaming each stage (partial transcripts, sentence-by-sentence TTS) narrows the gap; it cannot remove the hops.

# %% [markdown]
# ## 6. The user interrupts
# **Realtime.** The user speaks again 2 s into the reply. The server's VAD sends `input_audio_buffer.speech_started`; the client stops playback at once, the server cancels the response, and the client sends `conversation.item.truncate` with `audio_end_ms` = what was actually played, so the model's memory of its own reply ends where the user stopped listening.

# %%
import asyncio

from course_utils.realtime import load_conversation

await asyncio.sleep(2.0)  # the reply plays for about 2 s
await rt.stream_audio(load_conversation("barge_in").user[1].path)   # the interruption's audio file
interrupted = await rt.wait_for_response(timeout=15)
answer = await rt.wait_for_response(timeout=15)
print("first response :", interrupted.status)
print("second response:", answer.status, repr(answer.transcript))
print("truncated      :", rt.trace.counts().get("received:conversation.item.truncated", 0), "item")

# %%
# NBVAL_IGNORE_OUTPUT
# (timings differ on every run)
cut = rt.truncations[0]
print(f"heard {cut['audio_end_ms']} ms of the {cut['received_ms']} ms received; playback stopped "
      f"{rt.trace.turns()[0].barge_in_ms:.1f} ms after speech_started")

# %% [markdown]
# Listen to the Realtime side: the first reply as far as it was heard (it stops where the user cut in, the point `conversation.item.truncate` reported), then the answer to the interruption, complete. Both are the fixture's audio as the client received it (synthetic speech, see the manifest).

# %%
# NBVAL_IGNORE_OUTPUT
# (how much of the first reply was heard depends on timing)
from IPython.display import display

print(f"first reply, heard until the barge-in ({cut['audio_end_ms']} ms):")
display(listen(rt.sink.played_pcm(cut["item_id"])))
print(f"the answer to the interruption ({answer.audio_ms / 1000:.1f} s):")
display(listen(answer.audio))

# %% [markdown]
# **Cascade.** Nothing listens while the cascade transcribes, thinks or speaks: each call is a request that returns when it is done. To be interruptible it needs its own VAD on the microphone during playback (`course_utils.voice.EnergyVAD` would do), code to stop the player, and then it must edit its own chat history, because nothing tells the model where the user stopped listening. Without word timings from the TTS it can only guess which words were heard (here: in proportion to time):

# %%
turn.interrupt(heard_ms=2500)

# %% [markdown]
# The chat history still holds the whole reply: on the next turn the model believes it said things the user never heard.

# %% [markdown]
# ### Exercise q2: a cascade that hears the user over its own voice
# Build the first missing piece: the VAD on the microphone while the reply plays. The catch is that the microphone also hears the reply itself, from the speaker. `mic_while_playing(start_ms)` is such a recording (a synthetic mix of the fixtures: the reply's echo about 22 dB down, and from `start_ms` the user's "Sorry, just tell me the year."); `mic_while_playing(None)` has the echo and no user. With the default threshold the VAD takes the echo for speech:

# %%
from course_utils.exercises.nb02 import mic_while_playing
from course_utils.voice import EnergyVAD, chunk_pcm

echo_only = mic_while_playing(None)
vad = EnergyVAD()  # threshold 0.5 = -45 dBFS
print([(ev.kind, ev.audio_ms, ev.detected_ms) for chunk in chunk_pcm(echo_only, 40) for ev in vad.feed(chunk)][:4])

# %% [markdown]
# Write `stop_playback_at_ms(mic_pcm)`: run an `EnergyVAD` over the microphone audio and return the position (ms from the start of playback) at which the player must stop because the user started talking, or `None` if nobody did. It must ignore the echo, and stop within 200 ms of the user's first sound. (`frame_energy_db` from `course_utils.voice.vad` shows how loud each 10 ms frame is, as in notebook 01.)

# %%
# EXERCISE q2
def stop_playback_at_ms(mic_pcm: bytes):
    raise NotImplementedError  # your code here


# %%
grader.check("q2", stop_playback_at_ms)

# %% [markdown]
# ### Exercise q3: what the cascade should remember
# The second missing piece: once the player has stopped, the chat history must hold only what the user heard, or the model goes on believing it said the rest. Without word timings from the TTS, estimate it in proportion to time, as `turn.interrupt` did above. Write `heard_text(reply, reply_ms, heard_ms)`: the beginning of the reply to keep, in whole words, when the user interrupted after `heard_ms` of `reply_ms` milliseconds of audio.

# %%
# EXERCISE q3
def heard_text(reply: str, reply_ms: float, heard_ms: float) -> str:
    raise NotImplementedError  # your code here


# %%
grader.check("q3", heard_text)

# %% [markdown]
# ## 7. Intonation
# What the chat model receives from the cascade is the transcript, and only that: a hesitant, annoyed or joking question arrives as the same string of words. The Realtime model takes the audio itself (as audio tokens) and answers with audio, so tone can shape the reply both ways.

# %%
cascade.history[1]  # the user's turn as the chat model sees it

# %% [markdown]
# ## 8. Cost per minute
# The same conversation shape for each path: 10 turns, 5 s of user speech and 10 s of reply per turn (2.5 minutes). Prices come from `data/pricing/prices.csv` (source and date per row). `gpt-4o-mini-tts` is priced on its last day, 2027-01-06: after that it has no price because it has no model. This also checks the chapter's "Realtime API is 10-20x a regular API": per minute of conversation it depends on what you compare with.

# %%
from course_utils import costs

estimates = {
    "cascade: gpt-transcribe + gpt-6-luna + espeak-ng": cas.estimate_cascade("espeak-ng"),
    "cascade with gpt-4o-mini-tts (priced 2027-01-06)": cas.estimate_cascade("gpt-4o-mini-tts", on="2027-01-06"),
    "Realtime gpt-realtime-2.1": costs.estimate_realtime_conversation("gpt-realtime-2.1"),
    "Realtime gpt-realtime-2.1-mini": costs.estimate_realtime_conversation("gpt-realtime-2.1-mini"),
}
for name, est in estimates.items():
    print(f"{name:<52} ${est.usd_per_minute:.4f} per minute")
live = costs.estimate_live_session("gpt-live-1.1", minutes=2.5)
print(f"{'OpenAI Live API gpt-live-1.1 (session time)':<52} ${live.total_usd / 2.5:.4f} per minute")
paid_tts = estimates["cascade with gpt-4o-mini-tts (priced 2027-01-06)"].usd_per_minute
for name in ("Realtime gpt-realtime-2.1", "Realtime gpt-realtime-2.1-mini"):
    print(f"{name} per minute = {estimates[name].usd_per_minute / paid_tts:.1f}x the cascade with a paid TTS model")

# %% [markdown]
# The cascade is the cheap path by a wide margin: text is cheap and transcription is billed per minute. The Realtime API bills audio tokens and re-reads the growing conversation every turn (caching softens it). What this session would have cost live, from the `usage` of each `response.done`:

# %%
# NBVAL_IGNORE_OUTPUT
# (the interrupted reply's length varies)
rt.cost()

# %%
await rt.close()

# %% [markdown]
# ## 9. Talk to it yourself (needs a browser and a microphone)
# The cells below are skipped when the notebook is checked. `Microphone` is an [anywidget](https://anywidget.dev) that streams 40 ms chunks of 24 kHz PCM16 from your browser; `Speaker` plays the reply gaplessly and tells the kernel how much you really heard, so barge-in truncates at the right place. (`ipywebrtc`, the usual answer, does not load on JupyterLab 4 and only returns a finished recording.)
#
# * **JupyterLab 4 / Notebook 7** (ipywidgets 8): tested in Chromium by `tests/test_browser_e2e.py`.
# * **Colab** (ipywidgets 7.7.1 and anywidget 0.9, as Colab ships them): the install cell adds anywidget; Colab asks for the microphone when you press Start. Colab's own page is not tested here; the same widget versions are, in a classic Notebook 6.5 page (`tests/test_browser_classic_notebook.py`).
# * If the widget says **Disconnected**, nothing in the kernel receives your audio any more (the hang-up cell ran, or the session closed): run the cell above again.
# * Press **Start**, speak, and keep no cell running while you talk: the kernel handles widget messages only between cells, which is why `mic.forward(...)` runs as a background task instead of a waiting loop.
# * In replay mode the local server answers from the `short_qa` fixture whatever you say; `course_utils.setup(mode="live")` talks to the real API (about <span>&#36;</span>0.09 per minute of conversation).

# %%
# NBVAL_SKIP
# (needs a browser, a microphone and a person)
from course_utils.widgets import Microphone, Speaker

mic, speaker = Microphone(), Speaker()
talk = RealtimeClient(fixture="short_qa", sink=speaker)
await talk.connect()
forwarding = mic.forward(talk.append_audio)  # keeps running after this cell returns
display(mic, speaker)

# %% [markdown]
# After a few turns, look at the measured figures (and the truncations, if you interrupted):

# %%
# NBVAL_SKIP
display(talk.trace.table_view())
print(talk.truncations)

# %% [markdown]
# Hang up when you are done: this cell stops forwarding and closes the session, and the microphone widget then says it is disconnected. Under "Run All" nothing has been said yet, so it leaves the call open: press Start and talk, then run this cell again.

# %%
# NBVAL_SKIP
if mic.chunks_received == 0:
    print("Still connected (nothing said yet): press Start and talk; run this cell again to hang up.")
else:
    forwarding.cancel()
    await talk.close()
    print(f"Hung up after {mic.received_ms / 1000:.1f} s of audio.")

# %% [markdown]
# Outside a notebook, `course_utils.widgets.LocalMicrophone` (with `sounddevice`) gives the same `forward()` and `course_utils.voice.SpeakerSink` plays through your sound card.
#
# ## What to take away
# * The cascade waits for three calls in a row before the first sound. OpenAI's published figures (2024-05-13): 2.8-5.4 s for ChatGPT's old cascade, 320 ms on average (232 ms fastest) for GPT-4o speech to speech. The timings this notebook printed in replay are synthetic; run it live to measure today's APIs.
# * Interruption is built into the Realtime protocol (VAD, cancel, truncate at the played position); a cascade must build all of it, and still guesses what was heard.
# * The cascade passes text between stages, so tone is lost; it is also much cheaper per minute.
# * A cascade's stages are separate models with separate lifetimes: OpenAI's TTS models still run today and end on 2027-01-06.

# %% [markdown]
# Your exercises in this notebook:

# %%
grader.summary()
