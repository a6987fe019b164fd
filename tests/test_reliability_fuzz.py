"""The local Realtime and Live servers under fuzzing: they never crash, answer every bad event with an
``error`` event, keep serving the same connection, keep their memory bounded and emit only events
that validate (strictly) against the SDK's own server-event unions.

One server and one connection serve many examples: the server runs in a loop thread, a plain
synchronous WebSocket client sends the fuzzed frame(s) and then a probe that must still be answered.
Whether a fuzzed event is bad is decided by an oracle independent of the server: the SDK's client
event union through the shared checker (:mod:`course_utils.voice.events`): an event it refuses, or one
with an undeclared field (the real APIs refuse unknown parameters in client events), must get an error.
Emitted events must fit the SDK's server unions, with no undeclared field except the real ones a server
sends on purpose (``WIRE_EXTRAS``).
"""
from __future__ import annotations

import base64
import json

import pytest
from _reliability import LoopThread, count, register
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from course_utils.errors import ProtocolError
from course_utils.realtime.protocol import WIRE_EXTRAS
from course_utils.realtime.schema import client_checker, server_checker

T = 10  # seconds: every receive has this timeout
SPEED = 50
APPEND_LIMIT = 64_000            # bytes of PCM per append (the server refuses more)
BUFFER_CAP = 10 * 24_000 * 2     # 10 s of PCM16 24 kHz: the uncommitted input buffer may never exceed it
FUZZ = settings(max_examples=500, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module", autouse=True)
def _counts(request):
    register(request.config)


def _api_refuses(checker):
    """The oracle for client events: the checker refuses it, or it has a field the SDK type does not declare."""
    def check(event):
        if checker.parse(event).extras:
            raise ProtocolError("unknown parameter")
    return check


def _server_emits(checker, allowed=frozenset()):
    """Every emitted event fits the SDK's server union; undeclared fields only those in ``allowed``."""
    def check(event):
        extras = set(checker.parse(event).extras)
        assert extras <= allowed, (event.get("type"), extras - allowed)
    return check


validate_client_event = _api_refuses(client_checker(report=None))
validate_server_event = _server_emits(server_checker(report=None), WIRE_EXTRAS)


def _b64(n: int, fill: bytes = b"\x10\x00") -> str:
    return base64.b64encode((fill * (n // len(fill) + 1))[:n]).decode()


# -- valid templates: one (or more) per client event type, with as many fields set as the SDK allows --
REALTIME_TEMPLATES: list[dict] = [
    {"type": "session.update", "event_id": "fz_su", "session": {
        "type": "realtime", "model": "gpt-realtime-2.1", "instructions": "Be brief.", "output_modalities": ["audio"],
        "max_output_tokens": 300, "tool_choice": "auto", "truncation": "auto", "tracing": "auto",
        "include": ["item.input_audio_transcription.logprobs"], "parallel_tool_calls": True,
        "prompt": {"id": "pmpt_fuzz", "variables": {"city": "Oslo"}}, "reasoning": {"effort": "low"},
        "tools": [{"type": "function", "name": "lookup", "description": "Look up an order.",
                   "parameters": {"type": "object", "properties": {"order": {"type": "string"}}}}],
        "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000}, "noise_reduction": {"type": "near_field"},
                            "turn_detection": {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300,
                                               "silence_duration_ms": 500, "create_response": True,
                                               "interrupt_response": True}},
                  "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin", "speed": 1.0}}}},
    {"type": "session.update", "event_id": "fz_su2", "session": {
        "type": "realtime", "audio": {"input": {"turn_detection": {"type": "semantic_vad", "eagerness": "high"},
                                                "format": {"type": "audio/pcmu"}},
                                      "output": {"format": {"type": "audio/pcma"}}}}},
    {"type": "input_audio_buffer.append", "event_id": "fz_ap", "audio": _b64(4800)},
    {"type": "input_audio_buffer.commit", "event_id": "fz_co"},
    {"type": "input_audio_buffer.clear", "event_id": "fz_cl"},
    {"type": "output_audio_buffer.clear", "event_id": "fz_oc"},
    {"type": "conversation.item.create", "event_id": "fz_ic", "previous_item_id": "root", "item": {
        "type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hello"},
                                                       {"type": "input_audio", "audio": _b64(4800)}]}},
    {"type": "conversation.item.create", "event_id": "fz_ic2", "item": {
        "id": "fz_item", "type": "function_call_output", "call_id": "call_1", "output": "{\"ok\": true}"}},
    {"type": "conversation.item.create", "event_id": "fz_ic3", "item": {
        "type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hi"}]}},
    {"type": "conversation.item.create", "event_id": "fz_ic4", "item": {
        "id": "fz_call", "object": "realtime.item", "status": "completed", "type": "function_call", "name": "lookup",
        "call_id": "call_2", "arguments": "{\"order\": \"A1\"}"}},
    {"type": "conversation.item.create", "event_id": "fz_ic5", "item": {
        "type": "mcp_approval_response", "id": "fz_apr", "approval_request_id": "apr_1", "approve": False, "reason": "Not now."}},
    {"type": "conversation.item.create", "event_id": "fz_ic6", "item": {
        "type": "mcp_list_tools", "server_label": "shop", "tools": [{"name": "t", "input_schema": {}}]}},
    {"type": "conversation.item.create", "event_id": "fz_ic7", "item": {
        "type": "mcp_call", "id": "mcp_1", "server_label": "shop", "name": "t", "arguments": "{}", "error": None}},
    {"type": "conversation.item.retrieve", "event_id": "fz_ir", "item_id": "fz_item"},
    {"type": "conversation.item.truncate", "event_id": "fz_it", "item_id": "fz_item", "content_index": 0,
     "audio_end_ms": 100},
    {"type": "conversation.item.delete", "event_id": "fz_id", "item_id": "fz_item"},
    {"type": "response.create", "event_id": "fz_rc", "response": {
        "output_modalities": ["text"], "instructions": "Answer.", "max_output_tokens": 40, "conversation": "none",
        "parallel_tool_calls": False, "prompt": {"id": "pmpt_fuzz"}, "reasoning": {"effort": "minimal"},
        "metadata": {"topic": "fuzz"}, "tool_choice": "none", "tools": [],
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi?"}]}],
        "audio": {"output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"}}}},
    {"type": "response.cancel", "event_id": "fz_rx", "response_id": "resp_none"},
]

