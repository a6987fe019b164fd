"""The shell the local voice servers share (``course_utils.standins.ws`` / ``.openai_ws``): loopback only,
the OpenAI handshake refusals, one audio-append decoder, sessions kept or dropped, a bounded stop."""
from __future__ import annotations

import asyncio
import base64
import json
from http import HTTPStatus

import pytest
from websockets.asyncio.client import connect
from websockets.datastructures import Headers
from websockets.http11 import Request

from course_utils.errors import CourseError
from course_utils.live.gemini_server import LocalGeminiLiveServer
from course_utils.live.server import LocalLiveServer
from course_utils.realtime.server import LocalRealtimeServer
from course_utils.standins.openai_ws import (
    ClientError,
    OpenAISessionServer,
    decode_audio_append,
    refuse_openai_handshake,
)
from course_utils.standins.ws import SessionServer, random_id, server_parser
from course_utils.translation.server import LocalTranslationServer


def run(coro, timeout: float = 30):
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.mark.parametrize("cls", [LocalLiveServer, LocalTranslationServer, LocalGeminiLiveServer, LocalRealtimeServer])
def test_every_voice_server_listens_on_loopback_only(cls):
    with pytest.raises(CourseError, match="loopback only"):
        cls(host="0.0.0.0")


def test_the_openai_servers_share_one_shell():
    assert issubclass(LocalLiveServer, OpenAISessionServer) and issubclass(LocalTranslationServer, OpenAISessionServer)
    assert issubclass(LocalGeminiLiveServer, SessionServer) and not issubclass(LocalGeminiLiveServer, OpenAISessionServer)


def _request(path: str, auth: str | None) -> Request:
    return Request(path, Headers({"Authorization": auth} if auth is not None else {}))


@pytest.mark.parametrize("path, auth, status, code", [
    ("/v1/live", "Bearer k", HTTPStatus.NOT_FOUND, "not_found"),
    ("/v1/live/sessions", None, HTTPStatus.UNAUTHORIZED, "invalid_api_key"),
    ("/v1/live/sessions", "Bearer    ", HTTPStatus.UNAUTHORIZED, "invalid_api_key"),
    ("/v1/live/sessions", "Basic abc", HTTPStatus.UNAUTHORIZED, "invalid_api_key"),
])
def test_handshake_refusals_carry_openais_error_body(path, auth, status, code):
    response = refuse_openai_handshake(_request(path, auth), "/v1/live/sessions", "Live")
    body = json.loads(response.body)
    assert response.status_code == status.value
    assert body["error"]["type"] == "invalid_request_error" and body["error"]["code"] == code
    assert "param" in body["error"] and body["error"]["message"].endswith(".")


def test_handshake_passes_a_bearer_key_and_a_trailing_slash():
    assert refuse_openai_handshake(_request("/v1/live/sessions/", "bearer k"), "/v1/live/sessions", "Live") is None
    assert refuse_openai_handshake(_request("/v1/realtime", None), "/v1/realtime", "Realtime", require_auth=False) is None


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize("audio, expect", [
    (_b64(bytes(400)), "too large"),
    ("%% not base64 %%", "Expected base64-encoded audio bytes (PCM16 mono at 24000 Hz)"),
    (_b64(b"RIFF" + bytes(40)), "got a RIFF file"),
    (_b64(b"ID3" + bytes(41)), "without a container header"),
    (_b64(bytes(3)), "3 bytes is not a whole number of PCM16 samples"),
])
def test_one_audio_append_decoder_refuses_with_the_apis_codes(audio, expect):
    with pytest.raises(ClientError) as err:
        decode_audio_append(audio, 300, "PCM16 mono at 24000 Hz", chunk_hint="append 200 ms at a time")
    assert err.value.code == "invalid_value" and err.value.param == "audio" and expect in err.value.message


def test_audio_append_decoder_takes_g711_bytes_of_any_count():
    assert decode_audio_append(_b64(bytes(3)), 300, "G.711 mu-law at 8000 Hz", chunk_hint="...", pcm16=False) == bytes(3)
    assert decode_audio_append("", 300, "PCM16", chunk_hint="...") == b""


def test_random_ids_are_shaped_like_the_apis():
    ids = {random_id("event_") for _ in range(50)}
    assert len(ids) == 50 and all(i.startswith("event_") and len(i) == 27 and i[6:].isalnum() for i in ids)
    assert random_id("function-call-", 19, "0123456789")[14:].isdigit()


def test_every_server_command_line_starts_from_one_parser():
    args = server_parser("x", port=8765, fixture="support_call").parse_args(["--speed", "2", "--host", "localhost"])
    assert (args.port, args.host, args.fixture, args.speed) == (8765, "localhost", "support_call", 2.0)


@pytest.mark.parametrize("keep_events", [True, False])
def test_sessions_are_kept_or_dropped_and_a_bad_event_is_answered_once(keep_events):
    async def main():
        async with LocalTranslationServer(keep_events=keep_events) as server:
            async with connect(server.url + "?model=gpt-realtime-translate",
                               additional_headers={"Authorization": "Bearer test"}) as ws:
                created = json.loads(await ws.recv())
                await ws.send(json.dumps({"type": "response.create", "event_id": "bad1"}))
                error = json.loads(await ws.recv())
                during = len(server.sessions)
            for _ in range(100):                    # the handler finishes just after the close
                if len(server.sessions) == (1 if keep_events else 0):
                    break
                await asyncio.sleep(0.02)
            return created, error, during, len(server.sessions), server.sessions
    created, error, during, after, sessions = run(main())
    assert created["type"] == "session.created" and during == 1
    assert error["type"] == "error" and error["error"]["code"] == "invalid_value" and error["error"]["event_id"] == "bad1"
    assert "no turns" in error["error"]["message"]
    assert after == (1 if keep_events else 0)
    if keep_events:
        assert sessions[0].log.received == []      # an unknown type is refused before it is logged
        assert sessions[0].log.closed_reason == "connection_lost"


def test_stop_closes_open_sessions_within_its_bound():
    async def main():
        server = await LocalLiveServer(speed=10).start()
        ws = await connect(server.url, additional_headers={"Authorization": "Bearer test"})
        await ws.send(json.dumps({"type": "session.start", "session": {"model": "gpt-live-1"}}))
        started = json.loads(await ws.recv())
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await server.stop(timeout_s=2.0)
        took = loop.time() - t0
        await ws.close()
        return started, took, server.running
    started, took, running = run(main())
    assert started["type"] == "session.started" and took < 4.5 and not running
