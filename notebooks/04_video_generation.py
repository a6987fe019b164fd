# %% [markdown]
# # 04 · Video generation, as it is in late 2026
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/realtime-video-lab/realtime-video-lab/blob/main/notebooks/04_video_generation.ipynb)
#
# Chapter 8.4, section 3 ("Automatically generate short videos from scripts"), brought up to date: the
# providers you can call today, one job model over all of them, what the four challenges the chapter names
# look like in code, and a script-to-video pipeline.
#
# **Cost.** Replay mode (the default) costs nothing: the real SDKs talk to local stand-ins that serve a
# placeholder clip. Run live, the paid cells together reserve about **\$9** and are expected to cost about
# **\$7** (2026-11 prices; Omni reserves its longest clip and is settled from usage). Paid cells only run
# live after you set `RUN_PAID = True` below, with a budget that covers them
# (`course_utils.setup(mode="live", budget_usd=10)`); any job that would pass the budget is refused
# before it is sent.

# %%
import sys
if "google.colab" in sys.modules:
    # %pip install -q "realtime-video-lab @ git+https://github.com/realtime-video-lab/realtime-video-lab"

# %%
import course_utils
cfg = course_utils.setup()

# %% [markdown]
# ## 1. The chapter's table, and today's
#
# The chapter (written 2024–25) listed these. Every row has changed:
#
# | Model | Company | Status (chapter) | Features (chapter) | Price (chapter) |
# |---|---|---|---|---|
# | Sora | OpenAI | Beta | Highest quality, up to 60 seconds | Not public |
# | Runway Gen-3 | Runway | Available | Commercial-grade, 5-10 seconds | \$0.05/second |
# | Pika | Pika Labs | Available | User-friendly, 3-4 seconds | \$8/month (250 videos) |
# | Kling | Kuaishou | Available | High quality, Chinese support | ¥0.2/second |
#
# What you can call in November 2026 (checked against the providers' docs and the installed SDKs):
#
# | Provider · model | How you call it | Clips | Since / until |
# |---|---|---|---|
# | Google **Gemini Omni Flash** `gemini-omni-1.1-flash` (Google's default video model) | `google-genai` Interactions API; edits with `previous_interaction_id` | 3–10 s (the model picks), 16:9 · 9:16, audio | GA 2026-08-27; 1.2 released 2026-11-05 (Google Cloud) |
# | Google **Veo 3.1** `veo-3.1-generate-001`, `veo-3.1-fast-generate-001` | Vertex AI only: `google-genai` with `vertexai=True` | 4 · 6 · 8 s, first/last frame, reference images | Gemini-API preview ids shut 2026-10-22 |
# | **Runway** `gen4.5`, `gen4_turbo` | `runwayml` SDK (`X-Runway-Version: 2024-11-06`) | 2–10 s; turbo: image-to-video | Gen-3 Alpha Turbo removed |
# | **Kling** `kling-v3` | REST + a JWT you sign (HS256) | 5 · 10 s | host moved to `api-singapore.klingai.com` |
# | **Pika 2.2**, **Seedance 2.0 fast** (on fal) | `fal-client` queue API | 5 · 10 s; 4–15 s | Pika sends API users to fal |
# | ~~OpenAI Sora 2 / Sora 2 Pro~~ | **shut down 2026-09-24**, no replacement | — | history only |
#
# Sources (checked 2026-11-25): Google's Omni and Veo pages (ai.google.dev/gemini-api/docs/omni,
# cloud.google.com/vertex-ai/generative-ai/docs/model-reference/veo-video-generation), Runway's API docs
# (docs.dev.runwayml.com), Kling's API reference (app.klingai.com/global/dev), fal's model pages
# (fal.ai/models/fal-ai/pika/v2.2/text-to-video, fal.ai/models/bytedance/seedance-2.0/fast/text-to-video),
# and the installed SDKs (google-genai 3.6, runwayml 5.24, fal-client 1.0). The prices come from
# `data/pricing/prices.csv`, each row with its own source and date (and Sora's with the dates it ran):

