# %% [markdown]
# # 8.4 §1 Realtime voice: the OpenAI Realtime API, over a real WebSocket
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/realtime-video-lab/realtime-video-lab/blob/main/notebooks/01_realtime_voice.ipynb)
#
# **Cost of running it live:** about \$0.11 with gpt-realtime-2.1 (three short sessions, eight responses; estimate from data/pricing, November 2026 prices). In replay mode (the default) it costs nothing and needs no key.
#
# Section 1 of the chapter: a spoken conversation with a model over one WebSocket, with interruptions and tools. The chapter's own code no longer runs; this notebook builds the real thing and measures it.
#
# **In replay mode the replies are replayed from recorded conversation fixtures, whatever the user says.** A local Realtime-compatible server on 127.0.0.1 speaks the real protocol (the same events, the same VAD parameters, the same errors), but what the assistant says comes from `data/fixtures/realtime/`, made with espeak-ng (each fixture's `provenance` says so). In live mode the same cells talk to OpenAI.

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
# ## 1. The problem
# A voice assistant built from three calls in series (speech to text, a chat model, text to speech) waits for each step before the next can start, and nothing in it knows what the user actually heard. The Realtime API is one model that hears and speaks, on one WebSocket that stays open: audio goes up in small chunks (`input_audio_buffer.append`), audio comes back in small chunks (`response.output_audio.delta`), and either side can interrupt.
#
# In the Realtime API **your client decides the turns**: it configures voice activity detection (VAD), stops playback when the user talks, cancels the response and tells the server how much of the reply was heard. That last part is what most sketches leave out, and it is what this notebook spends the most time on.

# %% [markdown]
# ## 2. Why the chapter's code fails today
# Three things break in the chapter's snippet before the first byte of audio. First, `websockets` 14 and later renamed `extra_headers` to `additional_headers`; the old name reaches the event loop and is refused. (Port 9 on 127.0.0.1: the call fails before any connection is tried.)

# %%
import websockets

print("websockets", websockets.__version__)
try:
    async with websockets.connect("ws://127.0.0.1:9/v1/realtime", extra_headers={"Authorization": "Bearer ..."}):
        pass
except TypeError as err:
    print("TypeError:", err)

# %% [markdown]
# Second, `asyncio.run(...)` cannot run inside a notebook: Jupyter's kernel already runs an event loop. The old workaround, `nest_asyncio`, is archived. The fix needs no library: **top-level `await`**, which IPython supports in every cell.

# %%
import asyncio


async def hello() -> str:
    return "hello from a coroutine"


coro = hello()
try:
    asyncio.run(coro)
except RuntimeError as err:
    print("RuntimeError:", err)
finally:
    coro.close()

print(await hello())  # top-level await: no asyncio.run, no nest_asyncio

# %% [markdown]
# Third, the protocol itself moved on: the chapter's `OpenAI-Beta: realtime=v1` header, its event names and its model (`gpt-4o-realtime-preview`, shut down) belong to the beta. Here is the working minimum with `websockets.asyncio.client.connect` and `additional_headers`, against the local server (in live mode you would connect to `wss://api.openai.com/v1/realtime?model=gpt-realtime-2.1` with your key). The first event is always `session.created`.

# %%
import json

from websockets.asyncio.client import connect

from course_utils.realtime import LocalRealtimeServer

async with LocalRealtimeServer(fixture="short_qa") as server:
    headers = {"Authorization": f"Bearer {cfg.key('openai')}"}  # no OpenAI-Beta header: GA protocol
    async with connect(f"{server.url}?model=gpt-realtime-2.1", additional_headers=headers) as ws:
        first = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))

print(first["type"], "->", first["session"]["model"])
print("input audio:", first["session"]["audio"]["input"]["format"])
print("turn detection:", first["session"]["audio"]["input"]["turn_detection"])

