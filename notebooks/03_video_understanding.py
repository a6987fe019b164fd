# %% [markdown]
# # 8.4 Video understanding: a 5-minute product demo, three ways
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/realtime-video-lab/realtime-video-lab/blob/main/notebooks/03_video_understanding.ipynb)
#
# **Cost of running it live:** about <span>&#36;</span>0.20 at 2026-11 prices (nine Gemini 3.8 Flash calls on a 5-minute video, one gpt-transcribe minute-priced transcription, two small gpt-6-luna calls; every call prints its estimate and reserves it before it runs). In replay mode (the default) it costs nothing and needs no key.
#
# The chapter's scenario 2: *"Analyze this 5-minute product demo video, extract key feature points."* We do it the two traditional ways the chapter names (screenshots to a vision model; the audio track to a transcriber), then with Gemini's native video understanding through `google-genai`, and score all three against the video's ground truth: features found or missed, timestamp error, and which facts each method can see at all.

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
# Three exercises along the way ask you to write code; a checker runs it and says what is wrong, if anything.

# %%
from course_utils.exercises import Grader

grader = Grader("03")

# %% [markdown]
# Replay outputs use the prices the fixtures were made with; live runs use today's prices (Gemini 3.8 Flash's promotional price ends on 2026-12-31).

# %%
PRICES_ON = None if cfg.is_live else "2026-11-25"

# %% [markdown]
# ## 1. The video and what is really in it
# The demo is synthetic: `scripts/make_demo_video.py` draws every frame (title cards and a simple animated app for six features of *Tasklane*, a fictional task app) and has espeak-ng speak the narration. So every fact is known: when each feature starts and ends, what is on screen, what is said, and where the cuts are.

# %%
import json

from course_utils.fixtures import DATA_DIR
from course_utils.video import contact_sheet, cut_clip, extract_audio, mmss, probe, sample_frames, scene_changes

VIDEO = DATA_DIR / "video" / "product_demo.mp4"
truth = json.loads((DATA_DIR / "video" / "product_demo.ground_truth.json").read_text())
print(probe(VIDEO))
print(truth["provenance"])

# %% [markdown]
# Each feature has facts that only the picture shows and facts that only the narrator says. They are what will separate the methods.

# %%
for f in truth["features"]:
    print(f"{mmss(f['start_s'])}-{mmss(f['end_s'])} {f['name']}")
    print("   only on screen:", "; ".join(x["fact"] for x in f["visual_only"]))
    print("   only said:     ", "; ".join(x["fact"] for x in f["audio_only"]))

# %% [markdown]
# ## 2. The local toolkit: frames, cuts, audio
# `sample_frames(path, every_s=..., count=...)` returns `(time, RGB array)` pairs, each the frame on screen at that time. It converts only the frames it returns and skips to the keyframe before each time instead of decoding everything (`bench/bench_frames.py` measures it: several times faster than reading every frame, much faster than the `ffmpeg` CLI). Twenty evenly spaced frames are what a person taking screenshots would send:

# %%
frames = sample_frames(VIDEO, count=20)
print(len(frames), "frames at", ", ".join(mmss(t) for t, _ in frames))

# %%
contact_sheet(frames, cols=5, title="20 evenly spaced frames (one every 15 s)")

# %% [markdown]
# Scene cuts, from the colour difference between consecutive frames, against the true cut times:

# %%
cuts = scene_changes(VIDEO)
print("detected:", " ".join(mmss(c) for c in cuts))
print("truth:   ", " ".join(mmss(c) for c in truth["cuts_s"]))

# %% [markdown]
# ## 3. Traditional method (a): screenshots to a vision model
# The 20 frames go, each labelled with its time, to `gpt-6-luna` (OpenAI's small chat model, the replacement its [deprecations page](https://developers.openai.com/api/docs/deprecations) names for the GPT-4o and GPT-4.1 families, read 2026-12-04; third-party model pages list image input for it, and its image-token rule is not confirmed, so the estimate uses GPT-4o-class tiling: unverified). The chapter used `gpt-4.1-mini`: deprecated, it leaves the API on 2027-01-14 (same page, notice of 2026-10-14). The answer comes back as the same pydantic schema we will ask Gemini for, so all methods are scored alike. In replay mode the answer is a fixture written by hand from these 20 frames (its provenance says so).