# %%
from course_utils import costs

VIDEO_MODELS = ["gemini-omni-1.1-flash", "veo-3.1-generate-001", "veo-3.1-fast-generate-001", "gen4_turbo", "gen4.5",
                "gen3a_turbo", "kling-v3", "fal-ai/pika/v2.2/text-to-video", "bytedance/seedance-2.0/fast/text-to-video",
                "sora-2", "sora-2-pro"]
for row in costs.price_table():
    if row.model in VIDEO_MODELS and row.item != "input":
        price = "not confirmed" if row.usd is None else f"${row.usd:g} per {row.unit}"
        ran = f" ({row.valid_from} to {row.valid_until})" if row.valid_until else ""
        print(f"{row.model:<42} {row.item:<20} {price:<26} {row.status}{ran}  [{row.source}, {row.as_of}]")

# %% [markdown]
# The installed OpenAI SDK still has `client.videos`, with a deprecation that says what happened:

# %%
import openai

print("client.videos.create:", openai.resources.videos.Videos.create.__deprecated__)

# %% [markdown]
# **What Sora's closing teaches.** OpenAI launched the Sora 2 Videos API in October 2025, priced it per
# second, and shut it on 2026-09-24 with no replacement: every app built on that one endpoint stopped
# working on one day. Veo's Gemini-API ids followed a month later. So nothing below calls a provider
# directly from the lesson's code: one job model sits over five adapters, a plan always names a fallback
# on *another* provider, and costs come from a dated price table rather than from constants in the code.
#
# ## 2. Paid cells need your say-so
#
# In replay every cell runs for free. In live mode the cells that start a generation check this flag first.

# %%
RUN_PAID = False  # live mode: set True to let the cells below start (paid) generations


def may_spend() -> bool:
    """True in replay, or live with RUN_PAID set; otherwise say why the cell is skipped."""
    if cfg.is_replay or RUN_PAID:
        return True
    print("skipped: this cell starts a paid generation; set RUN_PAID = True (and a budget) to run it live")
    return False


# %% [markdown]
# ## 3. One job model
#
# Every provider runs a video as a *job*: you submit, it queues, runs, and ends, and each says so in its
# own words (Runway `RUNNING`, Kling `processing`, fal `IN_PROGRESS`, Google `in_progress`). Each adapter
# translates its provider's answer into one set of states (`queued → running → succeeded`, or `refused`,
# `rejected`, `failed`, `cancelled`), and `run_job` does the rest the same way for all of them:
# **estimate → budget check → submit → poll** (backing off, waiting what `Retry-After` says on a 429,
# up to a timeout, with a progress bar) **→ download → settle the ledger → show**.
#
# First the estimate, from the price table, before anything is sent. Omni 1.1 chooses its own clip length,
# so the estimate reserves the longest (10 s); the ledger is settled from the usage Google reports.

# %%
from course_utils.video.generate import OmniAdapter, VideoRequest, run_job

omni = OmniAdapter()
boat = VideoRequest("A paper boat drifting across a still pond at golden hour, slow dolly shot", seconds=6)
omni.estimate(boat, omni.spec())

# %% [markdown]
# ### Text to video (Gemini Omni Flash)
#
# The adapter calls `client.interactions.create(model=..., input=prompt, background=True,
# response_format={"type": "video", ...})`, then `client.interactions.get(id)` until it completes, and
# decodes `interaction.output_video.data`. The progress bar goes to stderr.

# %%
if may_spend():
    t2v = run_job(omni, boat)
    print(t2v.summary())
    t2v.show()

# %% [markdown]
# In replay the clip is a placeholder rendered locally (it says so on every frame); live, it is the model's.
#
# ### Image to video (Runway `gen4_turbo`)
#
# An input frame becomes the first frame of the clip. `runwayml` takes it as a `data:` URI
# (`prompt_image`), and Runway reports the credits it charged, which settle the ledger.

