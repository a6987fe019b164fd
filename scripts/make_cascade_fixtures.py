#!/usr/bin/env python3
"""Make the cascade replay fixture ``data/fixtures/cascade/support_turn/``.

Synthetic, and says so: the user's question and the replayed TTS reply are spoken by espeak-ng; the
transcription and chat bodies are hand-written in the shapes the openai SDK parses (the tests
validate them against ``openai.types``). Each exchange waits ``latency_ms`` before answering: the
figures of a published latency budget for voice agents (source in the manifest), not a capture.

By default the user's question is the first user clip of the Realtime fixture (so both paths of
notebook 02 hear the same utterance); ``--own-question`` speaks it with espeak-ng instead.

    python scripts/make_cascade_fixtures.py
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_utils.fixtures import FIXTURES_DIR, save_fixture  # noqa: E402
from course_utils.voice.audio import load_audio, to_pcm16_bytes  # noqa: E402
from course_utils.voice.espeak import espeak_pcm, espeak_version  # noqa: E402
from course_utils.voice.formats import SAMPLE_RATE, duration_ms  # noqa: E402

NAME = "support_turn"
REALTIME_FIXTURE = "barge_in"  # notebook 02 sends the same first question through the Realtime path
QUESTION = "Hi, I ordered a blue kettle last week. Where is my order?"
REPLY = "I can check that for you. Could you read me your order number, please?"
INSTRUCTIONS = "You are a friendly voice assistant. Answer in a few short spoken sentences."

BUDGET_SOURCE = "https://cognilium.ai/blogs/voice-ai-latency-budget-deep-dive"
STAGE_LATENCIES = {
    "transcribe": {
        "latency_ms": 350, "source": BUDGET_SOURCE,
        "note": "STT share of a published production budget for voice agents (VAD 150, STT 350, LLM 500, TTS 250, "
                "network 200 ms; ~1.4 s p95). A budget for streaming STT, not a measurement of gpt-transcribe: "
                "uploading a finished clip is usually slower. Live mode measures the real call."},
    "chat": {
        "latency_ms": 500, "source": BUDGET_SOURCE,
        "note": "LLM share (first token) of the same budget; this cascade waits for the whole short reply, so "
                "the real call takes at least this. Not a measurement of gpt-6-luna."},
    "speak": {
        "latency_ms": 250, "source": BUDGET_SOURCE,
        "note": "TTS share (first audio byte) of the same budget; replayed for gpt-4o-mini-tts only while it "
                "exists (shut down 2027-01-06)."},
}
REFERENCE_FIGURES = [
    {"what": "ChatGPT Voice Mode as a cascade (Whisper -> GPT-3.5 -> TTS), average reply latency", "ms": 2800,
     "source": "https://openai.com/index/hello-gpt-4o/"},
    {"what": "ChatGPT Voice Mode as a cascade (Whisper -> GPT-4 -> TTS), average reply latency", "ms": 5400,
     "source": "https://openai.com/index/hello-gpt-4o/"},
    {"what": "GPT-4o answering audio directly (speech to speech), average / fastest", "ms": 320, "min_ms": 232,
     "source": "https://openai.com/index/hello-gpt-4o/"},
]


def flac(pcm: bytes) -> bytes:
    import io

    import numpy as np
    import soundfile as sf
    buf = io.BytesIO()
    sf.write(buf, np.frombuffer(pcm, dtype="<i2"), SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    return buf.getvalue()


def realtime_turn(fixture: str = REALTIME_FIXTURE) -> tuple[bytes, str, str, str] | None:
    """(question pcm, question text, reply text, question clip, reply clip) of a Realtime fixture's first turn."""
    folder = FIXTURES_DIR / "realtime" / fixture
    if not (folder / "manifest.json").exists():
        return None
    conversation = json.loads((folder / "conversation.json").read_text())   # the one conversation layout
    user = conversation["user"][0]
    reply = conversation["assistant"][0]["text"]
    reply_audio = conversation["assistant"][0]["audio"]
    return to_pcm16_bytes(load_audio(folder / user["audio"])), user["text"], reply, user["audio"], reply_audio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--own-question", action="store_true", help="speak QUESTION with espeak-ng")
    args = parser.parse_args()
    found = None if args.own_question else realtime_turn()
    if found:
        question_pcm, question, reply, clip, reply_clip = found
        question_audio = {"fixture": ["realtime", REALTIME_FIXTURE], "file": clip}
        question_note = (f"the user clip realtime/{REALTIME_FIXTURE}/{clip} (used in place, so both paths of notebook "
                         f"02 hear the same utterance)")
        reply_body = f"../../realtime/{REALTIME_FIXTURE}/{reply_clip}"
        reply_note = (f"the replayed TTS reply is that fixture's answer, realtime/{REALTIME_FIXTURE}/{reply_clip} "
                      f"(espeak-ng, same words), served in place")
        files = {}
    else:
        question_pcm, question, reply = espeak_pcm(QUESTION, "en-us+m3", 165), QUESTION, REPLY
        question_audio = {"file": "question.flac"}
        question_note = "question.flac, espeak-ng voice en-us+m3, 165 wpm"
        reply_body = "reply.flac"
        reply_note = f"reply.flac spoken by espeak-ng {espeak_version()} (voice en-us+f3, 165 wpm) at 24 kHz mono"
        files = {"question.flac": flac(question_pcm), "reply.flac": flac(espeak_pcm(reply, "en-us+f3", 165))}
    prompt_tokens = (len(INSTRUCTIONS) + len(question)) // 4 + 8
    completion_tokens = len(reply) // 4 + 1
    seconds = round(duration_ms(question_pcm) / 1000, 2)
    lat = STAGE_LATENCIES
    exchanges = [
        {"method": "POST", "path": "/v1/audio/transcriptions", "match": {"model": "gpt-transcribe"},
         "status": 200, "latency_ms": lat["transcribe"]["latency_ms"], "latency_source": lat["transcribe"]["source"],
         "json": {"text": question, "usage": {"type": "duration", "seconds": seconds}}},
        {"method": "POST", "path": "/v1/chat/completions", "match": {"model": "gpt-6-luna", "contains": " ".join(question.split()[:3])},
         "status": 200, "latency_ms": lat["chat"]["latency_ms"], "latency_source": lat["chat"]["source"],
         "json": {"id": "chatcmpl-replay-support-turn-1", "object": "chat.completion", "created": 1764028800,
                  "model": "gpt-6-luna", "system_fingerprint": None,
                  "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                               "message": {"role": "assistant", "content": reply, "refusal": None}}],
                  "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                            "total_tokens": prompt_tokens + completion_tokens}}},
        {"method": "POST", "path": "/v1/audio/speech", "match": {"model": "gpt-4o-mini-tts"},
         "status": 200, "latency_ms": lat["speak"]["latency_ms"], "latency_source": lat["speak"]["source"],
         "body_file": reply_body, "content_type": "audio/flac"},
    ]
    manifest = {
        "name": NAME, "area": "cascade",
        "description": "One spoken question through STT (gpt-transcribe) -> chat (gpt-6-luna) -> TTS "
                       "(gpt-4o-mini-tts, replayable only until its shutdown on 2027-01-06).",
        "provenance": (f"synthetic: question audio from {question_note}; {reply_note}; transcription and chat "
                       f"bodies hand-written in the openai SDK's shapes by scripts/make_cascade_fixtures.py; "
                       f"stage latencies replayed from a published latency budget (see stage_latencies); "
                       f"not captured from a live API"),
        "replayed": True,
        "made_by": "scripts/make_cascade_fixtures.py", "made_on": date.today().isoformat(),
        "question_audio": question_audio, "question_text": question, "question_seconds": seconds,
        "reply_text": reply, "instructions": INSTRUCTIONS,
        "stage_latencies": STAGE_LATENCIES,
        "reference_figures": REFERENCE_FIGURES,
        "serves": ["course_utils.standins.openai_rest.OpenAIRestStandin", "course_utils.cascade.Cascade"],
    }
    folder = save_fixture("cascade", NAME, manifest, files={
        "exchanges.json": json.dumps(exchanges, indent=2) + "\n",
        **files,
    })
    size = sum(p.stat().st_size for p in folder.iterdir())
    print(f"wrote {folder.relative_to(ROOT)} ({size / 1024:.0f} KiB; question {seconds} s: {question!r})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