# %% [markdown]
# ## 3. The chapter's session config beside the GA one
# The installed `openai` SDK carries the protocol's types (`openai.types.realtime.RealtimeClientEvent`); we use them as the judge. The chapter's beta `session.update` has fields the GA session does not know (`modalities`, `input_audio_format`, ...) and lacks the one it requires (`type: "realtime"`).

# %%
from course_utils.errors import ProtocolError
from course_utils.realtime import validate_client_event

beta = {"type": "session.update", "session": {
    "modalities": ["text", "audio"], "instructions": "You are a friendly assistant", "voice": "alloy",
    "input_audio_format": "pcm16", "output_audio_format": "pcm16", "turn_detection": {"type": "server_vad"}}}

ga = {"type": "session.update", "session": {
    "type": "realtime", "output_modalities": ["audio"], "instructions": "You are a friendly assistant",
    "audio": {
        "input": {"format": {"type": "audio/pcm", "rate": 24000},
                  "turn_detection": {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300,
                                     "silence_duration_ms": 500}},
        "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"}}}}

for name, event in (("chapter (beta)", beta), ("GA", ga)):
    try:
        validate_client_event(event)
        print(f"{name:>14}: valid")
    except ProtocolError as err:
        print(f"{name:>14}: {err}")

# %% [markdown]
# The renames a reader of the chapter needs:
#
# | chapter (beta) | GA |
# |---|---|
# | header `OpenAI-Beta: realtime=v1` | no header |
# | `gpt-4o-realtime-preview-2024-10-01` | `gpt-realtime-2.1` (or `gpt-realtime-2.1-mini`) |
# | `modalities` | `output_modalities` (audio *or* text) |
# | `input_audio_format: "pcm16"` | `audio.input.format: {type: "audio/pcm", rate: 24000}` |
# | `voice` | `audio.output.voice` |
# | `turn_detection` | `audio.input.turn_detection` |
# | `response.audio.delta` | `response.output_audio.delta` |
# | `response.audio_transcript.delta` | `response.output_audio_transcript.delta` |
# | `response.text.delta` | `response.output_text.delta` |
# | `conversation.item.created` | `conversation.item.added` / `conversation.item.done` |

# %% [markdown]
# ## 4. Connect with `RealtimeClient`
# `course_utils.realtime.RealtimeClient` wraps all of this: a background task receives events, audio goes to a playback sink with a clock, every event sent is checked against the SDK types first. In replay mode it starts the local server with the fixture you name; `speed=4` paces the audio at four times real time so the notebook runs quickly (live mode always runs at real time).

# %%
from course_utils.realtime import RealtimeClient, load_conversation

SPEED = 4.0 if cfg.is_replay else 1.0
rt = RealtimeClient("gpt-realtime-2.1", fixture="short_qa", speed=SPEED)
await rt.connect()
print(rt)

# %% [markdown]
# Configure the session. `update_session` sends a GA `session.update` and returns the effective session from `session.updated`; only the fields you send change.

# %%
session = await rt.update_session(instructions="Answer in two sentences at most.", voice="marin")
print("instructions:", session["instructions"])
print("voice:", session["audio"]["output"]["voice"])
print("turn detection:", session["audio"]["input"]["turn_detection"])

# %% [markdown]
# ## 5. Send a recorded utterance, hear the reply
# The user's first question, as the fixture recorded it (espeak-ng speech, 24 kHz mono PCM16, with 400 ms of quiet before and 900 ms after). `load_audio` would take any WAV/FLAC/numpy audio and convert it.

# %%
from course_utils.voice import audio_widget

qa = load_conversation("short_qa")
print("provenance:", qa.manifest["provenance"][:110], "...")
print("user says:", qa.user_turn(0)["text"])
audio_widget(qa.user_audio(0))

# %% [markdown]
# `say` streams the clip in 40 ms chunks at (real time x `SPEED`). The server's VAD notices the end of speech, commits the audio as a user item and starts a response; `say` returns when `response.done` arrives.

