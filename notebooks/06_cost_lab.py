# %% [markdown]
# # 8.4 Cost lab: estimating realtime voice and video costs before you pay them
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/realtime-video-lab/realtime-video-lab/blob/main/notebooks/06_cost_lab.ipynb)
#
# **Cost of running it live:** <span>&#36;</span>0 (it makes no API calls). In replay mode (the default) it costs nothing and needs no key.
#
# Every figure here comes from `data/pricing/prices.csv` and `data/pricing/token_rules.csv`, one row per model and unit, each with its source and the date it was checked. Exercises: a cell for your answer, a checker that says right or how far off and why. The solutions live in `course_utils.cost_lab`, not in the cells.

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
# ## 1. Where the prices come from
# A price is a row with a source and an as-of date. Prices change on dates: Gemini 3.8 Flash's promotion ends on 2026-12-31, models shut down. So every estimate takes a date (`on=`).

# %%
from course_utils import cost_lab, costs

row = costs.price_row("gpt-realtime-2.1", "audio_input", on=cost_lab.AS_OF)
print(f"{row.model} {row.item}: ${row.usd} per {row.unit} ({row.status}; source {row.source}, as of {row.as_of})")

# %% [markdown]
# The chapter's model, `gpt-4o-realtime-preview`, is shut down. It stays in the table only as dated history: asking for today's price is refused, asking for a date when it ran works. Its *prices* come from OpenAI's posts of the time (launch 2024-10-01; the 2024-12-17 snapshot cut audio by 60%: [openai.com/index/o1-and-new-tools-for-developers](https://openai.com/index/o1-and-new-tools-for-developers/)). Its *end date* in the table, 2026-04-03, is not OpenAI's: it is the day voice platforms stopped offering it ([Retell's notice](https://docs.retellai.com/deprecation-notice/2026/04-03_model_replacements), read 2026-12-04); OpenAI's own shutdown date for the preview snapshots was not confirmed (its [deprecations page](https://developers.openai.com/api/docs/deprecations), read 2026-12-04), so read it as "gone by then at the latest".

# %%
try:
    costs.price("gpt-4o-realtime-preview", "audio_input", on=cost_lab.AS_OF)
except course_utils.CourseError as err:
    print(err)
print("launch price, 2024-10-15:", costs.price("gpt-4o-realtime-preview", "audio_input", on="2024-10-15"), "USD per 1M audio tokens")

# %% [markdown]
# ## 2. The chapter's claim: "1 minute of voice conversation ~ <span>&#36;</span>0.12-0.20"
# It holds for one exchange read once, at the launch price: 30 s of user audio (300 tokens x <span>&#36;</span>100/1M) plus a 30 s answer (600 tokens x <span>&#36;</span>200/1M) is <span>&#36;</span>0.15.

# %%
costs.estimate_realtime_conversation("gpt-4o-realtime-preview", turns=1, user_seconds_per_turn=30,
                                      assistant_seconds_per_turn=30, instructions_tokens=0, caching=False,
                                      transcript_tokens_per_second=0, on="2024-10-15")

# %% [markdown]
# But a real minute has several turns, and **every response re-reads the whole conversation so far**. Like with like: the *same* 30 s of user audio and 30 s of answer, split into four exchanges of 7.5 s + 7.5 s (still no instructions, no transcripts, no caching). Only the re-reading differs:

# %%
one = costs.estimate_realtime_conversation("gpt-4o-realtime-preview", turns=1, user_seconds_per_turn=30,
                                           assistant_seconds_per_turn=30, instructions_tokens=0, caching=False,
                                           transcript_tokens_per_second=0, on="2024-10-15")
four = costs.estimate_realtime_conversation("gpt-4o-realtime-preview", turns=4, user_seconds_per_turn=7.5,
                                            assistant_seconds_per_turn=7.5, instructions_tokens=0, caching=False,
                                            transcript_tokens_per_second=0, on="2024-10-15")
print(f"one exchange ${one.total_usd:.3f}; the same audio in four exchanges ${four.total_usd:.3f}: "
      f"re-reading alone adds {four.total_usd / one.total_usd - 1:.0%}")
four

# %% [markdown]
# Today's flagship, with prompt caching (the re-read prefix is billed at the cached rate once the prompt reaches 1,024 tokens: [prompt caching](https://developers.openai.com/api/docs/guides/prompt-caching), read 2026-12-04). A more realistic minute this time: four turns of 5 s + 10 s, 500 tokens of instructions, transcripts included (the package's defaults), so compare it with the line above only loosely:

# %%
costs.estimate_realtime_conversation("gpt-realtime-2.1", turns=4, on=cost_lab.AS_OF)

# %% [markdown]
# ## 3. Exercise: a realtime voice support line

# %%
print(cost_lab.question("support_line_daily"))

# %% [markdown]
# Write your estimate (USD) in place of `None`, using `costs.estimate_realtime_conversation` or pencil and paper, then run the checker.

# %%
my_answer = None  # USD per day
cost_lab.check("support_line_daily", my_answer)

# %% [markdown]
# The checker recognises common mistakes. Here is what it says to someone who priced each second of audio once:

# %%
cost_lab.check("support_line_daily", 14.69)

