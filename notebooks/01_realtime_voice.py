# %% [markdown]
# # 8.4 §1 Realtime voice: the OpenAI Realtime API, over a real WebSocket
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/realtime-video-lab/realtime-video-lab/blob/main/notebooks/01_realtime_voice.ipynb)
#
# **Cost of running it live:** about <span>&#36;</span>0.11 with gpt-realtime-2.1 (three short sessions, seven responses; estimate from data/pricing, November 2026 prices). In replay mode (the default) it costs nothing and needs no key.
#
# Section 1 of the chapter: a spoken conversation with a model over one WebSocket, with interruptions and tools. The chapter's own code no longer runs; this notebook builds the real thing and measures it.
#
# **In replay mode the replies are replayed from recorded conversation fixtures, whatever the user says.** A local Realtime-compatible server on 127.0.0.1 speaks the real protocol (the same events, the same VAD parameters, the same errors), but what the assistant says comes from `data/fixtures/realtime/`, made with espeak-ng (each fixture's `provenance` says so). In live mode the same cells talk to OpenAI.

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
# Three exercises along the way ask you to write the pieces that matter: a VAD setting, a session's price, the barge-in handler. Each is checked offline, right below it, against the local servers; the grader says what looks wrong, not only that it is.

# %%
from course_utils.exercises import Grader

grader = Grader("01")

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
print("user says:", qa.user[0].text)
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
rt.trace.table_view()  # an HTML table (aligned text where HTML does not show)

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
print("speech in the clip (from the fixture):", list(qa.user[1].speech_ms), "ms")

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
onset, last = qa.user[1].speech_ms
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
# ### Exercise q1: a pause that should not end the turn
# People hesitate mid-sentence. Here is the first question of the `barge_in` fixture with a hesitation added: "Can you tell me about ... the history of the telephone?" (the same espeak-ng speech, 650 ms of its own background noise inserted between two words, 1.5 s of quiet after the last one). With the default `silence_duration_ms` of 500 the VAD cuts it in two, and the model would answer half a question:

# %%
from course_utils.exercises.nb01 import paused_question

hesitant = paused_question()
default_vad = EnergyVAD(threshold=0.5, prefix_padding_ms=300, silence_duration_ms=500)
for ev in (ev for chunk in chunk_pcm(hesitant, 40) for ev in default_vad.feed(chunk)):
    print(f"{ev.kind:<15} audio_ms={ev.audio_ms:>5}")
audio_widget(hesitant)

# %% [markdown]
# Choose the `turn_detection` settings (the dict that goes into `session.audio.input.turn_detection`) so the hesitation does not end the turn, while the real end still does, **within 1.2 s of the last word** (every millisecond you add is waited before every answer). Try values with `EnergyVAD` on `hesitant` as above; the check sends your settings and the clip to the local Realtime server and reads its `speech_stopped` events. Stuck? `grader.hint("q1")` gives a hint (call it again for the next), and `grader.solution("q1")` shows a solution; the same works for every exercise.

# %%
# EXERCISE q1
my_turn_detection = None  # a dict: {"type": "server_vad", "threshold": ..., "prefix_padding_ms": ..., "silence_duration_ms": ...}

# %%
grader.check("q1", my_turn_detection)

# %% [markdown]
# ## 8. Mixed input: a typed question in a spoken conversation
# Items can be text as well as audio. `ask` adds a user text item (`conversation.item.create` with `input_text`) and sends `response.create`; the reply is still spoken, with its transcript.

# %%
reply3 = await rt.ask(qa.user[2].text)
print("typed:", qa.user[2].text)
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
# ### Exercise q2: price a session by hand
# `rt.cost()` did the pricing for you. Do it yourself: write `session_cost_usd(usages, prices)`, the cost in USD of a session from the `usage` block of each `response.done` (a list of dicts like the ones printed above), with `prices` as `{item: USD per 1M tokens}`. These are `gpt-realtime-2.1`'s, from `data/pricing/prices.csv`:

# %%
from course_utils.exercises.nb01 import prices_for

prices = prices_for("gpt-realtime-2.1")
print(prices)
print("a usage block:", json.dumps(rt.results[-1].usage))

# %% [markdown]
# The check prices three usage blocks of a longer session (made up for the exercise, in the API's shape, with cached tokens) at two models' prices, and compares your figure with the course's rule.

# %%
# EXERCISE q2
def session_cost_usd(usages: list[dict], prices: dict[str, float]) -> float:
    raise NotImplementedError  # your code here


# %%
grader.check("q2", session_cost_usd)

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
#
# First the whole loop by hand, with nothing but `websockets`, so you can see every step: one socket, a task that receives events, a playback sink (`VirtualClockSink`: it "plays" on a clock and knows, per item, how many milliseconds were played). Audio deltas go into the sink; on `speech_started` while the answer plays, the loop stops the sink and truncates every item it cut at the milliseconds played. The microphone sends the clips as fast as the socket takes them: the server's VAD reads positions in the audio, not the clock. (This loop always talks to the local server, even in live mode: it is the lesson. `RealtimeClient` below is what runs live, priced in the ledger.)

# %%
import asyncio
import json

from websockets.asyncio.client import connect

from course_utils.realtime import validate_client_event
from course_utils.voice import VirtualClockSink, b64decode_pcm, b64encode_pcm, chunk_pcm


