# %% [markdown]
# # 8.4 Comprehensive case: a video customer-service call (Realtime voice + a shared screen)
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/realtime-video-lab/realtime-video-lab/blob/main/notebooks/05_video_customer_service.ipynb)
#
# **Cost of running it live:** about <span>&#36;</span>0.20 (two calls of about 40 seconds on `gpt-realtime-2.1`, about <span>&#36;</span>0.08-0.09 each, and three `gpt-6-luna` vision calls, under <span>&#36;</span>0.001 together). In replay mode (the default) it costs nothing and needs no key.
#
# The chapter's section 4, working: a support agent talks with a customer in real time, and when the customer shares their screen, the agent knows what is on it. Two ways to get the screen to the agent are played and compared: a vision model's description injected as text (the chapter's way), and the image itself in the Realtime conversation (the newer way). In replay mode both sides of the call come from fixtures: the local Realtime server speaks the agent's recorded turns in order, whatever the customer said, and the vision answers were written by hand for replay (each fixture's `provenance` says so).

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
# Three exercises along the way ask you to write code; a checker runs it (against the local servers where it
# calls a model) and says what is wrong, if anything.

# %%
from course_utils.exercises import Grader

grader = Grader("05")

# %% [markdown]
# ## 1. The chapter's case, and what no longer runs
# The chapter sketches the call in one function. Six things in it no longer work, or never did:
#
# 1. `websockets.connect("wss://api.openai.com/v1/realtime")` sends no key and names no model: the server refuses it. Headers go in `additional_headers` since websockets 14 (the old `extra_headers` raises `TypeError`).
# 2. The `session.update` lacks `"type": "realtime"` (required by the GA protocol) and asks for the voice `"nova"`, which is not a Realtime voice.
# 3. It injects the description with `conversation.item.create` and then waits for audio, but **creating an item never makes the model answer**: the app must send `response.create`.
# 4. It listens for `response.audio.delta`, the beta name; GA sends `response.output_audio.delta`.
# 5. `analyze_screenshot` is `async`, but calls the *sync* `OpenAI()` client inside: the whole event loop, and with it the Realtime connection, stops until the vision model answers. Use `AsyncOpenAI`.
# 6. Its vision model `gpt-4.1-mini` is deprecated and leaves the API on 2027-01-14, with `gpt-6-luna` as the named replacement ([OpenAI deprecations](https://developers.openai.com/api/docs/deprecations), notice of 2026-10-14, read 2026-12-04).

# %% [markdown]
# The Realtime voices, from the installed SDK's own type (the oracle for the protocol):

# %%
import typing

from openai.types.realtime.realtime_audio_config_output import Voice

voices = typing.get_args(typing.get_args(Voice)[1])
print(voices)
print("nova is a Realtime voice:", "nova" in voices)

# %% [markdown]
# The chapter's vision model and its replacement, from `data/pricing/prices.csv`:

# %%
from course_utils import costs

for model in ("gpt-4.1-mini", "gpt-6-luna"):
    row = costs.price_row(model, "text_input")
    ends = f", leaves the API {row.valid_until}" if row.valid_until else ""
    print(f"{model}: {row.status}{ends}; ${row.usd} per 1M input tokens (images are billed as input tokens)")

# %% [markdown]
# ## 2. The shared screens
# Three screenshots of a made-up app, drawn by `scripts/make_support_screens.py` (PIL, 800x500, a few tens of KB each). `data/screens/ground_truth.json` says what each one shows, and lists its key facts: short strings a correct description must contain.

# %%
from course_utils.display import HTMLTable
from course_utils.support_screens import list_screens, load_screen

screens = [load_screen(name) for name in list_screens()]
for s in screens:
    print(f"{s.name}: {s.truth['problem'] or 'no problem: the fix worked'}")
    print(f"    key facts: {s.truth['key_facts']}")

# %% [markdown]
# The first screen, as the customer shares it. The dialog says what failed; the real cause is in the corner.

# %%
screens[0]

# %%
screens[1]

# %% [markdown]
# ## 3. One shared screen, step by step
# The chapter's way begins with a vision call: the screenshot, as a base64 data URL, to a current small model that takes images, through the official `openai` client (async, so the call's event loop keeps running). In replay mode the client talks to a local stand-in that answers from `data/fixtures/support_vision/screens`; in live mode, to the API. The call is priced before it runs and settled from its usage.