# %% [markdown]
# Caching matters more the longer the call:

# %%
print(cost_lab.question("support_line_no_cache"))
my_answer = None  # USD more per day
cost_lab.check("support_line_no_cache", my_answer)

# %% [markdown]
# OpenAI's Live API bills session time instead of tokens: a flat rate per minute, silence included.

# %%
print(cost_lab.question("support_line_live"))
my_answer = None  # USD per day
cost_lab.check("support_line_live", my_answer)

# %% [markdown]
# ### The picture: cost of one call against its length
# Token-billed realtime calls grow faster than linearly (each reply re-reads everything), the Live API's per-minute price is a straight line. Where they cross is where the choice flips (notebook 07 computes the crossing points).

# %%
import matplotlib.pyplot as plt

minutes = [1, 2, 4, 6, 8, 10, 15, 20, 25, 30]
curves = cost_lab.conversation_growth(minutes)
fig, ax = plt.subplots(figsize=(7, 4))
for model, usd in curves.items():
    ax.plot(minutes, usd, marker="o", label=model)
ax.set(xlabel="call length (minutes, 4 turns a minute)", ylabel="cost of one call (USD)",
       title="Realtime re-reads the conversation; Live bills minutes")
ax.legend()
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# ## 4. Exercise: understanding a 5-minute product demo
# Gemini 3 samples video at 1 frame per second and counts 70 tokens a frame at default/low/medium media resolution, 280 at high ([media resolution](https://ai.google.dev/gemini-api/docs/media-resolution), read 2026-11-25), plus 32 tokens per second of audio ([audio](https://ai.google.dev/gemini-api/docs/audio), read 2026-12-04; one other Google page says 25 per second, which would make the audio share about a fifth smaller: measure it with `usage_metadata` on a live call).

# %%
print(cost_lab.question("demo_video_default"))
my_answer = None  # USD
cost_lab.check("demo_video_default", my_answer)

# %%
print(cost_lab.question("demo_video_high_vs_low"))
my_answer = None  # a ratio
cost_lab.check("demo_video_high_vs_low", my_answer)

# %%
print(cost_lab.question("demo_screenshots"))
my_answer = None  # USD
cost_lab.check("demo_screenshots", my_answer)

# %% [markdown]
# The three ways side by side (screenshots are cheapest, and notebook 03 shows what they miss: motion between frames and everything said on the audio track):

# %%
options = {
    "video, default": costs.estimate_video_understanding("gemini-3.8-flash", 300, on=cost_lab.AS_OF),
    "video, high": costs.estimate_video_understanding("gemini-3.8-flash", 300, media_resolution="high", on=cost_lab.AS_OF),
    "20 screenshots, low": costs.estimate_gemini_images("gemini-3.8-flash", 20, "low", on=cost_lab.AS_OF),
    "video, default, 2027 price": costs.estimate_video_understanding("gemini-3.8-flash", 300, on="2027-01-02"),
}
fig, ax = plt.subplots(figsize=(7, 3))
ax.barh(list(options), [c.total_usd for c in options.values()], color="tab:orange")
ax.set(xlabel="USD per call", title="5-minute demo video on gemini-3.8-flash")
plt.show()

# %% [markdown]
# ## 5. Exercise: script to video across providers

# %%
print(cost_lab.question("script_to_video_cheapest"))
my_answer = None  # USD
cost_lab.check("script_to_video_cheapest", my_answer)

# %% [markdown]
# Cost per finished video second, by provider (720p). Gemini Omni Flash is billed in tokens; its per-second figure is tokens per second at 720p x the output-video rate, the rule written in the estimate's note. Kling's figure is a reseller's list price (no official one found).

# %%
table = cost_lab.video_generation_table(seconds=1)
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.barh([name for name, _ in table], [usd for _, usd in table], color="tab:green")
ax.set(xlabel="USD per second of finished 720p video", title="Video generation, " + cost_lab.AS_OF)
plt.show()

# %%
print(costs.estimate_video_generation("google", "gemini-omni-1.1-flash", 5, "720p", on=cost_lab.AS_OF))

# %% [markdown]
# Sora 2 is history: its API closed on 2026-09-24. Its last price is kept with its dates, and today it is refused.

# %%
print(costs.estimate_video_generation("openai", "sora-2", 5, "720p", on="2026-09-01"))
try:
    costs.estimate_video_generation("openai", "sora-2", 5, "720p", on=cost_lab.AS_OF)
except course_utils.CourseError as err:
    print(err)

# %% [markdown]
# ## 6. The budget guard
# In live mode every call is priced before it runs; a call that would pass the budget is refused before any request leaves the machine. Here a live config with a <span>&#36;</span>0.50 budget (nothing is sent):

# %%
live = course_utils.setup(mode="live", budget_usd=0.50, quiet=True)
clip = costs.estimate_video_generation("google", "gemini-omni-1.1-flash", 5, "720p", on=cost_lab.AS_OF)
try:
    live.ledger.reserve("google", "gemini-omni-1.1-flash", "5 s clip", clip.total_usd)
except course_utils.BudgetExceeded as err:
    print(err)
cfg = course_utils.setup(quiet=True)  # back to replay
