"""Conversation fixtures: the one model and the one loader of the scripted conversations the voice
stand-ins replay (Realtime, OpenAI Live, Gemini Live, and the translation agent's turns).

A conversation is the user's side (utterances a notebook or a test speaks into the session) and the
assistant's side (replies the stand-in speaks, in order, whatever the user said). It comes in two
shapes, one per on-disk layout, read by one loader, :func:`load_conversation` (``area`` picks the
folder ``data/fixtures/<area>/<name>/``):

* ``live`` / ``gemini_live`` -> :class:`Conversation`: :class:`Utterance` s (24 kHz mono PCM16, text,
  word timings, think time), a reply may carry a :class:`Tool` call; ``gemini_live/<name>`` only points
  at a ``live`` conversation (``"conversation": "live/<name>"``) and adds the function declarations.
* ``realtime`` -> :class:`ConversationFixture`: the Realtime server's turn script, each
  :class:`AssistantTurn` a list of :class:`OutputSpec` (a spoken message or a function call), plus the
  user clips. ``conversation.json`` is ``{"first_delta_ms": 300, "turns": [{"output": [...]}, ...]}``.

:func:`as_turns` turns a :class:`Conversation` into the Realtime turn script (same audio and replies), so
every voice room can replay the same conversation. Nothing here talks to a network.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import FixtureError
from ..fixtures import fixture_dir, load_manifest
from .audio import load_audio
from .formats import duration_ms


def _read_manifest(folder: Path) -> dict:
    """A fixture folder's ``manifest.json``, which must say how the fixture was made (``provenance``)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise FixtureError(f"Fixture {folder.name} has no readable manifest.json ({exc}).") from None
    if not manifest.get("provenance"):
        raise FixtureError(f"Fixture {folder.name} has no provenance; every fixture must say how it was made.")
    return manifest


# -- a conversation: utterances and replies (data/fixtures/live/<name>) -------------------------------
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
        return duration_ms(self.pcm)


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
def _load_live(name: str | Path, area: str = "live") -> Conversation:
    """Load ``data/fixtures/<area>/<name>`` (or a fixture folder given as a Path); a ``gemini_live``
    fixture is followed to the ``live`` conversation it points at."""
    if isinstance(name, Path):
        return _load_folder(name, name.name, _read_manifest(name))
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


# -- the Realtime turn script (data/fixtures/realtime/<name>) -----------------------------------------
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
        return duration_ms(self.audio)


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


@lru_cache(maxsize=32)
def _load_turns(folder: Path) -> ConversationFixture:
    name = folder.name
    manifest = _read_manifest(folder)
    try:
        script = json.loads((folder / "conversation.json").read_text())
    except (OSError, ValueError) as exc:
        raise FixtureError(f"Fixture realtime/{name} has no readable conversation.json ({exc}).") from None
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
                raise FixtureError(f"Fixture realtime/{name} turn {t}: unknown output type {kind!r}.")
        turns.append(AssistantTurn(tuple(outputs)))
    if not turns:
        raise FixtureError(f"Fixture realtime/{name} has no assistant turns.")
    clips = tuple((u["audio"], _read_pcm(folder, u["audio"])) for u in manifest.get("user_turns", []) if u.get("audio"))
    return ConversationFixture(name, manifest, tuple(turns), float(script.get("first_delta_ms", 300)), clips)


def load_conversation(name: str | Path, area: str = "live") -> "Conversation | ConversationFixture":
    """Load the conversation fixture ``data/fixtures/<area>/<name>`` (or a fixture folder given as a Path).

    ``area="realtime"`` gives the Realtime server's :class:`ConversationFixture`; ``"live"`` and
    ``"gemini_live"`` give a :class:`Conversation` (a ``gemini_live`` fixture is followed to the ``live``
    conversation it points at). Cached: loading twice costs nothing.
    """
    if area == "realtime":
        return _load_turns(name.resolve() if isinstance(name, Path) else fixture_dir(area, name))
    return _load_live(name, area)


# -- one conversation, every room --------------------------------------------------------------------
def as_turns(conversation: Conversation | str = "support_call") -> ConversationFixture:
    """The Realtime stand-in's ``ConversationFixture`` for a Live conversation (same audio and replies).

    A reply with a tool becomes a turn of two outputs (the spoken acknowledgement and a function
    call); its follow-up becomes the next turn, which the Realtime server speaks after the client
    sends the function's output.
    """
    conv = load_conversation(conversation) if isinstance(conversation, str) else conversation
    turns = []
    for i, reply in enumerate(conv.assistant):
        outputs = [OutputSpec("message", transcript=reply.text, audio=reply.pcm)]
        if reply.tool is not None:
            outputs.append(OutputSpec("function_call", name=reply.tool.name, arguments=json.dumps(reply.tool.arguments),
                                      call_id=f"call_{reply.tool.name}_{i}"))
            turns.append(AssistantTurn(tuple(outputs)))
            turns.append(AssistantTurn((OutputSpec("message", transcript=reply.tool.then.text, audio=reply.tool.then.pcm),)))
        else:
            turns.append(AssistantTurn(tuple(outputs)))
    think = sum(r.think_ms for r in conv.assistant) / max(1, len(conv.assistant))
    manifest = {"provenance": f"{conv.manifest.get('provenance', '')} (the live/{conv.name} conversation, turned "
                              f"into Realtime turns in memory by course_utils.voice.conversation.as_turns)",
                "user_turns": [{"text": u.text} for u in conv.user]}
    clips = tuple((f"user_{i + 1:02d}", u.pcm) for i, u in enumerate(conv.user))
    return ConversationFixture(conv.name, manifest, tuple(turns), float(think), clips)