WRONG_VALUES: list = [None, 12345, -1, 1.5, True, "fz-wrong", "", [], [1, "a"], {}, {"fz": 1}, 2 ** 70,
                      float("nan"), float("inf"), "\u0000\ud7ff\U0001f600"]


def _paths(value, prefix=()) -> list[tuple]:
    """Every key path (dict keys and list indices) inside a template."""
    out = []
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return out
    for k, v in items:
        out.append(prefix + (k,))
        out += _paths(v, prefix + (k,))
    return out


def _set(event: dict, path: tuple, value, delete: bool = False) -> dict:
    event = json.loads(json.dumps(event))
    target = event
    for k in path[:-1]:
        target = target[k]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return event


def _oracle_bad(message: str | bytes, validate) -> bool:
    """True if the message is not a valid client event by the SDK's own types (independent of the server)."""
    if isinstance(message, bytes):
        return True
    try:
        event = json.loads(message)
    except (ValueError, RecursionError):
        return True
    if not isinstance(event, dict):
        return True
    try:
        validate(event)
    except ProtocolError:
        return True
    return False


def _event_id(message) -> str | None:
    try:
        event = json.loads(message) if isinstance(message, str) else None
    except (ValueError, RecursionError):
        return None
    return event.get("event_id") if isinstance(event, dict) and isinstance(event.get("event_id"), str) else None


