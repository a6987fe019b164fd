# %% [markdown]
# # 8.4 Three ways to talk to a model: Realtime, GPT-Live and Gemini Live
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/realtime-video-lab/realtime-video-lab/blob/main/notebooks/07_live_apis.ipynb)
#
# **Cost of running it live:** about <span>&#36;</span>0.08 (the 25-second support call on each API: Realtime about <span>&#36;</span>0.04, GPT-Live about <span>&#36;</span>0.02, Gemini Live about <span>&#36;</span>0.01; plus two short GPT-Live sessions, about <span>&#36;</span>0.02; each session is reserved in the ledger before it starts). In replay mode (the default) it costs nothing and needs no key.
#
# The chapter teaches one way to talk to a model, the Realtime API, where **your client** decides the turns: it sets the voice activity detection, cancels replies and truncates what the user did not hear. Since then OpenAI shipped the **Live API** (`gpt-live-1`, `gpt-live-1.1`), where **the model** decides the turns and you pay per minute, and Google's peer is the **Gemini Live API** (`gemini-3.8-live`). This notebook runs the same support call through all three, puts their differences side by side with sources, migrates notebook 01's Realtime client to Live concept by concept, and computes where their costs cross.

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
# Three exercises along the way ask you to write the pieces yourself: a delegation that reads its task from the transcript, a Live session priced from its own events, and the minute where two voice paths' costs cross. Each is checked offline, right below it, against the local servers; the grader says what looks wrong, not only that it is.

# %%
from course_utils.exercises import Grader

grader = Grader("07")

# %% [markdown]
# ## 1. The call
# A customer asks where an order is. The script's user side is espeak-ng speech (a fixture, with its provenance in `data/fixtures/live/support_call/manifest.json`). In replay mode each API is a local server of ours that implements its protocol and speaks the script's replies, in order, whatever the user says. `SPEED` paces the audio at four times real time here; against the real APIs it must be 1.

# %%
from IPython.display import display

from course_utils.voice.conversation import load_conversation

SPEED = 4 if cfg.is_replay else 1
conv = load_conversation("support_call")
for i, utterance in enumerate(conv.user, 1):
    print(f"user line {i} ({utterance.duration_ms / 1000:.1f} s): {utterance.text}")

# %% [markdown]
# The first line, as the user says it (downsampled to 16 kHz for the notebook):

# %%
from course_utils.voice import audio_widget
from course_utils.voice.formats import from_pcm24

audio_widget(from_pcm24(conv.user[0].pcm, 16000), 16000)

# %% [markdown]
# ## 2. One tool, three plumbings
# The assistant looks the order up in our own Python function. Each API asks for it differently (a function tool, a delegation, a function declaration), but the function is the same.

# %%
ORDERS = {"4815": "Order 4815 shipped on Monday and arrives on Friday."}


def lookup_order(order_number: str) -> str:
    """Look up the shipping status of an order by its number."""
    return ORDERS.get(order_number, f"I cannot find order {order_number}.")


# %% [markdown]
# ## 3. Way 1: Realtime, the client decides the turns
# Notebook 01's `RealtimeClient`. The client chooses the VAD (`server_vad`, 500 ms of silence ends a turn) and registers the tool; the server answers each turn. In replay, the Realtime stand-in replays the very same conversation `conv` (same audio, the tool turn as a function call): all three stand-ins read one conversation model.

# %%
from course_utils.realtime import LocalRealtimeServer, RealtimeClient
from course_utils.voice import VirtualClockSink

rt_server = await LocalRealtimeServer(fixture=conv, speed=SPEED).start() if cfg.is_replay else None
rt = RealtimeClient("gpt-realtime-2.1", url=rt_server.url if rt_server else None, speed=SPEED,
                    sink=VirtualClockSink(speed=SPEED))
