# %% [markdown]
# # 8.4 Realtime vs cascade: measured, not claimed
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/realtime-video-lab/realtime-video-lab/blob/main/notebooks/02_realtime_vs_cascade.ipynb)
#
# **Cost of running it live:** about \$0.02 (one cascade turn, about \$0.0003 with espeak-ng as its voice; one two-turn gpt-realtime-2.1 session, about \$0.01); talking to it with the microphone (last section) costs about \$0.09 per minute. In replay mode (the default) it costs nothing and needs no key.
#
# The chapter says the Realtime API is about **10x faster** than speech-to-text + a chat model + text-to-speech called in series, that such a cascade **cannot be interrupted**, and that it **loses intonation**. Here the same spoken question goes through both paths and we look at where the time goes, what the first audio costs in waiting, what happens when the user talks over the reply, and what a minute of each costs.
#
# **Replay mode (the default) replays stage latencies; it does not measure the APIs.** The local servers wait for figures taken from published sources (each printed with its source) before they answer. Live mode runs the same code against the real APIs and measures them.

# %% [markdown]
# Install what Colab lacks (nothing runs here outside Colab), then choose the mode. `setup()` prints the mode and which providers have keys, never a key. Replay mode talks only to local servers on 127.0.0.1.

# %%
import sys

if "google.colab" in sys.modules:  # Colab lacks only these; locally, scripts/install.sh did it
    # %pip install -q "realtime-video-lab @ git+https://github.com/realtime-video-lab/realtime-video-lab" anywidget

# %%
import course_utils

cfg = course_utils.setup()  # replay unless COURSE_MODE or setup(mode=...) says otherwise

# %% [markdown]
# ## 1. The question
# Both paths hear the same clip: the first user turn of the `barge_in` conversation fixture (synthetic speech made with espeak-ng; its manifest says so).

# %%
from course_utils import cascade as cas
from course_utils.fixtures import fixture_dir, load_manifest

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
# In replay mode the first two calls go to a local stand-in of OpenAI's REST API, which waits a **replayed** latency before answering. These are the figures and where they come from:

# %%
for row in cas.replayed_latency_table():
    print(f"{row['stage']:<10} waits {row['latency_ms']:>4} ms (replayed)  source: {row['source']}")
    print(f"           {row['note']}")

# %% [markdown]
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
# ## 3. What happens when the TTS step loses its model
# OpenAI's speech models (`tts-1`, `tts-1-hd`, `gpt-4o-mini-tts`) were given notice on 2026-10-01 and **shut down on 2027-01-06**; no new `/v1/audio/speech` model was announced (the SDK's docstring points to the Realtime API, `gpt-realtime-2.1-mini`, instead). A cascade built on them does not slowly degrade: its last step simply has no model. `Cascade` checks the date before any call and says what to do:

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
# * **Google's Gemini TTS**, `gemini-3.8-flash-lite-tts` (Google names it for voice-agent cascades), with `google-genai` in live mode: `cas.Cascade(tts="gemini-3.8-flash-lite-tts")` after `course_utils.setup(mode="live")` with `GEMINI_API_KEY`. There is no recorded exchange to replay, so replay mode refuses it with a one-line error.
#
# The lesson reaches beyond TTS: every stage of a cascade is a model that can be retired on a date. Keep the stage swappable, and keep a local fallback for the one you cannot lose.

# %%
print(cas.check_tts("espeak-ng"))

# %% [markdown]
# ## 4. The Realtime session: the same question, one connection
# The Realtime client streams the clip into a WebSocket session as a microphone would (in real time). The server's voice activity detection notices the end of speech (after 500 ms of silence) and the reply starts streaming back as audio.
#
# In replay mode this is the local Realtime server replaying the `barge_in` fixture. It waits the fixture's `first_delta_ms` (300 ms) before the first audio: a **made-up** figure (its manifest says so), close to the 320 ms OpenAI published as GPT-4o's average audio reply time. A notebook cannot stream to your speakers while it is checked, so the audio "plays" on a virtual clock at real speed (`VirtualClockSink`).

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
# One row per stage, on one clock: 0 is the moment the user's turn is known to be over. (Both paths need that moment: the Realtime server's VAD decided it; a cascade needs its own VAD or a push-to-talk button, not counted here.) Hatched bars wait replayed delays; the tick is the first byte.

# %%
import matplotlib.pyplot as plt

realtime_stage = cas.Stage(
    "realtime", "respond", rt.model, 0.0, realtime_first.first_audio_ms, realtime_first.first_audio_ms,
    "measured (replayed delays)", "the local server waits first_delta_ms = 300 ms (made-up, see above)")