# %%
from course_utils import video as vu
from course_utils.clients import openai_client

oai = openai_client(fixtures=[("openai_vision_demo", "frames_to_vision"), ("openai_vision_demo", "transcript")])


def show_features(features):
    for f in features:
        span = f"{f.start}-{f.end}" if f.start else "(no time) "
        print(f"{span:<11} {f.name:<17} [{f.source}] {f.evidence[:80]}")


by_frames = vu.ask_about_frames(oai, frames, on=PRICES_ON)
print(by_frames.summary())
show_features(by_frames.parsed.features)

# %% [markdown]
# Scored against the ground truth: a feature is *found* when its name matches, and the start error is how far the predicted start is from the true one.

# %%
score_frames = vu.score_features(by_frames.parsed.features, truth, "20 frames -> gpt-6-luna")
score_frames

# %% [markdown]
# ## 4. Traditional method (b): the audio track, transcribed
# Extract the audio track (PyAV), transcribe it with `gpt-transcribe` (priced per minute), then ask `gpt-6-luna` for the features in the text.

# %%
import tempfile
from pathlib import Path

audio = extract_audio(VIDEO, Path(tempfile.mkdtemp()) / "demo_audio.mp3")
print(f"{audio.name}: {audio.stat().st_size / 1e6:.2f} MB")
transcript, transcription_cost = vu.transcribe(oai, audio, on=PRICES_ON)
print(transcription_cost)
print(transcript[:240], "...")

# %%
by_transcript = vu.features_from_transcript(oai, transcript, on=PRICES_ON)
print(by_transcript.summary())
show_features(by_transcript.parsed.features)
score_transcript = vu.score_features(by_transcript.parsed.features, truth, "audio -> transcript -> gpt-6-luna")
score_transcript

# %% [markdown]
# ## 5. What each traditional method misses
# A fact counts as covered when the answer contains its key phrases (a transparent check, not a judge: read the answers too). **In replay both answers are fixtures written by hand** (replayed, synthetic): which visible details they mention (the 'MK' avatar, a chip's label) is their author's choice, so the counts below show what the scoring does, not what a vision model or a transcriber misses. What does not depend on the author is what the inputs *can* contain: a frame shows only its instant, a transcript only what was said.

# %%
visual = [x for f in truth["features"] for x in f["visual_only"]]
spoken = [x for f in truth["features"] for x in f["audio_only"]]


def coverage(text):
    return sum(vu.facts_covered(text, visual)), sum(vu.facts_covered(text, spoken))


for name, text in [("frames", by_frames.text), ("transcript", transcript + by_transcript.text)]:
    v, a = coverage(text)
    print(f"{name:<11} on-screen facts {v}/{len(visual)}, spoken facts {a}/{len(spoken)}")
missed = [x["fact"] for x, ok in zip(visual, vu.facts_covered(by_frames.text, visual)) if not ok]
print("\non-screen facts the 20 frames missed:", *missed, sep="\n  ")

# %% [markdown]
# What holds whatever the model: the screenshots see only 20 instants, so a 2-second toast between two samples is in none of them, the timer's start (25:00) fell between frames, and so did the first feature's title card; nothing said reaches them. The transcript has every spoken fact but no picture and no time. The start errors and coverage counts printed above come from the hand-written answers (replayed, synthetic); run live to measure the models.