# %%
reply = await rt.say(qa.user_audio(0))
print(reply)
print("transcript:", reply.transcript)
reply.audio_widget()

# %% [markdown]
# ## 6. The measured timeline
# Every event sent and received is in `rt.trace` with a monotonic timestamp. Per turn it derives: speech end (the `speech_stopped` event) to the first audio delta, to the first transcript delta, and to `response.done`. In replay the server waits the fixture's made-up 300 ms (divided by `SPEED`) before the first delta, so these numbers describe this machine and the fixture, **not** OpenAI: run it live to measure the API.

# %%
# NBVAL_IGNORE_OUTPUT
# (timings differ on every run)
print(rt.trace.format_table())

# %% [markdown]
# The chapter's sequence diagram, measured: what the client sent, what the server sent, the audio deltas, and the arrows for the latencies of the turn.

# %%
from course_utils.voice import plot_timeline

fig = plot_timeline(rt.trace, turn=1)

# %% [markdown]
# ## 7. VAD on a waveform
# Server VAD decides where the user's turn starts and stops. The local server uses `course_utils.voice.EnergyVAD` with the API's parameters: `threshold` (0..1, here mapped to a loudness level), `prefix_padding_ms` (audio kept before the detected onset), `silence_duration_ms` (quiet needed to end the turn). Run it on the second question and draw its decisions.

# %%
import matplotlib.pyplot as plt
import numpy as np

from course_utils.voice import EnergyVAD, chunk_pcm
from course_utils.voice.vad import frame_energy_db

clip2 = qa.user_audio(1)
vad = EnergyVAD(threshold=0.5, prefix_padding_ms=300, silence_duration_ms=500)
decisions = [ev for chunk in chunk_pcm(clip2, 40) for ev in vad.feed(chunk)]
for ev in decisions:
    print(f"{ev.kind:<15} audio_ms={ev.audio_ms:>5}  (decided after {ev.detected_ms} ms of audio)")
print("speech in the clip (from the fixture's manifest):", qa.user_turn(1)["speech_ms"], "ms")

# %%
samples = np.frombuffer(clip2, "<i2") / 32768
t_ms = np.arange(len(samples)) / 24
levels = frame_energy_db(clip2)
fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 4.2), sharex=True)
ax1.plot(t_ms, samples, lw=0.4, color="tab:gray")
ax1.set_ylabel("waveform")
ax2.plot(np.arange(len(levels)) * 10, levels, lw=0.8)
ax2.axhline(vad.threshold_db, color="tab:red", ls="--", lw=1, label=f"threshold 0.5 = {vad.threshold_db:.0f} dBFS")
ax2.set_ylim(-100, 0)
ax2.set_ylabel("dBFS per 10 ms")
ax2.set_xlabel("ms into the clip")
start, stop = decisions[0].audio_ms, decisions[1].audio_ms
onset, last = qa.user_turn(1)["speech_ms"]
for ax in (ax1, ax2):
    ax.axvspan(start, onset, color="tab:green", alpha=0.15)
    ax.axvspan(last, stop, color="tab:orange", alpha=0.15)
    ax.axvline(start, color="tab:green")
    ax.axvline(stop, color="tab:orange")
ax1.text(start, 0.8, " speech_started (onset - 300 ms padding)", fontsize=8, color="tab:green")
ax1.text(last, -0.9, " speech_stopped (last speech + 500 ms silence)", fontsize=8, color="tab:orange")
ax2.legend(loc="upper right", fontsize=8)
fig.tight_layout()

# %% [markdown]
# Now send the same clip to the server. Its positions count from the start of all audio sent in the session, so they are shifted by the first clip's length (4099.5 ms); otherwise they are the same decisions, give or take the half millisecond by which the clip boundary misses the VAD's 10 ms frame grid.

