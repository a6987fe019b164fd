"""Build notebooks/06_cost_lab.ipynb (outputs come from scripts/run_notebooks.py)."""
from nbbuild import code, header, md, write

FILE = "06_cost_lab.ipynb"
cells = header(FILE, "8.4 Cost lab: estimating realtime voice and video costs before you pay them", "$0 (it makes no API calls)",
               "Every figure here comes from `data/pricing/prices.csv` and `data/pricing/token_rules.csv`, one row per model "
               "and unit, each with its source and the date it was checked. Exercises: a cell for your answer, a checker "
               "that says right or how far off and why. The solutions live in `course_utils.cost_lab`, not in the cells.")
cells += [
    md("## 1. Where the prices come from\nA price is a row with a source and an as-of date. Prices change on dates: "
       "Gemini 3.8 Flash's promotion ends on 2026-12-31, models shut down. So every estimate takes a date (`on=`)."),
    code("from course_utils import costs, cost_lab\n\nrow = costs.price_row(\"gpt-realtime-2.1\", \"audio_input\", on=cost_lab.AS_OF)\n"
         "print(f\"{row.model} {row.item}: ${row.usd} per {row.unit} ({row.status}; source {row.source}, as of {row.as_of})\")"),
    md("The chapter's model, `gpt-4o-realtime-preview`, is shut down. It stays in the table only as dated history: "
       "asking for today's price is refused, asking for a date when it ran works."),
    code("try:\n    costs.price(\"gpt-4o-realtime-preview\", \"audio_input\", on=cost_lab.AS_OF)\nexcept course_utils.CourseError as err:\n"
         "    print(err)\nprint(\"launch price, 2024-10-15:\", costs.price(\"gpt-4o-realtime-preview\", \"audio_input\", on=\"2024-10-15\"), \"USD per 1M audio tokens\")"),
    md("## 2. The chapter's claim: \"1 minute of voice conversation ~ $0.12-0.20\"\nIt holds for one exchange read "
       "once, at the launch price: 30 s of user audio (300 tokens x $100/1M) plus a 30 s answer (600 tokens x $200/1M) is $0.15."),
    code("costs.estimate_realtime_conversation(\"gpt-4o-realtime-preview\", turns=1, user_seconds_per_turn=30,\n"
         "                                      assistant_seconds_per_turn=30, instructions_tokens=0, caching=False,\n"
         "                                      transcript_tokens_per_second=0, on=\"2024-10-15\")"),
    md("But a real minute has several turns, and **every response re-reads the whole conversation so far**. "
       "Four turns in that minute already cost more than double:"),
    code("costs.estimate_realtime_conversation(\"gpt-4o-realtime-preview\", turns=4, caching=False, on=\"2024-10-15\")"),
    md("Today's flagship, with prompt caching (the re-read prefix is billed at the cached rate once it reaches 1,024 tokens):"),
    code("costs.estimate_realtime_conversation(\"gpt-realtime-2.1\", turns=4, on=cost_lab.AS_OF)"),
    md("## 3. Exercise: a realtime voice support line"),
    code("print(cost_lab.question(\"support_line_daily\"))"),
    md("Write your estimate (USD) in place of `None`, using `costs.estimate_realtime_conversation` or pencil and paper, "
       "then run the checker."),
    code("my_answer = None  # USD per day\ncost_lab.check(\"support_line_daily\", my_answer)"),
    md("The checker recognises common mistakes. Here is what it says to someone who priced each second of audio once:"),
    code("cost_lab.check(\"support_line_daily\", 14.69)"),
    md("Caching matters more the longer the call:"),
    code("print(cost_lab.question(\"support_line_no_cache\"))\nmy_answer = None  # USD more per day\ncost_lab.check(\"support_line_no_cache\", my_answer)"),
    md("OpenAI's Live API bills session time instead of tokens: a flat rate per minute, silence included."),
    code("print(cost_lab.question(\"support_line_live\"))\nmy_answer = None  # USD per day\ncost_lab.check(\"support_line_live\", my_answer)"),
    md("### The picture: cost of one call against its length\nToken-billed realtime calls grow faster than linearly (each "
       "reply re-reads everything), the Live API's per-minute price is a straight line. Where they cross is where the "
       "choice flips (notebook 07 computes the crossing points)."),
    code("import matplotlib.pyplot as plt\n\nminutes = [1, 2, 4, 6, 8, 10, 15, 20, 25, 30]\ncurves = cost_lab.conversation_growth(minutes)\n"
         "fig, ax = plt.subplots(figsize=(7, 4))\nfor model, usd in curves.items():\n    ax.plot(minutes, usd, marker=\"o\", label=model)\n"
         "ax.set(xlabel=\"call length (minutes, 4 turns a minute)\", ylabel=\"cost of one call (USD)\",\n"
         "       title=\"Realtime re-reads the conversation; Live bills minutes\")\nax.legend()\nax.grid(alpha=0.3)\nplt.show()"),
    md("## 4. Exercise: understanding a 5-minute product demo\nGemini 3 samples video at 1 frame per second and counts "
       "70 tokens a frame at default/low/medium media resolution, 280 at high, plus 32 tokens per second of audio."),
    code("print(cost_lab.question(\"demo_video_default\"))\nmy_answer = None  # USD\ncost_lab.check(\"demo_video_default\", my_answer)"),
    code("print(cost_lab.question(\"demo_video_high_vs_low\"))\nmy_answer = None  # a ratio\ncost_lab.check(\"demo_video_high_vs_low\", my_answer)"),
    code("print(cost_lab.question(\"demo_screenshots\"))\nmy_answer = None  # USD\ncost_lab.check(\"demo_screenshots\", my_answer)"),
    md("The three ways side by side (screenshots are cheapest, and notebook 03 shows what they miss: motion between "
       "frames and everything said on the audio track):"),
    code("options = {\n    \"video, default\": costs.estimate_video_understanding(\"gemini-3.8-flash\", 300, on=cost_lab.AS_OF),\n"
         "    \"video, high\": costs.estimate_video_understanding(\"gemini-3.8-flash\", 300, media_resolution=\"high\", on=cost_lab.AS_OF),\n"
         "    \"20 screenshots, low\": costs.estimate_gemini_images(\"gemini-3.8-flash\", 20, \"low\", on=cost_lab.AS_OF),\n"
         "    \"video, default, 2027 price\": costs.estimate_video_understanding(\"gemini-3.8-flash\", 300, on=\"2027-01-02\"),\n}\n"
         "fig, ax = plt.subplots(figsize=(7, 3))\nax.barh(list(options), [c.total_usd for c in options.values()], color=\"tab:orange\")\n"
         "ax.set(xlabel=\"USD per call\", title=\"5-minute demo video on gemini-3.8-flash\")\nplt.show()"),
    md("## 5. Exercise: script to video across providers"),
    code("print(cost_lab.question(\"script_to_video_cheapest\"))\nmy_answer = None  # USD\ncost_lab.check(\"script_to_video_cheapest\", my_answer)"),
    md("Cost per finished video second, by provider (720p). Gemini Omni Flash is billed in tokens; its per-second figure "
       "is tokens per second at 720p x the output-video rate, the rule written in the estimate's note. Kling's figure "
       "is a reseller's list price (no official one found)."),
    code("table = cost_lab.video_generation_table(seconds=1)\nfig, ax = plt.subplots(figsize=(7, 3.5))\n"
         "ax.barh([name for name, _ in table], [usd for _, usd in table], color=\"tab:green\")\n"
         "ax.set(xlabel=\"USD per second of finished 720p video\", title=\"Video generation, \" + cost_lab.AS_OF)\nplt.show()"),
    code("print(costs.estimate_video_generation(\"google\", \"gemini-omni-1.1-flash\", 5, \"720p\", on=cost_lab.AS_OF))"),
    md("Sora 2 is history: its API closed on 2026-09-24. Its last price is kept with its dates, and today it is refused."),
    code("print(costs.estimate_video_generation(\"openai\", \"sora-2\", 5, \"720p\", on=\"2026-09-01\"))\n"
         "try:\n    costs.estimate_video_generation(\"openai\", \"sora-2\", 5, \"720p\", on=cost_lab.AS_OF)\nexcept course_utils.CourseError as err:\n    print(err)"),
    md("## 6. The budget guard\nIn live mode every call is priced before it runs; a call that would pass the budget is "
       "refused before any request leaves the machine. Here a live config with a $0.50 budget (nothing is sent):"),
    code("live = course_utils.setup(mode=\"live\", budget_usd=0.50, quiet=True)\nclip = costs.estimate_video_generation(\"google\", \"gemini-omni-1.1-flash\", 5, \"720p\", on=cost_lab.AS_OF)\n"
         "try:\n    live.ledger.reserve(\"google\", \"gemini-omni-1.1-flash\", \"5 s clip\", clip.total_usd)\nexcept course_utils.BudgetExceeded as err:\n"
         "    print(err)\ncfg = course_utils.setup(quiet=True)  # back to replay"),
]
write(FILE, cells)
