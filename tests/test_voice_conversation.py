"""One layout and one model for conversation fixtures: every area loads as a Conversation, and the
Realtime stand-in's turns are derived from it by one function (turn_script)."""
from __future__ import annotations

import json

import pytest

from course_utils.errors import FixtureError
from course_utils.fixtures import fixture_dir, list_fixtures
from course_utils.voice.audio import flac_bytes
from course_utils.voice.conversation import Conversation, layout_from_turns, load_conversation, realtime_user_entries, turn_script
from course_utils.voice.formats import silence

FIXTURES = [(area, name) for area in ("realtime", "live") for name in list_fixtures(area)]


@pytest.mark.parametrize("area,name", FIXTURES, ids=[f"{a}/{n}" for a, n in FIXTURES])
def test_every_conversation_fixture_has_the_one_layout(area, name):
    folder = fixture_dir(area, name)
    spec = json.loads((folder / "conversation.json").read_text())
    assert set(spec) >= {"instructions", "sample_rate", "user", "assistant"} and "turns" not in spec
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["provenance"] and "user_turns" not in manifest and "tool_results" not in manifest
    conv = load_conversation(name, area)
    assert isinstance(conv, Conversation) and conv.assistant and conv.user
    for u in conv.user:
        assert u.typed or (u.pcm and u.path is not None and u.path.exists())
    script = turn_script(conv)
    assert script.turns and all(t.outputs for t in script.turns)


@pytest.mark.parametrize("name", list_fixtures("realtime"))
def test_converted_realtime_fixtures_say_so(name):
    manifest = json.loads((fixture_dir("realtime", name) / "manifest.json").read_text())
    assert "Layout converted on" in manifest["provenance"] and manifest["layout_converted_on"]
    assert "espeak-ng" in manifest["provenance"]              # the original provenance is kept


def test_the_function_call_fixture_keeps_its_call():
    conv = load_conversation("function_call", "realtime")
    tool = conv.tools[0]
    assert (tool.name, tool.arguments, tool.call_id) == ("get_weather", {"city": "Paris"}, "call_weather_paris")
    assert tool.parameters["required"] == ["city"] and tool.expected_result["conditions"] == "sunny"
    script = turn_script(conv)
    assert [[o.type for o in t.outputs] for t in script.turns] == [["message", "function_call"], ["message"]]
    call = script.turns[0].outputs[1]
    assert call.call_id == "call_weather_paris" and json.loads(call.arguments) == {"city": "Paris"}
    assert script.turns[1].outputs[0].audio == tool.then.pcm and script.first_delta_ms == 300


def test_typed_user_turn_and_speech_spans():
    conv = load_conversation("short_qa", "realtime")
    assert [u.typed for u in conv.user] == [False, False, True] and conv.user[2].pcm == b""
    assert conv.user[1].speech_ms == (400, 1714)
    with pytest.raises(FixtureError, match="no spoken user turn 2"):
        conv.user_audio(2)


def test_layout_from_turns_round_trip(tmp_path):
    """A Realtime turn list (what a recorded session gives) -> the one layout -> the same turns."""
    folder = tmp_path / "realtime" / "rt"
    folder.mkdir(parents=True)
    for rel, ms in (("a1.flac", 300), ("a2.flac", 200), ("u1.flac", 500)):
        (folder / rel).write_bytes(flac_bytes(silence(ms)))
    turns = [{"output": [{"type": "message", "transcript": "One moment.", "audio": "a1.flac"},
                         {"type": "function_call", "name": "f", "arguments": '{"x": 1}', "call_id": "c1"}]},
             {"output": [{"type": "message", "transcript": "Done.", "audio": "a2.flac"},
                         {"type": "function_call", "name": "g", "arguments": "{}", "call_id": "c2"}]}]
    user = realtime_user_entries([{"audio": "u1.flac", "text": "hi", "speech_ms": [0, 500], "duration_ms": 500},
                                  {"text": "typed", "typed": True}])
    layout = layout_from_turns(turns, user, 250, [{"name": "f", "description": "F.", "parameters": {"type": "object"}}],
                               {"c1": {"ok": True}})
    (folder / "conversation.json").write_text(json.dumps(layout))
    (folder / "manifest.json").write_text(json.dumps({"provenance": "test"}))
    conv = load_conversation(folder)
    assert conv.tools[0].description == "F." and conv.tools[0].expected_result == {"ok": True}
    script = turn_script(conv)
    got = [[(o.type, o.transcript, o.name, o.arguments, o.call_id) for o in t.outputs] for t in script.turns]
    assert got == [[("message", "One moment.", "", "", ""), ("function_call", "", "f", '{"x": 1}', "c1")],
                   [("message", "Done.", "", "", ""), ("function_call", "", "g", "{}", "c2")]]
    assert script.first_delta_ms == 250 and conv.user[1].typed


def test_an_old_layout_is_a_clear_error(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "conversation.json").write_text(json.dumps({"first_delta_ms": 300, "turns": []}))
    (folder / "manifest.json").write_text(json.dumps({"provenance": "test"}))
    with pytest.raises(FixtureError, match="old layout"):
        load_conversation(folder)


def test_the_realtime_server_replays_a_live_conversation():
    """One model for every stand-in: LocalRealtimeServer takes a Live conversation as it is."""
    from course_utils.realtime import LocalRealtimeServer

    conv = load_conversation("support_call", "live")
    server = LocalRealtimeServer(fixture=conv)
    assert server.conversation is conv and server.script == turn_script(conv)
    assert [o.type for o in server.script.turns[1].outputs] == ["message", "function_call"]


def test_the_translation_agent_is_a_conversation():
    from course_utils.translation.compare import agent_fixture
    from course_utils.translation.fixture import load_monologue

    mono = load_monologue()
    conv = agent_fixture(mono, "es", first_delta_ms=400)
    assert isinstance(conv, Conversation) and len(conv.user) == len(conv.assistant) == len(mono.phrases)
    assert turn_script(conv).first_delta_ms == 400
