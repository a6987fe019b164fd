"""Realtime conversation fixtures: the loader's Realtime face and record mode.

The model, the layout and the loader live in :mod:`course_utils.voice.conversation` (one home for every
voice room's fixtures); here ``load_conversation(name)`` reads ``data/fixtures/realtime/<name>`` and
:func:`save_recorded_session` writes a recorded live session in the same layout, so a recording replays
like a synthetic fixture.

The server answers each ``response.create`` with the next turn of the conversation's
:func:`~course_utils.voice.conversation.turn_script`, in order, whatever the user said (after the last
turn it starts again from the first).
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from ..errors import FixtureError
from ..fixtures import save_fixture
from ..voice import conversation as _conversation
from ..voice.audio import b64decode_pcm, flac_bytes
from ..voice.conversation import Conversation, layout_from_turns
from ..voice.formats import SAMPLE_RATE

AREA = "realtime"

__all__ = ["load_conversation", "turns_from_events", "save_recorded_session", "list_conversations"]


def load_conversation(name: str | Path) -> Conversation:
    """Load ``data/fixtures/realtime/<name>`` (or a fixture folder given as a Path); cached."""
    return _conversation.load_conversation(name, AREA)


# -- record mode ------------------------------------------------------------------------------------
def turns_from_events(events: list[dict]) -> tuple[list[dict], dict[str, bytes]]:
    """Rebuild the assistant's turns (``conversation.json`` entries) and audio from received events."""
    audio: dict[str, bytearray] = {}
    transcripts: dict[str, str] = {}
    turns: list[dict] = []
    files: dict[str, bytes] = {}
    for ev in events:
        etype = ev.get("type")
        if etype == "response.output_audio.delta":
            audio.setdefault(ev["item_id"], bytearray()).extend(b64decode_pcm(ev["delta"]))
        elif etype == "response.output_audio_transcript.done":
            transcripts[ev["item_id"]] = ev.get("transcript", "")
        elif etype == "response.done":
            outputs = []
            for item in ev.get("response", {}).get("output") or []:
                if item.get("type") == "function_call":
                    outputs.append({"type": "function_call", "name": item.get("name", ""),
                                    "arguments": item.get("arguments", ""), "call_id": item.get("call_id", "")})
                elif item.get("type") == "message":
                    text = transcripts.get(item.get("id", ""), "")
                    if not text:
                        for part in item.get("content") or []:
                            text = part.get("transcript") or part.get("text") or text
                    entry = {"type": "message", "transcript": text}
                    pcm = bytes(audio.get(item.get("id", ""), b""))
                    if pcm:
                        rel = f"assistant_{len(files) + 1:02d}.flac"
                        files[rel] = flac_bytes(pcm)
                        entry["audio"] = rel
                    outputs.append(entry)
            if outputs:
                turns.append({"output": outputs, "status": ev.get("response", {}).get("status")})
    return turns, files


def save_recorded_session(name: str, model: str, received: list[dict], sent: list[dict],
                          secrets: list[str] | tuple[str, ...] = (), root: Path | None = None,
                          first_delta_ms: float | None = None) -> Path:
    """Write a recorded session as a conversation fixture (events included, secrets scrubbed)."""
    turns, files = turns_from_events(received)
    if not turns:
        raise FixtureError("Nothing to save: the recorded session has no completed response.")
    events_jsonl = "".join(json.dumps({"direction": d, "event": e}, ensure_ascii=False) + "\n"
                           for d, evs in (("received", received), ("sent", sent)) for e in evs)
    layout = layout_from_turns(turns, [], first_delta_ms if first_delta_ms is not None else 300)
    manifest = {
        "provenance": f"recorded: a live Realtime session with {model} on {date.today().isoformat()} by "
                      f"course_utils.realtime (record mode); every secret scrubbed before saving; think_ms is "
                      f"a setting of the replay, not a measurement",
        "kind": "conversation", "model": model, "sample_rate": SAMPLE_RATE,
        "events": "events.jsonl (every event sent and received, audio deltas included)",
    }
    return save_fixture(AREA, name, manifest, {"conversation.json": json.dumps(layout, indent=2, ensure_ascii=False),
                                                "events.jsonl": events_jsonl, **files},
                        secrets=list(secrets), root=root)


def list_conversations() -> list[str]:
    """Names of the conversation fixtures in ``data/fixtures/realtime/``."""
    from ..fixtures import list_fixtures

    return list_fixtures(AREA)