# %%
from course_utils.clients import async_openai_client
from course_utils.support_vision import VISION_FIXTURE, analyze_screen

vision = async_openai_client(fixtures=[VISION_FIXTURE])
described = await analyze_screen(vision, screens[0])
print(described.description)

# %% [markdown]
# Its cost. Chat Completions folds the image's tokens into `prompt_tokens`; the image's share comes from OpenAI's tile rule: an 800x500 screenshot at detail `high` is 2 x 1 tiles of 512 px, 85 + 2 x 170 = 425 tokens.

# %%
described.cost

# %% [markdown]
# ### Exercise q1: an image's tokens, by the tile rule
#
# Write `image_tokens(width, height, detail="high")`. At detail `low` every image is 85 tokens. At `high`:
# scale the image to fit in 2048 x 2048, then scale its shortest side down to 768 px (never up), count the
# 512 px tiles that cover it, and return 85 + 170 per tile. The checker tries screenshots, photos, a tall
# narrow image and a small one.
#
# Stuck? `grader.hint("q1")` gives a hint (ask again for the next one); `grader.solution("q1")` shows a
# solution. The same works for every exercise.

# %%
# EXERCISE q1
def image_tokens(width, height, detail="high"):
    """Input tokens of one image by OpenAI's tile rule."""
    raise NotImplementedError  # your code here


# %%
grader.check("q1", image_tokens)

# %% [markdown]
# How long it took (made-up latency in replay, real in live):

# %%
# NBVAL_IGNORE_OUTPUT
print(f"vision call: {described.latency_ms:.0f} ms")

# %% [markdown]
# ### Exercise q2: the vision call, without stopping the call
#
# That second is spent inside the call's event loop, which also receives the agent's audio. The chapter's
# `analyze_screenshot` calls the *sync* client there, and the whole call freezes until the vision model
# answers. Write `async def describe_screen(client, screen)`: send one user message with the text
# `VISION_PROMPT` and the screenshot as an `image_url` part (`screen.data_url`) to `VISION_MODEL` (both from `course_utils.support_vision`)
# with `await client.chat.completions.create(...)`, and return the answer's text. `client` is an
# `openai.AsyncOpenAI`. The checker runs your function against the local stand-in while a timer ticks on the
# same event loop, and looks at the request you sent.

# %%
# EXERCISE q2
async def describe_screen(client, screen):
    """What the vision model says the screen shows (awaited: the Realtime session's loop keeps running)."""
    raise NotImplementedError  # your code here


# %%
grader.check("q2", describe_screen)

# %% [markdown]
# Checked against the ground truth: which key facts did the description leave out?

# %%
[fact for fact in screens[0].truth["key_facts"] if fact.lower() not in described.description.lower()]

# %% [markdown]
# The wrong date sits only in the taskbar clock, and a summary asked about "the problem" left it out. Whatever the agent learns from the screen, it learns from these words. This is the item the chapter injects:

# %%
import json

from course_utils.support_vision import description_item, image_item

print(json.dumps(description_item(described.description), indent=2))

# %% [markdown]
# And the newer way's item: the screenshot itself, as an `input_image` content part (the data URL shortened here):

# %%
item = image_item(screens[0])
item["content"][1]["image_url"] = item["content"][1]["image_url"][:40] + "..."
print(json.dumps(item, indent=2))

# %% [markdown]
# ## 4. The whole call, the chapter's way: a description injected as text
# Now the whole call. The session: the agent's instructions, the voice `marin`, one tool (`lookup_error_code`, a plain Python function the client runs when the model calls it), and server VAD with `create_response: false`. The server still finds the end of the customer's speech, but the *app* sends `response.create`, after attaching a shared screen. The customer's four turns:

# %%
from course_utils import support_case as sc

print(sc.INSTRUCTIONS)
print(sc.TURN_DETECTION)
for turn in sc.CALL_SCRIPT:
    print(turn)