# %%
reply2 = await rt.say(clip2)  # say() first lets the previous answer finish playing
first_clip_ms = len(qa.user_audio(0)) / 48
vad_events = [e for e in rt.trace.events if e.type.startswith("input_audio_buffer.speech_")][-2:]
for e in vad_events:
    position = e.info.get("audio_start_ms", e.info.get("audio_end_ms"))
    print(f"server {e.type.split('.')[-1]:<15} at {position} ms in the session = {position - first_clip_ms:.0f} ms into this clip")
print("transcript:", reply2.transcript)

# %% [markdown]
# ## 8. Mixed input: a typed question in a spoken conversation
# Items can be text as well as audio. `ask` adds a user text item (`conversation.item.create` with `input_text`) and sends `response.create`; the reply is still spoken, with its transcript.

# %%
reply3 = await rt.ask(qa.user_turn(2)["text"])
print("typed:", qa.user_turn(2)["text"])
print(reply3)
print("transcript:", reply3.transcript)

# %% [markdown]
# ## 9. What the session cost, from `usage`
# Each `response.done` carries a `usage` block. The model re-reads the whole conversation for every response, so input tokens grow turn by turn; user audio counts 1 token per 100 ms, assistant audio 1 per 50 ms. The local server computes `usage` with those rules; `course_utils.costs` prices it from `data/pricing/`.

# %%
for r in rt.results:
    u = r.usage
    print(f"{r.id}: input {u['input_tokens']:>4} tokens ({u['input_token_details']['audio_tokens']} audio, "
          f"{u['input_token_details']['cached_tokens']} cached), output {u['output_tokens']:>4} tokens "
          f"({u['output_token_details']['audio_tokens']} audio)")
rt.cost()

# %% [markdown]
# The same usage at the chapter's prices: the launch prices of the shut-down `gpt-4o-realtime-preview` (a history row, so it has to be asked for on a date when the model still ran).

# %%
from course_utils import costs

now = rt.cost().total_usd
then = sum(costs.cost_from_realtime_usage(r.usage, "gpt-4o-realtime-preview", on="2024-11-01").total_usd for r in rt.results)
print(f"this session on gpt-realtime-2.1 today: ${now:.4f}")
print(f"the same tokens at the chapter's 2024 launch prices: ${then:.4f} ({then / now:.1f}x)")
await rt.close()

# %% [markdown]
# ## 10. Barge-in, done right
# The user talks over a long answer. What has to happen, in order:
#
# 1. the server's VAD sends `input_audio_buffer.speech_started`;
# 2. the client **stops playback at once** (the sink flushes its queue);
# 3. the response is cancelled: by the server when `interrupt_response` is true (the default), otherwise the client sends `response.cancel`;
# 4. the client sends `conversation.item.truncate` with `audio_end_ms` = **what was actually played**, so the model's memory matches what the user heard. The server drops the unheard audio and the transcript.
#
# Servers generate audio faster than real time, so it arrives ahead of playback: "what was received" is not "what was heard". The sink's play clock knows the difference. Here the local server is told to run up to 3 s ahead (`lead_ms`), and the user listens for about two and a half seconds, then interrupts.

# %%
# NBVAL_IGNORE_OUTPUT
# (where the cut falls depends on timing)
bi = load_conversation("barge_in")
rt2 = RealtimeClient("gpt-realtime-2.1", fixture="barge_in", speed=SPEED, server_options={"lead_ms": 3000})
await rt2.connect()
await rt2.stream_audio(bi.user_audio(0))                      # the question
await rt2.wait_for(lambda: rt2.sink.is_playing, what="the answer's audio")
await asyncio.sleep(2.5 / SPEED)                               # the user listens ...
await rt2.stream_audio(bi.user_audio(1))                      # ... then talks over the answer
interrupted = await rt2.wait_for_response()
answer = await rt2.wait_for_response()
cut = rt2.truncations[0]
print(interrupted.status, "because", interrupted.reason)
print(f"received {cut['received_ms']} ms of the answer, played {cut['audio_end_ms']} ms -> truncate at audio_end_ms={cut['audio_end_ms']}")
print("heard:", answer.transcript)