# -- one connection, many examples ---------------------------------------------------------------------
class Peer:
    """A synchronous WebSocket client that sends fuzzed frames then a probe, and checks what comes back."""

    def __init__(self, url: str, headers: dict, validate_server, validate_client, probe: dict, answer: str, setup=()):
        self.url, self.headers = url, headers
        self.validate_server, self.validate_client = validate_server, validate_client
        self.probe_event, self.answer = probe, answer
        self.setup = list(setup)
        self.events_seen = 0
        self.connections = 0
        self.ws = None
        self.open()

    def open(self) -> None:
        if self.ws is not None:
            self.ws.close()
        self.ws = connect(self.url, additional_headers=self.headers, open_timeout=T, close_timeout=2, max_size=None)
        self.connections += 1
        self.pending: list[dict] = []
        for event, until in self.setup:
            self.ws.send(json.dumps(event))
            self.read_until(lambda e, u=until: e["type"] == u)

    def read_until(self, done) -> list[dict]:
        got = []
        while True:
            raw = self.ws.recv(timeout=T)
            event = json.loads(raw)
            self.validate_server(event)  # every event the server emits fits the SDK type, strictly
            self.events_seen += 1
            got.append(event)
            if done(event):
                return got

    def exchange(self, messages: list[str | bytes]) -> list[dict]:
        """Send ``messages`` then the probe; return what came back. Fails if the connection died or a bad
        message got no ``error``."""
        bad = [m for m in messages if _oracle_bad(m, self.validate_client)]
        expected_answers = 1 + sum(1 for m in messages if not _oracle_bad(m, self.validate_client)
                                   and json.loads(m).get("type") == self.probe_event["type"])
        try:
            for m in messages:
                self.ws.send(m)
            self.ws.send(json.dumps(self.probe_event))
            seen = [0]

            def done(e):
                seen[0] += e["type"] == self.answer
                return seen[0] >= expected_answers
            got = self.read_until(done)
        except (ConnectionClosed, TimeoutError) as exc:
            self.open()  # the next example gets a working connection; this one fails
            raise AssertionError(f"the server stopped serving the connection ({type(exc).__name__}: {exc}) after "
                                 f"{[m[:120] for m in messages]}") from None
        errors = [e["error"] for e in got if e["type"] == "error"]
        crashes = [e for e in errors if e["type"] == "server_error"]
        assert not crashes, f"the server hit a bug on {[m[:200] for m in messages]}: {crashes}"
        ids = [e.get("event_id") or e.get("client_event_id") for e in errors]
        for m in bad:
            eid = _event_id(m)
            if eid is not None:
                assert eid in ids, f"no error event for bad event {m[:200]!r}; errors: {errors}"
        anonymous = [m for m in bad if _event_id(m) is None]
        assert ids.count(None) >= len(anonymous), f"bad events without an error event: {[m[:200] for m in anonymous]}"
        return got


@pytest.fixture(scope="module")
def realtime():
    from course_utils.realtime.server import LocalRealtimeServer

    loop = LoopThread()
    server = LocalRealtimeServer(fixture="short_qa", speed=SPEED, max_append_bytes=APPEND_LIMIT,
                                 max_buffer_bytes=BUFFER_CAP)
    loop.run(server.start())
    peer = Peer(f"{server.url}?model=gpt-realtime-2.1", {"Authorization": "Bearer test-fuzz"},
                validate_server_event, validate_client_event,
                {"type": "input_audio_buffer.clear", "event_id": "probe"}, "input_audio_buffer.cleared")
    yield server, peer
    peer.ws.close()
    loop.run(server.stop())
    loop.close()


def _realtime_check(server, peer) -> None:
    """After every example: the one server session is alive and its input buffer within the cap."""
    for session in server.sessions:
        assert len(session.buffer) <= BUFFER_CAP, f"input buffer grew to {len(session.buffer)} bytes"
    assert server._server is not None


def test_realtime_malformed_frames_corpus(realtime):
    server, peer = realtime
    for message in MALFORMED:
        got = peer.exchange([message])
        assert any(e["type"] == "error" for e in got), message[:80]
    _realtime_check(server, peer)
    count("realtime server: malformed-frame corpus (deep nesting, huge ints, binary, ...)", len(MALFORMED))


def test_a_bug_in_a_handler_becomes_a_server_error_event_and_the_session_goes_on(realtime, monkeypatch):
    """The safety net: an exception nobody planned for is reported as an ``error`` (type server_error),
    the connection stays open, and later events are served."""
    from course_utils.realtime.session import RealtimeSession

    server, peer = realtime

    async def broken(self, event):
        raise KeyError("injected bug")

    monkeypatch.setattr(RealtimeSession, "on_conversation_item_retrieve", broken)
    peer.ws.send(json.dumps({"type": "conversation.item.retrieve", "item_id": "x", "event_id": "bug1"}))
    got = peer.read_until(lambda e: e["type"] == "error")
    assert got[-1]["error"]["type"] == "server_error" and got[-1]["error"]["event_id"] == "bug1"
    assert "injected bug" in got[-1]["error"]["message"]
    monkeypatch.undo()
    peer.exchange([json.dumps({"type": "input_audio_buffer.clear"})])
    assert peer.connections == 1
    count("realtime server: injected handler bugs", 1)