# %% [markdown]
# The call, written out. Three steps, each a small function that prints what happens:
#
# 1. **speech in**: stream the customer's recorded words to the server; its VAD finds where they end (`input_audio_buffer.committed`);
# 2. **a shared screen**: in this section, the vision call above and its description injected as a user text item; in section 5, the screenshot itself as an `input_image` item. Either way with `conversation.item.create`;
# 3. **answer out**: `response.create`, then wait for `response.done`. If the model called a tool, run it, send its output (`function_call_output`) and ask for the answer with another `response.create`.
#
# Each step also notes itself on the call's trace (`trace.local(...)`), which the timeline and the latency table below are drawn from. The client is made with `auto_tools=False`, so the tool call happens here, in the open, not inside the client.

# %%
import json

from course_utils.clients import async_openai_client
from course_utils.realtime import RealtimeClient, load_conversation
from course_utils.support_report import CallResult
from course_utils.support_screens import load_screen, lookup_error_code
from course_utils.support_vision import VISION_FIXTURE, analyze_screen, description_item, image_item
from course_utils.voice.models import REALTIME_MODEL
from course_utils.voice.trace import Trace

TOOLS = {"lookup_error_code": lookup_error_code}


def show(who, what):
    print(f"{who:<9} {what}")


async def speech_in(rt, call, convo, clip, commits):
    """1. Speech in: the customer's recorded words, streamed; the server's VAD says when they end."""
    text = convo.user[clip].text
    call.trace.local("customer.speaks", clip=clip)
    show("customer", f"speaks: {text}")
    before = len(commits)
    await rt.stream_audio(convo.user_audio(clip))
    await rt.wait_for(lambda: len(commits) > before, what="the end of the customer's speech")
    call.user_texts.append(text)
    show("server", "end of speech (input_audio_buffer.committed)")


async def screen_in(rt, call, vision, name):
    """2. A shared screen: described by a vision model and injected as text, or sent as the image itself."""
    screen = load_screen(name)
    call.image_tokens[name] = screen.image_tokens()
    call.trace.local("screen.shared", screen=name)
    show("customer", f"shares {name}")
    if call.mode == "describe":
        call.trace.local("vision.start", screen=name)
        described = await analyze_screen(vision, screen)  # async: the call's event loop keeps running
        call.trace.local("vision.done", screen=name)
        call.visions.append(described)
        show("vision", f"{described.model}: {described.description}")
        item, kind = description_item(described.description), "description"
    else:
        item, kind = image_item(screen), "image"
    call.trace.local("screen.injected", kind=kind, screen=name)
    await rt.create_item(item)
    show("app", f"conversation.item.create ({'the description, as text' if kind == 'description' else 'input_image'})")


async def answer_out(rt, call):
    """3. Answer out: response.create; when the model calls a tool, run it, send its output, ask again."""
    await rt.create_response()
    show("app", "response.create")
    while True:
        response = await rt.wait_for_response()
        call.responses.append(response)
        if response.transcript:
            show("agent", f"says: {response.transcript}")
        for tool_call in response.tool_calls:
            output = TOOLS[tool_call.name](**tool_call.arguments)
            call.trace.local("tool.ran", name=tool_call.name, call_id=tool_call.call_id)
            show("tool", f"{tool_call.name}({tool_call.raw_arguments}) -> {output['meaning']}")
            await rt.send_function_output(tool_call.call_id, output)
        if not response.tool_calls:
            break
        await rt.create_response()
        show("app", "response.create (after the tool's output)")
    await rt.wait_for_playback()  # the agent finishes speaking before the customer goes on


# %% [markdown]
# The call: open the session (instructions, voice, the tool's schema, VAD that leaves `response.create` to the app), then the customer's turns in order. It returns the same `CallResult` that the views below (transcript, conversation, timeline, cost) read. In replay the customer's voice is espeak-ng speech from the fixture, streamed over a real WebSocket to the local Realtime server at 4x speed, and the vision stand-in's made-up latencies are sped up to match.

