#!/usr/bin/env python3
"""Regenerate the support call's fixtures (notebook 05, course_utils.support_case).

Writes:

* ``data/fixtures/realtime/support_call/``       the Realtime conversation when each shared screen reaches
                                                 the assistant as a vision model's *description* (text);
* ``data/fixtures/realtime/support_call_image/`` the same call when each screen goes into the Realtime
                                                 conversation *as an image* (``input_image``);
* ``data/fixtures/support_vision/screens/``      the OpenAI REST exchanges of the vision calls
                                                 (``/v1/chat/completions`` with ``gpt-6-luna``), one per screen.

The conversation fixtures use the Realtime fixtures' format and generator functions, imported from
``scripts/make_realtime_fixtures.py`` (espeak-ng speech, user clips with known silences). Every turn
and every vision answer below is hand-written to agree with ``data/screens/ground_truth.json``;
nothing here was captured from a live API. Run ``scripts/make_support_screens.py`` first (the vision
exchanges match the screenshots' bytes).

    /work/venv/bin/python scripts/make_support_fixtures.py
"""
from __future__ import annotations

import base64
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
import make_realtime_fixtures as rt  # noqa: E402  (the Realtime fixtures' generator: speak, user_clip, ...)

from course_utils import costs  # noqa: E402
from course_utils.support_screens import ERROR_CODES, SCREENS_DIR, image_match_slice, lookup_error_code  # noqa: E402
from course_utils.support_vision import VISION_MODEL, VISION_PROMPT, screen_item_text  # noqa: E402
from course_utils.voice.audio import flac_bytes  # noqa: E402
from course_utils.voice.conversation import layout_from_turns, realtime_user_entries  # noqa: E402
from course_utils.voice.espeak import espeak_version  # noqa: E402

REALTIME_OUT = ROOT / "data" / "fixtures" / "realtime"
VISION_OUT = ROOT / "data" / "fixtures" / "support_vision" / "screens"

USER = [
    "Hi. My files stopped syncing this morning.",
    "OK, here are my date and time settings.",
    "Done. It says all files are up to date.",
]

#: What the vision model "says" about each screen: written by hand from the ground truth. The first
#: answer leaves out the taskbar clock (the ground truth's "easy_to_miss"), as a summary asked about
#: "the problem" plausibly would.
DESCRIPTIONS = {
    "sync_error.png": (
        "An error dialog from CloudBox Sync says: \"Sync failed: certificate expired (code 0x80072F8F)\" and "
        "\"The secure connection to sync.cloudbox.example could not be verified.\" Behind it the app shows "
        "Status: Not syncing, last successful sync yesterday at 17:02."),
    "datetime_settings.png": (
        "The Date & time settings page: \"Set time automatically\" is switched Off and the current date and time "
        "reads Thursday, 14 March 2019, 09:42; \"Last time sync: never\". A clock that far behind makes "
        "certificates look invalid."),
    "sync_ok.png": (
        "CloudBox Sync now shows Status: Up to date and a notification \"All files are up to date\"; the taskbar "
        "clock reads 25/11/2026."),
}
LATENCY_MS = {"sync_error.png": 1400, "datetime_settings.png": 1250, "sync_ok.png": 1050}

KB = lookup_error_code("0x80072F8F")
CALL_ID = "call_lookup_0x80072F8F"
A1 = "I can help. Could you share your screen, so I can see the app?"
A2 = "Thanks, I see the error. Let me look up that code."
A3_DESCRIBED = ("That code means the certificate check failed, usually because the computer's clock is wrong. "
                "Please share your date and time settings.")
A3_IMAGE = ("That code means the certificate check failed. Your taskbar clock says March twenty nineteen: "
            "that is why. Please share your date and time settings.")
A4 = "I see it: set time automatically is off. Switch it on, then press retry."
A5 = "Great, it is syncing again. The wrong date made the certificate look invalid."


def turns(mode: str) -> list:
    return [
        [("message", A1)],
        [("message", A2), ("function_call", "lookup_error_code", {"code": "0x80072F8F"}, CALL_ID)],
        [("message", A3_DESCRIBED if mode == "describe" else A3_IMAGE)],
        [("message", A4)],
        [("message", A5)],
    ]


