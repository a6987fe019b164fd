"""Conversation fixtures: the one model, the one loader and the one layout of the scripted conversations
the voice stand-ins replay (Realtime, OpenAI Live, Gemini Live, and the translation agent's turns).

A conversation is the user's side (utterances a notebook or a test speaks into the session) and the
assistant's side (replies the stand-in speaks, in order, whatever the user said): a :class:`Conversation`
of :class:`Utterance` s, where a reply may carry a :class:`Tool` call and the words said once the result
is back. Every area (``data/fixtures/<area>/<name>/``: ``live``, ``realtime``) has the same layout:

* ``manifest.json``: ``provenance`` (how it was made) and a description;
* ``conversation.json``: ``{"instructions", "sample_rate", "user": [...], "assistant": [...]}``, each entry
  ``{"text", "audio" (a FLAC file in the folder), "duration_ms", "words", "think_ms"}``; a user entry
  may be ``"typed": true`` (no audio) and give ``"speech_ms": [first, last]`` (where the speech is in
  its clip); a reply may have a ``"tool": {"name", "arguments", "description", "parameters",
  "expected_result", "call_id", "then": {...the follow-up reply...}}``.

``gemini_live/<name>`` only points at a ``live`` conversation (``"conversation": "live/<name>"``) and adds
the function declarations. The Realtime stand-in replays turns (each ``response.create`` gets the next
turn's output items): :func:`turn_script` derives them from a conversation, so every voice room replays
the same model. :func:`layout_from_turns` turns a Realtime turn list (what a recorded Realtime session
gives) into the layout above. Nothing here talks to a network.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import FixtureError
from ..fixtures import fixture_dir, load_manifest
from .audio import load_audio
from .formats import SAMPLE_RATE, duration_ms


def _read_manifest(folder: Path) -> dict:
    """A fixture folder's ``manifest.json``, which must say how the fixture was made (``provenance``)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise FixtureError(f"Fixture {folder.name} has no readable manifest.json ({exc}).") from None
    if not manifest.get("provenance"):
        raise FixtureError(f"Fixture {folder.name} has no provenance; every fixture must say how it was made.")
    return manifest


# -- the model --------------------------------------------------------------------------------------
Word = tuple[str, int, int]  # (text, start_ms, end_ms) within the utterance


@dataclass(frozen=True)
class Tool:
    """A tool call the assistant makes in a reply, and what it says once it has the result.

    ``expected_result`` is what the application is expected to return (text or JSON); ``call_id`` the
    Realtime call id to replay ("" = ``call_<name>_<reply index>``)."""

    name: str
    arguments: dict
    description: str
    parameters: dict
    expected_result: Any
    then: "Utterance"
    call_id: str = ""

    @property
    def arguments_json(self) -> str:
        return json.dumps(self.arguments)


@dataclass(frozen=True)
class Utterance:
    """One thing said: its text, PCM16 24 kHz mono audio, word timings, (replies) think time and tool,
    (user clips) where the speech is and whether it was typed instead of spoken."""

    text: str
    pcm: bytes = field(default=b"", repr=False)
    words: tuple[Word, ...] = field(default=(), repr=False)
    think_ms: int = 0
    tool: Tool | None = None
    speech_ms: tuple[int, int] | None = None   # [first, last] loud sample of a user clip, ms from its start
    typed: bool = False                        # a typed user message: text, no audio
    path: Path | None = field(default=None, repr=False, compare=False)   # the audio file it was read from

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

    def user_audio(self, index: int = 0) -> bytes:
        """PCM16 bytes of the ``index``-th user utterance (0-based)."""
        if not 0 <= index < len(self.user) or self.user[index].typed:
            spoken = sum(not u.typed for u in self.user)
            raise FixtureError(f"Conversation {self.name} has no spoken user turn {index} ({spoken} of its "
                               f"{len(self.user)} user turns are spoken); pick another index.")
        return self.user[index].pcm


