#!/usr/bin/env python3
"""Write the replay fixtures of notebook 03 (video understanding).

* ``data/fixtures/gemini_video/<name>/``: answers the local Gemini stand-in serves
  (``manifest.json`` with ``provenance`` and ``match``, ``response.json`` as on the wire), and the two
  Files API outcomes (``file_active``, ``file_failed``).
* ``data/fixtures/openai_vision_demo/<name>/``: exchanges for the lead's OpenAI REST stand-in (sampled
  frames to ``gpt-6-luna``, the audio track to ``gpt-transcribe``, the transcript to ``gpt-6-luna``).

None of these were captured from a live API. Every answer was written by hand for this course from
what the synthetic demo video shows and says: the Gemini answers from its ground truth
(``data/video/product_demo.ground_truth.json``), the vision answer from the 20 sampled frames only,
the transcript answers from the narration only. Token usage is not written here: the stand-ins'
usage is computed from each request with the rules in ``data/pricing/token_rules.csv`` (Gemini) or
written below from ``course_utils.costs`` (OpenAI). Run live (``setup(mode="record")``) to replace
them with real answers.

Run:  python scripts/make_video_fixtures.py
"""
from __future__ import annotations

import json
import math
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_utils import costs  # noqa: E402
from course_utils.fixtures import FIXTURES_DIR, save_fixture  # noqa: E402
from course_utils.video.frames import mmss  # noqa: E402
from course_utils.video.traditional import FRAMES_PROMPT, TRANSCRIPT_PROMPT  # noqa: E402
from course_utils.video.understand import CAPABILITIES, INLINE_CLIP_PROMPT, KEY_FEATURES_PROMPT  # noqa: E402

GT = json.loads((ROOT / "data/video/product_demo.ground_truth.json").read_text())
GEMINI_MODELS = ["gemini-3.8-flash", "gemini-3.7-flash", "gemini-3.6-flash", "gemini-3.5-flash-lite",
                 "gemini-3.1-flash-lite", "gemini-3.1-pro-preview"]
GEMINI_PROVENANCE = (
    "synthetic: answer written by hand for this course from data/video/product_demo.ground_truth.json (what the "
    "synthetic demo video shows and says) and saved by scripts/make_video_fixtures.py; NOT captured from the Gemini "
    "API. usageMetadata is computed at replay time by course_utils.standins.gemini from the request with the token "
    "rules in data/pricing/token_rules.csv")


def first_line(prompt: str) -> str:
    return prompt.strip().splitlines()[0][:100]


def gemini_response(text: str) -> dict:
    """A GenerateContentResponse body as on the wire (the stand-in adds modelVersion and usageMetadata)."""
    return {"candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP",
                            "index": 0}]}


def write_gemini(name: str, match: dict, text: str, note: str = "") -> None:
    manifest = {"kind": "generate_content", "provenance": GEMINI_PROVENANCE + (f"; {note}" if note else ""),
                "usage": "computed", "match": {"models": GEMINI_MODELS, **match}}
    save_fixture("gemini_video", name, manifest, {"response.json": json.dumps(gemini_response(text), indent=2) + "\n"})


def f(key: str) -> dict:
    return next(x for x in GT["features"] if x["key"] == key)


