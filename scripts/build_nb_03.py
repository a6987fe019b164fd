"""Build notebooks/03_video_understanding.ipynb (outputs come from scripts/run_notebooks.py)."""
from nbbuild import code, header, md, write

FILE = "03_video_understanding.ipynb"
cells = header(
    FILE, "8.4 Video understanding: a 5-minute product demo, three ways",
    "about $0.20 at 2026-11 prices (nine Gemini 3.8 Flash calls on a 5-minute video, one gpt-transcribe minute-priced "
    "transcription, two small gpt-6-luna calls; every call prints its estimate and reserves it before it runs)",
    "The chapter's scenario 2: *\"Analyze this 5-minute product demo video, extract key feature points.\"* We do it "
    "the two traditional ways the chapter names (screenshots to a vision model; the audio track to a transcriber), "
    "then with Gemini's native video understanding through `google-genai`, and score all three against the video's "
    "ground truth: features found or missed, timestamp error, and which facts each method can see at all.")

cells += [
    md("Replay outputs use the prices the fixtures were made with; live runs use today's prices (Gemini 3.8 Flash's "
       "promotional price ends on 2026-12-31)."),
    code('PRICES_ON = None if cfg.is_live else "2026-11-25"'),

    md("## 1. The video and what is really in it\n"
       "The demo is synthetic: `scripts/make_demo_video.py` draws every frame (title cards and a simple animated app "
       "for six features of *Tasklane*, a fictional task app) and has espeak-ng speak the narration. So every fact "
       "is known: when each feature starts and ends, what is on screen, what is said, and where the cuts are."),
    code("import json\n\nfrom course_utils.fixtures import DATA_DIR\nfrom course_utils.video import (contact_sheet, cut_clip, "
         "extract_audio, mmss, probe,\n                                 sample_frames, scene_changes)\n\n"
         "VIDEO = DATA_DIR / \"video\" / \"product_demo.mp4\"\n"
         "truth = json.loads((DATA_DIR / \"video\" / \"product_demo.ground_truth.json\").read_text())\n"
         "print(probe(VIDEO))\nprint(truth[\"provenance\"])"),
    md("Each feature has facts that only the picture shows and facts that only the narrator says. They are what will "
       "separate the methods."),
    code("for f in truth[\"features\"]:\n"
         "    print(f\"{mmss(f['start_s'])}-{mmss(f['end_s'])} {f['name']}\")\n"
         "    print(\"   only on screen:\", \"; \".join(x[\"fact\"] for x in f[\"visual_only\"]))\n"
         "    print(\"   only said:     \", \"; \".join(x[\"fact\"] for x in f[\"audio_only\"]))"),

    md("## 2. The local toolkit: frames, cuts, audio\n"
       "`sample_frames(path, every_s=..., count=...)` returns `(time, RGB array)` pairs, each the frame on screen at "
       "that time. It converts only the frames it returns and skips to the keyframe before each time instead of "
       "decoding everything (`bench/bench_frames.py` measures it: several times faster than reading every frame, "
       "much faster than the `ffmpeg` CLI). Twenty evenly spaced frames are what a person taking screenshots would send:"),
    code("frames = sample_frames(VIDEO, count=20)\nprint(len(frames), \"frames at\", \", \".join(mmss(t) for t, _ in frames))"),
    code("contact_sheet(frames, cols=5, title=\"20 evenly spaced frames (one every 15 s)\")"),
    md("Scene cuts, from the colour difference between consecutive frames, against the true cut times:"),
    code("cuts = scene_changes(VIDEO)\nprint(\"detected:\", \" \".join(mmss(c) for c in cuts))\n"
         "print(\"truth:   \", \" \".join(mmss(c) for c in truth[\"cuts_s\"]))"),

    md("## 3. Traditional method (a): screenshots to a vision model\n"
       "The 20 frames go, each labelled with its time, to `gpt-6-luna` (the facts sheet's current small OpenAI chat "
       "model; third-party model pages list image input for it, OpenAI's own page was not checked here, and its "
       "image-token rule is not confirmed, so the estimate uses GPT-4o-class tiling). The chapter used `gpt-4.1-mini`, whose 2026 status we could not confirm. The answer comes "
       "back as the same pydantic schema we will ask Gemini for, so all methods are scored alike. In replay mode the "
       "answer is a fixture written by hand from these 20 frames (its provenance says so)."),
    code("from course_utils.clients import openai_client\nfrom course_utils.video import understand as vu\n\n"
         "oai = openai_client(fixtures=[(\"openai_vision_demo\", \"frames_to_vision\"), (\"openai_vision_demo\", \"transcript\")])\n\n\n"
         "def show_features(features):\n    for f in features:\n"
         "        span = f\"{f.start}-{f.end}\" if f.start else \"(no time) \"\n"
         "        print(f\"{span:<11} {f.name:<17} [{f.source}] {f.evidence[:80]}\")\n\n\n"
         "by_frames = vu.ask_about_frames(oai, frames, on=PRICES_ON)\nprint(by_frames.summary())\nshow_features(by_frames.parsed.features)"),
    md("Scored against the ground truth: a feature is *found* when its name matches, and the start error is how far "
       "the predicted start is from the true one."),
    code("score_frames = vu.score_features(by_frames.parsed.features, truth, \"20 frames -> gpt-6-luna\")\nscore_frames"),

    md("## 4. Traditional method (b): the audio track, transcribed\n"
       "Extract the audio track (PyAV), transcribe it with `gpt-transcribe` (priced per minute), then ask `gpt-6-luna` "
       "for the features in the text."),
    code("import tempfile\nfrom pathlib import Path\n\n"
         "audio = extract_audio(VIDEO, Path(tempfile.mkdtemp()) / \"demo_audio.mp3\")\n"
         "print(f\"{audio.name}: {audio.stat().st_size / 1e6:.2f} MB\")\n"
         "transcript, transcription_cost = vu.transcribe(oai, audio, on=PRICES_ON)\n"
         "print(transcription_cost)\nprint(transcript[:240], \"...\")"),
    code("by_transcript = vu.features_from_transcript(oai, transcript, on=PRICES_ON)\nprint(by_transcript.summary())\n"
         "show_features(by_transcript.parsed.features)\n"
         "score_transcript = vu.score_features(by_transcript.parsed.features, truth, \"audio -> transcript -> gpt-6-luna\")\n"
         "score_transcript"),

    md("## 5. What each traditional method misses\n"
       "A fact counts as covered when the answer contains its key phrases (a transparent check, not a judge: read the "
       "answers too)."),
    code("visual = [x for f in truth[\"features\"] for x in f[\"visual_only\"]]\n"
         "spoken = [x for f in truth[\"features\"] for x in f[\"audio_only\"]]\n\n\n"
         "def coverage(text):\n    return sum(vu.facts_covered(text, visual)), sum(vu.facts_covered(text, spoken))\n\n\n"
         "for name, text in [(\"frames\", by_frames.text), (\"transcript\", transcript + by_transcript.text)]:\n"
         "    v, a = coverage(text)\n    print(f\"{name:<11} on-screen facts {v}/{len(visual)}, spoken facts {a}/{len(spoken)}\")\n"
         "missed = [x[\"fact\"] for x, ok in zip(visual, vu.facts_covered(by_frames.text, visual)) if not ok]\n"
         "print(\"\\non-screen facts the 20 frames missed:\", *missed, sep=\"\\n  \")"),
    md("The screenshots see only 20 instants: a 2-second toast between two samples is gone, the timer's start "
       "(25:00) fell between frames, the first feature's title card too (hence its 14 s start error), and nothing "
       "said reaches them. The transcript has every spoken fact but no picture and no time: it names the features and "
       "cannot say when they start."),

    md("## 6. Native video understanding: from `google-generativeai` to `google-genai`\n"
       "The chapter's code, unchanged (not run here):\n\n"
       "```python\nimport google.generativeai as genai\n\ngenai.configure(api_key=\"YOUR_GOOGLE_API_KEY\")\n"
       "model = genai.GenerativeModel(\"gemini-2.0-flash-exp\")\n"
       "video_file = genai.upload_file(path=\"product_demo.mp4\")\n"
       "response = model.generate_content([\"Please analyze this video ...\", video_file])\n```\n\n"
       "Two things broke: the `google-generativeai` package reached end of life (support ended in November 2025), and "
       "the Gemini 2.x models were shut down in 2026. The package is not even installed here:"),
    code("try:\n    import google.generativeai  # noqa: F401  (the chapter's SDK)\nexcept ImportError as err:\n"
         "    print(f\"{type(err).__name__}: {err}. Use google-genai instead.\")\nelse:\n"
         "    print(\"google-generativeai is installed, but it is end-of-life: use google-genai instead.\")"),
    md("| step | chapter (`google-generativeai`) | now (`google-genai`) |\n|---|---|---|\n"
       "| client | `genai.configure(api_key=...)` | `client = genai.Client(api_key=...)` |\n"
       "| upload | `genai.upload_file(path=...)` | `client.files.upload(file=...)`, then poll `client.files.get` until `ACTIVE` |\n"
       "| ask | `genai.GenerativeModel(m).generate_content([...])` | `client.models.generate_content(model=m, contents=[...])` |\n"
       "| model | `gemini-2.0-flash-exp` (shut down) | `gemini-3.8-flash` (or `gemini-3.5-flash-lite`, cheaper) |\n\n"
       "`gemini_client()` returns a `genai.Client`: in replay mode pointed at a local stand-in of the Gemini API "
       "(through `HttpOptions(base_url=...)`; the SDK runs its own upload, polling and request code), in live mode "
       "at the real API with `GEMINI_API_KEY`."),
    code("from course_utils.standins.gemini import gemini_client\n\nclient = gemini_client()"),
    md("Upload with the resumable upload protocol, then wait until the file is `ACTIVE` (a progress bar on stderr, "
       "a timeout, and a one-line error if processing fails). Files stay 48 hours; up to 2 GB each."),
    code("video_file = vu.upload_video(client, VIDEO, poll_s=1.0)\n"
         "print(video_file.name, video_file.state.value, video_file.mime_type, video_file.video_metadata)"),
    md("A file the service cannot decode ends `FAILED`; the wait turns that into an error that says what to do:"),
    code("import io\n\nbroken = client.files.upload(file=io.BytesIO(b\"not a video\" * 100),\n"
         "                             config={\"mime_type\": \"video/mp4\", \"display_name\": \"broken.mp4\"})\n"
         "try:\n    vu.wait_until_active(client, broken, poll_s=1.0)\nexcept course_utils.JobFailed as err:\n    print(err)"),
    md("The chapter's model is gone; the API answers `404 NOT_FOUND` (and charges nothing):"),
    code("from google.genai import errors\n\ntry:\n"
         "    client.models.generate_content(model=\"gemini-2.0-flash-exp\", contents=[video_file, vu.CHAPTER_PROMPT])\n"
         "except errors.ClientError as err:\n    print(err.code, err.status, \"-\", err.message[:100])"),
    md("The chapter's prompt with the new SDK and a current model, **priced before it runs**: `count_tokens` is free "
       "and gives the API's own count; the estimate applies Gemini 3's rules (1 frame per second x 70 tokens, 32 "
       "tokens per second of audio, the prompt, and an assumed 1,000 output tokens)."),
    code("MODEL = vu.DEFAULT_MODEL\ncontents = [video_file, vu.CHAPTER_PROMPT]\n"
         "counted = client.models.count_tokens(model=MODEL, contents=contents).total_tokens\n"
         "print(f\"count_tokens: {counted:,} input tokens\")\n"
         "estimate = vu.estimate_call(MODEL, 300, prompt=vu.CHAPTER_PROMPT, on=PRICES_ON)\nestimate"),
    md("The ledger reserves the estimate (in live mode it refuses a call the budget cannot cover), then settles it "
       "with the actual cost from `usage_metadata`."),
    code("from course_utils import costs\n\n"
         "with cfg.ledger.reserve(\"google\", MODEL, \"chapter prompt, 300 s\", estimate.total_usd) as entry:\n"
         "    response = client.models.generate_content(model=MODEL, contents=contents)\n"
         "    actual = costs.cost_from_gemini_usage(response.usage_metadata, MODEL, on=PRICES_ON)\n"
         "    entry.settle(actual.total_usd)\nprint(response.text)\nactual"),

    md("## 7. The five capabilities of the chapter's table, on the demo\n"
       "Each capability is asked of the part of the video that shows it best. Clipping (`start_offset`/`end_offset`) "
       "and frames per second (`fps`) travel in the request's `VideoMetadata`; tokens scale with seconds x fps. "
       "`vu.analyze_video` does the same pricing as above (count, estimate, reserve, call, settle)."),
    code("for cap in vu.CAPABILITIES:\n    print(f\"{cap.name:<19} {cap.chapter:<46} asked of: {cap.window}\")\n\n\n"
         "def ask(cap):\n    result = vu.analyze_video(client, video_file, cap.prompt, start_s=cap.start_s, end_s=cap.end_s,\n"
         "                              fps=cap.fps, on=PRICES_ON)\n    print(result.summary(), end=\"\\n\\n\")\n"
         "    print(result.text)\n    return result"),
    md("**Scene recognition**: the whole video at 0.5 fps (scenes last many seconds, so half the frames, half the video "
       "tokens). Compare its cut count with the local detector's above."),
    code("scenes = ask(vu.CAPABILITIES[0])"),
    md("**Object detection**: the Team Board demo (01:49-02:28)."),
    code("objects = ask(vu.CAPABILITIES[1])"),
    md("**Action recognition**: the drag and drop in Smart Scheduling (01:05-01:44) at 5 fps: the drag lasts 6 s, "
       "which 1 fps would see as six still pictures. Five times the frames, five times the video tokens."),
    code("actions = ask(vu.CAPABILITIES[2])"),
    md("**Temporal analysis**: the order of events over the whole video."),
    code("timeline = ask(vu.CAPABILITIES[3])"),
    md("**Multimodal fusion**: Offline Sync (03:56-04:40), picture and sound together; this is what neither traditional "
       "method can do alone."),
    code("fusion = ask(vu.CAPABILITIES[4])\nsync = next(f for f in truth[\"features\"] if f[\"key\"] == \"offline\")\n"
         "print(\"\\ncovered:\", sum(vu.facts_covered(fusion.text, sync[\"visual_only\"] + sync[\"audio_only\"])), \"of\",\n"
         "      len(sync[\"visual_only\"] + sync[\"audio_only\"]), \"Offline Sync facts (on screen and said)\")"),
    md("Small clips can skip the upload and travel inline (up to 100 MB per request). `cut_clip` copies 44 s out of "
       "the file without re-encoding:"),
    code("clip = cut_clip(VIDEO, 148, 192)\nprint(f\"clip: {len(clip) / 1e6:.2f} MB, sent inline\")\n"
         "inline = vu.analyze_video(client, clip, vu.INLINE_CLIP_PROMPT, on=PRICES_ON)\nprint(inline.summary(), end=\"\\n\\n\")\n"
         "print(inline.text)"),

    md("## 8. Key features with timestamps: structured output, scored\n"
       "The same question as the traditional methods, answered as `KeyFeatures` (a pydantic model passed as "
       "`response_schema`; the SDK parses the JSON into `response.parsed`)."),
    code("kf_default = vu.key_features(client, video_file, on=PRICES_ON)\nprint(kf_default.summary())\n"
         "show_features(kf_default.parsed.features)"),
    code("score_gemini = vu.score_features(kf_default.parsed.features, truth, \"Gemini, video, default resolution\")\n"
         "score_gemini"),
    md("**In replay mode this answer is a synthetic fixture written from the ground truth**, so its perfect score "
       "shows what the scoring does, not how good Gemini is. Run the notebook live to measure the model (the frames "
       "and transcript fixtures are just as synthetic: they show what those inputs *can* contain)."),
    md("`media_resolution=\"low\"`: for video, Gemini 3 counts 70 tokens per frame at default, low *and* medium "
       "resolution, so low saves nothing here; only `high` changes the count (280 per frame). For images and older "
       "models it is different: check `usage_metadata`."),
    code("kf_low = vu.key_features(client, video_file, media_resolution=\"low\", on=PRICES_ON)\nprint(kf_low.summary())\n"
         "score_low = vu.score_features(kf_low.parsed.features, truth, \"Gemini, video, low resolution\")"),
    md("What other settings would cost, estimated without calling: high resolution, half the frames, the cheaper model."),
    code("options = {\n"
         "    \"high resolution\": vu.estimate_call(MODEL, 300, media_resolution=\"high\", prompt=vu.KEY_FEATURES_PROMPT, on=PRICES_ON),\n"
         "    \"0.5 fps\": vu.estimate_call(MODEL, 300, fps=0.5, prompt=vu.KEY_FEATURES_PROMPT, on=PRICES_ON),\n"
         "    vu.CHEAP_MODEL: vu.estimate_call(vu.CHEAP_MODEL, 300, prompt=vu.KEY_FEATURES_PROMPT, on=PRICES_ON),\n}\n"
         "for name, est in options.items():\n"
         "    print(f\"{name:<22} {sum(l.quantity for l in est.lines[:-1]):>8,.0f} input tokens  ${est.total_usd:.4f}\")"),

    md("## 9. The three ways side by side"),
    code("methods = {\n"
         "    \"20 frames -> gpt-6-luna\": (by_frames.prompt_tokens, by_frames.actual.total_usd, score_frames, by_frames.text),\n"
         "    \"audio -> transcript -> gpt-6-luna\": (by_transcript.prompt_tokens,\n"
         "                                          transcription_cost.total_usd + by_transcript.actual.total_usd,\n"
         "                                          score_transcript, transcript + by_transcript.text),\n"
         "    \"Gemini video, default\": (kf_default.prompt_tokens, kf_default.actual.total_usd, score_gemini, kf_default.text),\n"
         "    \"Gemini video, low\": (kf_low.prompt_tokens, kf_low.actual.total_usd, score_low, kf_low.text),\n}\n"
         "for name, (tokens, usd, score, text) in methods.items():\n    v, a = coverage(text)\n"
         "    err = \"n/a\" if score.mean_start_error_s is None else f\"{score.mean_start_error_s:.1f} s\"\n"
         "    print(f\"{name:<34} found {score.found}/6, start error {err:>6}, on screen {v:>2}/{len(visual)}, \"\n"
         "          f\"said {a}/{len(spoken)}, {tokens:>6,} input tokens, ${usd:.4f}\")"),
    md("Tokens and cost as a plot. Gemini high resolution is an estimate (not called); the transcription is billed per "
       "minute, so only the follow-up text call has tokens."),
    code("import matplotlib.pyplot as plt\n\nbars = {name: (tokens, usd) for name, (tokens, usd, _, _) in methods.items()}\n"
         "bars[\"Gemini video, high (estimate)\"] = (sum(l.quantity for l in options[\"high resolution\"].lines[:-1]),\n"
         "                                     options[\"high resolution\"].total_usd)\n"
         "fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.4), sharey=True)\n"
         "names = list(bars)\ncolors = [\"tab:gray\", \"tab:gray\", \"tab:blue\", \"tab:blue\", \"tab:cyan\"]\n"
         "ax1.barh(names, [bars[n][0] for n in names], color=colors)\nax1.set(xlabel=\"input tokens\", title=\"input tokens per call\")\n"
         "ax2.barh(names, [bars[n][1] for n in names], color=colors)\nax2.set(xlabel=\"USD\", title=\"cost of the method\")\n"
         "ax1.invert_yaxis()\nfig.tight_layout()\nplt.show()"),
    md("Screenshots are the cheapest and the transcript is cheap too, but each sees half the video. Native video costs "
       "more tokens because it reads every second of picture *and* sound, and that is exactly why it can place "
       "features in time and combine what is shown with what is said. The levers on its cost are fps and clipping "
       "(not `media_resolution=low`, for video on Gemini 3)."),

    md("## 10. What this notebook spent\nEvery call above, estimated before and settled after (in replay mode nothing "
       "is charged):"),
    code("cfg.ledger"),
    code("print(f\"if run live: about ${sum(e.estimate_usd for e in cfg.ledger.entries):.2f} estimated, \"\n"
         "      f\"${sum(e.actual_usd or 0 for e in cfg.ledger.entries):.2f} by the replayed usage\")"),
    md("## 11. Recording your own fixtures\nWith a key, `course_utils.setup(mode=\"record\")` runs the same cells "
       "against the real APIs; the Gemini client then feeds a recorder, and\n\n"
       "```python\nfrom course_utils.standins.gemini import gemini_recorder\ngemini_recorder().save(note=\"my run\")\n```\n\n"
       "writes each `generateContent` exchange as a fixture folder (key scrubbed, inline video dropped, provenance "
       "saying it was recorded) that replay mode serves next time."),
]

write(FILE, cells)
print(f"wrote notebooks/{FILE}")