# -- the loader -------------------------------------------------------------------------------------
def _utterance(folder: Path, spec: dict) -> Utterance:
    try:
        pcm, path = b"", None
        if spec.get("audio"):
            path = folder / spec["audio"]
            if not path.exists():
                raise FixtureError(f"Fixture file missing: {folder.name}/{spec['audio']}; regenerate the fixture "
                                   f"with the script its manifest names (made_by / provenance).")
            pcm = load_audio(path).astype("<i2").tobytes()
        words = tuple((str(w), int(a), int(b)) for w, a, b in spec.get("words", ()))
        tool = None
        if "tool" in spec:
            t = spec["tool"]
            tool = Tool(t["name"], dict(t["arguments"]), t.get("description", ""), dict(t.get("parameters", {})),
                        t.get("expected_result", ""), _utterance(folder, t["then"]), str(t.get("call_id", "")))
        speech = tuple(int(x) for x in spec["speech_ms"]) if spec.get("speech_ms") else None
        return Utterance(spec["text"], pcm, words, int(spec.get("think_ms", 0)), tool, speech,
                         bool(spec.get("typed", False)), path)
    except (KeyError, TypeError, ValueError) as exc:
        raise FixtureError(f"Conversation in {folder.name} has a malformed turn ({exc!r}); regenerate it with "
                           f"the script its manifest names.") from None


def _load_folder(folder: Path, name: str, manifest: dict) -> Conversation:
    path = folder / "conversation.json"
    try:
        spec = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise FixtureError(f"Fixture {name} has no readable conversation.json ({exc}); regenerate it with the "
                           f"script its manifest names.") from None
    if "user" not in spec or "assistant" not in spec:
        raise FixtureError(f"Fixture {name}'s conversation.json has no user/assistant lists (an old layout?); "
                           f"regenerate it with the script its manifest names.")
    conv = Conversation(name, spec.get("instructions", ""), tuple(_utterance(folder, u) for u in spec["user"]),
                        tuple(_utterance(folder, a) for a in spec["assistant"]), manifest)
    if not conv.assistant:
        raise FixtureError(f"Fixture {name} has no assistant replies.")
    return conv


@lru_cache(maxsize=32)
def load_conversation(name: str | Path, area: str = "live") -> Conversation:
    """Load the conversation fixture ``data/fixtures/<area>/<name>`` (or a fixture folder given as a Path).

    Every area has the same layout; a ``gemini_live`` fixture is followed to the ``live`` conversation it
    points at. Cached: loading twice costs nothing.
    """
    if isinstance(name, Path):
        return _load_folder(name, name.name, _read_manifest(name))
    manifest = load_manifest(area, name)
    if "conversation" in manifest:  # a pointer: "live/support_call"
        target_area, _, target = str(manifest["conversation"]).partition("/")
        base = load_conversation(target, target_area)
        return Conversation(name, base.instructions, base.user, base.assistant, {**base.manifest, **manifest})
    return _load_folder(fixture_dir(area, name), name, manifest)


# -- the Realtime turn script, derived ---------------------------------------------------------------
@dataclass(frozen=True)
class OutputSpec:
    """One output item of a Realtime turn."""

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
class TurnScript:
    """What the Realtime stand-in replays: one turn per ``response.create`` (cycling after the last),
    each after ``first_delta_ms`` (the conversation's mean think time). Made by :func:`turn_script`."""

    name: str
    turns: tuple[AssistantTurn, ...]
    first_delta_ms: float

    def turn(self, n: int) -> AssistantTurn:
        """Turn ``n`` (0-based), cycling after the last one."""
        return self.turns[n % len(self.turns)]