# -- Gemini answers -------------------------------------------------------------------------------
def key_features_answer() -> str:
    ev = {
        "capture": ("Title card '1 · Quick Capture: Add a task from anywhere'. A 'Ctrl + K' hint appears, a New task "
                    "box opens, 'Book venue for team offsite' is typed and lands at the top of the Inbox with an "
                    "'Added to Inbox' toast. The narrator adds that emails forwarded to the inbox address become tasks."),
        "schedule": ("The 'Book venue' chip is dragged onto the week calendar and a green 'Suggested: Wed 10:00' slot "
                     "appears beside the week's Standup and Design sync meetings. The narrator says it reads connected calendars, "
                     "so meetings are never double booked."),
        "board": ("On a To do / Doing / Done board the card 'Draft launch email', assigned to MK, moves from To do to "
                  "Doing to Done, and the Done count goes from 2 to 3. The narrator says boards update live for "
                  "everyone on the team with no refresh."),
        "focus": ("Start is clicked and a timer counts down from 25:00 ('Session 1 of 4') with a 'Do not disturb: ON' "
                  "badge. The narrator says notifications pause during a session and that after four sessions a "
                  "longer break is suggested."),
        "insights": ("A weekly bar chart grows and shows 'Tasks done this week: 23' and '+15% vs last week'. The "
                     "narrator says managers can export the report as a PDF every Friday."),
        "offline": ("A red 'Offline' badge appears, edits are marked pending and '3 changes waiting' is shown; back "
                    "Online, a 'Synced 3 changes' toast shows for two seconds. The narrator says changes are stored on "
                    "the device for up to thirty days and merge automatically."),
    }
    feats = [{"name": x["name"], "start": mmss(x["start_s"]), "end": mmss(x["end_s"]), "evidence": ev[x["key"]],
              "source": "both"} for x in GT["features"]]
    return json.dumps({"product": GT["product"], "features": feats}, ensure_ascii=False)


def capability_answers() -> dict[str, str]:
    cuts = GT["cuts_s"]
    scenes = [f"- {mmss(0)}-{mmss(16)}: dark intro title slide 'Tasklane, Product tour · 6 features · 5 minutes'."]
    for x in GT["features"]:
        scenes.append(f"- {mmss(x['title_card']['start_s'])}-{mmss(x['title_card']['end_s'])}: full-colour title card "
                      f"'{x['id']} · {x['name']}'.")
        where = {"capture": "the app's Inbox list (with a New task dialog)", "schedule": "a week calendar (Mon-Fri, 9:00-16:00)",
                 "board": "a three-column task board", "focus": "a focus timer screen with a circular progress ring",
                 "insights": "a weekly bar-chart dashboard", "offline": "a project task list with a connection badge"}[x["key"]]
        scenes.append(f"- {mmss(x['demo']['start_s'])}-{mmss(x['demo']['end_s'])}: the Tasklane app window (dark top bar, "
                      f"left sidebar) showing {where}.")
    scenes.append(f"- {mmss(280)}-{mmss(300)}: dark outro slide listing the six features.")
    scene_text = ("The video alternates between three kinds of screens: dark title slides, full-colour feature title "
                  "cards, and the same desktop app window in different views. It has "
                  f"{len(cuts)} hard cuts.\n" + "\n".join(scenes))

    objects = ("- Top bar (dark): 'Tasklane' on the left, 'Team Board' on the right.\n"
               "- Left sidebar: Inbox, Calendar, Board (highlighted in orange), Focus, Insights, Settings.\n"
               "- Three grey columns: 'To do', 'Doing' and 'Done', each with a count in brackets.\n"
               "- White task cards: 'Update pricing page' and 'Plan webinar' (To do), 'Fix login bug' (Doing), "
               "'Hire designer' and 'Set up CI' (Done).\n"
               "- One highlighted card with an orange border, 'Draft launch email', with a round orange avatar 'MK'.\n"
               "- A black mouse pointer that follows the highlighted card.\n"
               "- A small black-and-white block pattern in the bottom-right corner.")

    actions = ("1. 01:05-01:15: the pointer waits near a green 'Book venue' chip at the bottom left of the week calendar.\n"
               "2. 01:15-01:21: the user drags the chip up and to the right across the calendar grid.\n"
               "3. 01:21: the chip is dropped on Wednesday at 10:00.\n"
               "4. 01:21-01:35: the slot gets a green outline and a green 'Suggested: Wed 10:00' label; the user does "
               "not move.\n"
               "5. 01:35-01:44: the label disappears; the chip stays on Wednesday 10:00.")

    timeline = [f"- {mmss(0)}: intro, 'Tasklane' product tour."]
    for x in GT["features"]:
        timeline.append(f"- {mmss(x['start_s'])}: feature {x['id']}, {x['name']} (title card, demo from "
                        f"{mmss(x['demo']['start_s'])}).")
        for e in x["events"]:
            timeline.append(f"  - {mmss(e['start_s'])}: {e['what']}.")
    timeline.append(f"- {mmss(280)}: outro summary of the six features, until {mmss(300)}.")
    temporal = "Timeline:\n" + "\n".join(timeline)

    fusion = ("Only from the narration:\n"
              "- Changes are stored on the device for up to thirty days.\n"
              "- Changes merge automatically.\n"
              "- It works on a plane or a train.\n"
              "Only from the screen:\n"
              "- A red 'Offline' badge replaces the green 'Online' one while the connection is down.\n"
              "- Edited tasks are marked 'pending' and a counter rises to '3 changes waiting'.\n"
              "- Back online, a green toast 'Synced 3 changes' shows for about two seconds (04:27-04:29).\n"
              "From both: the feature is called Offline Sync and lets you keep working without a connection.")
    names = [c.name for c in CAPABILITIES]
    return dict(zip(names, [scene_text, objects, actions, temporal, fusion]))


