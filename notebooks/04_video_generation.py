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
# placeholder clip. Run live, the paid cells together reserve about **<span>&#36;</span>9** and are expected to cost about
# **<span>&#36;</span>7** (2026-11 prices; Omni reserves its longest clip and is settled from usage). Paid cells only run
# live after you set `RUN_PAID = True` below, with a budget that covers them
# (`course_utils.setup(mode="live", budget_usd=10)`); any job that would pass the budget is refused
# before it is sent.

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

cfg = course_utils.setup()

# %% [markdown]
# Three exercises along the way ask you to write code; a checker runs it against the local stand-ins and says
# what is wrong, if anything.

# %%
from course_utils.exercises import Grader

grader = Grader("04")

# %% [markdown]
# ## 1. The chapter's table, and today's
#
# The chapter (written 2024–25) listed these. Every row has changed:
#
# | Model | Company | Status (chapter) | Features (chapter) | Price (chapter) |
# |---|---|---|---|---|
# | Sora | OpenAI | Beta | Highest quality, up to 60 seconds | Not public |
# | Runway Gen-3 | Runway | Available | Commercial-grade, 5-10 seconds | <span>&#36;</span>0.05/second |
# | Pika | Pika Labs | Available | User-friendly, 3-4 seconds | <span>&#36;</span>8/month (250 videos) |
# | Kling | Kuaishou | Available | High quality, Chinese support | ¥0.2/second |
#
# What you can call in November 2026 (checked against the providers' docs and the installed SDKs):
#
# | Provider · model | How you call it | Clips | Since / until |
# |---|---|---|---|
# | Google **Gemini Omni Flash** `gemini-omni-1.1-flash` (Google's default video model) | `google-genai` Interactions API; edits with `previous_interaction_id` | 3–10 s per clip (the model picks), scene extension up to 40 s in all; 16:9 · 9:16; 360p (about a third of the 720p price) to 4K; audio | GA 2026-08-27; 1.2 released 2026-11-05 (Google Cloud) |
# | Google **Veo 3.1** `veo-3.1-generate-001`, `veo-3.1-fast-generate-001`, `veo-3.1-lite-generate-001` | Vertex AI only: `google-genai` with `vertexai=True` | 4 · 6 · 8 s, first/last frame, reference images; lite is the cheapest tier (<span>&#36;</span>0.05/s at 720p, last Gemini-API price) | Gemini-API preview ids shut 2026-10-22 |
# | **Runway** `gen4.5`, `gen4_turbo` | `runwayml` SDK (`X-Runway-Version: 2024-11-06`) | 2–10 s; turbo: image-to-video | Gen-3 Alpha Turbo removed |
# | **Kling** `kling-v3` | REST + a JWT you sign (HS256) | 5 · 10 s | host moved to `api-singapore.klingai.com` |
# | **Pika 2.2**, **Seedance 2.0 fast** (on fal) | `fal-client` queue API | 5 · 10 s; 4–15 s | Pika sends API users to fal |
# | ~~OpenAI Sora 2 / Sora 2 Pro~~ | **shut down 2026-09-24**, no replacement | — | history only |
#
# Sources (checked 2026-11-25): Google's Omni and Veo pages and price list (ai.google.dev/gemini-api/docs/omni, ai.google.dev/gemini-api/docs/pricing,
# cloud.google.com/vertex-ai/generative-ai/docs/model-reference/veo-video-generation), Runway's API docs
# (docs.dev.runwayml.com), Kling's API reference (app.klingai.com/global/dev), fal's model pages
# (fal.ai/models/fal-ai/pika/v2.2/text-to-video, fal.ai/models/bytedance/seedance-2.0/fast/text-to-video),
# and the installed SDKs (google-genai 3.6, runwayml 5.24, fal-client 1.0). The prices come from
# `data/pricing/prices.csv`, each row with its own source and date (and Sora's with the dates it ran):

