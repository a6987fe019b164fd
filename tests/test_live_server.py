"""The official ``openai`` SDK against LocalLiveServer over whole sessions, every event validated.

Sessions run at ``SPEED`` x real time; amounts of audio are reasoned about in session time (the
audio sent), never in wall-clock time.
"""
from __future__ import annotations

import asyncio
import base64
import json
import socket
import subprocess
import sys
import time

import pytest
from openai import AsyncOpenAI

from course_utils.errors import ProtocolError
from course_utils.live.server import LocalLiveServer
from course_utils.live.validate import validate_live_client_event, validate_live_server_event
from course_utils.voice.audio import chunk_pcm
from course_utils.voice.conversation import load_conversation
from course_utils.voice.formats import AudioFormat, silence

SPEED = 10.0
CHUNK_MS = 100
TIMEOUT = 20


class Session:
    """A raw SDK connection plus a reader that validates every server event as it arrives."""

    def __init__(self, conn, fmt: AudioFormat | None = None):
        self.conn, self.format = conn, fmt or AudioFormat()
        self.events: list[dict] = []
        self.sent_ms = 0.0
        self._new = asyncio.Event()
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self):
        while True:
            try:
                raw = await self.conn.recv_bytes()
            except Exception:
                break
            validate_live_server_event(raw)  # (the server's own self-check refuses undeclared fields)
            self.events.append(json.loads(raw))
            self._new.set()

    async def send(self, event: dict):
        validate_live_client_event(event) if event.get("type") != "bad" else None
        await self.conn.send_raw(json.dumps(event))

    async def stream(self, pcm24: bytes):
        """Send PCM16 24 kHz audio in the session's format, paced at SPEED x real time."""
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for i, chunk in enumerate(chunk_pcm(pcm24, CHUNK_MS)):
            await self.conn.session.input_audio.append(audio=base64.b64encode(self.format.encode(chunk)).decode())
            self.sent_ms += len(chunk) / 48
            await asyncio.sleep(max(0.0, t0 + (i + 1) * CHUNK_MS / 1000 / SPEED - loop.time()))

    async def stream_until(self, predicate, max_ms: float = 6000):
        """Keep the microphone open (silence) until an event matches; the timeline needs audio to move."""
        loop = asyncio.get_running_loop()
        t0, sent = loop.time(), 0.0
        while not any(predicate(e) for e in self.events):
            if sent >= max_ms:
                raise AssertionError(f"nothing matched after {max_ms} ms of audio; events: "
                                     f"{[e['type'] for e in self.events][-15:]}")
            await self.conn.session.input_audio.append(audio=base64.b64encode(self.format.encode(silence(CHUNK_MS))).decode())
            sent += CHUNK_MS
            self.sent_ms += CHUNK_MS
            await asyncio.sleep(max(0.0, t0 + sent / 1000 / SPEED - loop.time()))

    async def wait_for(self, predicate, timeout: float = TIMEOUT):
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for ev in self.events:
                if predicate(ev):
                    return ev
            self._new.clear()
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"timed out; events: {[e['type'] for e in self.events][-15:]}")
            try:
                await asyncio.wait_for(self._new.wait(), left)
            except asyncio.TimeoutError:
                pass

    def of(self, etype: str) -> list[dict]:
        return [e for e in self.events if e["type"] == etype]

    def text(self, etype: str) -> str:
        return "".join(e["delta"] for e in self.of(etype))

    def output_ms(self) -> float:
        return sum(len(self.format.decode(base64.b64decode(e["delta"]))) / 48 for e in self.of("session.output_audio.delta"))

    async def finish(self):
        self._reader.cancel()