def chapter_answer() -> str:
    names = ", ".join(x["name"] for x in GT["features"])
    return ("1. Video topic: a product tour of Tasklane, a task app for small teams, presenting six features: "
            f"{names}.\n"
            "2. Main objects and scenes: dark title slides, a full-colour title card per feature, and one desktop "
            "app window (top bar, left sidebar) in six views: an inbox list, a week calendar, a To do / Doing / Done "
            "board, a focus timer, a weekly bar chart and a project list with an Online/Offline badge. Objects: task "
            "cards, a 'Book venue' chip, an 'MK' avatar, a 25:00 timer, chart bars, toasts and a mouse pointer.\n"
            "3. Key actions and events: a task is typed into a New task box (00:30), a chip is dragged onto "
            "Wednesday 10:00 (01:15-01:21), a card moves from To do to Done (02:00-02:15), a focus session starts "
            "(02:41), the chart bars grow (03:23), the app goes offline and syncs 3 changes when back online (04:27).\n"
            f"4. Duration and rhythm: 5:00 in total; a 16 s intro, then six 44 s blocks (a 5 s title card and a "
            f"39 s demo each), then a 20 s outro; {len(GT['cuts_s'])} hard cuts; one calm narrator voice, "
            "two sentences per feature.")


def inline_answer() -> str:
    x = f("focus")
    return (f"The clip shows the {x['name']} feature. It opens on a purple title card '4 · Focus Timer: 25-minute focus "
            "sessions'. Then the Focus view of the app shows a large 25:00 timer with 'Session 1 of 4'; the pointer "
            "clicks Start, a 'Do not disturb: ON' badge appears, the button turns into Pause, and the timer runs down "
            "quickly while a purple ring fills. The narrator says that notifications pause until the session ends and "
            "that after four sessions Tasklane suggests a longer break.")


# -- OpenAI exchanges (the traditional methods) ---------------------------------------------------
OPENAI_PROVENANCE_VISION = (
    "synthetic: the answer was written by hand for this course from the 20 frames that "
    "sample_frames(product_demo.mp4, count=20) returns (looked at, not OCR'd), and saved by "
    "scripts/make_video_fixtures.py; NOT captured from the OpenAI API. usage computed by the script: "
    "20 x course_utils.costs.openai_image_tokens(640, 360, 'high') + prompt characters / 4 + 6 tokens per frame label "
    "(GPT-4o-class tiling; gpt-6-luna's own image rule not confirmed), output = answer characters / 4")
OPENAI_PROVENANCE_TRANSCRIPT = (
    "synthetic: the transcript is the narration script espeak-ng spoke (data/video/product_demo.ground_truth.json), "
    "as a perfect transcriber would return it; the feature list was written by hand from that text only; saved by "
    "scripts/make_video_fixtures.py; NOT captured from the OpenAI API; usage computed by the script (characters / 4; "
    "transcription billed by duration)")