# %% [markdown]
# ## 6. Native video understanding: from `google-generativeai` to `google-genai`
# The chapter's code, unchanged (not run here):
#
# ```python
# import google.generativeai as genai
#
# genai.configure(api_key="YOUR_GOOGLE_API_KEY")
# model = genai.GenerativeModel("gemini-2.0-flash-exp")
# video_file = genai.upload_file(path="product_demo.mp4")
# response = model.generate_content(["Please analyze this video ...", video_file])
# ```
#
# Two things broke: the `google-generativeai` package reached end of life (all support ended in November 2025: [its PyPI page](https://pypi.org/project/google-generativeai/), read 2026-12-04), and the Gemini 2.x models were shut down in 2026 (`gemini-2.5-flash` on 2026-06-17: [Gemini deprecations](https://ai.google.dev/gemini-api/docs/deprecations), read 2026-12-04). The package is not even installed here:

# %%
try:
    import google.generativeai  # noqa: F401  (the chapter's SDK)
except ImportError as err:
    print(f"{type(err).__name__}: {err}. Use google-genai instead.")
else:
    print("google-generativeai is installed, but it is end-of-life: use google-genai instead.")

# %% [markdown]
# | step | chapter (`google-generativeai`) | now (`google-genai`) |
# |---|---|---|
# | client | `genai.configure(api_key=...)` | `client = genai.Client(api_key=...)` |
# | upload | `genai.upload_file(path=...)` | `client.files.upload(file=...)`, then poll `client.files.get` until `ACTIVE` |
# | ask | `genai.GenerativeModel(m).generate_content([...])` | `client.models.generate_content(model=m, contents=[...])` |
# | model | `gemini-2.0-flash-exp` (shut down) | `gemini-3.8-flash` (or `gemini-3.5-flash-lite`, cheaper) |
#
# `gemini_client()` returns a `genai.Client`: in replay mode pointed at a local stand-in of the Gemini API (through `HttpOptions(base_url=...)`; the SDK runs its own upload, polling and request code), in live mode at the real API with `GEMINI_API_KEY`.

# %%
from course_utils.clients import gemini_client

client = gemini_client()

# %% [markdown]
# Upload with the resumable upload protocol, then wait until the file is `ACTIVE` (live, a progress bar; replay takes a few seconds and draws none; a timeout, and a one-line error if processing fails). Files stay 48 hours; up to 2 GB each, 20 GB per project ([Files API](https://ai.google.dev/gemini-api/docs/files), read 2026-12-04).

# %%
video_file = vu.upload_video(client, VIDEO, poll_s=1.0)
print(video_file.name, video_file.state.value, video_file.mime_type, video_file.video_metadata)

# %% [markdown]
# A file the service cannot decode ends `FAILED`; the wait turns that into an error that says what to do:

# %%
import io

broken = client.files.upload(file=io.BytesIO(b"not a video" * 100),
                             config={"mime_type": "video/mp4", "display_name": "broken.mp4"})
try:
    vu.wait_until_active(client, broken, poll_s=1.0)
except course_utils.JobFailed as err:
    print(err)

# %% [markdown]
# The chapter's model is gone; the API answers `404 NOT_FOUND` (and charges nothing):

# %%
from google.genai import errors

try:
    client.models.generate_content(model="gemini-2.0-flash-exp", contents=[video_file, vu.CHAPTER_PROMPT])
except errors.ClientError as err:
    print(err.code, err.status, "-", err.message[:100])

# %% [markdown]
# The chapter's prompt with the new SDK and a current model, **priced before it runs**. Live, `count_tokens` is free and gives the API's own count. **In replay it does not**: the local stand-in answers `countTokens` with this package's own rules, so it agrees with the estimate by construction (replayed, synthetic) and checks nothing; run it live to check the rules against Google's count. The estimate applies Gemini 3's rules: 1 frame per second x 70 tokens ([media resolution](https://ai.google.dev/gemini-api/docs/media-resolution), read 2026-11-25), 32 tokens per second of audio ([audio](https://ai.google.dev/gemini-api/docs/audio), read 2026-12-04; one other Google page says 25 per second, so compare with `usage_metadata` on a live call), the prompt, and an assumed 1,000 output tokens.

