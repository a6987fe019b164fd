"""The official ``openai`` SDK's translation connection against LocalTranslationServer, every event validated.

Sessions run at ``SPEED`` x real time; amounts of audio are reasoned about in session time (the audio
sent), never in wall-clock time.
"""
from __future__ import annotations

import asyncio
import base64
import json

import pytest
from openai import AsyncOpenAI
from openai.types.realtime import RealtimeTranslationClientEvent, RealtimeTranslationServerEvent
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from course_utils.errors import CourseError
from course_utils.translation.fixture import load_monologue
from course_utils.translation.server import FRAME_MS, LocalTranslationServer
from course_utils.voice.audio import chunk_pcm, wav_bytes
from course_utils.voice.events import EventChecker

SPEED = 8.0
TIMEOUT = 30
MONO = load_monologue()
SERVER_EVENTS = EventChecker(RealtimeTranslationServerEvent, name="server event", report=None)
CLIENT_EVENTS = EventChecker(RealtimeTranslationClientEvent, name="client event", report=None)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT))


class Reader:
    """Reads raw frames from an SDK connection, validates each against the SDK union, stamps each with the
    number of appends sent so far."""

    def __init__(self, conn):
        self.conn, self.events, self.appends = conn, [], 0
        self.task = asyncio.ensure_future(self._read())

    async def _read(self):
        from websockets.exceptions import ConnectionClosed
        try:
            while True:
                raw = await self.conn.recv_bytes()
                checked = SERVER_EVENTS.parse(raw)        # raises on any event that does not fit
                assert not checked.extras, f"undeclared fields sent: {checked.extras}"
                self.events.append((self.appends, json.loads(raw)))
        except ConnectionClosed:
            return

    def of(self, etype):
        return [e for _, e in self.events if e["type"] == etype]

    async def wait_for(self, etype, n=1):
        for _ in range(int(TIMEOUT * 100)):
            if len(self.of(etype)) >= n:
                return self.of(etype)[n - 1]
            await asyncio.sleep(0.01)
        raise AssertionError(f"no {etype} (got {[e['type'] for _, e in self.events]})")


async def stream(conn, reader, pcm, chunk_ms=FRAME_MS):
    for chunk in chunk_pcm(pcm, chunk_ms):
        event = {"type": "session.input_audio_buffer.append", "audio": base64.b64encode(chunk).decode()}
        CLIENT_EVENTS.parse(event)
        await conn.send(event)
        reader.appends += 1
        await asyncio.sleep(chunk_ms / 1000 / SPEED)


async def open_session(server, language="es", transcription=True):
    client = AsyncOpenAI(api_key="test-key", websocket_base_url=server.websocket_base_url)
    conn = await client.realtime.translations.connect(model="gpt-realtime-translate").enter()
    reader = Reader(conn)
    created = await reader.wait_for("session.created")
    audio = {"output": {"language": language}}
    if transcription:
        audio["input"] = {"transcription": {"model": "gpt-realtime-whisper"}}
    await conn.session.update(session={"audio": audio})
    await reader.wait_for("session.updated")
    return conn, reader, created


def test_streams_translation_while_the_speaker_is_still_talking():
    async def main():
        async with LocalTranslationServer(lag_ms=1500, speed=SPEED) as server:
            conn, reader, created = await open_session(server)
            await stream(conn, reader, MONO.source_pcm)
            total = reader.appends
            await conn.session.close()
            await reader.wait_for("session.closed")
            await asyncio.wait_for(reader.task, 5)
            return reader, created, total, server

    reader, created, total, server = run(main())
    assert created["session"]["type"] == "translation" and created["session"]["model"] == "gpt-realtime-translate"
    audio = [(n, e) for n, e in reader.events if e["type"] == "session.output_audio.delta"]
    words = [(n, e) for n, e in reader.events if e["type"] == "session.output_transcript.delta"]
    # the first translated audio and words arrived long before the last append (the speaker still talking)
    assert audio[0][0] < total - 40 and words[0][0] < total - 40
    # ... about lag_ms after the first phrase began (appends are 200 ms each; the phrase starts at 400 ms)
    first_ms = audio[0][0] * FRAME_MS
    assert 1500 <= first_ms - MONO.phrases[0].span_ms[0] <= 1500 + 3 * FRAME_MS
    assert "".join(e["delta"] for _, e in words) == MONO.text("es")
    assert "".join(e["delta"] for e in reader.of("session.input_transcript.delta")) == MONO.text()
    pcm = b"".join(base64.b64decode(e["delta"]) for _, e in audio)
    assert pcm == b"".join(p.translations["es"].pcm for p in MONO.phrases)
    assert all(e["sample_rate"] == 24000 and e["format"] == "pcm16" and e["elapsed_ms"] % FRAME_MS == 0 for _, e in audio)
    assert reader.events[-1][1]["type"] == "session.closed"          # the flush came before session.closed
    assert server.sessions[0].log.closed_reason == "close_requested"