async def until(condition, timeout: float, what: str) -> None:
    """Wait until ``condition()`` is true; every wait has a timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"no {what} within {timeout:g} s")
        await asyncio.sleep(0.01)


async def barge_in_by_hand(url: str, question: bytes, interruption: bytes, sink, listen_s: float,
                           timeout: float = 20.0):
    """Ask ``question``, listen to ``listen_s`` s of the answer, talk over it with ``interruption``.

    Returns the truncations sent, the ms of audio received per item, and the types of all events received."""
    truncations, received_ms, seen = [], {}, []
    async with connect(f"{url}?model=gpt-realtime-2.1", additional_headers={"Authorization": "Bearer local"},
                       open_timeout=timeout) as ws:

        async def send(event: dict) -> None:
            validate_client_event(event)  # the SDK's types judge every event before it leaves
            await ws.send(json.dumps(event))

        async def microphone(pcm: bytes) -> None:
            for chunk in chunk_pcm(pcm, 40):
                await send({"type": "input_audio_buffer.append", "audio": b64encode_pcm(chunk)})

        async def receive() -> None:
            done = 0
            async for message in ws:
                event = json.loads(message)
                seen.append(event["type"])
                if event["type"] == "response.output_audio.delta":
                    pcm = b64decode_pcm(event["delta"])
                    received_ms[event["item_id"]] = received_ms.get(event["item_id"], 0) + len(pcm) / 48
                    sink.write(event["item_id"], pcm)  # queued behind what is playing (dropped once the item is cut)
                elif event["type"] == "input_audio_buffer.speech_started" and sink.is_playing:
                    cut = sink.stop()  # 1. silence at once; {item_id: ms actually played}
                    for item_id, played_ms in cut.items():  # 2. the server keeps only what was heard
                        truncations.append({"item_id": item_id, "audio_end_ms": played_ms,
                                            "received_ms": round(received_ms[item_id])})
                        await send({"type": "conversation.item.truncate", "item_id": item_id, "content_index": 0,
                                    "audio_end_ms": played_ms})
                    # 3. the cancel: the server does it itself (interrupt_response is true by default)
                elif event["type"] == "response.done":
                    done += 1
                    if done == 2:  # the interrupted answer, then the answer to the interruption
                        return

        listener = asyncio.create_task(receive())
        try:
            await microphone(question)
            await until(lambda: sink.is_playing or listener.done(), timeout, "answer audio")
            await asyncio.sleep(listen_s)  # the user listens ...
            await microphone(interruption)  # ... then talks over the answer
            await asyncio.wait_for(listener, timeout)
        finally:
            listener.cancel()
    return truncations, received_ms, seen


# %% [markdown]
# Run it on the `barge_in` fixture: the question, two and a half seconds of the answer, then "Sorry, just tell me the year."

# %%
# NBVAL_IGNORE_OUTPUT
# (where the cut falls depends on timing)
bi = load_conversation("barge_in")
async with LocalRealtimeServer(fixture="barge_in", speed=SPEED, lead_ms=3000) as server:
    by_hand = VirtualClockSink(speed=SPEED)
    cuts, got_ms, seen = await barge_in_by_hand(server.url, bi.user_audio(0), bi.user_audio(1), by_hand,
                                                listen_s=2.5 / SPEED)
for c in cuts:
    print(f"{c['item_id']}: received {c['received_ms']} ms, played {c['audio_end_ms']} ms -> truncate at audio_end_ms={c['audio_end_ms']}")
print("the server confirmed:", "conversation.item.truncated" in seen, "| responses:", seen.count("response.done"))

# %% [markdown]
# ### Exercise q3: the barge-in handler, every case
# The loop above handles the common case inline. Write it as a function that also handles the others: `barge_in_events(sink, active_response_id, interrupt_response)` is called when `speech_started` arrives; it stops playback and returns the client events to send, in order:
#
# * a `response.cancel` when the server will not cancel by itself (a response is running and the session's `interrupt_response` is false), **before** any truncate (the server refuses to truncate an item whose response is still running);
# * a `conversation.item.truncate` at the milliseconds played, for every item the stop cut (an item heard to its end needs none);
# * nothing at all when nothing plays and nothing runs (the user simply starts a new turn).
#
# The check drives your function with a sink whose clock it moves by hand, so it knows exactly what was played.

# %%
# EXERCISE q3
def barge_in_events(sink, active_response_id: str | None, interrupt_response: bool) -> list[dict]:
    raise NotImplementedError  # your code here


# %%
grader.check("q3", barge_in_events)

# %% [markdown]
# `RealtimeClient` does the same, with the edge cases handled: it sends the cancel itself when `interrupt_response` is false; it truncates an item of the running response even when playback ran dry between two deltas; it stops playing the late deltas of the interrupted response; it decodes G.711 audio; it raises server `error` events instead of dropping them, and every wait has a timeout; in live mode the session is priced in the ledger first. The same conversation through it:

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
full = bi.assistant[0].pcm
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
from IPython.display import display

display(rt2.trace.table_view())
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
    for call in r.tool_calls:
        print("   tool call:", call)
print("final answer:", final.transcript)
await rt3.close()

# %% [markdown]
# ## 12. Where next
# * Live: `course_utils.setup(mode="live", budget_usd=0.50)` with `OPENAI_API_KEY` set, then run the notebook again: the session is priced in the ledger before it connects and settled from `usage` after. `mode="record"` also saves the session as a fixture (`RealtimeClient(..., record_as="my_session")`), keys scrubbed.
# * From a shell: `python -m course_utils.realtime.server --port 8765 --fixture barge_in` serves the same protocol to any client, including the official SDK (`AsyncOpenAI(websocket_base_url="ws://127.0.0.1:8765/v1").realtime.connect(model=...)`).
# * Notebook 02 compares this with the three-call cascade; notebook 07 covers the newer Live API, where the model (not your client) decides the turns.

# %% [markdown]
# The ledger lists every priced call of this kernel. The rule is the same in every notebook and every mode: each session is priced and reserved before it connects, then settled with the cost of its `usage`. In replay mode the rows are still there, marked `(replay, not charged)`: they show what the sessions *would* cost (the replayed `usage` is the fixture's, synthetic), and nothing counts against the budget. In live mode the same rows are charged, and a session that does not fit the budget is refused before it connects.

# %%
# NBVAL_IGNORE_OUTPUT
# (the interrupted session's cost depends on where the cut fell)
cfg.ledger

# %% [markdown]
# Your exercises in this notebook:

# %%
grader.summary()
