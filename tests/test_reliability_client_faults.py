"""RealtimeClient under network and server faults: each gives a clear CourseError within a bounded
time (the client's own ``timeout``, here 1 s; every test call is also wrapped in a 5 s wait_for), the
client leaves no socket or task behind, and a new connection starts a fresh session.

The faults come from tiny purpose-built misbehaving servers on 127.0.0.1 (websockets.asyncio.server /
asyncio.start_server), or from the real LocalRealtimeServer with its connection cut mid-response.
"""
from __future__ import annotations

import asyncio
import json
import socket
from contextlib import asynccontextmanager

import pytest
from _reliability import count, register
from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Response
from websockets.protocol import State

from course_utils.errors import CourseError, OperationTimeout, ProtocolError, ServerErrorEvent
from course_utils.realtime import LocalRealtimeServer, RealtimeClient
from course_utils.realtime.protocol import default_session
from course_utils.voice import VirtualClockSink

CLIENT_TIMEOUT = 1.0   # the client's own timeout for every wait
BOUND = 5.0            # no fault may take longer than this to surface
SPEED = 25


@pytest.fixture(scope="module", autouse=True)
def _counts(request):
    register(request.config)


def _run(coro, timeout: float = 30):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def _client(url: str, **kw) -> RealtimeClient:
    return RealtimeClient(url=url, speed=SPEED, timeout=CLIENT_TIMEOUT, sink=VirtualClockSink(speed=SPEED), **kw)


def _event(etype: str, n: int = 1, **fields) -> str:
    return json.dumps({"type": etype, "event_id": f"evt_fault{n}", **fields})


def _created() -> str:
    return _event("session.created", session=default_session("gpt-realtime-2.1"))


RESPONSE = {"object": "realtime.response", "id": "resp_1", "status": "in_progress", "status_details": None,
            "output": [], "conversation_id": "conv_1", "output_modalities": ["audio"], "max_output_tokens": "inf",
            "audio": {"output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"}}, "usage": None,
            "metadata": None}


async def _until(ws, etype: str) -> dict:
    """Read client events until one of ``etype`` (the misbehaving servers play along until then)."""
    while True:
        event = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if event["type"] == etype:
            return event


async def _start_response(ws) -> None:
    await _until(ws, "response.create")
    await ws.send(_event("response.created", 2, response=RESPONSE))
    await ws.send(_event("response.output_audio.delta", 3, response_id="resp_1", item_id="item_1", output_index=0,
                         content_index=0, delta="AAAAAAAA"))


@asynccontextmanager
async def misbehaving(handler, **kw):
    """A WebSocket server on 127.0.0.1 running ``handler``; yields its Realtime URL."""
    server = await serve(handler, "127.0.0.1", 0, compression=None, **kw)
    try:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1/realtime"
    finally:
        server.close()
        await asyncio.wait_for(server.wait_closed(), 5)


async def _hold(ws, seconds: float = 15) -> None:
    """A misbehaving server's stall: it sends nothing and reads nothing until the client goes (bounded too)."""
    try:
        await asyncio.wait_for(ws.wait_closed(), seconds)
    except asyncio.TimeoutError:
        pass


# -- the faults -------------------------------------------------------------------------------------
async def closes_mid_response(ws):
    await ws.send(_created())
    await _start_response(ws)
    await ws.close(1011, "internal error")


async def drops_mid_response(ws):
    await ws.send(_created())
    await _start_response(ws)
    ws.transport.abort()  # no close frame: the TCP connection just ends


async def stalls_mid_response(ws):
    await ws.send(_created())
    await _start_response(ws)
    await _hold(ws)


async def never_says_session_created(ws):
    await _hold(ws)


async def sends_garbage_mid_response(ws):
    await ws.send(_created())
    await _start_response(ws)
    await ws.send("this is not JSON {")
    await _hold(ws)


async def sends_bad_audio(ws):
    await ws.send(_created())
    await _until(ws, "response.create")
    await ws.send(_event("response.created", 2, response=RESPONSE))
    await ws.send(_event("response.output_audio.delta", 3, response_id="resp_1", item_id="item_1", output_index=0,
                         content_index=0, delta="%%% not base64 %%%"))
    await _hold(ws)


async def answers_with_an_error_event(ws):
    await ws.send(_created())
    request = await _until(ws, "response.create")
    await ws.send(_event("error", 2, error={"type": "server_error", "code": "server_error",
                                            "message": "The server had an error while processing your request.",
                                            "param": None, "event_id": request.get("event_id")}))
    await _hold(ws)