# %%
from course_utils import costs
from course_utils.display import HTMLTable

VIDEO_MODELS = ["gemini-omni-1.1-flash", "veo-3.1-generate-001", "veo-3.1-fast-generate-001", "veo-3.1-lite-generate-001",
                "gen4_turbo", "gen4.5",
                "gen3a_turbo", "kling-v3", "fal-ai/pika/v2.2/text-to-video", "bytedance/seedance-2.0/fast/text-to-video",
                "sora-2", "sora-2-pro"]
rows = []
for row in costs.price_table():
    if row.model in VIDEO_MODELS and row.item != "input":
        ran = f" ({row.valid_from} to {row.valid_until})" if row.valid_until else ""
        rows.append({"model": row.model, "item": row.item,
                     "price": "not confirmed" if row.usd is None else f"${row.usd:g} per {row.unit}",
                     "status": row.status + ran, "source": row.source, "read": row.as_of})
HTMLTable(rows)  # sources as short links; hover one for its full address

# %% [markdown]
# The chapter's two code samples, checked:
#
# - **Sora**: `client.videos.generate(model="sora-1.0", duration=10, ...)` never existed. Sora's "up to 60
#   seconds" was the February 2024 research preview ([openai.com/index/sora](https://openai.com/index/sora/));
#   the API that came in October 2025 was `client.videos.create(model="sora-2", seconds=...)` with clips of
#   4, 8 or 12 s (the installed SDK's `VideoSeconds` type), and it closed on 2026-09-24
#   ([sora-2 model page](https://developers.openai.com/api/docs/models/sora-2), read 2026-12-04).
# - **Runway**: a `POST https://api.runwayml.com/v1/generate` with `"model": "gen3"` matches nothing in Runway's
#   API. It lives at `https://api.dev.runwayml.com` (`/v1/image_to_video`, `/v1/text_to_video`, then
#   `/v1/tasks/{id}`), every request needs the `X-Runway-Version` header, and the Gen-3 model id was
#   `gen3a_turbo`, since removed ([Runway API reference](https://docs.dev.runwayml.com/api/), read 2026-12-04).
#
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
# ### The loop, written out
#
# Before using the package's `run_job`, here is the loop itself. The adapter does the provider's part
# (`submit`; `poll`, which answers one of the seven states or raises `RateLimited` on an HTTP 429;
# `download`); the rest is the same for every provider:
#
# 1. **price and reserve**: the estimate goes into the ledger, which refuses a job past the budget before
#    anything is sent;
# 2. **submit**;
# 3. **poll**: first after `poll_s`, then 1.5 times longer each time up to `max_poll_s` (a job takes minutes:
#    asking every second only wastes requests and invites 429s); on a 429, wait exactly what `Retry-After`
#    says and ask again; give up at `timeout_s`, *keeping* the reservation, because the provider may still
#    finish the job and bill it;
# 4. **settle and download**: the ledger gets what the provider says it charged (or the estimate, if it
#    says nothing), then the clip is saved.
#
# In replay the stand-ins run their schedules 100 times faster (`adapter.time_scale` is 0.01), so the loop
# scales its waits the same way and counts time in the provider's seconds.

# %%
import tempfile
import time
from pathlib import Path

from course_utils import errors
from course_utils.video.generate import RateLimited

ENDED = {"succeeded", "refused", "rejected", "failed", "cancelled"}


