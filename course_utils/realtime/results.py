"""The small pieces the Realtime client builds its replies with: the state of a response while it
streams (its :class:`~course_utils.voice.reply.VoiceReply`, audio, transcripts), strict base64 for audio
deltas, and a response's function calls as :class:`~course_utils.voice.tools.ToolCall` objects.

Part of :mod:`course_utils.realtime.client`, split along its seams.
"""
from __future__ import annotations

import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import ProtocolError
from ..voice.audio import b64decode_pcm
from ..voice.reply import VoiceReply
from ..voice.tools import ToolCall

Handler = Callable[[dict], Any]
#: Errors that come from harmless races (e.g. a cancel arriving just after the response ended).
RACE_CODES = {"response_cancel_not_active"}


@dataclass
class _ResponseState:
    id: str
    result: VoiceReply
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


def tool_calls_of(items: list) -> list[ToolCall]:
    """The completed ``function_call`` items of a response, as tool calls (arguments parsed leniently:
    text that is not a JSON object is kept in ``raw_arguments`` and refused when the call runs)."""
    calls = []
    for item in items:
        if item.get("type") != "function_call" or item.get("status") != "completed":
            continue
        raw = item.get("arguments") or "{}"
        try:
            args = json.loads(raw)
        except (ValueError, TypeError):
            args = None
        calls.append(ToolCall(item.get("name") or "", args if isinstance(args, dict) else {}, item.get("call_id"),
                              raw_arguments=raw))
    return calls