def vision_answer() -> dict:
    feats = [
        ("Quick Capture", "00:30", "00:45",
         "00:30: the top bar reads 'Quick Capture', a 'New task' box is open and a 'Ctrl + K' hint shows. 00:45: the "
         "Inbox lists 'Book venue for team offsite' first."),
        ("Smart Scheduling", "01:00", "01:30",
         "01:00: title card '2 · Smart Scheduling: Drop a task on your week'. 01:15: a 'Book venue' chip below a week "
         "calendar with Standup, Design sync and 1:1 Ana. 01:30: the chip sits on Wednesday 10:00 and a green label "
         "says 'Suggested: Wed 10:00'."),
        ("Team Board", "01:45", "02:15",
         "01:45: title card '3 · Team Board: See who is doing what'. 02:00: 'Draft launch email' is in To do. 02:15: "
         "it is in Done, which now shows (3)."),
        ("Focus Timer", "02:30", "03:00",
         "02:30: title card '4 · Focus Timer: 25-minute focus sessions'. 02:45 and 03:00: a timer at 22:30 and then "
         "10:00, 'Session 1 of 4', and a 'Do not disturb: ON' badge."),
        ("Insights", "03:15", "03:45",
         "03:15: title card '5 · Insights: Your week at a glance'. 03:30 and 03:45: a weekly bar chart (3, 6, 4, 7, "
         "3) with 'Tasks done this week: 23' and '+15% vs last week'."),
        ("Offline Sync", "04:00", "04:30",
         "04:00: title card '6 · Offline Sync: Keep working without a connection'. 04:15: a red 'Offline' badge, one "
         "task marked pending and '1 change waiting'. 04:30: the badge says 'Online' and three tasks are checked."),
    ]
    return {"product": "Tasklane", "features": [
        {"name": n, "start": s, "end": e, "evidence": ev, "source": "visual"} for n, s, e, ev in feats]}


def transcript_text() -> str:
    return " ".join(line["text"] for line in GT["narration"])


def transcript_answer() -> dict:
    said = {
        "capture": ("Quick capture", "'Add a task from anywhere, without leaving what you are doing'; captured tasks land "
                    "in the inbox, and an email forwarded to the inbox address becomes a task."),
        "schedule": ("Smart scheduling", "'Drag a task onto your week, and Tasklane suggests the first free slot'; it "
                     "reads connected calendars so meetings are never double booked."),
        "board": ("Team board", "Every task moves from to do, to doing, to done; boards update live for everyone "
                  "with no refresh."),
        "focus": ("Focus timer", "Start a session and notifications pause until it ends; after four sessions a longer "
                  "break is suggested."),
        "insights": ("Insights", "A weekly chart shows how much the team finished; managers can export the report as "
                     "a PDF every Friday."),
        "offline": ("Offline sync", "Keep working on a plane or a train; changes are stored on the device for up to "
                    "thirty days and merge automatically."),
    }
    return {"product": "Tasklane", "features": [
        {"name": said[x["key"]][0], "start": "", "end": "", "evidence": said[x["key"]][1], "source": "audio"}
        for x in GT["features"]]}


def chat_completion(cid: str, model: str, content: str, prompt_tokens: int) -> dict:
    out = math.ceil(len(content) / 4)
    return {"id": cid, "object": "chat.completion", "created": 1795600000, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": None,
                                                 "annotations": []}, "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": out, "total_tokens": prompt_tokens + out,
                      "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                      "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                    "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
            "service_tier": "default", "system_fingerprint": None}


def write_openai(name: str, provenance: str, exchanges: list[dict]) -> None:
    save_fixture("openai_vision_demo", name, {"provenance": provenance, "video": GT["video"]},
                 {"exchanges.json": json.dumps(exchanges, indent=2, ensure_ascii=False) + "\n"})