# %%
MODEL = vu.DEFAULT_MODEL
contents = [video_file, vu.CHAPTER_PROMPT]
counted = client.models.count_tokens(model=MODEL, contents=contents).total_tokens
print(f"count_tokens: {counted:,} input tokens" + (" (replay: the stand-in's own formula)" if cfg.is_replay else " (Google's count)"))
estimate = vu.estimate_call(MODEL, 300, prompt=vu.CHAPTER_PROMPT, on=PRICES_ON)
estimate

# %% [markdown]
# ### Exercise q1: count a video's tokens
#
# Write `video_tokens(duration_s, fps=1.0, media_resolution="default", audio=True, prompt_tokens=200)`: the
# input tokens of one Gemini 3 call on a video, by the rules just used (frames sent x tokens per frame,
# audio tokens per second of the track, the prompt). The checker tries it on whole and clipped videos, at
# several frame rates and resolutions, with and without audio.
#
# Stuck? `grader.hint("q1")` gives a hint (ask again for the next one); `grader.solution("q1")` shows a
# solution. The same works for every exercise.

# %%
# EXERCISE q1
def video_tokens(duration_s, fps=1.0, media_resolution="default", audio=True, prompt_tokens=200):
    """Input tokens of one Gemini 3 call on a video: frames, audio track, prompt."""
    raise NotImplementedError  # your code here


# %%
grader.check("q1", video_tokens)

# %% [markdown]
# The ledger reserves the estimate (in live mode it refuses a call the budget cannot cover), then settles it with the actual cost from `usage_metadata`.

# %%
from course_utils import costs

with cfg.ledger.reserve("google", MODEL, "chapter prompt, 300 s", estimate.total_usd) as entry:
    response = client.models.generate_content(model=MODEL, contents=contents)
    actual = costs.cost_from_gemini_usage(response.usage_metadata, MODEL, on=PRICES_ON)
    entry.settle(actual.total_usd)
print(response.text)
actual

# %% [markdown]
# ### Exercise q2: price a call from its `usage_metadata`
#
# The actual cost above came from `response.usage_metadata`. Write `cost_from_usage(usage, model, on=None)`
# yourself: each entry of `usage.prompt_tokens_details` (its `modality` and `token_count`) at that
# modality's input price, and the output (`candidates_token_count`) and the thinking
# (`thoughts_token_count`, billed as output) at the output price, on the date `on`. Prices come from
# `costs.price(model, item, on)` in USD per 1M tokens, with `item` one of `"input_video"`, `"input_audio"`,
# `"input_text"`, `"output_text"`. The checker prices three calls: this model, a cheaper one whose audio
# costs more than its video, and this model after its promotional price ends.

# %%
# EXERCISE q2
def cost_from_usage(usage, model, on=None):
    """USD of one Gemini call from its usage_metadata."""
    raise NotImplementedError  # your code here


# %%
grader.check("q2", cost_from_usage)

# %% [markdown]
# ## 7. The five capabilities of the chapter's table, on the demo
# Each capability is asked of the part of the video that shows it best. Clipping (`start_offset`/`end_offset`) and frames per second (`fps`) travel in the request's `VideoMetadata`; tokens scale with seconds x fps. `vu.analyze_video` does the same pricing as above (count, estimate, reserve, call, settle).

# %%
for cap in vu.CAPABILITIES:
    print(f"{cap.name:<19} {cap.chapter:<46} asked of: {cap.window}")


def ask(cap):
    result = vu.analyze_video(client, video_file, cap.prompt, start_s=cap.start_s, end_s=cap.end_s,
                              fps=cap.fps, on=PRICES_ON)
    print(result.summary(), end="\n\n")
    print(result.text)
    return result


# %% [markdown]
# **Scene recognition**: the whole video at 0.5 fps (scenes last many seconds, so half the frames, half the video tokens). Compare its cut count with the local detector's above.

# %%
scenes = ask(vu.CAPABILITIES[0])

# %% [markdown]
# **Object detection**: the Team Board demo (01:49-02:28).

# %%
objects = ask(vu.CAPABILITIES[1])

