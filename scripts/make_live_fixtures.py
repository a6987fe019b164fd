#!/usr/bin/env python3
"""Make the Live API fixtures: scripted support calls spoken by espeak-ng.

    /work/venv/bin/python scripts/make_live_fixtures.py

Writes ``data/fixtures/live/<name>/`` (the conversation the OpenAI Live stand-in and the Gemini Live
stand-in both replay) and ``data/fixtures/gemini_live/<name>/`` (a manifest that points at the same
conversation and adds what only Gemini needs: the function declaration for the tool turn).

Each conversation folder holds:
  manifest.json       provenance, what made it, voices, sizes
  conversation.json   the script: user turns (what the learner's side says) and assistant replies
                      (text, audio file, word timings, think time, an optional delegated tool call)
  audio/*.flac        24 kHz mono 16-bit speech, one file per utterance

Speech is synthetic (espeak-ng, resampled to 24 kHz with sox) so the energy VAD has real speech with
known silence boundaries. Word timings are estimated: each word is synthesised alone and the words'
relative lengths are scaled to the voiced span of the whole utterance. Nothing here is a capture of a
live API; record mode writes real captures beside these.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course_utils.voice.espeak import espeak_version, render  # noqa: E402

FIXTURES = ROOT / "data" / "fixtures"
RATE = 24000
USER_VOICE, ASSISTANT_VOICE = "en-us+m3", "en-us+f3"
WORDS_PER_MINUTE = 165
LEAD_MS, TAIL_MS = 60, 120  # silence kept around each assistant utterance after trimming
#: the user's clips end with enough silence for a 500 ms VAD (the Realtime path sends the clip alone)
USER_LEAD_MS, USER_TAIL_MS = 200, 900

#: The scripted conversations. ``think_ms`` is how long the model "thinks" after the user stops
#: before its first audio (a round figure, not a measurement).
CONVERSATIONS: dict[str, dict] = {
    "support_call": {
        "description": "A customer asks where an order is; the assistant asks for the number, delegates the "
                       "look-up to the application (a tool), reads out the result, and says goodbye.",
        "instructions": "You are a friendly support agent for an online shop. Keep answers short. "
                        "When the caller gives an order number, look it up with the order tool.",
        "user": [
            "Hi, I am calling about my order. It has not arrived yet.",
            "It is order four eight one five.",
            "Great, thank you.",
        ],
        "assistant": [
            {"text": "Sorry to hear that. What is your order number?", "think_ms": 450},
            {"text": "Thanks, let me look that up.", "think_ms": 400,
             "tool": {"name": "lookup_order", "arguments": {"order_number": "4815"},
                      "description": "Look up the shipping status of an order by its number.",
                      "parameters": {"type": "object",
                                     "properties": {"order_number": {"type": "string",
                                                                     "description": "digits only"}},
                                     "required": ["order_number"]},
                      "expected_result": "Order 4815 shipped on Monday and arrives on Friday.",
                      "then": {"text": "Order four eight one five shipped on Monday. "
                                       "It should arrive on Friday.", "think_ms": 300}}},
            {"text": "You are welcome. Have a nice day!", "think_ms": 350},
        ],
    },
    "support_interrupt": {
        "description": "A caller asks for opening hours and interrupts the long answer to ask only about "
                       "Saturday; the assistant goes quiet and answers the new question.",
        "instructions": "You are a friendly support agent for an online shop. Keep answers short.",
        "user": [
            "What are your opening hours?",
            "Sorry, just Saturday please.",
        ],
        "assistant": [
            {"text": "Our support line is open from eight in the morning until eight in the evening, "
                     "Monday to Friday, and from ten until four on Saturdays. On public holidays we are "
                     "closed, but you can always write to us through the help center.", "think_ms": 450},
            {"text": "On Saturdays we are open from ten until four.", "think_ms": 350},
        ],
    },
}


def _run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


def synthesize(text: str, voice: str, tmp: Path) -> np.ndarray:
    """espeak-ng -> 22.05 kHz WAV -> sox -> 24 kHz mono int16 samples."""
    raw, out = tmp / "raw.wav", tmp / "out.wav"
    samples, rate = render(text, voice, WORDS_PER_MINUTE)
    sf.write(raw, samples, rate, subtype="PCM_16")
    _run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)])
    samples, rate = sf.read(out, dtype="int16")
    assert rate == RATE
    return samples


def voiced_span(samples: np.ndarray, frame_ms: int = 10, floor: float = 0.02) -> tuple[int, int]:
    """First and last sample of frames whose RMS is above ``floor`` of full scale."""
    frame = RATE * frame_ms // 1000
    n = len(samples) // frame
    rms = np.sqrt(np.mean((samples[: n * frame].astype(np.float64) / 32768.0).reshape(n, frame) ** 2, axis=1))
    voiced = np.flatnonzero(rms > floor)
    if voiced.size == 0:
        return 0, len(samples)
    return int(voiced[0] * frame), int((voiced[-1] + 1) * frame)


def trim(samples: np.ndarray, lead_ms: int = LEAD_MS, tail_ms: int = TAIL_MS) -> np.ndarray:
    """Keep ``lead_ms`` before and ``tail_ms`` after the voiced span (padding with silence if needed)."""
    start, end = voiced_span(samples)
    body = samples[start:end]
    return np.concatenate([np.zeros(RATE * lead_ms // 1000, np.int16), body, np.zeros(RATE * tail_ms // 1000, np.int16)])


def word_timings(text: str, samples: np.ndarray, voice: str, tmp: Path) -> list[list]:
    """``[[word, start_ms, end_ms], ...]`` within the utterance (estimated, see module doc)."""
    words = text.split()
    lengths = []
    for w in words:
        s = synthesize(w, voice, tmp)
        a, b = voiced_span(s)
        lengths.append(max(b - a, RATE // 20))
    start, end = voiced_span(samples)
    total = sum(lengths)
    scale = (end - start) / total
    out, pos = [], float(start)
    for w, n in zip(words, lengths):
        dur = n * scale
        out.append([w, round(pos * 1000 / RATE), round((pos + dur) * 1000 / RATE)])
        pos += dur
    return out


def write_utterance(folder: Path, name: str, text: str, voice: str, tmp: Path, user: bool = False) -> dict:
    samples = trim(synthesize(text, voice, tmp), *((USER_LEAD_MS, USER_TAIL_MS) if user else (LEAD_MS, TAIL_MS)))
    (folder / "audio").mkdir(parents=True, exist_ok=True)
    sf.write(folder / "audio" / f"{name}.flac", samples, RATE, subtype="PCM_16", format="FLAC")
    return {"text": text, "audio": f"audio/{name}.flac", "duration_ms": round(len(samples) * 1000 / RATE),
            "words": word_timings(text, samples, voice, tmp)}


def make(name: str, spec: dict, tmp: Path) -> dict:
    folder = FIXTURES / "live" / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    user = [write_utterance(folder, f"user_{i + 1:02d}", t, USER_VOICE, tmp, user=True) for i, t in enumerate(spec["user"])]
    replies = []
    for i, turn in enumerate(spec["assistant"]):
        reply = write_utterance(folder, f"assistant_{i + 1:02d}", turn["text"], ASSISTANT_VOICE, tmp)
        reply["think_ms"] = turn["think_ms"]
        if "tool" in turn:
            tool = {k: v for k, v in turn["tool"].items() if k != "then"}
            then = write_utterance(folder, f"assistant_{i + 1:02d}_result", turn["tool"]["then"]["text"],
                                   ASSISTANT_VOICE, tmp)
            then["think_ms"] = turn["tool"]["then"]["think_ms"]
            tool["then"] = then
            reply["tool"] = tool
        replies.append(reply)
    conversation = {"instructions": spec["instructions"], "sample_rate": RATE, "user": user, "assistant": replies}
    text = json.dumps(conversation, indent=1)
    text = re.sub(r'\[\s+("(?:[^"\\]|\\.)*"),\s+(\d+),\s+(\d+)\s+\]', r"[\1, \2, \3]", text)  # one word per line
    (folder / "conversation.json").write_text(text + "\n")
    audio_bytes = sum(p.stat().st_size for p in (folder / "audio").glob("*.flac"))
    manifest = {
        "name": name,
        "area": "live",
        "schema_version": 1,
        "description": spec["description"],
        "provenance": (f"synthetic: espeak-ng {espeak_version()} speech (user voice {USER_VOICE}, assistant "
                       f"voice {ASSISTANT_VOICE}, {WORDS_PER_MINUTE} wpm) resampled to 24 kHz mono with sox, "
                       f"user clips padded to {USER_LEAD_MS} ms of silence before and {USER_TAIL_MS} ms after the "
                       "speech, word timings estimated from per-word synthesis, replies and think times hand-written "
                       "by scripts/make_live_fixtures.py; not captured from a live API"),
        "made_by": "scripts/make_live_fixtures.py",
        "made_on": date.today().isoformat(),
        "serves": ["course_utils.live.server.LocalLiveServer", "course_utils.live.gemini_server.LocalGeminiLiveServer"],
        "replay_note": "the stand-ins speak these replies in order whatever the user says; the user's words "
                       "shown as input transcripts are the script's, not a speech recogniser's",
        "audio_bytes": audio_bytes,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def make_gemini(name: str, spec: dict) -> None:
    folder = FIXTURES / "gemini_live" / name
    folder.mkdir(parents=True, exist_ok=True)
    tools = [t["tool"] for t in spec["assistant"] if "tool" in t]
    manifest = {
        "name": name,
        "area": "gemini_live",
        "schema_version": 1,
        "description": spec["description"],
        "conversation": f"live/{name}",
        "function_declarations": [{"name": t["name"], "description": t["description"], "parameters": t["parameters"]}
                                  for t in tools],
        "provenance": (f"synthetic: the same espeak-ng conversation as data/fixtures/live/{name} (see its "
                       "manifest); Gemini-specific parts (function declaration, usage token rule) hand-written by "
                       "scripts/make_live_fixtures.py; not captured from a live API"),
        "made_by": "scripts/make_live_fixtures.py",
        "made_on": date.today().isoformat(),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def main(argv: list[str]) -> int:
    names = argv or list(CONVERSATIONS)
    with tempfile.TemporaryDirectory() as tmpdir:
        for name in names:
            manifest = make(name, CONVERSATIONS[name], Path(tmpdir))
            make_gemini(name, CONVERSATIONS[name])
            print(f"live/{name}: {manifest['audio_bytes'] / 1e3:.0f} kB of FLAC")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