async def never_reads(ws):
    await ws.send(_created())
    await _hold(ws)  # never calls recv: with max_queue=1 the transport stops reading, the client's sends back up


# (name, handler, server options, what the client does, expected error, message fragment)
ASK = "ask"
FAULTS = [
    ("server closes mid-response (1011)", closes_mid_response, {}, ASK, ProtocolError, "closed while waiting"),
    ("connection drops mid-response (no close frame)", drops_mid_response, {}, ASK, ProtocolError, "closed while waiting"),
    ("server stalls mid-response", stalls_mid_response, {}, ASK, OperationTimeout, "No response.done within"),
    ("server never sends session.created", never_says_session_created, {}, "connect", OperationTimeout,
     "No session.created within"),
    # the receive-loop rule: a bad event is reported once and skipped, the session goes on; this server
    # then stalls, so the wait ends on the client's own timeout (tests/test_reliability_real_traffic.py
    # shows the events after a bad one still being delivered)
    ("server sends a frame that is not JSON", sends_garbage_mid_response, {}, ASK, OperationTimeout,
     "No response.done within"),
    ("server sends audio that is not base64", sends_bad_audio, {}, ASK, OperationTimeout, "No response.done within"),
    ("server answers with an error event", answers_with_an_error_event, {}, ASK, ServerErrorEvent, "server_error"),
    ("server stops reading (client sends back up)", never_reads, {"max_queue": 1, "max_size": None, "close_timeout": 1},
     "stream",
     OperationTimeout, "the server is not reading"),
]


async def _do(rt: RealtimeClient, action: str) -> None:
    """What a notebook cell does: ``async with RealtimeClient(...) as rt: ...`` (no explicit close)."""
    async with rt:
        if action == ASK:
            await rt.ask("Hello?")
        elif action == "stream":
            chunk = b"\x00\x01" * 500_000  # 1 MB of PCM per append
            for _ in range(60):
                await rt.append_audio(chunk)


async def _assert_released(rt: RealtimeClient) -> None:
    """After the fault, with no further call, nothing of that connection is left running in the kernel."""
    assert rt.ws is None or rt.ws.state is State.CLOSED
    assert rt._reader is None or rt._reader.done()
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for _ in range(50):  # the misbehaving server's own handler may take a moment to notice
        if not any("RealtimeClient" in repr(t.get_coro()) for t in others):
            break
        await asyncio.sleep(0.02)
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert not [t for t in others if "RealtimeClient" in repr(t.get_coro())], others


async def _fresh_session_works(server: LocalRealtimeServer, stale_item: str | None = None) -> None:
    """A new client on a healthy server: a new session (new server-side session object, empty conversation)."""
    before = len(server.sessions)
    async with _client(server.url) as rt:
        assert rt.session["type"] == "realtime" and not rt.results and not rt.errors
        assert len(server.sessions) == before + 1 and server.sessions[-1].items == []
        if stale_item is not None:  # an item of the broken session does not exist in the new one
            await rt.send({"type": "conversation.item.retrieve", "item_id": stale_item})
            with pytest.raises(ServerErrorEvent, match="not found"):
                await rt.wait_for(lambda: False, timeout=BOUND, what="the item_not_found error")
        reply = await asyncio.wait_for(rt.ask("Hello again?"), BOUND)
        assert reply.status == "completed" and reply.transcript


@pytest.mark.parametrize("name, handler, options, action, error, fragment", FAULTS, ids=[f[0] for f in FAULTS])
def test_a_fault_is_a_clear_error_in_bounded_time_and_the_next_session_is_fresh(name, handler, options, action,
                                                                               error, fragment):
    async def go():
        async with misbehaving(handler, **options) as url:
            rt = _client(url)
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            with pytest.raises(error, match=fragment) as info:
                await asyncio.wait_for(_do(rt, action), BOUND)
            took = loop.time() - t0
            assert isinstance(info.value, CourseError) and "\n" not in str(info.value)
            assert took < BOUND
            await _assert_released(rt)
        async with LocalRealtimeServer(speed=SPEED) as good:
            await _fresh_session_works(good)
    _run(go())
    count("client faults injected (misbehaving servers)")