# %% [markdown]
# **Action recognition**: the drag and drop in Smart Scheduling (01:05-01:44) at 5 fps: the drag lasts 6 s, which 1 fps would see as six still pictures. Five times the frames, five times the video tokens.

# %%
actions = ask(vu.CAPABILITIES[2])

# %% [markdown]
# **Temporal analysis**: the order of events over the whole video.

# %%
timeline = ask(vu.CAPABILITIES[3])

# %% [markdown]
# **Multimodal fusion**: Offline Sync (03:56-04:40), picture and sound together; this is what neither traditional method can do alone.

# %%
fusion = ask(vu.CAPABILITIES[4])
sync = next(f for f in truth["features"] if f["key"] == "offline")
print("\ncovered:", sum(vu.facts_covered(fusion.text, sync["visual_only"] + sync["audio_only"])), "of",
      len(sync["visual_only"] + sync["audio_only"]), "Offline Sync facts (on screen and said)")

# %% [markdown]
# Small clips can skip the upload and travel inline (up to 100 MB per request). `cut_clip` copies 44 s out of the file without re-encoding:

# %%
clip = cut_clip(VIDEO, 148, 192)
print(f"clip: {len(clip) / 1e6:.2f} MB, sent inline")
inline = vu.analyze_video(client, clip, vu.INLINE_CLIP_PROMPT, on=PRICES_ON)
print(inline.summary(), end="\n\n")
print(inline.text)

# %% [markdown]
# ## 8. Key features with timestamps: structured output, scored
# The same question as the traditional methods, answered as `KeyFeatures` (a pydantic model passed as `response_schema`; the SDK parses the JSON into `response.parsed`).

# %%
kf_default = vu.key_features(client, video_file, on=PRICES_ON)
print(kf_default.summary())
show_features(kf_default.parsed.features)

# %%
score_gemini = vu.score_features(kf_default.parsed.features, truth, "Gemini, video, default resolution")
score_gemini

# %% [markdown]
# **In replay mode this answer is a synthetic fixture written from the ground truth**, so its perfect score shows what the scoring does, not how good Gemini is. Run the notebook live to measure the model (the frames and transcript fixtures are just as synthetic: they show what those inputs *can* contain).

# %% [markdown]
# `media_resolution="low"`: for video, Gemini 3 counts 70 tokens per frame at default, low *and* medium resolution, so low saves nothing here; only `high` changes the count (280 per frame). For images and older models it is different: check `usage_metadata`.

# %%
kf_low = vu.key_features(client, video_file, media_resolution="low", on=PRICES_ON)
print(kf_low.summary())
score_low = vu.score_features(kf_low.parsed.features, truth, "Gemini, video, low resolution")

# %% [markdown]
# What other settings would cost, estimated without calling: high resolution, half the frames, the cheaper model.

# %%
options = {
    "high resolution": vu.estimate_call(MODEL, 300, media_resolution="high", prompt=vu.KEY_FEATURES_PROMPT, on=PRICES_ON),
    "0.5 fps": vu.estimate_call(MODEL, 300, fps=0.5, prompt=vu.KEY_FEATURES_PROMPT, on=PRICES_ON),
    vu.CHEAP_MODEL: vu.estimate_call(vu.CHEAP_MODEL, 300, prompt=vu.KEY_FEATURES_PROMPT, on=PRICES_ON),
}
for name, est in options.items():
    print(f"{name:<22} {sum(line.quantity for line in est.lines[:-1]):>8,.0f} input tokens  ${est.total_usd:.4f}")

# %% [markdown]
# ### Exercise q3: a frame rate that fits the budget and still sees everything
#
# One call on the whole 300 s demo, with its audio and a 200-token prompt, may use at most **25,000** input
# tokens, and must still have a frame inside every event of the ground truth (`truth["features"][i]["events"]`;
# the shortest lasts one second). At 1 fps the call is over budget; at 0.5 fps it fits, but does it see
# everything? Assume the frames are taken at 0, 1/fps, 2/fps, ... seconds. Choose
# `my_settings = {"fps": ..., "media_resolution": ...}` (compute, don't guess: your `video_tokens` and a
# loop over the events will tell you).