# %%
from IPython.display import Image, display
from course_utils.fixtures import FIXTURES_DIR
from course_utils.video.generate import RunwayAdapter

first_frame = (FIXTURES_DIR / "videogen" / "media" / "first_frame.png").read_bytes()
display(Image(first_frame))
runway = RunwayAdapter()
sail = VideoRequest("The paper boat catches the wind and sails off to the right", seconds=5, image=first_frame)
print(runway.estimate(sail, runway.spec("gen4_turbo")))

# %%
if may_spend():
    i2v = run_job(runway, sail, "gen4_turbo")
    print(i2v.summary())
    i2v.show()

# %% [markdown]
# ### A conversational edit (Omni only)
#
# Omni keeps the conversation: a follow-up interaction with `previous_interaction_id` edits the clip it
# made instead of starting over. No other provider here can do that; elsewhere you regenerate and hope.

# %%
if may_spend():
    dusk = run_job(omni, VideoRequest("Now make it dusk, with paper lanterns floating beside the boat", previous=t2v))
    print(dusk.summary())
    dusk.show()

# %% [markdown]
# ## 4. The job lifecycle, per provider
#
# The same small job on each provider, all at once (`asyncio.to_thread` runs the blocking SDK calls in
# threads; the cell uses top-level `await`). The plot shows how long each job waited in each state.
# In replay the stand-ins run scripted schedules on a clock 100× faster (the axis shows simulated
# seconds, so the kernel's own overhead shows up 100× too, mostly as *submitted*: accepted, no status
# seen yet); the schedules are assumptions written in the fixtures, not measurements: live, you get the
# providers' real ones.

# %%
import asyncio
from course_utils.video.generate import FalAdapter, KlingAdapter, VeoAdapter

jobs = [(VeoAdapter(), "veo-3.1-fast-generate-001", 4), (KlingAdapter(), "kling-v3", 5), (FalAdapter(), "pika-2.2", 5),
        (FalAdapter(), "seedance-2.0-fast", 4), (omni, "gemini-omni-1.1-flash", 6), (runway, "gen4_turbo", 5)]
lap = VideoRequest("A paper boat circles a lily pad, top-down view", seconds=5)
if may_spend():
    laps = await asyncio.gather(*(
        asyncio.to_thread(run_job, a, VideoRequest(lap.prompt, seconds=s, image=first_frame if m == "gen4_turbo" else None), m,
                          progress=False)  # six bars at once would interleave
        for a, m, s in jobs))
    print(f"{len(laps)} jobs finished:", ", ".join(r.model for r in laps))

# %%
# NBVAL_IGNORE_OUTPUT
import matplotlib.pyplot as plt
from course_utils.video.generate import plot_lifecycle

if may_spend():
    plot_lifecycle(laps)
    plt.show()
    for r in laps:
        print(f"{r.label + ' ' + r.model:<42}", {k: round(v) for k, v in r.time_in_states().items()})

# %% [markdown]
# ## 5. The four challenges, each in code
#
# The chapter names high cost, long waits, weak control and inconsistency across shots.
#
# ### 5a. Cost: price before you send
#
# The same clip priced on every model (the shortest clip each allows that is at least 5 s), straight from
# the price table. A model without a confirmed price is not called at all.

# %%
from course_utils.errors import CourseError

for adapter, model, _ in jobs + [(runway, "gen4.5", 5)]:
    spec = adapter.spec(model)
    seconds = min(d for d in spec.durations if d >= 5)
    try:
        est = adapter.estimate(VideoRequest("x", seconds=seconds), spec)
        print(f"{adapter.label + ' ' + model:<42} {seconds:>2} s  ${est.total_usd:.3f}   {spec.note}")
    except CourseError as exc:
        print(f"{adapter.label + ' ' + model:<42} {seconds:>2} s  not priced: {str(exc)[:70]}...")

# %% [markdown]
# The budget guard: a job whose estimate does not fit is refused before any request leaves. Here a
# strict ledger with \$0.50 left meets a 10 s Kling clip (in replay the stand-in's request count shows
# nothing was sent; live, the same refusal happens, for free):