def test_no_transcription_no_input_deltas_and_language_switch_mid_session():
    async def main():
        async with LocalTranslationServer(lag_ms=500, speed=SPEED) as server:
            conn, reader, _ = await open_session(server, transcription=False)
            first = MONO.source_pcm[: int(MONO.phrases[1].span_ms[0] * 48)]   # phrase 1 and its pause
            await stream(conn, reader, first)
            await conn.session.update(session={"audio": {"output": {"language": "fr"}}})
            await stream(conn, reader, MONO.source_pcm[len(first):])
            await conn.session.close()
            await reader.wait_for("session.closed")
            return reader

    reader = run(main())
    assert not reader.of("session.input_transcript.delta")
    text = "".join(e["delta"] for e in reader.of("session.output_transcript.delta"))
    assert text.startswith(MONO.phrases[0].translations["es"].text)
    assert MONO.phrases[1].translations["fr"].text in text and MONO.phrases[3].translations["fr"].text in text


@pytest.mark.parametrize("bad, code, param", [
    ("not json", "invalid_json", None),
    (json.dumps({"type": "response.create"}), "invalid_value", "type"),
    (json.dumps({"type": "session.input_audio_buffer.append", "audio": "%%%"}), "invalid_value", "audio"),
    (json.dumps({"type": "session.input_audio_buffer.append", "audio": base64.b64encode(b"abc").decode()}),
     "invalid_value", "audio"),
    (json.dumps({"type": "session.input_audio_buffer.append",
                 "audio": base64.b64encode(wav_bytes(bytes(4800))).decode()}), "invalid_value", "audio"),
    (json.dumps({"type": "session.input_audio_buffer.append", "audio": "", "rate": 16000}), "unknown_parameter", "rate"),
    (json.dumps({"type": "session.input_audio_buffer.append"}), "missing_required_parameter", "audio"),
    (json.dumps({"type": "session.update", "session": {"audio": {"output": {"language": 5}}}}), "invalid_value",
     "session.audio.output.language"),
    (json.dumps({"type": "session.update", "session": {"audio": {"output": {"language": "ja"}}}}),
     "unsupported_language", "session.audio.output.language"),
    (json.dumps({"type": "session.update", "session": {"model": "gpt-realtime-2.1"}}), "unknown_parameter",
     "session.model"),
])
def test_bad_input_gets_an_error_event_and_the_session_survives(bad, code, param):
    async def main():
        async with LocalTranslationServer(lag_ms=300, speed=SPEED) as server:
            conn, reader, _ = await open_session(server, transcription=False)
            await conn.send_raw(bad)
            error = await reader.wait_for("error")
            await stream(conn, reader, MONO.source_pcm[: int(MONO.phrases[0].span_ms[1] * 48) + 48000])
            await conn.session.close()
            await reader.wait_for("session.closed")
            return error, reader

    error, reader = run(main())
    assert error["error"]["code"] == code and error["error"]["type"] == "invalid_request_error"
    assert error["error"].get("param") == param
    assert reader.of("session.output_audio.delta"), "the session did not go on after the error"
    assert "".join(e["delta"] for e in reader.of("session.output_transcript.delta")) == MONO.phrases[0].translations["es"].text


def test_speech_before_a_language_is_set_is_an_error_not_a_crash():
    async def main():
        async with LocalTranslationServer(lag_ms=300, speed=SPEED) as server:
            client = AsyncOpenAI(api_key="test-key", websocket_base_url=server.websocket_base_url)
            async with client.realtime.translations.connect(model="gpt-realtime-translate") as conn:
                reader = Reader(conn)
                await reader.wait_for("session.created")
                await stream(conn, reader, MONO.source_pcm[: 48 * 3000])
                error = await reader.wait_for("error")
                await conn.session.close()
                await reader.wait_for("session.closed")
                return error

    assert run(main())["error"]["code"] == "missing_output_language"


@pytest.mark.parametrize("path, headers, status", [
    ("/v1/realtime/translations?model=gpt-realtime-translate", {}, 401),
    ("/v1/realtime/translations", {"Authorization": "Bearer k"}, 400),
    ("/v1/realtime/translations?model=gpt-realtime-2.1", {"Authorization": "Bearer k"}, 400),
    ("/v1/realtime?model=gpt-realtime-translate", {"Authorization": "Bearer k"}, 404),
])
def test_handshake_refusals(path, headers, status):
    async def main():
        async with LocalTranslationServer() as server:
            url = f"ws://127.0.0.1:{server.bound_port}{path}"
            with pytest.raises(InvalidStatus) as info:
                async with connect(url, additional_headers=headers):
                    pass
            return info.value.response

    response = run(main())
    assert response.status_code == status and json.loads(response.body)["error"]["message"]


def test_server_urls_and_arguments():
    async def main():
        async with LocalTranslationServer() as server:
            return server.url, server.websocket_base_url, server.bound_port

    url, base, port = run(main())
    assert url == f"ws://127.0.0.1:{port}/v1/realtime/translations" and base == f"ws://127.0.0.1:{port}/v1"
    with pytest.raises(CourseError, match="has es, fr"):
        LocalTranslationServer(language="de")
    with pytest.raises(CourseError, match="lag_ms"):
        LocalTranslationServer(lag_ms=-1)


def test_fixture_has_provenance_and_two_languages():
    assert "espeak-ng" in MONO.provenance and MONO.languages == ("es", "fr")
    assert 3 <= len(MONO.phrases) <= 4 and 12_000 <= MONO.duration_ms <= 20_000
    for p in MONO.phrases:
        assert set(p.translations) == {"es", "fr"} and all(c.pcm for c in p.translations.values())