stages = turn.stages + [realtime_stage]
cas.plot_waterfall(stages)
plt.show()

# %%
# NBVAL_IGNORE_OUTPUT
# (timings differ on every run)
c, r = turn.time_to_first_audio_ms, realtime_first.first_audio_ms
print(f"time to first audio - cascade : {c:6.0f} ms (transcribe + chat + speak, in series)")
print(f"time to first audio - realtime: {r:6.0f} ms")
print(f"the cascade makes the user wait {c / r:.1f}x longer")

# %% [markdown]
# Compare with the figures behind the chapter's "10x": OpenAI's own numbers for ChatGPT's voice mode before and after it became one speech-to-speech model.

# %%
for ref in manifest["reference_figures"]:
    print(f"{ref['ms']:>5} ms  {ref['what']}  ({ref['source']})")
print(f"ratio: {2800 / 320:.1f}x (GPT-3.5 cascade) to {5400 / 320:.1f}x (GPT-4 cascade)")

# %% [markdown]
# So "about 10x" describes 2024's ChatGPT cascade (batch Whisper, a large model, full-reply TTS). The replayed budget here is a tuned pipeline's, and even so the three hops in series keep the cascade several times slower. Streaming each stage (partial transcripts, sentence-by-sentence TTS) narrows the gap; it cannot remove the hops. Run this notebook in live mode to measure your own numbers.

# %% [markdown]
# ## 6. The user interrupts
# **Realtime.** The user speaks again 2 s into the reply. The server's VAD sends `input_audio_buffer.speech_started`; the client stops playback at once, the server cancels the response, and the client sends `conversation.item.truncate` with `audio_end_ms` = what was actually played, so the model's memory of its own reply ends where the user stopped listening.

# %%
import asyncio

await asyncio.sleep(2.0)  # the reply plays for about 2 s
barge_in = load_manifest("realtime", "barge_in")
await rt.stream_audio(fixture_dir("realtime", "barge_in") / barge_in["user_turns"][1]["audio"])
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
# **Cascade.** Nothing listens while the cascade transcribes, thinks or speaks: each call is a request that returns when it is done. To be interruptible it needs its own VAD on the microphone during playback (`course_utils.voice.EnergyVAD` would do), code to stop the player, and then it must edit its own chat history, because nothing tells the model where the user stopped listening. Without word timings from the TTS it can only guess which words were heard (here: in proportion to time):

# %%
turn.interrupt(heard_ms=2500)

# %% [markdown]
# The chat history still holds the whole reply: on the next turn the model believes it said things the user never heard.

# %% [markdown]
# ## 7. Intonation
# What the chat model receives from the cascade is the transcript, and only that: a hesitant, annoyed or joking question arrives as the same string of words. The Realtime model takes the audio itself (as audio tokens) and answers with audio, so tone can shape the reply both ways.

# %%
cascade.history[1]  # the user's turn as the chat model sees it

# %% [markdown]
# ## 8. Cost per minute
# The same conversation shape for each path: 10 turns, 5 s of user speech and 10 s of reply per turn (2.5 minutes). Prices come from `data/pricing/prices.csv` (source and date per row). `gpt-4o-mini-tts` is priced on its last day: after 2027-01-06 it has no price because it has no model.

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
# * **Colab** (written for ipywidgets 7.7.1 and anywidget 0.9, as Colab shipped them): the install cell adds anywidget; Colab asks for the microphone when you press Start.
# * Press **Start**, speak, and keep no cell running while you talk: the kernel handles widget messages only between cells, which is why `mic.forward(...)` runs as a background task instead of a waiting loop.
# * In replay mode the local server answers from the `short_qa` fixture whatever you say; `course_utils.setup(mode="live")` talks to the real API (about \$0.09 per minute of conversation).

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
print(talk.trace.format_table())
print(talk.truncations)

# %%
# NBVAL_SKIP
forwarding.cancel()
await talk.close()

# %% [markdown]
# Outside a notebook, `course_utils.widgets.LocalMicrophone` (with `sounddevice`) gives the same `forward()` and `course_utils.voice.SpeakerSink` plays through your sound card.
#
# ## What to take away
# * The cascade waits for three calls in a row before the first sound; the Realtime session starts speaking a few hundred ms after the turn ends.
# * Interruption is built into the Realtime protocol (VAD, cancel, truncate at the played position); a cascade must build all of it, and still guesses what was heard.
# * The cascade passes text between stages, so tone is lost; it is also much cheaper per minute.
# * A cascade's stages are separate models with separate lifetimes: OpenAI's TTS models end on 2027-01-06.