def test_a_stalled_handshake_times_out():
    """TCP accepts, the WebSocket handshake never comes back."""
    async def go():
        held: list = []

        async def accept_and_stall(reader, writer):
            held.append(writer)
            try:  # never answers the handshake; returns when the client hangs up
                await asyncio.wait_for(reader.read(), 15)
            except (asyncio.TimeoutError, ConnectionError):
                pass

        server = await asyncio.start_server(accept_and_stall, "127.0.0.1", 0)
        url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1/realtime"
        try:
            rt = _client(url)
            with pytest.raises(OperationTimeout, match="Could not connect"):
                await asyncio.wait_for(_do(rt, "connect"), BOUND)
            await _assert_released(rt)
        finally:
            for w in held:
                w.close()
            server.close()
            await asyncio.wait_for(server.wait_closed(), 5)
    _run(go())
    count("client faults injected (misbehaving servers)")


def test_a_refused_connection_is_a_clear_error():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def go():
        rt = _client(f"ws://127.0.0.1:{port}/v1/realtime")
        with pytest.raises(OperationTimeout, match="ConnectionRefusedError") as info:
            await asyncio.wait_for(_do(rt, "connect"), BOUND)
        assert "replay mode" in str(info.value)
        await _assert_released(rt)
        async with LocalRealtimeServer(speed=SPEED) as good:
            await _fresh_session_works(good)
    _run(go())
    count("client faults injected (misbehaving servers)")


def test_an_http_refusal_at_the_handshake_is_a_clear_error():
    def refuse(connection, request):
        body = json.dumps({"error": {"message": "The server is overloaded.", "type": "server_error"}}).encode()
        return Response(503, "Service Unavailable", Headers([("Content-Type", "application/json"),
                                                             ("Content-Length", str(len(body)))]), body)

    async def go():
        async with misbehaving(_hold, process_request=refuse) as url:
            rt = _client(url)
            with pytest.raises(ProtocolError, match="HTTP 503.*overloaded"):
                await asyncio.wait_for(_do(rt, "connect"), BOUND)
            await _assert_released(rt)
    _run(go())
    count("client faults injected (misbehaving servers)")


@pytest.mark.parametrize("how", ["close frame 1011", "TCP abort"])
def test_the_real_server_cut_mid_response_then_a_fresh_session(how):
    """LocalRealtimeServer's side of the socket is cut while it streams a reply: the client says so at once;
    a new client gets a new session in which nothing of the old conversation exists."""
    async def go():
        async with LocalRealtimeServer(fixture="short_qa", speed=1) as server:  # real time: the cut lands mid-reply
            rt = _client(server.url)
            await rt.connect()
            await rt.send_text("Hello?")
            await rt.create_response()
            await rt.wait_for(lambda: rt._counter("response.output_audio.delta") >= 2, timeout=BOUND, what="audio")
            user_item = server.sessions[-1].items[0].id
            ws = server.sessions[-1].ws
            if how == "TCP abort":
                ws.transport.abort()
            else:
                await ws.close(1011, "cut")
            with pytest.raises(ProtocolError, match="closed while waiting for response.done"):
                await asyncio.wait_for(rt.wait_for_response(), BOUND)
            with pytest.raises(ProtocolError, match="closed"):
                await asyncio.wait_for(rt.send_text("still there?"), BOUND)
            await asyncio.wait_for(rt.close(), BOUND)
            await _assert_released(rt)
            server.speed = SPEED
            await _fresh_session_works(server, stale_item=user_item)
    _run(go())
    count("client faults injected (LocalRealtimeServer cut mid-response)")


def test_a_used_client_cannot_silently_reconnect_into_a_broken_state():
    """``connect()`` again on a client whose connection died says to make a new client (it does not reuse
    the dead session's state)."""
    async def go():
        async with misbehaving(closes_mid_response) as url:
            rt = _client(url)
            await asyncio.wait_for(rt.connect(), BOUND)
            with pytest.raises(ProtocolError):
                await asyncio.wait_for(rt.ask("Hello?"), BOUND)
            with pytest.raises(CourseError, match="already connected once.*new RealtimeClient"):
                await asyncio.wait_for(rt.connect(), BOUND)
            await asyncio.wait_for(rt.close(), BOUND)
            await _assert_released(rt)
            with pytest.raises(CourseError, match="was closed.*new RealtimeClient"):
                await asyncio.wait_for(rt.connect(), BOUND)
    _run(go())
    count("client faults injected (misbehaving servers)")
