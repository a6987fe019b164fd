"""course_utils.voice.events: the one checker of events against the SDK unions, and its one rule."""
from __future__ import annotations

import pytest
from openai.types.realtime import RealtimeServerEvent

from course_utils.errors import ProtocolError
from course_utils.voice.events import EventChecker, EventError

DELTA = {"type": "response.output_audio_transcript.delta", "event_id": "e1", "response_id": "r", "item_id": "i",
         "output_index": 0, "content_index": 0, "delta": "Hi"}


def _checker():
    lines: list[str] = []
    return EventChecker(RealtimeServerEvent, name="server event", report=lines.append), lines


def test_unknown_fields_are_kept_and_reported_once_per_name():
    checker, lines = _checker()
    for n in range(3):
        model = checker.check_received({**DELTA, "obfuscation": f"pad{n}"})
    assert model.model_extra == {"obfuscation": "pad2"} and model.delta == "Hi"
    assert checker.unknown_fields == {"obfuscation"} and len(lines) == 1


def test_wrong_types_and_missing_fields_are_refused():
    checker, _ = _checker()
    with pytest.raises(EventError) as info:
        checker.check_received({**DELTA, "output_index": "zero"})
    assert isinstance(info.value, ProtocolError) and info.value.loc == "output_index"
    with pytest.raises(EventError) as info:
        checker.check_sent({k: v for k, v in DELTA.items() if k != "delta"})
    assert info.value.kind == "missing" and info.value.loc == "delta"


def test_unknown_types_are_reported_once_when_received_and_refused_when_sent():
    checker, lines = _checker()
    assert checker.check_received({"type": "response.future_event"}) is None
    assert checker.check_received({"type": "response.future_event"}) is None
    assert checker.unknown_types == {"response.future_event"} and len(lines) == 1
    with pytest.raises(EventError, match="not in the SDK"):
        checker.check_sent({"type": "response.future_event"})


def test_parse_lists_every_undeclared_path_without_reporting():
    checker, lines = _checker()
    checked = checker.parse({"type": "session.created", "event_id": "e", "session": {
        "type": "realtime", "object": "realtime.session", "id": "sess_1", "expires_at": 1}, "x": 1})
    assert sorted(checked.extras) == ["session.expires_at", "session.id", "session.object", "x"] and not lines
