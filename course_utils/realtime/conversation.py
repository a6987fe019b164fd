"""Conversation fixtures: what the local Realtime server says, turn by turn.

A fixture folder ``data/fixtures/realtime/<name>/`` holds:

* ``manifest.json``: ``provenance`` (how it was made), ``model``, the user clips with their known
  speech spans, and notes;
* ``conversation.json``: ``{"first_delta_ms": 300, "turns": [{"output": [...]}, ...]}`` where each
  output is ``{"type": "message", "transcript": "...", "audio": "assistant_01.flac"}`` or
  ``{"type": "function_call", "name": "...", "arguments": "{...}", "call_id": "..."}``;
* FLAC files (PCM16, mono, 24 kHz) for the assistant's audio and the user's utterances.

The server answers each ``response.create`` with the next turn, in order, whatever the user said
(after the last turn it starts again from the first). :func:`save_recorded_session` writes a live
session (record mode) in the same layout, so a recording replays like a synthetic fixture.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import FixtureError
from ..fixtures import fixture_dir, save_fixture
from ..voice.audio import SAMPLE_RATE, b64decode_pcm, load_audio

AREA = "realtime"


@dataclass(frozen=True)
class OutputSpec:
    """One output item of an assistant turn."""

    type: str                    # "message" | "function_call"
    transcript: str = ""
    audio: bytes = b""           # PCM16 24 kHz mono
    name: str = ""
    arguments: str = ""
    call_id: str = ""

    @property
    def audio_ms(self) -> float:
        return len(self.audio) / (SAMPLE_RATE * 2 / 1000)


@dataclass(frozen=True)
class AssistantTurn:
    outputs: tuple[OutputSpec, ...]


@dataclass(frozen=True)
class ConversationFixture:
    """A loaded conversation fixture (audio decoded to PCM16 bytes)."""

    name: str
    manifest: dict
    turns: tuple[AssistantTurn, ...]
    first_delta_ms: float
    user_clips: tuple[tuple[str, bytes], ...] = field(default=())

    def user_audio(self, index: int = 0) -> bytes:
        """PCM16 bytes of the ``index``-th user clip (0-based)."""
        if not 0 <= index < len(self.user_clips):
            raise FixtureError(f"Fixture {self.name} has {len(self.user_clips)} user clips; there is no clip {index}.")
        return self.user_clips[index][1]

    def user_turn(self, index: int = 0) -> dict:
        """The manifest's description of a user clip (text, speech span)."""
        return self.manifest.get("user_turns", [])[index]

    def turn(self, n: int) -> AssistantTurn:
        """Turn ``n`` (0-based), cycling after the last one."""
        return self.turns[n % len(self.turns)]


def _read_pcm(folder: Path, rel: str) -> bytes:
    path = folder / rel
    if not path.exists():
        raise FixtureError(f"Fixture file missing: {folder.name}/{rel}; regenerate with scripts/make_realtime_fixtures.py.")
    return load_audio(path).astype("<i2").tobytes()


def load_conversation(name: str | Path) -> ConversationFixture:
    """Load ``data/fixtures/realtime/<name>`` (or a fixture folder given as a Path); cached."""
    if isinstance(name, Path):
        return _load(name.resolve())
    return _load(fixture_dir(AREA, name))


@lru_cache(maxsize=32)
def _load(folder: Path) -> ConversationFixture:
    name = folder.name
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise FixtureError(f"Fixture {folder.name} has no readable manifest.json ({exc}).") from None
    if not manifest.get("provenance"):
        raise FixtureError(f"Fixture {folder.name} has no provenance; every fixture must say how it was made.")
    try:
        script = json.loads((folder / "conversation.json").read_text())
    except (OSError, ValueError) as exc:
        raise FixtureError(f"Fixture {AREA}/{name} has no readable conversation.json ({exc}).") from None
    turns = []
    for t, turn in enumerate(script.get("turns", [])):
        outputs = []
        for out in turn.get("output", []):
            kind = out.get("type")
            if kind == "message":
                audio = _read_pcm(folder, out["audio"]) if out.get("audio") else b""
                outputs.append(OutputSpec("message", transcript=out.get("transcript", ""), audio=audio))
            elif kind == "function_call":
                outputs.append(OutputSpec("function_call", name=out["name"], arguments=out.get("arguments", "{}"),
                                          call_id=out.get("call_id") or f"call_{name}_{t}"))
            else:
                raise FixtureError(f"Fixture {AREA}/{name} turn {t}: unknown output type {kind!r}.")
        turns.append(AssistantTurn(tuple(outputs)))
    if not turns:
        raise FixtureError(f"Fixture {AREA}/{name} has no assistant turns.")
    clips = tuple((u["audio"], _read_pcm(folder, u["audio"])) for u in manifest.get("user_turns", []) if u.get("audio"))
    return ConversationFixture(name, manifest, tuple(turns), float(script.get("first_delta_ms", 300)), clips)


# -- record mode ------------------------------------------------------------------------------------
def flac_bytes(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> bytes:
    """PCM16 mono bytes as a FLAC file (lossless, about half the size of WAV for speech)."""
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.frombuffer(pcm, dtype="<i2"), sample_rate, format="FLAC", subtype="PCM_16")
    return buf.getvalue()


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
    script = {"first_delta_ms": first_delta_ms if first_delta_ms is not None else 300, "turns": turns}
    manifest = {
        "provenance": f"recorded: a live Realtime session with {model} on {date.today().isoformat()} by "
                      f"course_utils.realtime (record mode); every secret scrubbed before saving",
        "kind": "conversation", "model": model, "sample_rate": SAMPLE_RATE, "user_turns": [],
        "events": "events.jsonl (every event sent and received, audio deltas included)",
    }
    return save_fixture(AREA, name, manifest, {"conversation.json": json.dumps(script, indent=2, ensure_ascii=False),
                                                "events.jsonl": events_jsonl, **files},
                        secrets=list(secrets), root=root)


def list_conversations() -> list[str]:
    """Names of the conversation fixtures in ``data/fixtures/realtime/``."""
    from ..fixtures import list_fixtures

    return list_fixtures(AREA)
