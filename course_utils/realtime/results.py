"""What a Realtime session gives back: :class:`ResponseResult` (one response: its transcript, audio,
function calls, usage and status) and the small pieces the client builds it with (strict base64 for
audio deltas, a function tool's schema from a Python signature).

Part of :mod:`course_utils.realtime.client`, split along its seams; re-exported there.
"""
from __future__ import annotations

import binascii
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import ProtocolError
from ..voice.audio import audio_widget, b64decode_pcm
from ..voice.formats import duration_ms

Handler = Callable[[dict], Any]
#: Errors that come from harmless races (e.g. a cancel arriving just after the response ended).
RACE_CODES = {"response_cancel_not_active"}


@dataclass
class ResponseResult:
    """A finished response: what was said (transcript, audio), its items, usage and cost."""

    id: str
    status: str
    reason: str | None = None
    transcript: str = ""
    text: str = ""
    audio: bytes = b""
    items: list = field(default_factory=list)
    usage: dict | None = None
    cost: Any = None
    function_calls: list = field(default_factory=list)

    @property
    def audio_ms(self) -> float:
        return duration_ms(self.audio)

    def audio_widget(self):
        """An inline player of the audio received for this response."""
        return audio_widget(self.audio)

    def __repr__(self) -> str:
        said = (self.transcript or self.text)[:60]
        calls = f", calls={[c['name'] for c in self.function_calls]}" if self.function_calls else ""
        return f"ResponseResult({self.id}, {self.status}, {self.audio_ms:.0f} ms audio, {said!r}{calls})"


@dataclass
class _ResponseState:
    id: str
    result: ResponseResult
    audio: bytearray = field(default_factory=bytearray)
    transcripts: dict = field(default_factory=dict)
    texts: dict = field(default_factory=dict)
    done: bool = False
    interrupted: bool = False


def _b64(text: str) -> bytes:
    """Strict base64 decoding (fast path of ``b64decode_pcm``; a bad delta is a protocol error)."""
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except TypeError:  # Python 3.10: no strict_mode (or ``text`` is not a string: b64decode_pcm says so)
        try:
            return b64decode_pcm(text)
        except Exception as exc:
            raise ProtocolError(f"The server sent audio that is not valid base64 ({exc}).") from None
    except binascii.Error as exc:
        raise ProtocolError(f"The server sent audio that is not valid base64 ({exc}).") from None


def _tool_schema(fn: Callable, description: str | None, parameters: dict | None) -> dict:
    """A Realtime function tool from a Python function's signature and docstring."""
    if parameters is None:
        kinds = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}
        hints = typing.get_type_hints(fn)
        props, required = {}, []
        for name, p in inspect.signature(fn).parameters.items():
            kind = kinds.get(hints.get(name, str), "string")
            props[name] = {"type": kind}
            if p.default is inspect.Parameter.empty:
                required.append(name)
        parameters = {"type": "object", "properties": props, "required": required}
    doc = description or (inspect.getdoc(fn) or fn.__name__).split("\n\n")[0]
    return {"type": "function", "name": fn.__name__, "description": doc, "parameters": parameters}
