"""RealtimeClient against the local server over a real WebSocket: turns, barge-in, tools, errors,
modes (replay, record, live pricing). Every event either side sent is checked against the SDK types."""
from __future__ import annotations

import asyncio
import json

import pydantic
import pytest
from openai.types.realtime import RealtimeClientEvent, RealtimeServerEvent

import course_utils
from course_utils.errors import BudgetExceeded, MissingKeyError, ProtocolError, ServerErrorEvent
from course_utils.realtime import LocalRealtimeServer, RealtimeClient, load_conversation
from course_utils.realtime.protocol import WIRE_EXTRAS
from course_utils.realtime.schema import client_checker, server_checker
from course_utils.secrets import find_secrets
from course_utils.voice import VirtualClockSink

SPEED = 25
CLIENT_EVENTS = pydantic.TypeAdapter(RealtimeClientEvent)
SERVER_EVENTS = pydantic.TypeAdapter(RealtimeServerEvent)


def _run(coro, timeout: float = 60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def _client(server: LocalRealtimeServer, **kw) -> RealtimeClient:
    kw.setdefault("sink", VirtualClockSink(speed=SPEED))
    return RealtimeClient(url=server.url, speed=SPEED, validate_received=True, **kw)


def _check_all(server: LocalRealtimeServer) -> None:
    """Both directions, against the SDK unions: the client sends no undeclared field, the server only
    the real ones it sends on purpose (WIRE_EXTRAS)."""
    assert server.emitted and server.received
    sent, received = server_checker(report=None), client_checker(report=None)
    for event in server.emitted:
        SERVER_EVENTS.validate_python(event)
        assert set(sent.parse(event).extras) <= WIRE_EXTRAS, event["type"]
    for event in server.received:
        CLIENT_EVENTS.validate_python(event)
        assert not received.parse(event).extras, event["type"]


def test_spoken_and_typed_turns_replay_the_fixture():
    conv = load_conversation("short_qa")

    async def go():
        async with LocalRealtimeServer(fixture="short_qa", speed=SPEED, keep_events=True) as server:
            async with _client(server) as rt:
                await rt.update_session(instructions="Answer briefly.", voice="marin")
                first = await rt.say(conv.user_audio(0))
                assert first.status == "completed" and first.transcript == conv.assistant[0].text
                assert first.audio == conv.assistant[0].pcm
                second = await rt.say(conv.user_audio(1))
                assert second.transcript == conv.assistant[1].text
                typed = await rt.ask(conv.user[2].text, output_modalities=["text"])
                assert typed.text == conv.assistant[2].text and typed.audio == b""
                turns = rt.trace.turns()
                assert [t.anchor for t in turns] == ["input_audio_buffer.speech_stopped"] * 2 + ["conversation.item.create"]
                assert all(t.first_transcript_ms is not None and t.done_ms > 0 for t in turns)
                cost = rt.cost()
                assert cost.total_usd > 0 and {"audio input", "audio output", "text output"} <= {ln.what for ln in cost.lines}
            _check_all(server)
    _run(go())


def test_the_client_refuses_to_send_an_invalid_event():
    async def go():
        async with LocalRealtimeServer(speed=SPEED, keep_events=True) as server:
            async with _client(server) as rt:
                beta = {"type": "session.update", "session": {"modalities": ["text", "audio"], "voice": "alloy",
                                                              "input_audio_format": "pcm16"}}
                with pytest.raises(ProtocolError, match="session.update"):
                    await rt.send(beta)
                with pytest.raises(ProtocolError, match="not in the SDK"):
                    await rt.send({"type": "response.audio.delta"})
                assert server.received == []
    _run(go())


def test_manual_turn_detection_commits_and_creates_the_response():
    conv = load_conversation("short_qa")

    async def go():
        async with LocalRealtimeServer(fixture="short_qa", speed=SPEED, keep_events=True) as server:
            async with _client(server) as rt:
                session = await rt.update_session(turn_detection=None)
                assert session["audio"]["input"]["turn_detection"] is None
                reply = await rt.say(conv.user_audio(0))
                assert reply.status == "completed"
                assert [e["type"] for e in server.received][-2:] == ["input_audio_buffer.commit", "response.create"]
            _check_all(server)
    _run(go())


@pytest.mark.parametrize("lead_ms", [0, 3000])
def test_barge_in_stops_playback_and_truncates_at_the_played_position(lead_ms):
    conv = load_conversation("barge_in")

    async def go():
        async with LocalRealtimeServer(fixture="barge_in", speed=SPEED, keep_events=True, lead_ms=lead_ms) as server:
            sink = VirtualClockSink(speed=SPEED)
            async with _client(server, sink=sink) as rt:
                await rt.stream_audio(conv.user_audio(0))
                await rt.wait_for(lambda: sink.played_ms(rt.current_item_id or "") > 1500, what="1.5 s of playback")
                await rt.stream_audio(conv.user_audio(1))
                interrupted = await rt.wait_for_response()
                answer = await rt.wait_for_response()
                assert interrupted.status == "cancelled" and interrupted.reason == "turn_detected"
                assert answer.transcript == "Eighteen seventy six."
                (cut,) = rt.truncations
                item_id = cut["item_id"]
                # what the client told the server is exactly what its clock says was played ...
                assert cut["audio_end_ms"] == sink.played_ms(item_id) and 1500 < cut["audio_end_ms"] <= cut["received_ms"]
                if lead_ms:  # audio ran ahead of playback: "received" would be seconds off
                    assert cut["received_ms"] - cut["audio_end_ms"] > lead_ms / 2
                # ... and playback stopped at once: nothing of that item played after the stop
                await asyncio.sleep(0.05)
                assert sink.played_ms(item_id) == cut["audio_end_ms"]
                stopped = [e for e in rt.trace.events if e.type == "playback.stopped"]
                started = [e for e in rt.trace.events if e.type == "input_audio_buffer.speech_started"]
                assert len(stopped) == 1 and stopped[0].t >= started[1].t
                assert rt.trace.turns()[0].barge_in_ms is not None
                # the server's memory now matches what the user heard
                item = next(i for i in server.sessions[0].items if i.id == item_id)
                assert len(item.audio) == cut["audio_end_ms"] * 48 and item.data["content"][0]["transcript"] is None
                truncated = [e for e in server.emitted if e["type"] == "conversation.item.truncated"]
                assert truncated[0]["audio_end_ms"] == cut["audio_end_ms"]
            _check_all(server)
    _run(go())


def test_barge_in_without_server_interrupt_sends_cancel_itself():
    conv = load_conversation("barge_in")

    async def go():
        async with LocalRealtimeServer(fixture="barge_in", speed=SPEED, keep_events=True) as server:
            async with _client(server) as rt:
                await rt.update_session(turn_detection={"type": "server_vad", "interrupt_response": False})
                await rt.stream_audio(conv.user_audio(0))
                await rt.wait_for(lambda: rt.sink.is_playing, what="playback")
                await rt.stream_audio(conv.user_audio(1))
                first = await rt.wait_for_response()
                assert first.status == "cancelled" and first.reason == "client_cancelled"
                sent = [e["type"] for e in server.received]
                assert sent.index("response.cancel") < sent.index("conversation.item.truncate")
            _check_all(server)
    _run(go())


def test_tools_run_and_the_response_continues():
    conv = load_conversation("function_call")
    calls = []

    async def go():
        async with LocalRealtimeServer(fixture="function_call", speed=SPEED, keep_events=True) as server:
            async with _client(server) as rt:
                @rt.tool
                def get_weather(city: str) -> dict:
                    """Current weather for a city."""
                    calls.append(city)
                    return conv.tools[0].expected_result

                assert rt.tool_schemas()[0]["parameters"]["required"] == ["city"]
                await rt.update_session(tools=rt.tool_schemas())
                final = await rt.say(conv.user_audio(0))
                assert calls == ["Paris"]
                assert final.transcript.startswith("It is eighteen degrees")
                first = rt.results[0]
                assert first.transcript == "Let me check." and first.tool_calls[0].name == "get_weather"
                outputs = [i.data for i in server.sessions[0].items if i.data["type"] == "function_call_output"]
                assert json.loads(outputs[0]["output"]) == conv.tools[0].expected_result
            _check_all(server)
    _run(go())


def test_a_failing_tool_reports_the_error_to_the_model():
    async def go():
        async with LocalRealtimeServer(fixture="function_call", speed=SPEED, keep_events=True) as server:
            async with _client(server) as rt:
                @rt.tool
                async def get_weather(city: str) -> dict:
                    raise RuntimeError("weather service down")

                await rt.ask("Weather in Paris?")
                outputs = [i.data for i in server.sessions[0].items if i.data["type"] == "function_call_output"]
                assert "weather service down" in json.loads(outputs[0]["output"])["error"]
    _run(go())


def test_unregistered_tools_warn():
    async def go():
        async with LocalRealtimeServer(fixture="function_call", speed=SPEED) as server:
            async with _client(server) as rt:
                with pytest.warns(UserWarning, match="not registered"):
                    await rt.send_text("Weather?")
                    await rt.create_response()
                    await rt.wait_for_response()
    _run(go())


def test_server_errors_raise_or_warn():
    async def go():
        async with LocalRealtimeServer(speed=SPEED) as server:
            async with _client(server) as rt:
                await rt.commit_audio()  # empty buffer
                with pytest.raises(ServerErrorEvent, match="buffer too small") as info:
                    await rt.wait_for(lambda: False, timeout=5, what="an error")
                assert info.value.code == "input_audio_buffer_commit_empty"
            async with _client(server, on_error="warn") as rt:
                with pytest.warns(UserWarning, match="no active response"):
                    await rt.cancel_response()
                    await rt.wait_for(lambda: bool(rt.errors), what="the error")
    _run(go())


def test_handlers_and_the_event_iterator():
    conv = load_conversation("short_qa")

    async def go():
        async with LocalRealtimeServer(fixture="short_qa", speed=SPEED) as server:
            async with _client(server) as rt:
                seen = []
                rt.on("response.done", lambda e: seen.append(e["response"]["status"]))

                async def collect():
                    types = []
                    async for event in rt.events(timeout=10):
                        types.append(event["type"])
                        if event["type"] == "response.done":
                            return types

                collector = asyncio.create_task(collect())
                await asyncio.sleep(0)
                await rt.say(conv.user_audio(0))
                types = await asyncio.wait_for(collector, 10)
                assert seen == ["completed"] and types[0] == "input_audio_buffer.speech_started"
                assert types.count("response.output_audio.delta") == rt.trace.turns()[0].audio_deltas
    _run(go())


def test_g711_output_is_decoded_for_playback():
    conv = load_conversation("short_qa")

    async def go():
        async with LocalRealtimeServer(fixture="short_qa", speed=SPEED) as server:
            async with _client(server) as rt:
                await rt.update_session(output_format={"type": "audio/pcma"})
                reply = await rt.ask("Hello?")
                assert abs(reply.audio_ms - conv.assistant[0].duration_ms) < 1
    _run(go())


def test_replay_mode_starts_and_stops_its_own_server():
    async def go():
        rt = RealtimeClient(fixture="function_call", speed=SPEED, sink=VirtualClockSink(speed=SPEED))
        async with rt:
            assert rt.server is not None and rt.server.url.startswith("ws://127.0.0.1:")
            server = rt.server
            with pytest.warns(UserWarning, match="not registered"):
                reply = await rt.ask("Weather?", output_modalities=["text"])
            assert reply.tool_calls
        assert rt.server is None and server._server is None
    _run(go())


def test_record_mode_saves_a_scrubbed_fixture_that_replays(tmp_path, fake_keys):
    conv = load_conversation("short_qa")
    course_utils.setup(mode="record", budget_usd=1.0, quiet=True)

    async def go():
        async with LocalRealtimeServer(fixture="short_qa", speed=SPEED) as live_peer:
            async with _client(live_peer, record_as="recorded_qa", record_root=tmp_path) as rt:
                await rt.update_session(instructions=f"key check {fake_keys['OPENAI_API_KEY']}")
                await rt.say(conv.user_audio(0))
    _run(go())
    folder = tmp_path / "realtime" / "recorded_qa"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["provenance"].startswith("recorded:") and manifest["model"] == "gpt-realtime-2.1"
    for path in folder.iterdir():
        if path.suffix in (".json", ".jsonl"):
            text = path.read_text()
            assert fake_keys["OPENAI_API_KEY"] not in text and not find_secrets(text)
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    assert any(e["event"]["type"] == "response.output_audio.delta" for e in events)
    course_utils.setup(mode="replay", quiet=True)
    replayed = load_conversation(folder)
    assert replayed.assistant[0].text == conv.assistant[0].text
    assert replayed.assistant[0].pcm == conv.assistant[0].pcm

    async def replay():
        async with LocalRealtimeServer(fixture=replayed, speed=SPEED) as server:
            async with _client(server) as rt:
                assert (await rt.ask("again?")).transcript == conv.assistant[0].text
    _run(replay())


def test_live_mode_prices_the_session_before_connecting(fake_keys):
    course_utils.setup(mode="live", budget_usd=0.0001, quiet=True)

    async def go():
        async with LocalRealtimeServer(speed=SPEED) as server:
            with pytest.raises(BudgetExceeded, match="budget"):
                await _client(server).connect()
            assert server.connections == 0
    _run(go())


def test_live_mode_settles_the_ledger_from_usage(fake_keys):
    cfg = course_utils.setup(mode="live", budget_usd=1.0, quiet=True)
    conv = load_conversation("short_qa")

    async def go():
        async with LocalRealtimeServer(fixture="short_qa", speed=SPEED) as server:
            async with _client(server) as rt:
                await rt.say(conv.user_audio(0))
            return rt.cost().total_usd
    actual = _run(go())
    (entry,) = cfg.ledger.entries
    assert entry.status == "settled" and entry.charged and entry.actual_usd == pytest.approx(actual) and actual > 0
    assert entry.estimate_usd > actual


def test_live_mode_without_a_key_says_which_variable():
    course_utils.setup(mode="live", quiet=True)
    with pytest.raises(MissingKeyError, match="OPENAI_API_KEY"):
        _run(RealtimeClient().connect())


def test_live_mode_runs_at_real_time(fake_keys):
    course_utils.setup(mode="live", quiet=True)
    with pytest.warns(UserWarning, match="replay only"):
        rt = RealtimeClient(speed=4)
    assert rt.speed == 1.0 and rt.sink.speed == 1.0


def test_wait_for_sees_conditions_that_change_without_events():
    """Conditions on the playback clock change with no event arriving: wait_for polls them."""
    from course_utils.voice import ManualClock

    async def go():
        async with LocalRealtimeServer(speed=SPEED) as server:
            clock = ManualClock()
            sink = VirtualClockSink(clock=clock)
            async with _client(server, sink=sink) as rt:
                sink.write("item", b"\0" * 4800)
                loop = asyncio.get_running_loop()
                loop.call_later(0.05, clock.advance, 0.08)
                t0 = loop.time()
                await rt.wait_for(lambda: sink.played_ms("item") >= 80, timeout=5, what="80 ms of playback")
                assert loop.time() - t0 < 4  # well before the timeout: it did not wait for an event
    _run(go())