# %%
async def support_call(mode="describe", speed=4, sink=None):
    """The support call, step by step: speech in, a shared screen, answer out, for each of the customer's turns."""
    speed = speed if cfg.is_replay else 1.0  # the real API runs at real time
    fixture = sc.CALL_FIXTURES[mode]
    convo = load_conversation(fixture)  # the customer's recorded voice (and, in replay, the agent's turns)
    call = CallResult(mode, REALTIME_MODEL, fixture, speed, Trace())
    vision = async_openai_client(fixtures=[VISION_FIXTURE], speed=speed)  # replay: its latencies at the same pace
    rt = RealtimeClient(REALTIME_MODEL, fixture=fixture, speed=speed, trace=call.trace, sink=sink, auto_tools=False,
                        estimate_turns=5, estimate_user_seconds=3, estimate_assistant_seconds=6)  # priced up front
    rt.tool(lookup_error_code)  # its schema goes into the session; answer_out runs it
    commits, items = [], {}
    rt.on("input_audio_buffer.committed", commits.append)
    rt.on("conversation.item.added", lambda event: items.update({event["item"]["id"]: event["item"]}))
    rt.on("conversation.item.done", lambda event: items.update({event["item"]["id"]: event["item"]}))
    first_entry = len(cfg.ledger.entries)
    async with rt:
        await rt.update_session(instructions=sc.INSTRUCTIONS, voice=sc.VOICE, turn_detection=sc.TURN_DETECTION,
                                tools=rt.tool_schemas())
        for turn in sc.CALL_SCRIPT:
            if turn.clip is not None:
                await speech_in(rt, call, convo, turn.clip, commits)
            if turn.screen is not None:
                await screen_in(rt, call, vision, turn.screen)
            await answer_out(rt, call)
    call.items = list(items.values())
    call.ledger_entries = cfg.ledger.entries[first_entry:]
    return call


# %% [markdown]
# Play it:

# %%
call = await support_call("describe", speed=4)
call

# %% [markdown]
# `sc.run_call(mode)` is the same loop, with the edge cases handled: the client runs the tools itself (an async tool too, and a tool that raises sends its error to the model instead of ending the call), the vision stand-in's pace is restored even when the call fails, record mode saves the session and the vision calls as fixtures, and the server's own copy of the conversation is kept for tests. A test (`tests/test_lesson_loops_video.py`) plays both on the local servers and checks they agree: the same transcript, conversation, tool calls and cost. Section 5 uses it.

# %% [markdown]
# What was said and done, in order (the customer's words are the fixture's script, not a speech recogniser's):

# %%
print("\n".join(call.transcript()))

# %% [markdown]
# One of the agent's replies, as received:

# %%
call.responses[1].audio_widget()

# %% [markdown]
# **Did the description reach the conversation?** The items, as the server's `conversation.item.added` and `conversation.item.done` events reported them. Each description is a user text item, placed before the answer that uses it:

# %%
print("\n".join(call.conversation()))

# %% [markdown]
# The whole call on one timeline (the plot shows call time at real speed): the customer's speech as the server's VAD found it, the agent's replies, each shared screen with its vision call and the injected item, and the tool call.

# %%
fig = call.plot()

# %% [markdown]
# What each shared screen costs in waiting: from "share" to the first audio of the answer. In replay these figures come from made-up latencies (the fixtures say so); in live mode they are yours.

# %%
# NBVAL_IGNORE_OUTPUT
HTMLTable(call.screen_latencies(), caption="share -> answer (ms, at real speed)")

# %% [markdown]
# The call's cost, itemised: the Realtime session from the `usage` of every `response.done` (by modality, cached apart), plus the three vision calls.

# %%
call.cost()

# %% [markdown]
# The same total, from the ledger (in replay mode nothing is charged; the entries show what it would cost):

# %%
print(f"sum of the lines: ${call.cost().total_usd:.6f}; ledger: ${call.ledger_total():.6f}")
cfg.ledger

# %% [markdown]
# ## 5. The newer way: the screenshot straight into the conversation
# Realtime models take images: the screenshot goes into the conversation as an `input_image` content part, and the vision hop disappears. The same customer, the same screens:

# %%
call_img = await sc.run_call("image", speed=4)
print("\n".join(call_img.transcript()))

# %% [markdown]
# The third agent turn differs: with the pixels in its conversation, the agent can read the taskbar clock. (In replay that answer is hand-written, as every agent turn is, so the image path's full marks below are true by construction: replayed, synthetic. Live, what the model notices is up to the model.)

# %%
print("\n".join(call_img.conversation()))

# %%
fig = call_img.plot()

# %% [markdown]
# Its cost. Each image is about 425 tokens at the Realtime model's image rate, and like everything in the conversation it is re-read by every later response (at the cached rate once the prompt's prefix is cached). The local server counts image tokens by the same tile rule as `course_utils.costs`; live, the API's usage reports its own count.

# %%
call_img.cost()

# %% [markdown]
# ## 6. The two ways compared
# What reached the agent, screen by screen:

# %%
HTMLTable(call.knowledge() + call_img.knowledge(),
          caption="what the agent's conversation holds" + (" (replayed, synthetic answers)" if cfg.is_replay else ""))

# %% [markdown]
# Latency and cost side by side:

# %%
# NBVAL_IGNORE_OUTPUT
from course_utils.support_report import compare

HTMLTable(compare(call, call_img), caption="description vs image")

# %% [markdown]
# What to take from it:
#
# - **Latency**: the description path waits for a second model before the agent can answer (here 1-1.4 s of made-up vision latency per screen; measure yours live). It can start while the customer is still talking, which hides some of it. The image path adds no hop.
# - **What the agent knows**: a description is a summary written by another model for another question. It left out the taskbar date, the real cause. An image gives the agent the whole screen; whether it reads the corner is up to the model.
# - **Cost**: the voice dominates either way. The vision calls on `gpt-6-luna` cost almost nothing, and each description is ~70 text tokens; each image is ~425 image tokens at <span>&#36;</span>5 per 1M and is re-read by every later response. Re-reading is cheap once the prompt's prefix is cached (<span>&#36;</span>0.50 per 1M for images), and the images push the prompt past the 1,024-token caching threshold sooner ([prompt caching](https://developers.openai.com/api/docs/guides/prompt-caching), read 2026-12-04), so here the two paths end up within a few per cent of each other (see the table): which one is cheaper depends on how many screens are shared and how long the call runs after them. Fewer, smaller images (detail `low`: 85 tokens) bring the image path down.
# - **Privacy**: the description path sends the screen to a second model and keeps only words in the voice session; the image path keeps the pixels in the session for the rest of the call.

# %% [markdown]
# ### Exercise q3: what one shared screen costs, each way
#
# Write `screen_cost(mode, later_responses, image_tokens=425, description_tokens=70, vision_usd=0.00008)`:
# the USD one shared screen adds to a `gpt-realtime-2.1` call. The first response reads the new item at the
# full input price; each of the `later_responses` after it reads it again, at the cached price. Mode
# `"image"`: the image's tokens at `image_input`, re-read at `image_cached_input`. Mode `"describe"`: the
# vision call (`vision_usd`) plus the description's tokens at `text_input`, re-read at `text_cached_input`.
# Prices: `costs.price(REALTIME_MODEL, item)` (`REALTIME_MODEL` from `course_utils.voice.models`), in USD per 1M tokens. Then try a few values: how much
# does a screen cost each way if the call runs ten more responses after it?

# %%
# EXERCISE q3
def screen_cost(mode, later_responses, image_tokens=425, description_tokens=70, vision_usd=0.00008):
    """USD one shared screen adds to the call."""
    raise NotImplementedError  # your code here


# %%
grader.check("q3", screen_cost)

