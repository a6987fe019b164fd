#!/usr/bin/env python3
"""Regenerate the Realtime conversation fixtures in data/fixtures/realtime/ with espeak-ng.

Both sides of each conversation are espeak-ng speech (Debian package ``espeak-ng``): the user in a
British voice, the assistant in an American female variant. Each clip is resampled to 24 kHz mono
PCM16 and stored as FLAC. User clips get known silences around the speech (400 ms before, 900 ms
after, so a 500 ms server-VAD silence fits) and a faint seeded noise floor (about -66 dBFS) so the
VAD has something other than digital zeros to ignore; the manifest records where the speech is.

    /work/venv/bin/python scripts/make_realtime_fixtures.py            # all fixtures
    /work/venv/bin/python scripts/make_realtime_fixtures.py short_qa   # one

The turn scripts below are hand-written; nothing here was captured from a live API.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course_utils.voice.audio import flac_bytes, load_audio  # noqa: E402
from course_utils.voice.conversation import layout_from_turns, realtime_user_entries  # noqa: E402
from course_utils.voice.espeak import espeak_version, render  # noqa: E402
from course_utils.voice.formats import SAMPLE_RATE  # noqa: E402
from course_utils.voice.models import REALTIME_MODEL  # noqa: E402

OUT = ROOT / "data" / "fixtures" / "realtime"
USER_VOICE = "en-gb"
ASSISTANT_VOICE = "en-us+f3"
WORDS_PER_MINUTE = 165
LEAD_MS, TRAIL_MS = 400, 900
NOISE_DBFS = -66.0
FIRST_DELTA_MS = 300  # a plausible, made-up server latency (response.create -> first audio delta): each reply's think_ms
MODEL = REALTIME_MODEL

WEATHER_TOOL = {
    "type": "function", "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}},
                   "required": ["city"]},
}

FIXTURES = {
    "short_qa": {
        "description": "Two spoken questions and one typed question; the assistant answers each with audio and a transcript.",
        "user": ["Hello! What is the Realtime API good for?",
                 "How do I interrupt you?"],
        "user_text": ["In one sentence: what does VAD stand for?"],
        "turns": [
            [("message", "It lets your app talk with a model over one WebSocket. Audio streams both ways, "
                         "so replies start quickly, and you can interrupt me at any time.")],
            [("message", "Just start speaking. The server notices your voice, and your app stops my audio "
                         "and tells the server how much of it you heard.")],
            [("message", "VAD stands for voice activity detection: it finds where speech starts and stops.")],
        ],
    },
    "barge_in": {
        "description": "A long answer the user interrupts; the second user clip is meant to be sent while the "
                       "first answer is still playing.",
        "user": ["Can you tell me about the history of the telephone?",
                 "Sorry, just tell me the year."],
        "turns": [
            [("message", "Of course. The telephone grew out of the telegraph. In eighteen seventy six, Alexander "
                         "Graham Bell patented a device that carried the human voice over a wire. Within a few years, "
                         "cities had their first exchanges, where operators connected every call by hand.")],
            [("message", "Eighteen seventy six.")],
        ],
    },
    "function_call": {
        "description": "The assistant says it will check, calls get_weather(city), then answers from the result.",
        "user": ["What is the weather in Paris right now?"],
        "turns": [
            [("message", "Let me check."),
             ("function_call", "get_weather", {"city": "Paris"}, "call_weather_paris")],
            [("message", "It is eighteen degrees and sunny in Paris, with a light wind.")],
        ],
        "tools": [WEATHER_TOOL],
        "tool_results": {"call_weather_paris": {"city": "Paris", "temperature_c": 18, "conditions": "sunny",
                                                "wind": "light"}},
    },
}


def speak(text: str, voice: str) -> np.ndarray:
    """espeak-ng speech as int16 mono at 24 kHz, leading/trailing silence removed."""
    x = load_audio(*render(text, voice, WORDS_PER_MINUTE))
    loud = np.flatnonzero(np.abs(x) > 64)
    return x[loud[0]: loud[-1] + 1] if len(loud) else x


def user_clip(text: str, seed: int) -> tuple[np.ndarray, list[int]]:
    speech = speak(text, USER_VOICE)
    lead, trail = np.zeros(SAMPLE_RATE * LEAD_MS // 1000, np.int16), np.zeros(SAMPLE_RATE * TRAIL_MS // 1000, np.int16)
    clip = np.concatenate([lead, speech, trail]).astype(np.float64)
    rng = np.random.default_rng(seed)
    clip += rng.normal(0.0, 32768 * 10 ** (NOISE_DBFS / 20), len(clip))
    span = [LEAD_MS, round(LEAD_MS + len(speech) * 1000 / SAMPLE_RATE)]
    return np.clip(np.round(clip), -32768, 32767).astype(np.int16), span


def make(name: str, spec: dict) -> dict:
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.flac"):
        old.unlink()
    sizes = {}
    user_turns = []
    for i, text in enumerate(spec["user"], 1):
        clip, span = user_clip(text, seed=1000 * len(name) + i)
        rel = f"user_{i:02d}.flac"
        (folder / rel).write_bytes(flac_bytes(clip.tobytes()))
        sizes[rel] = (folder / rel).stat().st_size
        user_turns.append({"audio": rel, "text": text, "speech_ms": span,
                           "duration_ms": round(len(clip) * 1000 / SAMPLE_RATE)})
    for text in spec.get("user_text", []):
        user_turns.append({"text": text, "typed": True})
    turns = []
    n_audio = 0
    for turn in spec["turns"]:
        outputs = []
        for out in turn:
            if out[0] == "message":
                n_audio += 1
                rel = f"assistant_{n_audio:02d}.flac"
                (folder / rel).write_bytes(flac_bytes(speak(out[1], ASSISTANT_VOICE).tobytes()))
                sizes[rel] = (folder / rel).stat().st_size
                outputs.append({"type": "message", "transcript": out[1], "audio": rel})
            else:
                _, fname, args, call_id = out
                outputs.append({"type": "function_call", "name": fname, "arguments": json.dumps(args), "call_id": call_id})
        turns.append({"output": outputs})
    layout = layout_from_turns(turns, realtime_user_entries(user_turns), FIRST_DELTA_MS, spec.get("tools", []),
                               spec.get("tool_results", {}))
    (folder / "conversation.json").write_text(json.dumps(layout, indent=2) + "\n")
    manifest = {
        "provenance": (f"synthetic: espeak-ng {espeak_version()} speech (user voice {USER_VOICE}, assistant voice "
                       f"{ASSISTANT_VOICE}, {WORDS_PER_MINUTE} wpm, resampled to 24 kHz) and a hand-written turn script, "
                       f"made by scripts/make_realtime_fixtures.py; not captured from a live API. think_ms "
                       f"({FIRST_DELTA_MS}, every reply) is a made-up latency, not a measurement."),
        "kind": "conversation",
        "model": MODEL,
        "description": spec["description"],
        "sample_rate": SAMPLE_RATE,
        "user_clip_layout": {"lead_silence_ms": LEAD_MS, "trail_silence_ms": TRAIL_MS, "noise_dbfs": NOISE_DBFS,
                             "speech_ms": "[first, last] loud sample of the espeak-ng speech, in ms from the clip start"},
        "schema_version": 1,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return sizes


def main(names: list[str]) -> None:
    total = 0
    for name in names or list(FIXTURES):
        sizes = make(name, FIXTURES[name])
        total += sum(sizes.values())
        print(f"{name}: {len(sizes)} clips, {sum(sizes.values()) / 1024:.0f} KiB")
    print(f"total audio {total / 1024:.0f} KiB")


if __name__ == "__main__":
    main(sys.argv[1:])