await rt.connect()
rt.tool(lookup_order)
await rt.update_session(instructions=conv.instructions, tools=rt.tool_schemas(),
                        turn_detection={"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 500})
for utterance in conv.user:
    before = len(rt.results)
    await rt.say(utterance.pcm)
    said = " ".join(r.transcript for r in rt.results[before:] if r.transcript)
    print(f"user:      {utterance.text}\nassistant: {said}")
await rt.wait_for_playback()
await rt.close()
if rt_server:
    await rt_server.stop()

# %% [markdown]
# Realtime bills tokens: user audio 1 token per 100 ms, assistant audio 1 per 50 ms, and every response re-reads the conversation so far. The cached part of that re-read is much cheaper, by how much depends on the modality: text <span>&#36;</span>4 → <span>&#36;</span>0.40 per 1M (a tenth), audio <span>&#36;</span>32 → <span>&#36;</span>0.40 per 1M (an eightieth) on `gpt-realtime-2.1` (data/pricing/prices.csv, from [its model page](https://developers.openai.com/api/docs/models/gpt-realtime-2.1), read 2026-11-25). Its cost, from the `usage` of every `response.done` (in replay, the fixture's usage: replayed, synthetic):

# %%
rt.cost()

# %% [markdown]
# ## 4. Way 2: GPT-Live, the model decides the turns
# `LiveClient` is built on the official SDK's `client.live.connect()`. What is *missing* is the lesson: no VAD settings, no commit, no `response.create`, no cancel, no truncate. The client keeps its microphone open (a Live session's timeline advances with the audio it receives, silence included), plays what arrives, and answers delegated work.
#
# A delegation carries **no task text**, only an id: the application works out what to do from what the user just said (the input transcript), then hands the result back with `session.commentary.append`, which the model speaks.

# %%
from course_utils.live import DelegationRequest, LiveClient, LocalLiveServer

NUMBERS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
           "six": "6", "seven": "7", "eight": "8", "nine": "9"}


def order_from_speech(request: DelegationRequest) -> str:
    """The delegated task: find the order number in what the caller just said, look it up."""
    words = [w.strip(".,").lower() for w in request.user_text.split()]
    digits = "".join(NUMBERS.get(w, w if w.isdigit() else "") for w in words)
    return lookup_order(digits)


# %% [markdown]
# The call. `say` queues a clip on the open microphone; `wait_for_reply` returns once the model has answered and gone quiet. In replay, `LocalLiveServer` serves the Live route the SDK builds from `websocket_base_url` (`.../v1/live/sessions`).

# %%
live_server = await LocalLiveServer("support_call", speed=SPEED).start() if cfg.is_replay else None
live = LiveClient("gpt-live-1.1", instructions=conv.instructions, delegate=order_from_speech, speed=SPEED,
                  max_minutes=2, websocket_base_url=live_server.websocket_base_url if live_server else None)
await live.connect()
for utterance in conv.user:
    await live.say(utterance.pcm)
    reply = await live.wait_for_reply()
    print(f"user:      {utterance.text}\nassistant: {reply.transcript}")
await live.close()

# %% [markdown]
# The transcript comes as timestamped pieces (`start_ms`, `end_ms` on the session timeline); the SDK's own `TranscriptGrouper` turns them into segments. And the delegated work, as the client saw it:

# %%
for speaker, text in live.transcript():
    print(f"{speaker:>9}: {text}")
for request, result in live.delegations:
    print(f"\ndelegation (heard: {request.user_text!r}) -> {result!r}")

# %% [markdown]
# ### Exercise q1: a delegation that reads its task from the transcript
# `order_from_speech` above handles this caller. Real callers say "my order number is 4815", "one oh two three", or "where is my parcel?" with no number at all. Write `delegate(request)`, the function `LiveClient(delegate=...)` calls on each `session.delegation.created`: find the order number in `request.user_text` (spoken digits, "oh" for zero, or numerals), look it up with `lookup_order`, and return the sentence for the model to speak; with no number in what was said, return a question asking for the order number. The check calls it with the requests a Live client builds. Stuck? `grader.hint("q1")` gives a hint (call it again for the next), and `grader.solution("q1")` shows a solution; the same works for every exercise.

# %%
# EXERCISE q1
def delegate(request: DelegationRequest) -> str:
    raise NotImplementedError  # your code here


# %%
grader.check("q1", delegate)

# %% [markdown]
# The same latency figures as notebook 01, in session time (wall clock x `SPEED`). The anchor is the end of the user's speech; there is no `response.done`, so "done" is the reply's last audio. **In replay these are not GPT-Live's timings** (replayed, synthetic): the local server decides when to answer, after the fixture's hand-written think times, so the first-audio figures describe the fixture. Do not set them beside notebook 01's (equally made-up) 300 ms: neither is a measurement. We found no published first-audio figure for GPT-Live; run this cell after `course_utils.setup(mode="live")` to measure it. Timings vary run to run:

# %%
# NBVAL_IGNORE_OUTPUT
display(live.trace.table_view())

# %% [markdown]
# Who talks when: the user's lines and the model's replies on one axis, the tool run marked, the first-audio latency under each reply. The client never said "your turn": no commit, no `response.create`. In replay it is the local server that waits for the end of each line (the fixture's think times); live, it is the model.

# %%
from course_utils.live import plot_turns

fig = plot_turns(live.trace, title="GPT-Live: the model decides when to talk"
                 + (" (replayed, synthetic timings)" if cfg.is_replay else ""))

# %% [markdown]
# And notebook 01's event timeline for the tool turn (the shared `plot_timeline`): microphone appends the whole time, the delegation, the commentary sent back, then the audio.

# %%
from course_utils.voice import plot_timeline

fig = plot_timeline(live.trace, turn=2)

# %% [markdown]
# Live bills **session time**: `session.usage.updated` reports cumulative billable seconds, `session.closed` the final figure, at <span>&#36;</span>0.05 a minute, per second, not rounded up (data/pricing/prices.csv; [gpt-live-1.1](https://developers.openai.com/api/docs/models/gpt-live-1.1), read 2026-11-25). From OpenAI's [cost guide](https://developers.openai.com/api/docs/guides/voice-latency-cost) (read 2026-12-04):
#
# * **Silence counts, and muting does not stop billing**: active time runs from start to close (speech, silence, backend work); a muted microphone leaves the session active. Close sessions you are done with.
# * **Standby**: `gpt-live-1.1` on WebRTC, configured for standby, bills paused inference at <span>&#36;</span>0.02 a minute instead of <span>&#36;</span>0.05.
# * **WebRTC setup**: creating a WebRTC session (`POST /v1/live/sessions`) bills 15 s while it initializes, credited once the session runs; a session created and never used costs those 15 s (<span>&#36;</span>0.0125).
# * Backend Responses models and tools (delegation) are billed apart, at their own prices.
#
# One route quirk to know: `gpt-live-transcribe`, despite its name, runs on the **Realtime** route (a transcription session on `wss://api.openai.com/v1/realtime?intent=transcription`), while a Live model sent to `/v1/realtime` is refused with `invalid_model` ([realtime transcription](https://developers.openai.com/api/docs/guides/realtime-transcription), read 2026-12-04).

# %%
# NBVAL_IGNORE_OUTPUT
print(live.usage)
live.cost

# %% [markdown]
# ### Exercise q2: price a Live session from its own events
# `live.cost` did it for you. Write `live_session_usd(events, usd_per_minute)`: the cost of a session from the server events it received (the SDK's objects, as `async for event in conn` yields them; `session.usage.updated` and `session.closed` carry `event.usage.seconds`). If the connection dropped before `session.closed`, price what the last usage update says. The check records a short session on the local Live server (the caller's first line, then silence, 23.45 s of audio, a usage update every 5 s) and hands your function its events, whole and with the `session.closed` cut off.

# %%
# EXERCISE q2
def live_session_usd(events: list, usd_per_minute: float) -> float:
    raise NotImplementedError  # your code here


# %%
grader.check("q2", live_session_usd)

# %% [markdown]
# ## 5. Interrupting GPT-Live
# A long answer, and the caller cuts in. With Realtime the client stops playback, cancels and truncates. With Live the client just keeps talking: the model hears it and goes quiet. (In replay the stand-in stops within one 100 ms chunk of hearing speech, a choice of ours, not a measured GPT-Live figure; what was already sent, at most a few hundred ms, still plays.)

# %%
barge = load_conversation("support_interrupt")
barge_server = await LocalLiveServer("support_interrupt", speed=SPEED).start() if cfg.is_replay else None
cut_in = LiveClient("gpt-live-1.1", speed=SPEED, max_minutes=1,
                    websocket_base_url=barge_server.websocket_base_url if barge_server else None)
await cut_in.connect()
await cut_in.say(barge.user[0].pcm)
while not cut_in.replies or cut_in.replies[0].audio_ms < 2500:  # let the long answer play for 2.5 s
    await cut_in.pause(100)
await cut_in.say(barge.user[1].pcm)
second = await cut_in.wait_for_reply()
await cut_in.close()
first = cut_in.replies[0]
print(f"first answer interrupted: {first.interrupted}; second answer: {second.transcript!r}")

# %% [markdown]
# How much of the 12.7-second answer was spoken before the model went quiet (this depends on timing):

# %%
# NBVAL_IGNORE_OUTPUT
print(f"{first.audio_ms / 1000:.1f} s of {barge.assistant[0].duration_ms / 1000:.1f} s: {first.transcript!r}")
display(cut_in.trace.table_view())

# %%
fig = plot_turns(cut_in.trace, title="GPT-Live: the caller cuts in, the model goes quiet"
                 + (" (replayed, synthetic timings)" if cfg.is_replay else ""))

# %% [markdown]
# ## 6. Way 3: Gemini Live, through `google-genai`
# `client.aio.live.connect(model="gemini-3.8-live", config=...)`: the first message is `setup` (model, voice, system instruction, tools, both transcriptions), audio goes in at 16 kHz with `send_realtime_input`, the server's activity detection decides the turns, and the reply comes back as 24 kHz audio parts. Gemini generates faster than real time and the client buffers; on `interrupted` the client must flush its buffer. In replay, `LocalGeminiLiveServer` speaks the protocol over TLS (the SDK always opens `wss://`), and `server.http_options()` points the SDK at it. The tool is the same Python function as in section 3: the clients share one tools registry (`course_utils.voice.tools`), which writes Realtime's function tool and Gemini's function declaration from the function's signature and docstring, runs the call, and turns an exception into an error result for the model.

# %%
from course_utils.live import GeminiLiveClient, LocalGeminiLiveServer

gemini_server = await LocalGeminiLiveServer("support_call", speed=SPEED).start() if cfg.is_replay else None
gemini = GeminiLiveClient("gemini-3.8-live", instructions=conv.instructions, speed=SPEED, max_minutes=2,
                          tools=[lookup_order],  # the same function as Realtime's; its declaration below
                          http_options=gemini_server.http_options() if gemini_server else None)
print("function declaration:", gemini.tools.gemini_declarations())
await gemini.connect()
for utterance in conv.user:
    await gemini.say(utterance.pcm)
    turn = await gemini.wait_for_reply()
    print(f"user:      {turn.user_text}\nassistant: {turn.transcript}")
await gemini.close()
print("\nfunction calls:", [call for t in gemini.replies for call in t.tool_calls])

# %% [markdown]
# Gemini Live bills **tokens** (32 per second of audio), and its session memory is re-read as input every turn: watch the prompt grow from turn to turn in `usage_metadata`.

# %%
for i, usage in enumerate(gemini.usage, 1):
    details = {d.modality.value: d.token_count for d in usage.prompt_tokens_details}
    print(f"turn {i}: prompt {usage.prompt_token_count:>4} tokens {details}, reply {usage.response_token_count:>3} audio tokens")
gemini.cost

# %%
# NBVAL_IGNORE_OUTPUT
display(gemini.trace.table_view())

# %% [markdown]
# Cleaning up the local servers (in live mode there are none):

# %%
for server in (live_server, barge_server, gemini_server):
    if server:
        await server.stop()

# %% [markdown]
# ## 7. Side by side
# What differs, and where each fact comes from (the installed SDKs are the oracle for the protocol shapes; provider pages for limits and prices; `data/pricing/` has a source and date per price).

# %%
from course_utils.live.compare import differences_table

differences_table()  # an HTML table; its plain-text form is the same table in Markdown

# %% [markdown]
# ## 8. Notebook 01's Realtime client, migrated to Live
# Concept by concept, what the Realtime client did and what becomes of it on the Live API:
#
# | notebook 01 (Realtime) | Live API | what changes |
# |---|---|---|
# | `wss://api.openai.com/v1/realtime?model=...` | `client.live.connect()` -> `/v1/live/sessions` | the model moves into the first event |
# | wait for `session.created`, then `session.update` | send `session.start` {model, instructions, audio, delegation}, wait for `session.started` | configuration is fixed at start (voice, format, instructions) |
# | `turn_detection` (threshold, prefix padding, silence) | none | the model decides when you are done |
# | `input_audio_buffer.append` / `commit` / `clear` | `session.input_audio.append` only (plus mute/unmute) | keep streaming, silence included: the timeline moves with the audio |
# | `response.create` | none | the model answers by itself |
# | barge-in: stop playback, `response.cancel`, `conversation.item.truncate` | nothing to send | the model goes quiet; the client plays what arrives |
# | `response.output_audio.delta` (per item) | `session.output_audio.delta` (one stream) | no item ids |
# | transcript deltas + `.done` per item | `session.input/output_transcript.delta` with `start_ms`/`end_ms` | group with the SDK's `TranscriptGrouper` |
# | function tools; `function_call_output` + `response.create` | `session.delegation.created`; `session.commentary.append` (spoken) or `thinking.append` (silent) | the task text is not in the event: read it from the transcript |
# | `usage` in every `response.done` (tokens) | `session.usage.updated` / `session.closed` (seconds) | price = seconds x <span>&#36;</span>0.05 / 60 |
#
# The whole Live loop with nothing but the SDK, against the local server (the `LiveClient` above adds the microphone pacing, playback, delegation and trace around exactly this). Even bare, it follows the course's one rule: the session is priced and reserved in the ledger before it connects (live, a session the budget cannot cover is refused here, before anything is sent), and settled from the billable seconds in `session.closed`:

# %%
# NBVAL_IGNORE_OUTPUT
# (the segment times depend on when the server started replying)
import asyncio

from openai import AsyncOpenAI
from openai.lib.live import AsyncTranscriptGrouper

from course_utils import costs
from course_utils.voice import b64encode_pcm, chunk_pcm, silence

entry = cfg.ledger.reserve("openai", "gpt-live-1.1", "raw SDK Live session (up to 1 min)",
                           costs.estimate_live_session("gpt-live-1.1", 1.0).total_usd)  # refused here if over budget
demo_server = await LocalLiveServer("support_call", speed=SPEED).start() if cfg.is_replay else None
client = AsyncOpenAI(api_key=cfg.key("openai"), websocket_base_url=demo_server.websocket_base_url if demo_server else None)
segments = []
with entry:  # settled from session.closed below; cancelled if the block raises
    async with client.live.connect() as conn, AsyncTranscriptGrouper() as grouper:
        grouper.on("segment.closed", lambda closed: segments.append(closed.segment))
        await conn.session.start(session={"model": "gpt-live-1.1", "audio": {"output": {"voice": "marin"}}})
        started = await asyncio.wait_for(conn.recv(), 10)
        print(started.type, started.session.model, started.session.audio.format.type)

        async def microphone():  # the user's first line, then silence: the stream never stops
            for chunk in chunk_pcm(conv.user[0].pcm + silence(4500), ms=50):
                await conn.session.input_audio.append(audio=b64encode_pcm(chunk))
                await asyncio.sleep(0.05 / SPEED)
            await conn.session.close()

        mic = asyncio.ensure_future(microphone())
        async for event in conn:  # ends after session.closed
            await grouper.push(event)
            if event.type == "session.closed":
                print(event.type, event.reason)
                entry.settle(costs.estimate_live_session("gpt-live-1.1", event.usage.seconds / 60).total_usd,
                             billable_seconds=event.usage.seconds)
                break
        await mic
for segment in segments:
    print(f"{segment.speaker:>9} [{segment.start_ms}-{segment.end_ms} ms]: {segment.text}")
if demo_server:
    await demo_server.stop()

# %% [markdown]
# That loop never got to the delegation. Here is the whole call with the SDK alone, delegation included, which is what `LiveClient(delegate=...)` hides: the microphone streams each line and then silence, never stopping; the receive loop keeps what the caller said since the assistant last spoke (the input transcript deltas), and on `session.delegation.created` it hands that text to the delegate (section 4's `order_from_speech`) and sends the result back with `session.commentary.append`, for the model to speak. (This cell always talks to the local server, even in live mode: it is the lesson. `LiveClient` is what runs live, priced in the ledger.)

# %%
async def call_by_hand(websocket_base_url: str, instructions: str, lines: list[bytes], gaps_ms: list[int], delegate,
                       speed: float):
    """The support call over ``client.live.connect()``: returns the delegations run and the replies heard."""
    client = AsyncOpenAI(api_key="local", websocket_base_url=websocket_base_url, max_retries=0)
    heard_since_assistant, delegations, replies = [], [], []
    async with client.live.connect() as conn:
        await conn.session.start(session={"model": "gpt-live-1.1", "instructions": instructions,
                                          "delegation": {"type": "client"}})
        started = await asyncio.wait_for(conn.recv(), 10)
        assert started.type == "session.started", started

        async def microphone():  # each line, then silence while the model answers: the stream never stops
            for line, gap_ms in zip(lines, gaps_ms):
                for chunk in chunk_pcm(line + silence(gap_ms), ms=50):
                    await conn.session.input_audio.append(audio=b64encode_pcm(chunk))
                    await asyncio.sleep(0.05 / speed)
            await conn.session.close()

        mic = asyncio.ensure_future(microphone())
        try:
            async for event in conn:
                if event.type == "session.input_transcript.delta":
                    heard_since_assistant.append(event.delta)
                elif event.type == "session.output_transcript.delta":
                    if heard_since_assistant or not replies:
                        replies.append("")  # the caller spoke since: a new reply
                    replies[-1] += event.delta
                    heard_since_assistant.clear()
                elif event.type == "session.delegation.created":  # an id, no task: the task is what was said
                    request = DelegationRequest(event.delegation.id, event.offset_ms,
                                                "".join(heard_since_assistant).strip())
                    result = delegate(request)
                    delegations.append((request.user_text, result))
                    await conn.session.commentary.append(content=result, delegation_id=event.delegation.id)
                elif event.type == "session.closed":
                    break
        finally:
            mic.cancel()
    return delegations, [r.strip() for r in replies]


# %%
# NBVAL_IGNORE_OUTPUT
# (a reply can start a chunk earlier or later with timing)
hand_server = await LocalLiveServer("support_call", speed=SPEED).start()
try:
    hand_delegations, hand_replies = await asyncio.wait_for(
        call_by_hand(hand_server.websocket_base_url, conv.instructions, [u.pcm for u in conv.user], [5000, 9000, 4000],
                     order_from_speech, SPEED), 120)
finally:
    await hand_server.stop()
for heard, result in hand_delegations:
    print(f"delegation: heard {heard!r} -> {result!r}")
for reply in hand_replies:
    print("assistant:", reply)

# %% [markdown]
# `LiveClient` does the same, with the edge cases handled: it paces the microphone by the clock and keeps it open between lines instead of a fixed script of silences; it runs the delegate as a task (async delegates too, with a timeout) so the receive loop never waits on it; it warns when the model delegates and no delegate was given; it plays the audio into a sink, groups the transcript with `TranscriptGrouper`, traces every event, closes the session past `max_minutes`, and prices the session in the ledger before it starts.

# %% [markdown]
# ## 9. The cost crossover
# One conversation, five ways, priced with `course_utils.costs` (every price and token rule has a source and date in `data/pricing/`). The conversation's shape is the same for all: 4 turns a minute, the user speaks 6 s and the assistant 6 s of each 15-second turn, 500 tokens of instructions.
#
# * Realtime (`gpt-realtime-2.1`, `-mini`): tokens; each reply re-reads the whole conversation (with caching), so each minute costs a little more than the last; silence is not billed.
# * GPT-Live (`gpt-live-1.1`): <span>&#36;</span>0.05 per minute of session time, a straight line.
# * Gemini Live: tokens; the whole session memory is re-read every turn, with no caching assumed: it grows fastest. And it cannot run that long as priced: without context compression an audio session stops at about 15 minutes, and each connection lasts about 10 minutes (a `GoAway` comes first; [session management](https://ai.google.dev/gemini-api/docs/live-session), read 2026-11-25). Its curve past 15 minutes is a what-if (shaded on the plot, marked in the table): a real long call needs context compression or resumed sessions, which change what is re-read and so the cost.
# * The cascade (`gpt-transcribe` + `gpt-6-luna` + `gpt-4o-mini-tts`): cheapest, slowest, and its TTS model shuts down on 2027-01-06.
#
# The curves join the cumulative cost at the end of each turn; the crossing points are solved on each straight segment, not read off the plot.

# %%
from course_utils.live.crossover import all_crossings, cost_curves, plot_crossover, table

GEMINI_LIMIT_MIN = 15  # audio-only Gemini Live session without context compression
curves = cost_curves(30)
found = all_crossings(curves)
fig = plot_crossover(curves, found)
ax = fig.axes[0]
ax.axvspan(GEMINI_LIMIT_MIN, 30, color="tab:gray", alpha=0.12, lw=0)
ax.text(GEMINI_LIMIT_MIN + 0.3, ax.get_ylim()[0] * 1.3, "Gemini Live past its ~15 min session limit: what-if only", fontsize=8)

# %%
def past_gemini_limit(label: str, minutes: float) -> bool:
    return label.startswith("Gemini") and minutes > GEMINI_LIMIT_MIN


for crossing in found:
    late = past_gemini_limit(crossing.cheaper_before, crossing.minutes) or past_gemini_limit(crossing.cheaper_after,
                                                                                              crossing.minutes)
    print(str(crossing) + (" (past Gemini Live's ~15 min session limit: what-if)" if late else ""))
print()
for row in table(curves):
    cells = [f"{k} n/a" if past_gemini_limit(row["option"], float(k.split()[0])) else f"{k} ${v:.3f}"
             for k, v in row.items() if k.endswith("min")]
    last = "n/a (session limit)" if past_gemini_limit(row["option"], 30) else f"${row['cost of minute 30']:.3f}"
    print(f"{row['option']:<32}", "  ".join(cells), f" | minute 30 costs {last}")

# %% [markdown]
# Where the lines cross depends on the shape of the conversation and on caching. A call where the assistant does most of the talking, and the same call without Realtime's prompt caching:

# %%
from course_utils.live.crossover import ConversationShape

talkative = ConversationShape(turns_per_minute=4, user_talk_fraction=0.2, assistant_talk_fraction=0.7)
for name, kwargs in [("assistant talks 70%", {"shape": talkative}), ("no prompt caching", {"caching": False})]:
    print(name)
    for crossing in all_crossings(cost_curves(30, **kwargs), after=1.0):
        late = past_gemini_limit(crossing.cheaper_before, crossing.minutes) or past_gemini_limit(
            crossing.cheaper_after, crossing.minutes)
        print("  ", str(crossing) + (" (past Gemini Live's ~15 min session limit: what-if)" if late else ""))

# %% [markdown]
# ### Exercise q3: find where two costs cross
# `all_crossings` found those minutes for you. Each curve is a `CostCurve`: `minutes` and `usd` are its breakpoints (the cumulative cost at the end of each turn, starting at 0, 0), joined by straight lines; `c.at(x)` interpolates. The first few breakpoints of two of them:

# %%
by_model = {c.model: c for c in cost_curves(30, caching=False)}
for model in ("gpt-realtime-2.1-mini", "gpt-live-1.1"):
    c = by_model[model]
    print(f"{c.label:<32}", "  ".join(f"({m:g} min, ${u:.4f})" for m, u in zip(c.minutes[:5], c.usd[:5])))

# %% [markdown]
# Write `crossing_minute(a, b)`: the first minute after 0 at which curves `a` and `b` swap places (where the whole call costs the same on both), solved exactly on the segment where it happens, or `None` if they never swap. The check compares yours with the package's on several pairs (Realtime, Gemini Live, the cascade against GPT-Live) and conversation shapes.

# %%
# EXERCISE q3
def crossing_minute(a, b):
    raise NotImplementedError  # your code here


# %%
grader.check("q3", crossing_minute)

# %% [markdown]
# ## 10. Choosing
# * **A new voice assistant on OpenAI: start with GPT-Live** (OpenAI's own advice: "For a new conversational voice application, start with GPT-Live", [Audio and voice guide](https://developers.openai.com/api/docs/guides/audio), read 2026-12-04). Turn-taking, interruption and pacing are the model's job, the client is small, and a minute costs the same whether the call is 1 or 30 minutes long. You pay for silence: hang up idle sessions.
# * **Realtime** when the application must own the turns: push-to-talk, custom VAD, text and audio mixed in one conversation, exact control over what the model heard (truncate), tools as plain function calls. Silence is free on Realtime and `gpt-realtime-2.1-mini` stays under Live's line for this shape (with caching; without it they cross near 3 minutes); the flagship costs more than Live after the first quarter-minute, and every Realtime call costs more per minute the longer it runs.
# * **Gemini Live** when you are on Google's stack or need its features (video input, Google tools): the cheapest of the three speech-to-speech APIs for a call of a minute or so, but its session memory is re-read every turn, so it is the most expensive option for long calls, and past about 15 minutes of audio it needs context compression (a sliding window) to keep running at all: use it, and watch `usage_metadata`.
# * **Real-time translation**, one of the chapter's use cases, is no longer a job for a conversational session: OpenAI has a dedicated interpreter endpoint, `gpt-realtime-translate` on `/v1/realtime/translations`, billed <span>&#36;</span>0.034 per minute of audio, with no turns and no tools ([realtime translation](https://developers.openai.com/api/docs/guides/realtime-translation), read 2026-11-25).
# * **The cascade** (transcribe -> chat -> speak) when cost matters more than latency and interruption, or when you need a step in the middle (moderation, a bigger text model); notebook 02 shows its latency, and its TTS model's shutdown date means planning a replacement.
# * Whatever you pick: price the call before it runs, set a maximum length, and read the usage it reports.

# %% [markdown]
# ## Running it live
# `course_utils.setup(mode="live", budget_usd=0.50)` with `OPENAI_API_KEY` and `GEMINI_API_KEY` set, then re-run: `SPEED` becomes 1, the same clients talk to `wss://api.openai.com/v1/realtime`, `wss://api.openai.com/v1/live/sessions` and Gemini's `BidiGenerateContent`, each session is reserved in the ledger first and settled from its usage. The real models do not follow our script: expect different words, and a different cost. The ledger of this kernel (in replay nothing is charged):

# %%
# NBVAL_IGNORE_OUTPUT
# (a Live session's billed seconds vary by a second with timing)
cfg.ledger

# %% [markdown]
# Your exercises in this notebook:

# %%
grader.summary()