def make_conversation(name: str, mode: str) -> dict:
    folder = REALTIME_OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.flac"):
        old.unlink()
    sizes, user_turns = {}, []
    for i, text in enumerate(USER, 1):
        clip, span = rt.user_clip(text, seed=7000 + i)  # same seeds in both fixtures: identical user audio
        rel = f"user_{i:02d}.flac"
        (folder / rel).write_bytes(flac_bytes(clip.tobytes()))
        sizes[rel] = (folder / rel).stat().st_size
        user_turns.append({"audio": rel, "text": text, "speech_ms": span,
                           "duration_ms": round(len(clip) * 1000 / rt.SAMPLE_RATE)})
    script, n_audio = [], 0
    for turn in turns(mode):
        outputs = []
        for out in turn:
            if out[0] == "message":
                n_audio += 1
                rel = f"assistant_{n_audio:02d}.flac"
                (folder / rel).write_bytes(flac_bytes(rt.speak(out[1], rt.ASSISTANT_VOICE).tobytes()))
                sizes[rel] = (folder / rel).stat().st_size
                outputs.append({"type": "message", "transcript": out[1], "audio": rel})
            else:
                _, fname, args, call_id = out
                outputs.append({"type": "function_call", "name": fname, "arguments": json.dumps(args), "call_id": call_id})
        script.append({"output": outputs})
    tools = [{"type": "function", "name": "lookup_error_code",
              "description": "Look up an error code in the support knowledge base.",
              "parameters": {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]}}]
    layout = layout_from_turns(script, realtime_user_entries(user_turns), rt.FIRST_DELTA_MS, tools, {CALL_ID: KB})
    (folder / "conversation.json").write_text(json.dumps(layout, indent=2) + "\n")
    how = ("each shared screen reaches the assistant as gpt-6-luna's description, injected as a user text item "
           "(conversation.item.create)" if mode == "describe" else
           "each shared screen goes into the conversation as an input_image content part (conversation.item.create)")
    manifest = {
        "provenance": (f"synthetic: espeak-ng {espeak_version()} speech (user voice {rt.USER_VOICE}, assistant voice "
                       f"{rt.ASSISTANT_VOICE}, {rt.WORDS_PER_MINUTE} wpm, resampled to 24 kHz) made with the generator "
                       f"functions of scripts/make_realtime_fixtures.py, and a hand-written turn script, by "
                       f"scripts/make_support_fixtures.py; not captured from a live API. think_ms "
                       f"({rt.FIRST_DELTA_MS}, every reply) is a made-up latency, not a measurement. The assistant's words are "
                       f"written to agree with data/screens/ground_truth.json."),
        "kind": "conversation",
        "model": rt.MODEL,
        "description": f"A support call about files that stopped syncing; {how}. The assistant looks up the error "
                       f"code with a tool, asks for the date settings, and confirms the fix.",
        "screen_mode": mode,
        "sample_rate": rt.SAMPLE_RATE,
        "user_clip_layout": {"lead_silence_ms": rt.LEAD_MS, "trail_silence_ms": rt.TRAIL_MS, "noise_dbfs": rt.NOISE_DBFS,
                             "speech_ms": "[first, last] loud sample of the espeak-ng speech, in ms from the clip start"},
        "call_script": ["user_01 (voice) -> turn 1", "share sync_error.png -> turn 2 (calls lookup_error_code) -> turn 3",
                        "user_02 (voice) + share datetime_settings.png -> turn 4",
                        "user_03 (voice) + share sync_ok.png -> turn 5"],
        "screens": "data/screens/ (scripts/make_support_screens.py)",
        "vision_fixture": "support_vision/screens" if mode == "describe" else None,
        "schema_version": 1,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return sizes


def vision_usage(prompt_text: str, answer: str, width: int, height: int) -> dict:
    """Usage as the Chat Completions API reports it; image tokens folded into prompt_tokens."""
    image = costs.openai_image_tokens(width, height, "high")
    prompt = math.ceil(len(prompt_text) / 4) + image + 7   # ~4 chars per token, + message framing (estimate)
    completion = math.ceil(len(answer) / 4)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}


def make_vision() -> None:
    VISION_OUT.mkdir(parents=True, exist_ok=True)
    truth = json.loads((SCREENS_DIR / "ground_truth.json").read_text())["screens"]
    exchanges = []
    for i, (name, answer) in enumerate(DESCRIPTIONS.items(), 1):
        png = (SCREENS_DIR / name).read_bytes()
        b64 = base64.b64encode(png).decode()
        w, h = truth[name]["width"], truth[name]["height"]
        exchanges.append({
            "method": "POST", "path": "/v1/chat/completions",
            "match": {"model": VISION_MODEL, "contains": [VISION_PROMPT[:40], image_match_slice(b64)]},
            "status": 200, "latency_ms": LATENCY_MS[name],
            "screen": name,
            "json": {"id": f"chatcmpl-replay-support-{i:02d}", "object": "chat.completion", "created": 1795600000 + i,
                     "model": VISION_MODEL, "service_tier": "default", "system_fingerprint": None,
                     "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                                  "message": {"role": "assistant", "content": answer, "refusal": None,
                                              "annotations": []}}],
                     "usage": vision_usage(VISION_PROMPT, answer, w, h)},
        })
    (VISION_OUT / "exchanges.json").write_text(json.dumps(exchanges, indent=2, ensure_ascii=False) + "\n")
    manifest = {
        "provenance": ("synthetic: written by hand for replay by scripts/make_support_fixtures.py, not captured from a live "
                       "API. The answers agree with data/screens/ground_truth.json; usage is estimated (prompt text at ~4 "
                       "characters per token, image tokens by the tile rule in data/pricing/token_rules.csv: 85 + 170 x 2 "
                       "tiles = 425 for an 800x500 screenshot at detail high); latency_ms values are made up."),
        "kind": "openai_rest_exchanges",
        "model": VISION_MODEL,
        "endpoint": "POST /v1/chat/completions (image_url content part, detail high)",
        "prompt": VISION_PROMPT,
        "matching": "model + the prompt's start + a slice of the screenshot's base64 (so each screen gets its own answer)",
        "screens": list(DESCRIPTIONS),
        "schema_version": 1,
    }
    (VISION_OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    for name in DESCRIPTIONS:
        print(f"vision: {name} -> {screen_item_text(DESCRIPTIONS[name])[:70]}...")


def main() -> None:
    assert set(ERROR_CODES) >= {"0x80072F8F"}
    make_vision()
    total = 0
    for name, mode in (("support_call", "describe"), ("support_call_image", "image")):
        sizes = make_conversation(name, mode)
        total += sum(sizes.values())
        print(f"{name}: {len(sizes)} clips, {sum(sizes.values()) / 1024:.0f} KiB")
    print(f"total audio {total / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