# %%
# EXERCISE q3
my_settings = None  # {"fps": ..., "media_resolution": ...}

# %%
grader.check("q3", my_settings)

# %% [markdown]
# ## 9. The three ways side by side
# In replay every answer and every usage figure below comes from a fixture (replayed, synthetic): the rows show what each method's input can hold and what the scoring does, not how good the models are.

# %%
methods = {
    "20 frames -> gpt-6-luna": (by_frames.prompt_tokens, by_frames.actual.total_usd, score_frames, by_frames.text),
    "audio -> transcript -> gpt-6-luna": (by_transcript.prompt_tokens,
                                          transcription_cost.total_usd + by_transcript.actual.total_usd,
                                          score_transcript, transcript + by_transcript.text),
    "Gemini video, default": (kf_default.prompt_tokens, kf_default.actual.total_usd, score_gemini, kf_default.text),
    "Gemini video, low": (kf_low.prompt_tokens, kf_low.actual.total_usd, score_low, kf_low.text),
}
if cfg.is_replay:
    print("(replayed, synthetic: answers and usage are fixtures)")
for name, (tokens, usd, score, text) in methods.items():
    v, a = coverage(text)
    err = "n/a" if score.mean_start_error_s is None else f"{score.mean_start_error_s:.1f} s"
    print(f"{name:<34} found {score.found}/6, start error {err:>6}, on screen {v:>2}/{len(visual)}, "
          f"said {a}/{len(spoken)}, {tokens:>6,} input tokens, ${usd:.4f}")

# %% [markdown]
# Tokens and cost as a plot. Gemini high resolution is an estimate (not called); the transcription is billed per minute, so only the follow-up text call has tokens.

# %%
import matplotlib.pyplot as plt

bars = {name: (tokens, usd) for name, (tokens, usd, _, _) in methods.items()}
bars["Gemini video, high (estimate)"] = (sum(line.quantity for line in options["high resolution"].lines[:-1]),
                                     options["high resolution"].total_usd)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.4), sharey=True)
names = list(bars)
colors = ["tab:gray", "tab:gray", "tab:blue", "tab:blue", "tab:cyan"]
ax1.barh(names, [bars[n][0] for n in names], color=colors)
replayed = " (replayed usage)" if cfg.is_replay else ""
ax1.set(xlabel="input tokens", title="input tokens per call" + replayed)
ax2.barh(names, [bars[n][1] for n in names], color=colors)
ax2.set(xlabel="USD", title="cost of the method" + replayed)
ax1.invert_yaxis()
fig.tight_layout()
plt.show()

# %% [markdown]
# Screenshots are the cheapest and the transcript is cheap too, but each sees half the video. Native video costs more tokens because it reads every second of picture *and* sound, and that is exactly why it can place features in time and combine what is shown with what is said. The levers on its cost are fps and clipping (not `media_resolution=low`, for video on Gemini 3).

# %% [markdown]
# ## 10. What this notebook spent
# Every call above, estimated before and settled after (in replay mode nothing is charged):

# %%
cfg.ledger

# %%
print(f"if run live: about ${sum(e.estimate_usd for e in cfg.ledger.entries):.2f} estimated, "
      f"${sum(e.actual_usd or 0 for e in cfg.ledger.entries):.2f} by the replayed usage")

# %% [markdown]
# ## 11. Recording your own fixtures
# With a key, `course_utils.setup(mode="record")` runs the same cells against the real APIs; the Gemini client then feeds a recorder, and
#
# ```python
# from course_utils.clients import gemini_recorder
# gemini_recorder().save(note="my run")
# ```
#
# writes each `generateContent` exchange as a fixture folder (key scrubbed, inline video dropped, provenance saying it was recorded) that replay mode serves next time.

# %% [markdown]
# ## Your exercises

# %%
grader.summary()
