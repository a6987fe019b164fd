"""The local Realtime server as a protocol state machine, driven by a bare WebSocket client.

Every event the server emits in these tests is checked against the SDK's RealtimeServerEvent
(strictly: no field the SDK type does not declare).
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from course_utils.realtime import LocalRealtimeServer, load_conversation
from course_utils.realtime.protocol import WIRE_EXTRAS
from course_utils.realtime.schema import server_checker
from course_utils.voice import b64encode_pcm, chunk_pcm

ROOT = Path(__file__).resolve().parent.parent
_SERVER_EVENTS = server_checker(report=None)


def validate_server_event(event: dict) -> None:
    """The SDK type fits, and the only undeclared fields are the real ones the server sends on purpose."""
    extras = set(_SERVER_EVENTS.parse(event).extras)
    assert extras <= WIRE_EXTRAS, (event.get("type"), extras - WIRE_EXTRAS)
SPEED = 25
T = 10  # seconds: every wait in these tests has this timeout


class Raw:
    """A bare WebSocket peer: send dicts, collect every server event."""

    def __init__(self, ws):
        self.ws, self.events = ws, []

    async def send(self, event: dict) -> None:
        await self.ws.send(json.dumps(event))

    async def until(self, etype: str, count: int = 1, **match) -> list[dict]:
        """Read until ``count`` more events of ``etype`` (matching ``match``) arrived; return those read."""
        got, seen = [], 0
        while seen < count:
            event = json.loads(await asyncio.wait_for(self.ws.recv(), timeout=T))
            validate_server_event(event)
            self.events.append(event)
            got.append(event)
            if event["type"] == etype and all(event.get(k) == v for k, v in match.items()):
                seen += 1
        return got

    async def append(self, pcm: bytes, ms: int = 100) -> None:
        for chunk in chunk_pcm(pcm, ms):
            await self.send({"type": "input_audio_buffer.append", "audio": b64encode_pcm(chunk)})


async def _open(server: LocalRealtimeServer, model: str = "gpt-realtime-2.1", headers=None) -> Raw:
    ws = await asyncio.wait_for(connect(f"{server.url}?model={model}",
                                        additional_headers=headers or {"Authorization": "Bearer test-key"}), T)
    raw = Raw(ws)
    created = await raw.until("session.created")
    assert created[0]["session"]["type"] == "realtime" and created[0]["session"]["model"] == model
    return raw


def _run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def _types(events):
    return [e["type"] for e in events if not e["type"].endswith(".delta")]


RESPONSE_SEQUENCE = ["response.created", "response.output_item.added", "conversation.item.added",
                     "response.content_part.added", "response.output_audio.done",
                     "response.output_audio_transcript.done", "response.content_part.done",
                     "response.output_item.done", "conversation.item.done", "response.done"]


def test_session_update_merges_and_reports_the_effective_session():
    async def go():
        async with LocalRealtimeServer(speed=SPEED) as server:
            raw = await _open(server)
            await raw.send({"type": "session.update", "session": {
                "type": "realtime", "instructions": "Be brief.",
                "audio": {"input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 300}},
                          "output": {"voice": "cedar"}}}})
            updated = (await raw.until("session.updated"))[-1]["session"]
            assert updated["instructions"] == "Be brief." and updated["audio"]["output"]["voice"] == "cedar"
            td = updated["audio"]["input"]["turn_detection"]
            assert td["silence_duration_ms"] == 300 and td["threshold"] == 0.5 and td["create_response"] is True
            assert updated["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
            await raw.send({"type": "session.update", "session": {"type": "realtime",
                                                                  "audio": {"input": {"turn_detection": None}}}})
            off = (await raw.until("session.updated"))[-1]["session"]
            assert off["audio"]["input"]["turn_detection"] is None and off["instructions"] == "Be brief."
    _run(go())


def test_server_vad_turn_on_the_fixture_speech():
    conv = load_conversation("short_qa")
    span = conv.user[0].speech_ms

    async def go():
        async with LocalRealtimeServer(fixture="short_qa", speed=SPEED) as server:
            raw = await _open(server)
            await raw.append(conv.user_audio(0))
            events = await raw.until("response.done")
            started = next(e for e in events if e["type"] == "input_audio_buffer.speech_started")
            stopped = next(e for e in events if e["type"] == "input_audio_buffer.speech_stopped")
            assert abs(started["audio_start_ms"] - (span[0] - 300)) <= 10
            assert abs(stopped["audio_end_ms"] - (span[1] + 500)) <= 10
            assert started["item_id"] == stopped["item_id"]
            committed = next(e for e in events if e["type"] == "input_audio_buffer.committed")
            assert committed["item_id"] == started["item_id"] and committed["previous_item_id"] is None
            response = [e for e in events if e["type"].startswith("response.") or e["type"].startswith("conversation.item")]
            assert _types(response)[-len(RESPONSE_SEQUENCE):] == RESPONSE_SEQUENCE
            audio = b"".join(base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta")
            assert audio == conv.assistant[0].pcm  # the fixture's audio, byte for byte
            transcript = "".join(e["delta"] for e in events if e["type"] == "response.output_audio_transcript.delta")
            assert transcript.strip() == conv.assistant[0].text
            done = events[-1]["response"]
            assert done["status"] == "completed"
            usage = done["usage"]
            assert usage["output_token_details"]["audio_tokens"] == round(len(audio) / 48 / 50)  # 1 token / 50 ms
            user_ms = stopped["audio_end_ms"] - started["audio_start_ms"]
            assert abs(usage["input_token_details"]["audio_tokens"] - user_ms / 100) <= 1       # 1 token / 100 ms
    _run(go())


def test_manual_turns_cancel_truncate_delete_and_retrieve():
    conv = load_conversation("barge_in")

    async def go():
        async with LocalRealtimeServer(fixture="barge_in", speed=SPEED) as server:
            raw = await _open(server)
            await raw.send({"type": "session.update", "session": {"type": "realtime",
                                                                  "audio": {"input": {"turn_detection": None}}}})
            await raw.until("session.updated")
            await raw.append(conv.user_audio(0))
            await raw.send({"type": "input_audio_buffer.commit"})
            user_item = (await raw.until("input_audio_buffer.committed"))[-1]["item_id"]
            await raw.send({"type": "response.create"})
            events = await raw.until("response.output_audio.delta", count=5)
            item_id = events[-1]["item_id"]
            await raw.send({"type": "response.cancel", "event_id": "evt_cancel"})
            events = await raw.until("response.done")
            done = events[-1]["response"]
            assert done["status"] == "cancelled" and done["status_details"]["reason"] == "client_cancelled"
            assert done["output"][0]["status"] == "incomplete"
            assert "response.output_audio.done" in _types(events)
            await raw.send({"type": "conversation.item.truncate", "item_id": item_id, "content_index": 0, "audio_end_ms": 250})
            truncated = (await raw.until("conversation.item.truncated"))[-1]
            assert truncated["audio_end_ms"] == 250
            await raw.send({"type": "conversation.item.retrieve", "item_id": item_id})
            item = (await raw.until("conversation.item.retrieved"))[-1]["item"]
            assert item["content"][0]["transcript"] is None  # text the user never heard is dropped
            # the next response reads the truncated audio: 250 ms -> 5 assistant tokens
            await raw.send({"type": "conversation.item.delete", "item_id": user_item})
            assert (await raw.until("conversation.item.deleted"))[-1]["item_id"] == user_item
            await raw.send({"type": "response.create", "response": {"output_modalities": ["text"]}})
            events = await raw.until("response.done")
            usage = events[-1]["response"]["usage"]
            assert usage["input_token_details"]["audio_tokens"] == 5
            assert "response.output_text.delta" in [e["type"] for e in events]
            await raw.append(conv.user_audio(1)[:4800])
            await raw.send({"type": "input_audio_buffer.clear"})
            await raw.until("input_audio_buffer.cleared")
    _run(go())


def test_barge_in_by_vad_cancels_with_turn_detected():
    conv = load_conversation("barge_in")

    async def go():
        async with LocalRealtimeServer(fixture="barge_in", speed=SPEED) as server:
            raw = await _open(server)
            await raw.append(conv.user_audio(0))
            await raw.until("response.output_audio.delta", count=3)
            await raw.append(conv.user_audio(1))
            events = await raw.until("response.done", count=2)
            done = [e["response"] for e in events if e["type"] == "response.done"]
            assert [d["status"] for d in done] == ["cancelled", "completed"]
            assert done[0]["status_details"]["reason"] == "turn_detected"
            kinds = _types(events)
            assert kinds.index("input_audio_buffer.speech_started") < kinds.index("response.done")
    _run(go())


def test_function_call_items_come_from_the_fixture():
    async def go():
        async with LocalRealtimeServer(fixture="function_call", speed=SPEED) as server:
            raw = await _open(server)
            await raw.send({"type": "conversation.item.create", "item": {
                "type": "message", "role": "user", "content": [{"type": "input_text", "text": "Weather in Paris?"}]}})
            await raw.until("conversation.item.done")
            await raw.send({"type": "response.create"})
            events = await raw.until("response.done")
            args = next(e for e in events if e["type"] == "response.function_call_arguments.done")
            assert (args["name"], json.loads(args["arguments"]), args["call_id"]) == ("get_weather", {"city": "Paris"}, "call_weather_paris")
            deltas = "".join(e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta")
            assert deltas == args["arguments"]
            output = events[-1]["response"]["output"]
            assert [o["type"] for o in output] == ["message", "function_call"]
            await raw.send({"type": "conversation.item.create", "item": {
                "type": "function_call_output", "call_id": "call_weather_paris", "output": '{"temperature_c": 18}'}})
            await raw.send({"type": "response.create"})
            events = await raw.until("response.done")
            assert events[-1]["response"]["status"] == "completed"
            assert "eighteen degrees" in events[-1]["response"]["output"][0]["content"][0]["transcript"]
    _run(go())


def test_out_of_band_response_limits_and_g711_output():
    async def go():
        async with LocalRealtimeServer(fixture="short_qa", speed=SPEED) as server:
            raw = await _open(server)
            await raw.send({"type": "session.update", "session": {"type": "realtime", "audio": {
                "output": {"format": {"type": "audio/pcmu"}}}}})
            await raw.until("session.updated")
            await raw.send({"type": "response.create", "response": {"conversation": "none", "max_output_tokens": 20,
                                                                    "metadata": {"purpose": "test"}}})
            events = await raw.until("response.done")
            done = events[-1]["response"]
            assert done["conversation_id"] is None and done["metadata"] == {"purpose": "test"}
            assert done["status"] == "incomplete" and done["status_details"]["reason"] == "max_output_tokens"
            delta = base64.b64decode(next(e for e in events if e["type"] == "response.output_audio.delta")["delta"])
            assert len(delta) == 800  # 100 ms of G.711 at 8 kHz, one byte per sample
            assert not any(e["type"] == "conversation.item.added" for e in events)
    _run(go())


BAD_INPUTS = [
    ("not json at all", "invalid_json", None),
    ({"event_id": "e1", "type": "response.audio.delta"}, "invalid_value", "type"),
    ({"event_id": "e2", "type": "input_audio_buffer.append"}, "missing_required_parameter", "audio"),
    ({"event_id": "e3", "type": "input_audio_buffer.append", "audio": "@@not-base64@@"}, "invalid_value", "audio"),
    ({"event_id": "e4", "type": "input_audio_buffer.append", "audio": base64.b64encode(b"\0" * 70000).decode()},
     "input_audio_buffer_append_too_large", "audio"),
    ({"event_id": "e5", "type": "input_audio_buffer.commit"}, "input_audio_buffer_commit_empty", None),
    ({"event_id": "e6", "type": "session.update", "session": {"type": "realtime", "modalities": ["audio"]}},
     "unknown_parameter", "session.modalities"),
    ({"event_id": "e7", "type": "response.cancel"}, "response_cancel_not_active", None),
    ({"event_id": "e8", "type": "conversation.item.truncate", "item_id": "nope", "content_index": 0, "audio_end_ms": 5},
     "item_not_found", "item_id"),
    ({"event_id": "e9", "type": "conversation.item.create", "item": {"type": "message", "role": "user"}},
     "missing_required_parameter", "item.content"),
    ({"event_id": "e10", "type": "input_audio_buffer.append", "audio": base64.b64encode(b"\0" * 3).decode()},
     "invalid_value", "audio"),
    ([1, 2, 3], "invalid_type", None),
]


@pytest.mark.parametrize("bad, code, param", BAD_INPUTS, ids=[b[1] + str(i) for i, b in enumerate(BAD_INPUTS)])
def test_bad_input_gets_an_error_event_and_the_connection_stays_usable(bad, code, param):
    async def go():
        async with LocalRealtimeServer(speed=SPEED, max_append_bytes=64000) as server:
            raw = await _open(server)
            await raw.ws.send(bad if isinstance(bad, str) else json.dumps(bad))
            error = (await raw.until("error"))[-1]["error"]
            assert error["type"] == "invalid_request_error" and error["code"] == code
            assert error["param"] == param and error["message"]
            assert error["event_id"] == (bad.get("event_id") if isinstance(bad, dict) else None)
            await raw.send({"type": "session.update", "session": {"type": "realtime", "instructions": "still here"}})
            assert (await raw.until("session.updated"))[-1]["session"]["instructions"] == "still here"
    _run(go())


def test_full_buffer_and_busy_response_errors():
    async def go():
        async with LocalRealtimeServer(speed=SPEED, max_buffer_bytes=48000) as server:
            raw = await _open(server)
            await raw.send({"type": "session.update", "session": {"type": "realtime", "audio": {"input": {"turn_detection": None}}}})
            await raw.until("session.updated")
            await raw.send({"type": "input_audio_buffer.append", "audio": b64encode_pcm(b"\0" * 40000)})
            await raw.send({"type": "input_audio_buffer.append", "audio": b64encode_pcm(b"\0" * 40000), "event_id": "big"})
            error = (await raw.until("error"))[-1]["error"]
            assert error["code"] == "input_audio_buffer_full" and error["event_id"] == "big"
            await raw.send({"type": "response.create"})
            await raw.until("response.created")
            await raw.send({"type": "response.create", "event_id": "second"})
            error = (await raw.until("error"))[-1]["error"]
            assert error["code"] == "conversation_already_has_active_response" and error["event_id"] == "second"
            await raw.until("response.done")
    _run(go())


@pytest.mark.parametrize("path, headers, status", [
    ("/v1/realtime?model=gpt-realtime-2.1", {}, 401),
    ("/v1/elsewhere?model=gpt-realtime-2.1", {"Authorization": "Bearer k"}, 404),
    ("/v1/realtime?model=gpt-realtime-2.1", {"Authorization": "Bearer k", "OpenAI-Beta": "realtime=v1"}, 400),
    ("/v1/realtime?model=gpt-live-1.1", {"Authorization": "Bearer k"}, 400),
    ("/v1/realtime?model=gpt-4o-realtime-preview", {"Authorization": "Bearer k"}, 400),
])
def test_handshake_refusals(path, headers, status):
    async def go():
        async with LocalRealtimeServer(speed=SPEED) as server:
            base = server.url.rsplit("/v1/", 1)[0]
            with pytest.raises(InvalidStatus) as info:
                await asyncio.wait_for(connect(base + path, additional_headers=headers), T)
            assert info.value.response.status_code == status
            body = json.loads(info.value.response.body)
            assert body["error"]["message"]
            assert server.connections == 0
    _run(go())


def test_the_official_sdk_talks_to_the_local_server():
    from openai import AsyncOpenAI

    conv = load_conversation("short_qa")

    async def go():
        async with LocalRealtimeServer(fixture="short_qa", speed=SPEED) as server:
            client = AsyncOpenAI(websocket_base_url=server.websocket_base_url, api_key="test-key")
            async with client.realtime.connect(model="gpt-realtime-2.1") as conn:
                await conn.session.update(session={"type": "realtime", "audio": {"input": {"turn_detection": None}}})
                await conn.input_audio_buffer.append(audio=b64encode_pcm(conv.user_audio(0)))
                await conn.input_audio_buffer.commit()
                await conn.response.create()
                seen = []
                while True:
                    event = await asyncio.wait_for(conn.recv(), T)
                    seen.append(type(event).__name__)
                    if event.type == "response.done":
                        break
                assert event.response.status == "completed" and event.response.usage.output_tokens > 0
                assert "ResponseAudioDeltaEvent" in seen and "SessionUpdatedEvent" in seen
    _run(go())


def test_command_line_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "course_utils.realtime.server", "--port", str(port),
                             "--fixture", "function_call", "--speed", "10"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert f"127.0.0.1:{port}/v1/realtime" in line and "function_call" in line

        async def go():
            ws = await asyncio.wait_for(connect(f"ws://127.0.0.1:{port}/v1/realtime?model=gpt-realtime-2.1",
                                                additional_headers={"Authorization": "Bearer x"}), T)
            event = json.loads(await asyncio.wait_for(ws.recv(), T))
            assert event["type"] == "session.created"
            await ws.close()
        _run(go())
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_g711_input_semantic_vad_audio_items_and_transcription_notice():
    import numpy as np

    from course_utils.voice import resample, ulaw_encode

    conv = load_conversation("short_qa")
    span = conv.user[0].speech_ms
    narrow = resample(np.frombuffer(conv.user_audio(0), "<i2").astype(np.int16), 24000, 8000)

    async def go():
        async with LocalRealtimeServer(fixture="short_qa", speed=SPEED) as server:
            raw = await _open(server)
            await raw.send({"type": "session.update", "session": {"type": "realtime", "audio": {"input": {
                "format": {"type": "audio/pcmu"}, "transcription": {"model": "gpt-transcribe"},
                "turn_detection": {"type": "semantic_vad", "eagerness": "low", "create_response": False}}}}})
            session = (await raw.until("session.updated"))[-1]["session"]
            assert session["audio"]["input"]["turn_detection"]["eagerness"] == "low"
            coded = ulaw_encode(narrow)
            for i in range(0, len(coded), 800):  # 100 ms of 8 kHz mu-law per append
                await raw.send({"type": "input_audio_buffer.append", "audio": base64.b64encode(coded[i:i + 800]).decode()})
            events = await raw.until("conversation.item.input_audio_transcription.failed")
            started = next(e for e in events if e["type"] == "input_audio_buffer.speech_started")
            stopped = next(e for e in events if e["type"] == "input_audio_buffer.speech_stopped")
            assert abs(started["audio_start_ms"] - (span[0] - 300)) <= 20
            assert abs(stopped["audio_end_ms"] - (span[1] + 800)) <= 20  # eagerness "low": 800 ms of silence
            assert not any(e["type"] == "response.created" for e in events)  # create_response: false
            await raw.send({"type": "conversation.item.create", "item": {"type": "message", "role": "user", "content": [
                {"type": "input_audio", "audio": base64.b64encode(coded[:8000]).decode()}]}})
            added = (await raw.until("conversation.item.done"))[-1]["item"]
            assert "audio" not in added["content"][0]  # the server does not echo audio back
            await raw.send({"type": "response.create", "response": {"output_modalities": ["text"]}})
            usage = (await raw.until("response.done"))[-1]["response"]["usage"]
            user_ms = stopped["audio_end_ms"] - started["audio_start_ms"]
            assert abs(usage["input_token_details"]["audio_tokens"] - (user_ms / 100 + 10)) <= 1  # + the 1 s item
    _run(go())


def test_images_in_the_conversation_are_counted_and_then_cached():
    """An input_image part counts by the tile rule (800x500, high detail: 85 + 170 x 2 x 1 = 425 tokens);
    the next response re-reads it, as part of the cached prefix once that reaches 1,024 tokens."""
    import io as _io

    from PIL import Image

    buf = _io.BytesIO()
    Image.new("RGB", (800, 500), "white").save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    image_item = {"type": "message", "role": "user", "content": [{"type": "input_image", "image_url": url},
                                                                 {"type": "input_text", "text": "what is on my screen?"}]}
    filler = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "word " * 900}]}

    async def go():
        async with LocalRealtimeServer(fixture="short_qa", speed=SPEED) as server:
            raw = await _open(server)
            await raw.send({"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"],
                                                                  "audio": {"input": {"turn_detection": None}}}})
            await raw.until("session.updated")
            for item in (filler, image_item):
                await raw.send({"type": "conversation.item.create", "item": item})
                await raw.until("conversation.item.added")
            await raw.send({"type": "response.create"})
            first = (await raw.until("response.done"))[-1]["response"]["usage"]
            await raw.send({"type": "response.create"})
            second = (await raw.until("response.done"))[-1]["response"]["usage"]
            return first, second

    first, second = _run(go())
    assert first["input_token_details"]["image_tokens"] == 425
    assert first["input_token_details"]["cached_tokens_details"]["image_tokens"] == 0
    assert second["input_token_details"]["image_tokens"] == 425
    assert second["input_token_details"]["cached_tokens_details"]["image_tokens"] == 425