def _sdk_fields(annotation, depth: int) -> set[tuple]:
    """Field paths (``depth`` levels) that an SDK type - or any member of a union - declares."""
    import typing

    import pydantic

    out: set[tuple] = set()
    for a in typing.get_args(annotation) or (annotation,):
        if isinstance(a, type) and issubclass(a, pydantic.BaseModel):
            for name, f in a.model_fields.items():
                out.add((name,))
                if depth > 1:
                    out |= {(name,) + sub for sub in _sdk_fields(f.annotation, depth - 1)}
        elif typing.get_args(a):
            out |= _sdk_fields(a, depth)
    return out


def test_the_templates_cover_every_field_of_every_client_event_type():
    """What the sweep below mutates: every field the SDK declares, two levels deep, for all 11 event types."""
    members = client_checker(report=None).members

    covered: dict[str, set] = {}
    for t in REALTIME_TEMPLATES:
        covered.setdefault(t["type"], set()).update(p for p in _paths(t) if all(isinstance(k, str) for k in p))
    missing = {etype: sorted(_sdk_fields(model, 2) - covered.get(etype, set()))
               for etype, model in members.items()}
    assert not any(missing.values()), missing
    count("realtime client event types covered by the sweep", len(missing))


def test_realtime_every_field_of_every_client_event_with_wrong_types(realtime):
    """A sweep, not a sample: every key path of every template gets every wrong value, and is deleted."""
    server, peer = realtime
    connections, n = peer.connections, 0
    for template in REALTIME_TEMPLATES:
        for path in _paths(template):
            if path == ("event_id",):
                continue
            variants = [_set(template, path, v) for v in WRONG_VALUES] + [_set(template, path, None, delete=True)]
            if isinstance(path[-1], str):
                parent = path[:-1]
                variants.append(_set(template, parent + ("fz_unknown_field",), 1))
            for event in variants:
                peer.exchange([json.dumps(event)])
                n += 1
        _realtime_check(server, peer)
    count("realtime server: wrong-type / missing / unknown-field sweep", n)
    assert n > 800 and peer.connections == connections  # one connection served them all