# %% [markdown]
# On the answer's waveform: everything the fixture holds, what reached the client before the cancel, and the truncation point the server now keeps.

# %%
full = bi.turns[0].outputs[0].audio
wave = np.frombuffer(full, "<i2") / 32768
t_ms = np.arange(len(wave)) / 24
fig, ax = plt.subplots(figsize=(10, 2.8))
ax.plot(t_ms, wave, lw=0.3, color="tab:gray", label="the whole answer (fixture)")
ax.axvspan(0, cut["received_ms"], color="tab:blue", alpha=0.12, label="received before the cancel")
ax.axvspan(0, cut["audio_end_ms"], color="tab:green", alpha=0.2, label="played (heard)")
ax.axvline(cut["audio_end_ms"], color="tab:red", lw=1.5, label=f"truncate: audio_end_ms={cut['audio_end_ms']}")
ax.set_xlabel("ms into the assistant's answer")
ax.legend(loc="upper right", fontsize=8)
fig.tight_layout()

# %% [markdown]
# Ask the server for its copy of the item: the audio is cut where the user stopped listening and the transcript is gone, so the model will not assume the user heard the rest.

# %%
item = await rt2.retrieve_item(cut["item_id"])
print("status:", item["status"])
print("content:", item["content"])

# %%
# NBVAL_IGNORE_OUTPUT
# (timings differ on every run)
print(rt2.trace.format_table())
fig = plot_timeline(rt2.trace, turn=1)

# %% [markdown]
# What the user heard, by the sink's clock: the start of the long answer, cut, then the short one.

# %%
# NBVAL_IGNORE_OUTPUT
# (the cut point varies)
await rt2.wait_for_playback()
await rt2.close()
rt2.sink.audio()

# %% [markdown]
# ## 11. A tool call
# Register a plain Python function; its signature and docstring become the tool's JSON schema. When a response ends with a `function_call` item, the client runs the function, sends a `function_call_output` item and asks for the next response. (In replay, the fixture decides that the model calls `get_weather` for Paris; this stand-in weather service returns what the fixture's answer says.)

# %%
fc = load_conversation("function_call")
rt3 = RealtimeClient("gpt-realtime-2.1", fixture="function_call", speed=SPEED)


@rt3.tool
def get_weather(city: str) -> dict:
    """Current weather for a city."""
    return {"city": city, "temperature_c": 18, "conditions": "sunny", "wind": "light"}  # a stand-in service


print(json.dumps(rt3.tool_schemas(), indent=1))

# %%
await rt3.connect()
await rt3.update_session(tools=rt3.tool_schemas())
final = await rt3.say(fc.user_audio(0))
for r in rt3.results:
    print(r)
    for call in r.function_calls:
        print("   tool call:", call["name"], call["arguments"], "->", get_weather(**json.loads(call["arguments"])))
print("final answer:", final.transcript)
await rt3.close()

# %% [markdown]
# ## 12. Where next
# * Live: `course_utils.setup(mode="live", budget_usd=0.50)` with `OPENAI_API_KEY` set, then run the notebook again: the session is priced in the ledger before it connects and settled from `usage` after. `mode="record"` also saves the session as a fixture (`RealtimeClient(..., record_as="my_session")`), keys scrubbed.
# * From a shell: `python -m course_utils.realtime.server --port 8765 --fixture barge_in` serves the same protocol to any client, including the official SDK (`AsyncOpenAI(websocket_base_url="ws://127.0.0.1:8765/v1").realtime.connect(model=...)`).
# * Notebook 02 compares this with the three-call cascade; notebook 07 covers the newer Live API, where the model (not your client) decides the turns.

# %% [markdown]
# The ledger lists every priced call of this kernel. Replay mode costs nothing and prices nothing, so it is empty here; in live mode each session appears with its estimate (reserved before connecting) and its actual cost (from `usage`).

# %%
cfg.ledger