# %%
from course_utils.ledger import Ledger
from course_utils.errors import BudgetExceeded

kling = jobs[1][0]
strict = Ledger(0.50, enforce=True)
sent_before = len(kling.standin.requests) if kling.standin else 0
try:
    run_job(kling, VideoRequest("A paper boat in the rain", seconds=10), ledger=strict)
except BudgetExceeded as exc:
    print("refused:", exc)
if kling.standin:
    print("requests sent to the Kling stand-in by that call:", len(kling.standin.requests) - sent_before)

# %% [markdown]
# ### 5b. Time: waits, rate limits and timeouts
#
# Typical waits are a few seconds to minutes per clip, and providers push back when you send too much.
# A 429 answer carries `Retry-After`; the job model waits exactly that and asks again (the adapters switch
# the SDKs' own retries off so there is one policy you can see; fal-client retries 429s itself and
# ignores the header). In replay, prompts mentioning *rush hour* are scripted to meet one 429:

# %%
if may_spend():
    busy = run_job(runway, VideoRequest("Rush hour traffic seen from a bridge, timelapse", seconds=5, image=first_frame),
                   "gen4_turbo", progress=False)
    for event in busy.events:
        if event.state == "rate limited":
            print(event.note)

# %% [markdown]
# Every wait has a timeout. A job still running at the deadline raises `OperationTimeout`, and the ledger
# keeps its reservation, because the provider may still finish it and bill you (in replay, a prompt with
# *forever* never finishes):

# %%
from course_utils.errors import OperationTimeout

if may_spend():
    try:
        run_job(omni, VideoRequest("A paper boat sailing forever"), timeout_s=120, progress=False)
    except OperationTimeout as exc:
        print("timed out:", exc)

# %% [markdown]
# And a refusal: the provider's own words, plus what to do, in one `JobFailed` (in replay, prompts naming
# a famous person or a logo are refused):

# %%
from course_utils.errors import JobFailed

if may_spend():
    try:
        run_job(runway, VideoRequest("A famous singer waving from the paper boat", seconds=5, image=first_frame),
                "gen4_turbo", progress=False)
    except JobFailed as exc:
        print(f"{exc.state}: {exc}")

# %% [markdown]
# ### 5c. Controllability: what each model lets you set
#
# Beyond the prompt, each model takes different controls. This table comes from the adapters' model specs:

# %%
for adapter, model, _ in jobs + [(runway, "gen4.5", 5), (omni, "gemini-omni-1.2-flash", 6)]:
    spec = adapter.spec(model)
    lengths = f"{min(spec.durations)}-{max(spec.durations)} s" if len(spec.durations) > 3 else "/".join(map(str, spec.durations)) + " s"
    print(f"{model:<26} {lengths:<10} {'·'.join(spec.aspect_ratios):<34} {', '.join(spec.extras)}")

# %% [markdown]
# Veo 3.1 takes a first *and* a last frame: the clip must start on one picture and end on the other, the
# tightest control over motion any of them offers. It lives on Vertex AI now, which changes how you sign
# in: no API key, but a Google Cloud *project* (`GOOGLE_CLOUD_PROJECT`, billing and the Vertex AI API
# enabled), a *region* (`GOOGLE_CLOUD_LOCATION`, default `us-central1`) and Google Cloud credentials
# (`gcloud auth application-default login`, or `google.colab.auth.authenticate_user()` in Colab). The same
# `google-genai` client, created with `vertexai=True`:

# %%
veo = jobs[0][0]
print(veo.where())

# %%
last_frame = (FIXTURES_DIR / "videogen" / "media" / "last_frame.png").read_bytes()
display(Image(last_frame))
if may_spend():
    framed = run_job(veo, VideoRequest("The paper boat sails from sunset into the night", seconds=4,
                                       image=first_frame, last_frame=last_frame))
    print(framed.summary())