def turn_script(conversation: Conversation) -> TurnScript:
    """The Realtime turns of a conversation (same audio and replies).

    A reply is a turn: its message (when it says something) and its function call (when it has a tool);
    the tool's follow-up becomes the next turn, which the Realtime server speaks after the client sends
    the function's output.
    """
    turns: list[AssistantTurn] = []

    def add(reply: Utterance, index: int) -> None:
        outputs = []
        if reply.text or reply.pcm:
            outputs.append(OutputSpec("message", transcript=reply.text, audio=reply.pcm))
        if reply.tool is not None:
            outputs.append(OutputSpec("function_call", name=reply.tool.name, arguments=reply.tool.arguments_json,
                                      call_id=reply.tool.call_id or f"call_{reply.tool.name}_{index}"))
        if outputs:
            turns.append(AssistantTurn(tuple(outputs)))
        if reply.tool is not None:
            add(reply.tool.then, index)

    for i, reply in enumerate(conversation.assistant):
        add(reply, i)
    if not turns:
        raise FixtureError(f"Conversation {conversation.name} has no reply that says or calls anything.")
    think = sum(r.think_ms for r in conversation.assistant) / max(1, len(conversation.assistant))
    return TurnScript(conversation.name, tuple(turns), float(think))


# -- writing the layout -----------------------------------------------------------------------------
def layout_from_turns(turns: list[dict], user: list[dict], think_ms: float, tools: list[dict] = (),
                      tool_results: dict | None = None, instructions: str = "") -> dict:
    """A ``conversation.json`` (the one layout) from Realtime turns ``[{"output": [{"type": "message",
    "transcript", "audio"} | {"type": "function_call", "name", "arguments", "call_id"}]}]``.

    A turn's messages are one reply (texts joined, audio files listed in order); its function call makes
    the next turn that reply's follow-up (``tool.then``). ``user`` entries are kept as they are;
    ``tools`` (Realtime tool definitions) and ``tool_results`` (by call id) fill in each call's
    description, parameters and expected result. A turn with more than one call keeps the first and
    lists the others under ``"unreplayed_calls"`` (the stand-ins replay one call per reply).
    """
    defs = {t.get("name"): t for t in tools}
    results = tool_results or {}
    assistant: list[dict] = []
    pending: dict | None = None      # a tool entry waiting for its follow-up
    for turn in turns:
        outputs = turn.get("output", [])
        messages = [o for o in outputs if o.get("type") == "message"]
        calls = [o for o in outputs if o.get("type") == "function_call"]
        unknown = [o.get("type") for o in outputs if o.get("type") not in ("message", "function_call")]
        if unknown:
            raise FixtureError(f"A turn has output items of unknown type {unknown}; only messages and function calls replay.")
        reply: dict = {"text": " ".join(m.get("transcript", "") for m in messages).strip(), "think_ms": round(think_ms)}
        audio = [m["audio"] for m in messages if m.get("audio")]
        if audio:
            reply["audio"] = audio[0]
            if len(audio) > 1:
                reply["more_audio"] = audio[1:]
        if turn.get("status"):
            reply["status"] = turn["status"]
        if calls:
            c = calls[0]
            try:
                args = json.loads(c.get("arguments") or "{}")
            except ValueError:
                args = {"_unparsed": c.get("arguments", "")}
            d = defs.get(c.get("name"), {})
            reply["tool"] = {"name": c.get("name", ""), "arguments": args, "call_id": c.get("call_id", ""),
                             "description": d.get("description", ""), "parameters": d.get("parameters", {}),
                             "expected_result": results.get(c.get("call_id", ""), "")}
            if len(calls) > 1:
                reply["unreplayed_calls"] = calls[1:]
        if pending is not None:
            pending["then"] = reply
        else:
            assistant.append(reply)
        pending = reply.get("tool")
    if pending is not None:                  # the session ended before the follow-up
        pending["then"] = {"text": "", "think_ms": round(think_ms)}
    return {"instructions": instructions, "sample_rate": SAMPLE_RATE, "user": list(user), "assistant": assistant}


def realtime_user_entries(user_turns: list[dict]) -> list[dict]:
    """Conversation ``user`` entries from a Realtime fixture's user turns (``audio``, ``text``,
    ``speech_ms``, ``duration_ms`` or ``typed``): the same keys, in the layout's order."""
    keys = ("text", "audio", "duration_ms", "speech_ms", "typed", "words")
    return [{k: u[k] for k in keys if k in u} for u in user_turns]