def main() -> int:
    for area in ("gemini_video", "openai_vision_demo"):
        shutil.rmtree(FIXTURES_DIR / area, ignore_errors=True)

    # Files API outcomes
    save_fixture("gemini_video", "file_active", {
        "kind": "file_state", "processing_polls": 2,
        "provenance": ("synthetic: the stand-in's File resource for an upload that processes normally, shape from "
                       "google.genai.types.File (camelCase wire names); written by scripts/make_video_fixtures.py")},
        {"file.json": json.dumps({"name": "files/<id>", "displayName": "product_demo.mp4", "mimeType": "video/mp4",
                                  "sizeBytes": "<bytes>", "state": "ACTIVE", "source": "UPLOADED",
                                  "videoMetadata": {"videoDuration": "300s"}}, indent=2) + "\n"})
    save_fixture("gemini_video", "file_failed", {
        "kind": "file_state",
        "provenance": ("synthetic: what the stand-in answers when uploaded bytes are not a readable video "
                       "(state FAILED with a google.rpc.Status error); the message text is ours, not captured from "
                       "the API; written by scripts/make_video_fixtures.py")},
        {"file.json": json.dumps({"state": "FAILED", "error": {
            "code": 400, "message": "Video processing failed: the uploaded bytes could not be decoded as video."}},
            indent=2) + "\n"})

    write_gemini("key_features", {"contains": [first_line(KEY_FEATURES_PROMPT)[:60]], "schema": True},
                 key_features_answer(), "same answer for every media_resolution (the text does not change; the "
                 "computed usage does)")
    for (name, text), cap in zip(capability_answers().items(), CAPABILITIES):
        match = {"contains": [cap.prompt.split(":")[0] + ":"]}
        if cap.start_s is not None:
            match["clip"] = {"start_s": cap.start_s, "end_s": cap.end_s}
        write_gemini("capability_" + name.lower().replace(" ", "_"), match, text)
    write_gemini("chapter_prompt", {"contains": ["1. Video topic", "4. Video duration and rhythm"]}, chapter_answer())
    write_gemini("inline_clip", {"contains": [INLINE_CLIP_PROMPT[:50]], "video": "inline"}, inline_answer(),
                 "the request carries the 148-192 s clip inline (cut_clip)")

    # OpenAI: frames to a vision model
    frames_prompt = FRAMES_PROMPT.format(step=15)
    content = json.dumps(vision_answer(), ensure_ascii=False)
    prompt_tokens = 20 * costs.openai_image_tokens(640, 360, "high") + math.ceil(len(frames_prompt) / 4) + 6 * 20
    write_openai("frames_to_vision", OPENAI_PROVENANCE_VISION, [{
        "method": "POST", "path": "/v1/chat/completions",
        "match": {"model": "gpt-6-luna", "contains": "frames sampled every 15 s from a product demo video"},
        "status": 200, "json": chat_completion("chatcmpl-replay-frames", "gpt-6-luna", content, prompt_tokens),
        "latency_ms": 0}])
    # OpenAI: audio track to text, then text to features
    transcript = transcript_text()
    t_prompt = TRANSCRIPT_PROMPT.format(transcript=transcript)
    content = json.dumps(transcript_answer(), ensure_ascii=False)
    write_openai("transcript", OPENAI_PROVENANCE_TRANSCRIPT, [
        {"method": "POST", "path": "/v1/audio/transcriptions", "match": {"model": "gpt-transcribe"}, "status": 200,
         "json": {"text": transcript, "usage": {"type": "duration", "seconds": float(GT["duration_s"])}}},
        {"method": "POST", "path": "/v1/chat/completions",
         "match": {"model": "gpt-6-luna", "contains": "transcript of a product demo video"}, "status": 200,
         "json": chat_completion("chatcmpl-replay-transcript", "gpt-6-luna", content, math.ceil(len(t_prompt) / 4))},
    ])
    print("wrote", ", ".join(sorted(p.parent.name for p in (FIXTURES_DIR / "gemini_video").glob("*/manifest.json"))),
          "and", ", ".join(sorted(p.parent.name for p in (FIXTURES_DIR / "openai_vision_demo").glob("*/manifest.json"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