def my_run_job(adapter, request, model=None, *, timeout_s=900.0, poll_s=5.0, max_poll_s=30.0, backoff=1.5,
               ledger=None):
    """Reserve, submit, poll (backoff, Retry-After, timeout), settle, download; returns (clip path, ledger entry)."""
    spec = adapter.spec(model)
    adapter.check(request, spec)  # a length or ratio the model cannot make fails here, for free
    estimate = adapter.estimate(request, spec).total_usd
    ledger = ledger if ledger is not None else cfg.ledger
    entry = ledger.reserve(adapter.provider, spec.model, f"{request.mode} {request.seconds}s (my loop)", estimate)

    handle = adapter.submit(request, spec)
    job_id, start = adapter.job_id(handle), time.monotonic()

    def now():  # provider seconds since the job was accepted
        return (time.monotonic() - start) / adapter.time_scale

    def wait(seconds):
        time.sleep(seconds * adapter.time_scale)

    def give_up(why):  # keep the reservation: the job may still finish and be billed
        entry.settle(estimate, note="timed out: the job may still finish and be billed")
        return errors.OperationTimeout(f"{adapter.label} job {job_id} {why}; look it up later by its id, or raise timeout_s.")

    print(f"{now():6.1f} s  submitted {job_id}")
    interval, last = poll_s, None
    while True:
        try:
            status = adapter.poll(handle)
        except RateLimited as limited:  # HTTP 429: wait what the provider asks, then ask again
            pause = limited.retry_after if limited.retry_after is not None else interval
            if now() + pause >= timeout_s:
                raise give_up(f"was rate limited with less than {pause:g} s left before the {timeout_s:g} s timeout") from None
            print(f"{now():6.1f} s  HTTP 429: waiting {pause:g} s (Retry-After)")
            wait(pause)
            continue
        if status.state != last:
            print(f"{now():6.1f} s  {status.state}")
            last = status.state
        if status.state in ENDED:
            break
        if now() + interval > timeout_s:  # the next poll would come after the deadline
            raise give_up(f"was still {status.state} after {timeout_s:g} s")
        wait(interval)
        interval = min(interval * backoff, max_poll_s)

    if status.state != "succeeded":  # refused or failed: keep only what the provider charged
        if status.actual_usd:
            entry.settle(status.actual_usd)
        else:
            entry.cancel(status.state)
        raise errors.JobFailed(f"{adapter.label} {spec.model} {status.state}: {status.message}", provider=adapter.provider)
    entry.settle(status.actual_usd if status.actual_usd is not None else estimate)  # billed, whatever the download does
    clip = adapter.download(status)
    path = Path(tempfile.gettempdir()) / "course_videogen" / f"my-{adapter.provider}-{job_id}.mp4"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(clip)
    print(f"{now():6.1f} s  downloaded {len(clip):,} bytes")
    return path, entry


# %% [markdown]
# Run it on the Omni stand-in with a prompt that is scripted to meet one 429 on the way (*rush hour*). The
# times are the provider's seconds, measured, so they differ a little from run to run:

# %%
# NBVAL_IGNORE_OUTPUT
if may_spend():
    my_clip, my_entry = my_run_job(omni, VideoRequest("Rush hour traffic seen from a bridge, timelapse"))

# %%
if may_spend():
    print(f"{my_clip.name}: {my_clip.stat().st_size:,} bytes; ledger entry {my_entry.status}: "
          f"estimate ${my_entry.estimate_usd:.4f}, actual ${my_entry.actual_usd:.4f} (from the usage Google reports)")

# %% [markdown]
# The package's `run_job` is the same loop, with the edge cases handled: a job refused at submit
# (`JobRejected`), a storm of 429s (it stops after `max_rate_limited` in a row), SDK and network errors
# turned into one line with the provider's words and what to do (keys scrubbed), a clip cut short during the
# download (written under a temporary name and checked before it is kept), a progress bar, the events kept
# for the lifecycle plot below, and record mode. A test (`tests/test_lesson_loops_video.py`) runs both on
# the stand-ins and checks they end the same way: the same clip and ledger entry, the same wait after a 429,
# the same timeout. From here on the notebook uses `run_job`.