async def start(server, session_cfg: dict | None = None, fmt: AudioFormat | None = None):
    client = AsyncOpenAI(api_key="replay-mode-no-key", websocket_base_url=server.websocket_base_url)
    conn = await client.live.connect().enter()
    s = Session(conn, fmt)
    await s.conn.session.start(session={"model": "gpt-live-1.1", **(session_cfg or {})})
    await s.wait_for(lambda e: e["type"] in ("session.started", "error"))
    return s


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def test_a_turn_then_close_every_event_valid():
    conv = load_conversation("support_call")

    async def main():
        async with LocalLiveServer("support_call", speed=SPEED, usage_interval_ms=2000) as server:
            assert server.url.endswith("/v1/live/sessions") and server.websocket_base_url.endswith("/v1")
            s = await start(server, {"instructions": conv.instructions})
            started = s.of("session.started")[0]["session"]
            assert started["id"].startswith("live_") and started["model"] == "gpt-live-1.1"
            assert started["expires_at"] > time.time() and started["status"] == "active"
            assert started["audio"] == {"format": {"type": "audio/pcm", "rate": 24000}, "output": {"voice": "marin"}}
            await s.stream(conv.user[0].pcm)
            await s.stream_until(lambda e: e["type"] == "session.output_audio.delta")
            await s.stream(silence(conv.assistant[0].duration_ms + 800))
            await s.conn.session.close(event_id="evt_close_1")
            closed = await s.wait_for(lambda e: e["type"] == "session.closed")
            await asyncio.sleep(0.1)
            await s.finish()
            return s, closed

    s, closed = run(main())
    assert s.text("session.input_transcript.delta") == conv.user[0].text
    assert s.text("session.output_transcript.delta") == conv.assistant[0].text
    # the whole reply was spoken (100 ms chunks; the last one may be shorter)
    assert abs(s.output_ms() - conv.assistant[0].duration_ms) < 1
    types = [e["type"] for e in s.events]
    assert types.index("session.output_audio.delta") > max(i for i, t in enumerate(types) if t == "session.input_transcript.delta")
    # transcript timestamps: inside the user's speech, ordered, on the session timeline
    user_words = s.of("session.input_transcript.delta")
    assert all(w["start_ms"] <= w["end_ms"] for w in user_words)
    assert [w["start_ms"] for w in user_words] == sorted(w["start_ms"] for w in user_words)
    assert user_words[-1]["end_ms"] <= conv.user[0].duration_ms + 100
    reply_words = s.of("session.output_transcript.delta")
    assert reply_words[0]["start_ms"] >= user_words[-1]["end_ms"] + 500  # VAD silence + think time
    # usage: cumulative whole seconds of audio received, every 2 s of timeline, and final at close
    usage = [e["usage"]["seconds"] for e in s.of("session.usage.updated")]
    assert usage == sorted(usage) and usage[0] == 2
    assert closed["reason"] == "close_requested" and closed["client_event_id"] == "evt_close_1"
    assert closed["usage"]["seconds"] == int(s.sent_ms // 1000)
    assert closed["session"]["id"] == s.of("session.started")[0]["session"]["id"]
    assert types[-1] == "session.closed"


def test_interruption_stops_the_reply_within_a_few_hundred_ms():
    conv = load_conversation("support_interrupt")
    long_reply = conv.assistant[0]

    async def main():
        async with LocalLiveServer("support_interrupt", speed=SPEED) as server:
            s = await start(server)
            await s.stream(conv.user[0].pcm)
            await s.stream_until(lambda e: e["type"] == "session.output_audio.delta")
            await s.stream(silence(2000))          # listen to two seconds of the answer
            reply_start = s.of("session.output_transcript.delta")[0]["start_ms"] - long_reply.words[0][1]
            barge_at = s.sent_ms + conv.user[1].words[0][1]   # where the user's voice begins on the timeline
            await s.stream(conv.user[1].pcm)
            await s.stream_until(lambda e: e["type"] == "session.output_transcript.delta" and e["delta"] == "On")
            await s.stream(silence(conv.assistant[1].duration_ms + 600))
            await s.conn.session.close()
            await s.wait_for(lambda e: e["type"] == "session.closed")
            await s.finish()
            return s, reply_start, barge_at

    s, reply_start, barge_at = run(main())
    words = s.of("session.output_transcript.delta")
    second = next(i for i, w in enumerate(words) if w["delta"] == "On")
    first_reply_words = words[:second]
    first_reply_audio_ms = 0.0
    # audio of the first reply: every delta before the interrupting utterance's first transcript piece
    # (the server stops the reply as soon as it hears speech, before it transcribes any of it)
    for e in s.events:
        if e["type"] == "session.input_transcript.delta" and e["delta"] == conv.user[1].words[0][0]:
            break
        if e["type"] == "session.output_audio.delta":
            first_reply_audio_ms += len(base64.b64decode(e["delta"])) / 48
    heard_before_barge = barge_at - reply_start
    overshoot = first_reply_audio_ms - heard_before_barge
    assert first_reply_audio_ms < long_reply.duration_ms - 3000      # it really stopped early
    assert overshoot < 500, f"the reply went on for {overshoot:.0f} ms of audio after the user spoke"
    # its transcript stops with its audio: no word after the cut
    assert first_reply_words[-1]["end_ms"] <= reply_start + first_reply_audio_ms + 1
    assert s.text("session.output_transcript.delta").endswith(conv.assistant[1].text)
    assert s.text("session.input_transcript.delta").endswith(conv.user[1].text)


BAD_INPUTS = [
    ("invalid json", "{not json", "invalid_json", None),
    ("not an object", "[1, 2]", "invalid_json", None),
    ("unknown type", {"type": "input_audio_buffer.commit", "event_id": "e1"}, "invalid_value", "type"),
    ("missing field", {"type": "session.commentary.append", "delegation_id": None, "event_id": "e2"},
     "missing_required_parameter", "content"),
    ("unknown field", {"type": "session.input_audio.mute", "muted": True, "event_id": "e3"}, "unknown_parameter", "muted"),
    ("bad base64", {"type": "session.input_audio.append", "audio": "%%%not base64%%%", "event_id": "e4"},
     "invalid_value", "audio"),
    ("wav header", {"type": "session.input_audio.append", "event_id": "e5",
                    "audio": base64.b64encode(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(40)).decode()}, "invalid_value", "audio"),
    ("odd pcm length", {"type": "session.input_audio.append", "audio": base64.b64encode(b"\x00\x01\x02").decode()},
     "invalid_value", "audio"),
    ("oversized append", {"type": "session.input_audio.append", "audio": base64.b64encode(bytes(48_000)).decode()},
     "invalid_value", "audio"),
    ("unknown delegation", {"type": "session.commentary.append", "content": "done", "delegation_id": "item_nope"},
     "invalid_value", "delegation_id"),
    ("start twice", {"type": "session.start", "session": {"model": "gpt-live-1.1"}}, "session_already_started", "type"),
    ("responses-only event", {"type": "response.create"}, "delegation_required", "type"),
]


def test_bad_input_gets_error_events_and_the_session_stays_usable():
    conv = load_conversation("support_call")

    async def main():
        async with LocalLiveServer("support_call", speed=SPEED, max_append_bytes=24_000) as server:
            # before session.start: an error, and the connection stays open for the start
            client = AsyncOpenAI(api_key="replay-mode-no-key", websocket_base_url=server.websocket_base_url)
            conn = await client.live.connect().enter()
            early = Session(conn)
            await conn.session.input_audio.append(audio=base64.b64encode(silence(100)).decode(), event_id="early")
            err = await early.wait_for(lambda e: e["type"] == "error")
            assert err["error"]["code"] == "session_not_started" and err["client_event_id"] == "early"
            await conn.session.start(session={"model": "gpt-realtime-2.1"})   # a Realtime model on the Live route
            err = await early.wait_for(lambda e: e["type"] == "error" and e["error"]["code"] == "invalid_model")
            assert err["error"]["param"] == "session.model" and "Realtime" in err["error"]["message"]
            await conn.session.start(session={"model": "gpt-live-1.1", "voice": "marin"})  # voice belongs in audio.output
            err = await early.wait_for(lambda e: e["type"] == "error" and e["error"]["code"] == "unknown_parameter")
            assert err["error"]["param"] == "session.voice"
            await conn.session.start(session={"model": "gpt-live-1.1"})
            await early.wait_for(lambda e: e["type"] == "session.started")
            seen = {}
            for name, payload, code, param in BAD_INPUTS:
                before = len(early.of("error"))
                await conn.send_raw(payload if isinstance(payload, str) else json.dumps(payload))
                err = await early.wait_for(lambda e, n=before: e["type"] == "error" and len(early.of("error")) > n)
                err = early.of("error")[before]
                seen[name] = err
                assert err["error"]["type"] == "invalid_request_error", name
                assert err["error"]["code"] == code, (name, err)
                assert err["error"].get("param") == param, (name, err)
                if isinstance(payload, dict) and payload.get("event_id"):
                    assert err["error"]["client_event_id"] == payload["event_id"] == err["client_event_id"]
            # still usable: a whole turn works after all of that
            await early.stream(conv.user[0].pcm)
            await early.stream_until(lambda e: e["type"] == "session.output_transcript.delta" and "number?" in e["delta"])
            await conn.session.close()
            await early.wait_for(lambda e: e["type"] == "session.closed")
            await early.finish()
            return seen

    seen = run(main())
    assert "Supported values are" in seen["unknown type"]["error"]["message"]
    assert "session.start first" not in seen["unknown type"]["error"]["message"]
    assert "base64" in seen["bad base64"]["error"]["message"]
    assert "RIFF" in seen["wav header"]["error"]["message"]
    assert "at most 24000" in seen["oversized append"]["error"]["message"]


@pytest.mark.parametrize("fmt", [{"type": "audio/pcm", "rate": 16000}, {"type": "audio/pcmu", "rate": 8000},
                                 {"type": "audio/pcma", "rate": 8000}])
def test_other_audio_formats(fmt):
    conv = load_conversation("support_call")
    af = AudioFormat.from_config(fmt)

    async def main():
        async with LocalLiveServer("support_call", speed=SPEED) as server:
            s = await start(server, {"audio": {"format": fmt}}, af)
            assert s.of("session.started")[0]["session"]["audio"]["format"] == fmt
            await s.stream(conv.user[0].pcm)
            await s.stream_until(lambda e: e["type"] == "session.output_audio.delta")
            await s.stream(silence(600))
            await s.conn.session.close()
            await s.wait_for(lambda e: e["type"] == "session.closed")
            await s.finish()
            return s

    s = run(main())
    assert s.text("session.input_transcript.delta") == conv.user[0].text   # the VAD heard it in this format
    first = base64.b64decode(s.of("session.output_audio.delta")[0]["delta"])
    assert len(first) == round(af.bytes_per_ms * 100)                       # 100 ms of audio in the session's format


def test_g711_needs_8khz():
    async def main():
        async with LocalLiveServer("support_call", speed=SPEED) as server:
            s = await start(server, {"audio": {"format": {"type": "audio/pcmu", "rate": 16000}}})
            await s.finish()
            return s
    s = run(main())
    assert s.of("error")[0]["error"]["param"] == "session.audio.format.rate"


def test_mute_unmute_and_context_appends():
    async def main():
        async with LocalLiveServer("support_call", speed=SPEED) as server:
            s = await start(server)
            await s.conn.session.input_audio.mute(event_id="m1")
            await s.conn.session.instructions.append(content="The caller is a VIP.", delegation_id=None, event_id="i1")
            await s.conn.session.thinking.append(content="Checking the CRM.", delegation_id=None)
            await s.stream(load_conversation("support_call").user[0].pcm + silence(1500))   # muted: not heard
            await s.conn.session.input_audio.unmute()
            await s.stream(silence(300))
            await s.conn.session.close()
            await s.wait_for(lambda e: e["type"] == "session.closed")
            await s.finish()
            return s
    s = run(main())
    types = [e["type"] for e in s.events]
    for t in ("session.input_audio.muted", "session.instructions.appended", "session.thinking.appended",
              "session.input_audio.unmuted"):
        assert t in types
    assert s.of("session.input_audio.muted")[0]["client_event_id"] == "m1"
    assert not s.of("session.output_audio.delta") and not s.of("session.input_transcript.delta")
    assert s.of("session.closed")[0]["usage"]["seconds"] == int(s.sent_ms // 1000)  # muted time is billed too


def test_handshake_rules():
    import websockets
    from websockets.asyncio.client import connect

    async def main():
        async with LocalLiveServer("support_call") as server:
            base = server.url.rsplit("/v1/", 1)[0]
            outcomes = {}
            for name, url, headers in [("wrong path", base + "/v1/realtime", {"Authorization": "Bearer x"}),
                                       ("no key", server.url, {}),
                                       ("model in url", server.url + "?model=gpt-live-1.1", {"Authorization": "Bearer x"})]:
                with pytest.raises(websockets.exceptions.InvalidStatus) as info:
                    async with connect(url, additional_headers=headers):
                        pass
                outcomes[name] = info.value.response.status_code
            return outcomes
    assert run(main()) == {"wrong path": 404, "no key": 401, "model in url": 400}


def test_validator_keeps_unknown_fields_and_refuses_wrong_ones():
    """The shared checker's one rule: an undeclared field is kept and reported once per name; a wrong
    value, a missing field or an unknown type is refused."""
    from course_utils.live.validate import live_server_checker

    lines = []
    checker = live_server_checker(report=lines.append)
    ok = {"type": "session.usage.updated", "event_id": "event_1", "usage": {"seconds": 3}}
    checker.check(ok)
    for _ in range(3):
        model = checker.check({**ok, "usage": {"seconds": 3, "minutes": 0.05}})
    assert model.usage.model_extra == {"minutes": 0.05}
    assert len(lines) == 1 and "usage.minutes" in lines[0]
    with pytest.raises(ProtocolError, match="seconds"):
        validate_live_server_event({**ok, "usage": {"seconds": "three"}})
    with pytest.raises(ProtocolError, match="reason"):
        validate_live_server_event({"type": "session.closed", "event_id": "e", "reason": "bye",
                                    "session": {"id": "x", "expires_at": 1, "model": "gpt-live-1", "status": "active"},
                                    "usage": {"seconds": 1}})
    with pytest.raises(ProtocolError):
        validate_live_server_event({"type": "response.output_audio.delta", "delta": ""})  # a Realtime event


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_command_line_server():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "course_utils.live.server", "--port", str(port),
                             "--fixture", "support_call", "--speed", "10"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert f"ws://127.0.0.1:{port}/v1/live/sessions" in line

        async def main():
            client = AsyncOpenAI(api_key="replay-mode-no-key", websocket_base_url=f"ws://127.0.0.1:{port}/v1")
            async with client.live.connect() as conn:
                await conn.session.start(session={"model": "gpt-live-1"})
                ev = await asyncio.wait_for(conn.recv(), 10)
                return ev.type, ev.session.model
        assert run(main()) == ("session.started", "gpt-live-1")
    finally:
        proc.terminate()
        proc.wait(10)