# %% [markdown]
# ## 7. Summary: the chapter's capabilities, today
# The chapter closes with a table of multimodal capabilities. Here it is as of November 2026, each row linked to the notebook section that shows it.
#
# | Capability | Input | Output | The chapter's | Today (2026-11) | Cost | Demonstrated in |
# |---|---|---|---|---|---|---|
# | Vision | Image | Text | GPT-4o | `gpt-6-luna` (images in, text out) | Low: <span>&#36;</span>0.10 in / <span>&#36;</span>0.50 out per 1M; an 800x500 screenshot is ~425 input tokens | [05: 3. One shared screen, step by step](05_video_customer_service.ipynb#3.-One-shared-screen,-step-by-step) |
# | Image Gen | Text | Image | DALL-E 3 | DALL-E 3 is shut down ([its model page](https://developers.openai.com/api/docs/models/dall-e-3), read 2026-12-04), which recommends GPT-Image-2.5 Sunburst (not priced here) | Medium | not in these notebooks |
# | STT | Speech | Text | Whisper | `gpt-transcribe`; streaming: `gpt-live-transcribe`, `gpt-realtime-whisper` | Low: <span>&#36;</span>0.0045/min; streaming <span>&#36;</span>0.017/min | [02: 2. The cascade: three calls in series](02_realtime_vs_cascade.ipynb#2.-The-cascade:-three-calls-in-series) |
# | TTS | Text | Speech | OpenAI TTS | `tts-1`/`gpt-4o-mini-tts` still run today and will shut down on 2027-01-06 (notice of 2026-10-01), and no new `/v1/audio/speech` model is announced: Realtime, a Gemini TTS model, or espeak-ng offline | Low | [02: 3. What happens when the TTS step loses its model](02_realtime_vs_cascade.ipynb#3.-What-happens-when-the-TTS-step-loses-its-model) |
# | Realtime | Speech | Speech | Realtime API | `gpt-realtime-2.1` (GA protocol); OpenAI Live API `gpt-live-1.1`; Gemini Live `gemini-3.8-live` | High: audio <span>&#36;</span>32 in / <span>&#36;</span>64 out per 1M; Live <span>&#36;</span>0.05/min | [01: 5. Send a recorded utterance, hear the reply](01_realtime_voice.ipynb#5.-Send-a-recorded-utterance,-hear-the-reply), [07: 4. Way 2: GPT-Live, the model decides the turns](07_live_apis.ipynb#4.-Way-2:-GPT-Live,-the-model-decides-the-turns) |
# | Video | Video | Text | Gemini 2.5 | `gemini-3.8-flash` through `google-genai` (1 fps, 70 tokens a frame) | Medium: <span>&#36;</span>0.75 in / <span>&#36;</span>3.75 out per 1M until 2026-12-31, then <span>&#36;</span>1.50 / <span>&#36;</span>7.50 | [03: 6. Native video understanding: from google-generativeai to google-genai](03_video_understanding.ipynb#6.-Native-video-understanding:-from-google-generativeai-to-google-genai) |
# | Video Gen | Text | Video | Sora/Runway | Sora's API closed on 2026-09-24; Gemini Omni Flash (Google's default), Veo 3.1 (Vertex AI only), Runway `gen4.5`/`gen4_turbo`, Kling, Pika and Seedance via fal | Very High: ~<span>&#36;</span>0.10 per second of 720p (Omni Flash) | [04: 3. One job model](04_video_generation.ipynb#3.-One-job-model) |
# | Realtime + screen | Speech + image | Speech | (this case) | `gpt-realtime-2.1` with `input_image`, or a vision model's description injected as text | High (the voice dominates; each image is re-read, cached, every later turn) | [05: 5. The newer way: the screenshot straight into the conversation](05_video_customer_service.ipynb#5.-The-newer-way:-the-screenshot-straight-into-the-conversation), [05: 6. The two ways compared](05_video_customer_service.ipynb#6.-The-two-ways-compared) |
#
# **What changed since the chapter was written:** GPT-4o as the vision example gave way to current small models that take images (`gpt-6-luna` here; the chapter's `gpt-4.1-mini` leaves the API on 2027-01-14: [OpenAI deprecations](https://developers.openai.com/api/docs/deprecations)). DALL-E 3 was shut down ([its model page](https://developers.openai.com/api/docs/models/dall-e-3)). Whisper's API role went to `gpt-transcribe` and the streaming transcribers. OpenAI's TTS models (`tts-1`, `gpt-4o-mini-tts`) were given notice on 2026-10-01 and will shut down on 2027-01-06 (they still run as of 2026-12-04), with no new speech endpoint model announced. The Realtime API left beta (GA protocol only; `gpt-4o-realtime-preview` is shut down; `gpt-realtime-2.1` is the flagship, and Realtime models take images), and OpenAI's Live API, billed by the minute, is where its docs now start new voice apps. Gemini 2.5 (and 2.0) shut down; Gemini 3.x reads video through `google-genai`. Sora's API closed on 2026-09-24; Gemini Omni Flash is Google's default video model. Prices are in `data/pricing/prices.csv`, each with its source and date.

# %% [markdown]
# ## 8. Every claim of the chapter, checked
# The chapter makes about forty factual claims: latencies, prices, model and endpoint names, durations, use cases. `data/claims.csv` holds each one with today's verdict (*true*, *partly true*, *outdated*, *false* or *unverified*), a public source, the date it was read, and the notebook that teaches it (the last column links to it). Like a price, a verdict can change on a date: rows with an *until* date need checking again after it. `tests/test_claims.py` fails when a row lacks a verdict, a source or a date, or when the notebook it names no longer teaches it.

# %%
from course_utils.claims import load_claims

load_claims()

# %% [markdown]
# ## Your exercises

# %%
grader.summary()