# %% [markdown]
# ### 5d. Consistency across shots
#
# Separate clips drift in style, light and characters. The pipeline below fights that with one style line
# added to every prompt and one seed for every shot (Omni's edits and reference images are the stronger
# tools). Here are the prompts it will send:

# %%
from course_utils.video import compose

SCRIPT = '''
TITLE: The paper boat
SCENE: Launch
VISUAL: A child's hands set a paper boat on a still pond at sunrise
NARRATION: Every journey starts small, with one careful push away from the shore.
SCENE: The crowd
VISUAL: The boat drifts past a stadium crowd of ducks cheering on the bank
NARRATION: Some find an audience they never expected.
SCENE: Harbour
VISUAL: The boat reaches a tiny harbour built of river stones
NARRATION: And every boat finds a harbour in the end.
'''
title, scenes = compose.parse_script(SCRIPT)
shots = compose.shot_list(scenes, style="watercolour illustration, soft morning light, same paper boat throughout")
for shot in shots:
    print(f"{shot.index}. {shot.title}: narration {shot.narration_seconds:.1f} s -> shot {shot.seconds:g} s, seed {shot.seed}")
    print(f"   {shot.prompt}")

# %% [markdown]
# ## 6. Script to video
#
# The narration is spoken offline with espeak-ng and measured, so each shot lasts as long as its words.
# The plan asks every provider for the shortest clip it allows that covers a shot, prices it, takes the
# cheapest fit, and names a fallback on another provider:

# %%
plan = compose.plan_shots(shots, concurrency=2)
plan

# %% [markdown]
# Generate the shots two at a time. A shot that fails is retried once on its fallback (in replay the
# Pika stand-in is scripted to fail the *stadium crowd* shot, so you can watch the retry):

# %%
if may_spend():
    results = await compose.generate_shots(plan, concurrency=2, progress=False)
    for result in results:
        print("\n".join(result.log))

# %% [markdown]
# Stitch locally with PyAV: an opening card, then per shot a title card and its clip (trimmed to the
# narration, or its last frame held), with the narration as the audio track. The result is checked
# against the plan: its length and its two streams.

# %%
import tempfile
from pathlib import Path

if may_spend():
    story = compose.stitch(title, shots, results, Path(tempfile.gettempdir()) / "paper_boat.mp4")
    info = compose.probe_mp4(story)
    print(f"planned {plan.planned_seconds:g} s, got {info['seconds']:.2f} s;",
          "streams:", ", ".join(f"{s['type']} ({s['codec']})" for s in info["streams"]))

# %%
from IPython.display import Video

Video(str(story), embed=True, width=480, html_attributes="controls") if may_spend() else None

# %% [markdown]
# ## 7. What it cost
#
# Every job above went through the ledger: estimated before, settled after (from Google's usage, Runway's
# credits, or the estimate where a provider reports nothing). In replay nothing is charged.

# %%
from collections import defaultdict

totals = defaultdict(lambda: [0, 0.0, 0.0])
for entry in cfg.ledger.entries:
    t = totals[entry.provider]
    t[0] += 1
    t[1] += entry.estimate_usd
    t[2] += entry.actual_usd or 0.0
for provider, (n, est, act) in sorted(totals.items()):
    print(f"{provider:<8} {n:>2} calls  estimated ${est:7.3f}  actual ${act:7.3f}")
print("charged:", "nothing (replay)" if cfg.is_replay else f"${cfg.ledger.spent_usd:.3f}")

# %% [markdown]
# ## Summary
#
# - Video generation in late 2026 means Google (Omni Flash by default, Veo 3.1 on Vertex), Runway, Kling
#   and models hosted on fal; Sora's API is gone (2026-09-24).
# - Every provider runs jobs; one job model (estimate, budget, submit, poll with backoff and Retry-After,
#   timeout, download, ledger) covers them all, with one error that carries the provider's own words.
# - Price first, from dated data; refuse what does not fit the budget before sending anything.
# - Plan every shot with a fallback on another provider: providers close APIs, refuse prompts and fail.