# %% [markdown]
# ### Text to video (Gemini Omni Flash)
#
# The adapter calls `client.interactions.create(model=..., input=prompt, background=True,
# response_format={"type": "video", ...})`, then `client.interactions.get(id)` until it completes, and
# decodes `interaction.output_video.data`. Live, a progress bar follows the job (in replay the job takes a second and
# draws none). The clip shows as a strip of stills (visible even before the notebook runs) and a player.

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
# the price table. A model without a confirmed price is not called at all. Omni chooses its own length, so the
# job model *reserves* its longest clip (10 s); the line below shows what a 5 s clip costs, like the others, with
# the reservation beside it. The chapter's "<span>&#36;</span>0.05-0.20 per second" still brackets the middle of today's range,
# which runs from <span>&#36;</span>0.04/s (Pika 2.2 at 720p) to <span>&#36;</span>0.40/s (Veo 3.1 standard) and <span>&#36;</span>0.60/s at 4K.

# %%
from course_utils.errors import CourseError

for adapter, model, _ in jobs + [(runway, "gen4.5", 5)]:
    spec = adapter.spec(model)
    seconds = min(d for d in spec.durations if d >= 5)
    try:
        est = adapter.estimate(VideoRequest("x", seconds=seconds), spec)
        if spec.model_picks_duration:  # the estimate reserves the longest clip; price the same length as the others
            reserved = est.total_usd
            est = costs.estimate_video_generation(spec.price_provider or adapter.provider, spec.price_model or spec.model,
                                                  seconds, "720p")
            print(f"{adapter.label + ' ' + model:<42} {seconds:>2} s  ${est.total_usd:.3f}   "
                  f"(the job reserves {max(spec.durations)} s: ${reserved:.3f}, settled from usage)")
            continue
        print(f"{adapter.label + ' ' + model:<42} {seconds:>2} s  ${est.total_usd:.3f}   {spec.note}")
    except CourseError as exc:
        print(f"{adapter.label + ' ' + model:<42} {seconds:>2} s  not priced: {str(exc)[:70]}...")

# %% [markdown]
# The budget guard: a job whose estimate does not fit is refused before any request leaves. Here a
# strict ledger with <span>&#36;</span>0.50 left meets a 10 s Kling clip (in replay the stand-in's request count shows
# nothing was sent; live, the same refusal happens, for free):

# %%
from course_utils.errors import BudgetExceeded
from course_utils.ledger import Ledger

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
# How long a clip takes is mostly unpublished. Google's Veo page gives about 11 s at best and up to 6 minutes at
# peak ([Veo docs](https://ai.google.dev/gemini-api/docs/video), read 2026-11-25); one public report gives about
# 24 s for a 10 s Omni clip (tanstack/ai issue #871, 2026-07); Runway and Kling publish no job times. So the
# chapter's "10 seconds of video takes 5-10 minutes" is not confirmed today: measure it live (the lifecycle plot
# above times every state of a real job). The waits the plan in section 6 shows (`~60 s` and so on) are
# **assumptions** written in the adapters (each with a `wait_note` saying so), not measurements.
#
# Providers also push back when you send too much. A 429 answer carries `Retry-After`; the job model waits
# exactly that and asks again (the adapters switch the SDKs' own retries off so there is one policy you can
# see). fal-client 1.0 retries 408/409/429 by itself with exponential backoff and does not read the header
# (`RETRY_CODES` and `_get_retry_delay` in fal_client/client.py, github.com/fal-ai/fal, read 2026-12-04).
# In replay, prompts mentioning *rush hour* are scripted to meet one 429:

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
# ### Exercise q1: collect a job that timed out
#
# The job above is still running at the provider, and it will be billed. Submitting it again would pay
# twice; look it up by its id instead. Write `collect(adapter, job_id, timeout_s=600)`: poll that job
# (`adapter.poll(job_id)`) until it ends, and return the clip's bytes (`adapter.download(status)`). Back off
# between polls, wait what `Retry-After` says on a 429 (`RateLimited.retry_after`), raise `OperationTimeout`
# at `timeout_s`, and raise `JobFailed` if the job ends refused or failed. Times are the provider's seconds:
# in replay, sleep `seconds * adapter.time_scale`. The checker starts its own Runway stand-in, lets
# `run_job` time out on a job, makes that job answer one 429, and hands you its id; then it tries a job that
# is refused and one that never ends.
#
# Stuck? `grader.hint("q1")` gives a hint (ask again for the next one); `grader.solution("q1")` shows a
# solution. The same works for every exercise.

