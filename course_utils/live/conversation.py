"""The scripted conversations the Live stand-ins replay (``data/fixtures/live/<name>/``).

A conversation is the user's side (utterances the notebook or a test speaks into the session) and
the assistant's side (replies the stand-in speaks, in order, whatever the user said), each with its
audio (24 kHz mono PCM16), its text and estimated word timings. A reply may carry a tool call: the
stand-ins turn it into a delegation (OpenAI Live) or a function call (Gemini Live) and speak the
follow-up once the application answers.

Both stand-ins and the notebooks read the same folders; ``data/fixtures/gemini_live/<name>/`` only
points at one of them (``"conversation": "live/<name>"``) and adds the function declarations.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import FixtureError
from ..fixtures import fixture_dir, load_manifest
from ..voice.audio import SAMPLE_RATE, load_audio

Word = tuple[str, int, int]  # (text, start_ms, end_ms) within the utterance


@dataclass(frozen=True)
class Tool:
    """A tool call the assistant makes in a reply, and what it says once it has the result."""

    name: str
    arguments: dict
    description: str
    parameters: dict
    expected_result: str
    then: "Utterance"


@dataclass(frozen=True)
class Utterance:
    """One thing said: its text, PCM16 24 kHz mono audio, word timings, and (replies) think time."""

    text: str
    pcm: bytes = field(repr=False)
    words: tuple[Word, ...] = field(repr=False)
    think_ms: int = 0
    tool: Tool | None = None

    @property
    def duration_ms(self) -> float:
        return len(self.pcm) / (SAMPLE_RATE * 2 / 1000)


@dataclass(frozen=True)
class Conversation:
    """A fixture conversation: ``user`` utterances and ``assistant`` replies, in order."""

    name: str
    instructions: str
    user: tuple[Utterance, ...]
    assistant: tuple[Utterance, ...]
    manifest: dict = field(repr=False, compare=False)

    @property
    def tools(self) -> list[Tool]:
        return [r.tool for r in self.assistant if r.tool is not None]


def _utterance(folder, spec: dict) -> Utterance:
    try:
        pcm = load_audio(folder / spec["audio"]).astype("<i2").tobytes()
        words = tuple((str(w), int(a), int(b)) for w, a, b in spec["words"])
        tool = None
        if "tool" in spec:
            t = spec["tool"]
            tool = Tool(t["name"], dict(t["arguments"]), t.get("description", ""), dict(t.get("parameters", {})),
                        t.get("expected_result", ""), _utterance(folder, t["then"]))
        return Utterance(spec["text"], pcm, words, int(spec.get("think_ms", 0)), tool)
    except (KeyError, TypeError, ValueError) as exc:
        raise FixtureError(f"Conversation in {folder.name} has a malformed turn ({exc!r}); regenerate it with "
                           f"scripts/make_live_fixtures.py.") from None


@lru_cache(maxsize=16)
def load_conversation(name: str | Path, area: str = "live") -> Conversation:
    """Load ``data/fixtures/<area>/<name>`` (or a fixture folder given as a Path); a ``gemini_live``
    fixture is followed to the ``live`` conversation it points at."""
    if isinstance(name, Path):
        folder = name
        try:
            manifest = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError) as exc:
            raise FixtureError(f"No readable manifest.json in {folder.name} ({exc}).") from None
        if not manifest.get("provenance"):
            raise FixtureError(f"Fixture {folder.name} has no provenance; every fixture must say how it was made.")
        return _load_folder(folder, folder.name, manifest)
    manifest = load_manifest(area, name)
    if "conversation" in manifest:  # a pointer: "live/support_call"
        target_area, _, target = str(manifest["conversation"]).partition("/")
        base = load_conversation(target, target_area)
        return Conversation(name, base.instructions, base.user, base.assistant, {**base.manifest, **manifest})
    return _load_folder(fixture_dir(area, name), name, manifest)


def _load_folder(folder: Path, name: str, manifest: dict) -> Conversation:
    path = folder / "conversation.json"
    try:
        spec = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise FixtureError(f"Fixture {name} has no readable conversation.json ({exc}); regenerate it with "
                           f"scripts/make_live_fixtures.py.") from None
    return Conversation(name, spec.get("instructions", ""), tuple(_utterance(folder, u) for u in spec["user"]),
                        tuple(_utterance(folder, a) for a in spec["assistant"]), manifest)