HUGE_INT = '{"type": "input_audio_buffer.clear", "n": ' + "9" * 5000 + "}"
#: Malformed frames every server must answer with an ``error`` (sent one by one, not sampled).
MALFORMED: list[str | bytes] = [
    '{"type": "session.update"', "{'type': 'x'}", "", " ", "nul", "[", "}{", "[1,]", "NaN", "\ufeff{}",
    '{"type": "input_audio_buffer.append", "audio": "AAAA"} trailing', '{"type": 1e999999}', '"\\ud800"',
    '{"type": "\\u0000"}', '{"event_id": {"nested": [1, {"x": null}]}}',
    HUGE_INT,                                                                     # over Python's int-digits limit
    "[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000, "[" * 200_000,   # nested too deeply
    b"", b"\x00\xff", b'{"type": "input_audio_buffer.clear"}',                     # binary frames
]
DEEP = {"[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000, "[" * 200_000}


def _invalid_json(exclude=frozenset()):
    return st.one_of(st.sampled_from([m for m in MALFORMED if isinstance(m, str) and m not in exclude]),
                     st.text(max_size=80).filter(lambda s: _not_json(s)))


def _not_json(s: str) -> bool:
    try:
        json.loads(s)
    except (ValueError, RecursionError):
        return True
    return False


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                           lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
                           max_leaves=12)


@st.composite
def realtime_events(draw):
    """One fuzzed message: broken JSON, a non-object, a random object, or a template with a random mutation."""
    kind = draw(st.sampled_from(["invalid_json", "not_object", "random_object", "mutated", "mutated", "audio",
                                 "binary"]))
    if kind == "invalid_json":
        return draw(_invalid_json())
    if kind == "binary":
        return draw(st.binary(max_size=64))
    if kind == "not_object":
        return json.dumps(draw(st.one_of(st.lists(json_values, max_size=3), st.integers(), st.text(max_size=10),
                                         st.none(), st.booleans())))
    if kind == "random_object":
        obj = draw(st.dictionaries(st.sampled_from(["type", "event_id", "audio", "item", "session", "response",
                                                    "item_id", "x"]), json_values, max_size=4))
        if draw(st.booleans()):
            obj["type"] = draw(st.sampled_from([t["type"] for t in REALTIME_TEMPLATES] + ["response.audio.delta",
                                                                                           "session.create", ""]))
        return json.dumps(obj)
    if kind == "audio":
        audio = draw(st.one_of(
            st.binary(max_size=2000).map(lambda b: base64.b64encode(b).decode()),         # odd lengths too
            st.text(max_size=200),                                                        # mostly not base64
            st.integers(APPEND_LIMIT - 4, APPEND_LIMIT * 2).map(lambda n: _b64(n)),       # around the limit
            st.just(base64.b64encode(b"\0" * 10).decode() + "===="),                      # bad padding
        ))
        return json.dumps({"type": "input_audio_buffer.append", "event_id": "fz_audio", "audio": audio})
    template = draw(st.sampled_from(REALTIME_TEMPLATES))
    paths = [p for p in _paths(template) if p != ("event_id",)]
    path = draw(st.sampled_from(paths))
    action = draw(st.sampled_from(["set", "set", "delete"]))
    if action == "delete":
        return json.dumps(_set(template, path, None, delete=True))
    return json.dumps(_set(template, path, draw(json_values)))


def test_realtime_random_and_malformed_events(realtime):
    server, peer = realtime
    n = [0]

    @FUZZ
    @given(st.lists(realtime_events(), min_size=1, max_size=3))
    def run(messages):
        peer.exchange(messages)
        _realtime_check(server, peer)
        n[0] += len(messages)

    run()
    count("realtime server: random/malformed events (hypothesis)", n[0])
    assert n[0] >= 150


@st.composite
def valid_sequences(draw):
    """Valid events in any order: commit before append, truncate and cancel with nothing to act on, two
    response.create in a row, items deleted twice, session changes mid-response."""
    pool = [t for t in REALTIME_TEMPLATES if t["type"] != "session.update"] + [
        {"type": "response.create"}, {"type": "response.cancel"},
        {"type": "input_audio_buffer.append", "audio": _b64(48_000, b"\x00\x40\x00\xc0")},  # 1 s of loud square
        {"type": "session.update", "session": {"type": "realtime", "audio": {"input": {"turn_detection": None}}}},
        {"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}},
        {"type": "session.update", "session": REALTIME_TEMPLATES[0]["session"]},
    ]
    events = draw(st.lists(st.sampled_from(pool), min_size=2, max_size=8))
    return [json.dumps(e) for e in events]


def test_realtime_valid_events_out_of_order(realtime):
    server, peer = realtime
    n = [0]

    @settings(FUZZ, max_examples=200)
    @given(valid_sequences())
    def run(messages):
        peer.exchange(messages)
        _realtime_check(server, peer)
        n[0] += len(messages)

    run()
    count("realtime server: valid events out of order (hypothesis)", n[0])
    assert n[0] >= 120


def test_realtime_append_floods_stay_capped(realtime):
    """Floods of appends (no VAD to commit them): the buffer stops at the cap with input_audio_buffer_full."""
    server, peer = realtime
    peer.ws.send(json.dumps({"type": "session.update", "session": {"type": "realtime", "output_modalities": ["audio"],
                                                                   "audio": {"input": {"turn_detection": None,
                                                                                       "format": {"type": "audio/pcm",
                                                                                                  "rate": 24000}}}}}))
    peer.read_until(lambda e: e["type"] in ("session.updated", "error"))
    n, capped = [0], [0]
    sizes_ = st.one_of(st.integers(1, 500), st.integers(APPEND_LIMIT // 8, APPEND_LIMIT // 2)).map(lambda k: k * 2)

    # explicit floods past the cap (always run, whatever the random examples turn out to be)
    @settings(FUZZ, max_examples=60)
    @example([APPEND_LIMIT] * 20)  # twice the cap, in whole appends
    @example([APPEND_LIMIT] * 8)
    @example([APPEND_LIMIT] * 9)
    @example([APPEND_LIMIT - 2] * 8)
    @example([2] + [APPEND_LIMIT] * 8)
    @example([APPEND_LIMIT] * 7 + [32_000] * 2)
    @example([APPEND_LIMIT] * 8 + [2] * 5)
    @example([40_000] * 13)
    @example([30_000] * 17)
    @example([APPEND_LIMIT // 2] * 16)
    @given(st.lists(sizes_, min_size=5, max_size=60))
    def run(sizes):
        messages = [json.dumps({"type": "input_audio_buffer.append", "event_id": f"flood{i}", "audio": _b64(size)})
                    for i, size in enumerate(sizes)]
        before = len(server.sessions[-1].buffer)
        # no probe in between: the appends arrive back to back, then a commit and a clear
        for m in messages:
            peer.ws.send(m)
        peer.ws.send(json.dumps({"type": "input_audio_buffer.commit", "event_id": "flood_commit"}))
        peer.ws.send(json.dumps({"type": "input_audio_buffer.clear"}))
        got = peer.read_until(lambda e: e["type"] == "input_audio_buffer.cleared")
        full = [e for e in got if e["type"] == "error" and e["error"]["code"] == "input_audio_buffer_full"]
        kept, expected_full = before, 0
        for size in sizes:
            if kept + size > BUFFER_CAP:
                expected_full += 1
            else:
                kept += size
        assert len(full) == expected_full
        capped[0] += expected_full > 0
        committed = [e for e in got if e["type"] == "input_audio_buffer.committed"]
        refused = [e for e in got if e["type"] == "error" and e["error"]["event_id"] == "flood_commit"]
        assert (len(committed), len(refused)) == ((1, 0) if kept >= 4800 else (0, 1))  # 100 ms minimum
        assert len(server.sessions[-1].buffer) == 0
        _realtime_check(server, peer)
        n[0] += len(sizes)

    run()
    count("realtime server: flooded appends (hypothesis)", n[0])
    assert n[0] >= 100 and capped[0] >= 10  # the floods really reached the cap (10 explicit floods do)


def test_a_frame_over_the_size_limit_closes_only_that_connection(realtime):
    """A frame larger than the WebSocket limit closes that connection (1009, as the protocol says); the
    server itself keeps serving: a new connection gets a fresh session."""
    server, peer = realtime
    limit = int(APPEND_LIMIT * 4 / 3) + 1024 * 1024
    ws = connect(f"{server.url}?model=gpt-realtime-2.1", additional_headers={"Authorization": "Bearer test-fuzz"},
                 open_timeout=T, max_size=None)
    assert json.loads(ws.recv(timeout=T))["type"] == "session.created"
    ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": "A" * (limit + 10)}))
    with pytest.raises(ConnectionClosed) as info:
        while True:
            ws.recv(timeout=T)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1009
    peer.exchange([json.dumps({"type": "input_audio_buffer.clear"})])  # the long-lived connection is untouched
    count("realtime server: frames over the size limit", 1)


# -- the Live stand-in (openai.types.live), smaller ------------------------------------------------------
LIVE_TEMPLATES: list[dict] = [
    {"type": "session.update", "event_id": "lz_su", "session": {}},
    {"type": "session.start", "event_id": "lz_ss", "session": {
        "model": "gpt-live-1.1", "instructions": "Be brief.",
        "audio": {"format": {"type": "audio/pcm", "rate": 24000}, "output": {"voice": "marin"}}}},
    {"type": "session.input_audio.append", "event_id": "lz_ap", "audio": _b64(4800)},
    {"type": "session.input_audio.mute", "event_id": "lz_mu"},
    {"type": "session.input_audio.unmute", "event_id": "lz_um"},
    {"type": "session.instructions.append", "event_id": "lz_ia", "content": "Be brief.", "delegation_id": None},
    {"type": "session.thinking.append", "event_id": "lz_ta", "content": "Hmm.", "delegation_id": "item_unknown"},
    {"type": "session.commentary.append", "event_id": "lz_ca", "content": "One moment."},
    {"type": "session.output_audio.fixture.play", "event_id": "lz_fp", "audio": _b64(480)},
    {"type": "response.create", "event_id": "lz_rc"},
    {"type": "decision.create", "event_id": "lz_dc"},
    {"type": "decision.item.delete", "event_id": "lz_dd", "item_id": "item_x"},
]


@pytest.fixture(scope="module")
def live():
    from course_utils.live.server import LocalLiveServer
    from course_utils.live.validate import live_client_checker, live_server_checker

    loop = LoopThread()
    server = LocalLiveServer(fixture="support_call", speed=20, max_append_bytes=APPEND_LIMIT, keep_events=False)
    loop.run(server.start())
    start = {"type": "session.start", "session": {"model": "gpt-live-1.1"}}
    peer = Peer(server.url, {"Authorization": "Bearer test-fuzz"}, _server_emits(live_server_checker(report=None)),
                _api_refuses(live_client_checker(report=None)), {"type": "session.input_audio.mute", "event_id": "probe"},
                "session.input_audio.muted", setup=[(start, "session.started")])
    yield server, peer
    peer.ws.close()
    loop.run(server.stop())
    loop.close()


@st.composite
def live_events(draw):
    kind = draw(st.sampled_from(["invalid_json", "not_object", "mutated", "mutated", "audio", "binary", "type"]))
    if kind == "invalid_json":
        return draw(_invalid_json(exclude=LIVE_KNOWN_CRASHES))  # those have their own test below
    if kind == "binary":
        return draw(st.binary(max_size=64))
    if kind == "not_object":
        return json.dumps(draw(st.one_of(st.lists(json_values, max_size=3), st.integers(), st.none())))
    if kind == "type":
        return json.dumps({"type": draw(st.one_of(st.text(max_size=30), st.integers(), st.none())), "event_id": "lz_t"})
    if kind == "audio":
        audio = draw(st.one_of(st.binary(max_size=2000).map(lambda b: base64.b64encode(b).decode()),
                               st.text(max_size=100), st.integers(APPEND_LIMIT - 4, APPEND_LIMIT * 2).map(_b64),
                               st.just(base64.b64encode(b"RIFF....WAVEfmt ").decode()), json_values))
        return json.dumps({"type": "session.input_audio.append", "event_id": "lz_audio", "audio": audio})
    template = draw(st.sampled_from(LIVE_TEMPLATES))
    paths = [p for p in _paths(template) if p != ("event_id",)]
    if not paths:
        return json.dumps({**template, "fz_unknown": draw(json_values)})
    path = draw(st.sampled_from(paths))
    if draw(st.booleans()):
        return json.dumps(_set(template, path, None, delete=True))
    return json.dumps(_set(template, path, draw(st.one_of(st.sampled_from(WRONG_VALUES), json_values))))


def test_live_malformed_frames_corpus(live):
    server, peer = live
    for message in MALFORMED:
        if message in LIVE_KNOWN_CRASHES:
            continue  # covered by test_live_json_it_cannot_parse_gets_an_error
        got = peer.exchange([message])
        assert any(e["type"] == "error" for e in got), message[:80]
    count("live server: malformed-frame corpus", len(MALFORMED) - len(LIVE_KNOWN_CRASHES))


LIVE_KNOWN_CRASHES = DEEP | {HUGE_INT}


# These once ended the Live connection (1011): RecursionError was not caught, and an integer over Python's
# 4,300-digit limit raised a ValueError without .msg. Both servers now parse frames with standins.ws.parse_json_frame.
@pytest.mark.parametrize("message", sorted(LIVE_KNOWN_CRASHES, key=len), ids=["huge-int", "deep-obj", "deep-list",
                                                                              "deeper-list"])
def test_live_json_it_cannot_parse_gets_an_error(live, message):
    server, peer = live
    got = peer.exchange([message])
    assert any(e["type"] == "error" for e in got)


def test_live_random_and_malformed_events(live):
    server, peer = live
    n = [0]

    @settings(FUZZ, max_examples=300)
    @given(st.lists(live_events(), min_size=1, max_size=3))
    def run(messages):
        peer.exchange(messages)
        n[0] += len(messages)

    run()
    count("live server: random/malformed events (hypothesis)", n[0])
    assert n[0] >= 80 and server._server is not None


def test_live_every_field_with_wrong_types(live):
    server, peer = live
    connections, n = peer.connections, 0
    for template in LIVE_TEMPLATES:
        for path in _paths(template):
            if path == ("event_id",):
                continue
            for value in WRONG_VALUES:
                peer.exchange([json.dumps(_set(template, path, value))])
                n += 1
            peer.exchange([json.dumps(_set(template, path, None, delete=True))])
            n += 1
    count("live server: wrong-type / missing-field sweep", n)
    assert n > 100 and peer.connections == connections


def test_fuzz_totals(realtime, live):
    """The count of server events checked, for the issue's closing note (printed in the terminal summary)."""
    _server, peer = realtime
    _lserver, lpeer = live
    count("server events received and validated against the SDK unions", peer.events_seen + lpeer.events_seen)