# %%
# EXERCISE q1
def collect(adapter, job_id, timeout_s=600):
    """Poll a job that is already running (by its id) until it ends; return the clip's bytes."""
    raise NotImplementedError  # your code here


# %%
grader.check("q1", collect)

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
# ### Exercise q2: close the ledger entry, whatever the ending
#
# Every job reserved its estimate in the ledger before it was sent; when it ends, the entry must say what
# it really cost. Write `close_entry(entry, status)`, where `status` is the job's final `JobStatus`, or
# `None` if it timed out. Settle (`entry.settle(usd)`) at what the provider reports it charged
# (`status.actual_usd`); at the estimate (`entry.estimate_usd`) when it reports nothing, or when the job
# timed out (it may still be billed); and release the reservation (`entry.cancel(reason)`) when a refused
# or failed job cost nothing.

# %%
# EXERCISE q2
def close_entry(entry, status):
    """Settle or cancel a job's ledger entry; status is the final JobStatus, or None after a timeout."""
    raise NotImplementedError  # your code here


# %%
grader.check("q2", close_entry)

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
from course_utils.video.shots import parse_script, shot_list

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
title, scenes = parse_script(SCRIPT)
shots = shot_list(scenes, style="watercolour illustration, soft morning light, same paper boat throughout")
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
# ### Exercise q3: one model for every shot, under a budget
#
# The plan above takes the cheapest model per shot, so the shots may come from three providers and look it.
# One model for every shot keeps the style consistent. Write `one_model_plan(shot_seconds, budget_usd)`: for
# each model in `compose.CANDIDATES` that can make every shot, take per shot the shortest clip it makes that
# is at least as long as the shot (a model that picks its own length, like Omni 1.1, bills its longest);
# price the clips with `adapter.estimate(VideoRequest(prompt, seconds=clip), spec)` (a model without a
# confirmed price raises `CourseError`: leave it out); return the cheapest as
# `{"model": ..., "clips": [...], "usd": total}`, or `None` if even that is over the budget.

# %%
# EXERCISE q3
def one_model_plan(shot_seconds, budget_usd):
    """The cheapest single model that makes every shot, with its clip lengths and price; None if over budget."""
    raise NotImplementedError  # your code here


# %%
grader.check("q3", one_model_plan)

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
# against the plan with `probe` (the same reader notebook 03 uses): the container's length and its two streams.

# %%
from course_utils.video import probe
from course_utils.video.stitch import stitch

if may_spend():
    story = stitch(title, shots, results, Path(tempfile.gettempdir()) / "paper_boat.mp4")
    info = probe(story)
    print(f"planned {plan.planned_seconds:g} s, got {info.container_duration_s:.2f} s;",
          "streams:", ", ".join(f"{s['type']} ({s['codec']})" for s in info.streams))

# %%
from course_utils.video.display import VideoWithStill

VideoWithStill(story, width=480) if may_spend() else None  # a strip of stills, then the player

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
# Your exercises:

# %%
grader.summary()

# %% [markdown]
# ## Summary
#
# - Video generation in late 2026 means Google (Omni Flash by default, Veo 3.1 on Vertex), Runway, Kling
#   and models hosted on fal; Sora's API is gone (2026-09-24).
# - Every provider runs jobs; one job model (estimate, budget, submit, poll with backoff and Retry-After,
#   timeout, download, ledger) covers them all, with one error that carries the provider's own words.
# - Price first, from dated data; refuse what does not fit the budget before sending anything.
# - Plan every shot with a fallback on another provider: providers close APIs, refuse prompts and fail.
