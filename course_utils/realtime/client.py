"""An async client for the OpenAI Realtime API (GA protocol) over ``websockets``.

One code path for every mode (``course_utils.setup()``):

* replay (default): the client starts a :class:`~course_utils.realtime.server.LocalRealtimeServer`
  on 127.0.0.1 replaying a conversation fixture, and talks to it over a real WebSocket;
* live: ``wss://api.openai.com/v1/realtime?model=...`` with your key; the session is priced in the
  ledger before it connects and settled from the ``usage`` of every ``response.done`` (in replay the
  same ledger row is kept, marked "replay, not charged", and the budget is not enforced);
* record: live, and the session's events are saved as a fixture (secrets scrubbed) on close.

    async with RealtimeClient(fixture="short_qa", speed=4) as rt:   # top-level await in a notebook
        await rt.update_session(instructions="Be brief.")
        reply = await rt.say("data/fixtures/realtime/short_qa/user_01.flac")
        print(reply.transcript)

What it does for you: a background receive loop (handlers per event type, and an async iterator);
audio out to a playback sink with a clock; barge-in (stop playback at once, cancel if needed,
truncate the item at what was actually played); tools (plain Python functions); a latency trace;
the session's cost from usage. Every event it sends is checked against the SDK's
``RealtimeClientEvent`` first (one checker, :mod:`course_utils.voice.events`; microphone chunks, whose
shape the client builds itself, are left to the server, so each is checked once); server ``error``
events raise :class:`ServerErrorEvent` (or warn).

The receive-loop rule (all voice clients hold to it): the receive loop survives any single bad event
- an unknown event type, an unknown field, a malformed payload (bad JSON, a field of the wrong type,
audio that is not base64) or a handler that raises - reports it once (a warning, and a line in
``receive_problems``), and keeps the session; only the transport closing ends it.

Each response is a :class:`~course_utils.voice.reply.VoiceReply` (the one reply type of every voice
client); tools are the one registry of :mod:`course_utils.voice.tools`; the session's place in the
ledger is a :class:`~course_utils.ledger.SessionBudget`; where it connects comes from
:func:`course_utils.endpoints.route`. Split along its seams: receiving and waiting are in
:mod:`.receive`, the per-response state in :mod:`.results`.
"""
from __future__ import annotations

import asyncio
import json
import warnings
from collections import deque
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from ..config import get_config
from ..endpoints import route
from ..errors import CourseError, OperationTimeout, ProtocolError, ServerErrorEvent
from ..voice.audio import b64encode_pcm, chunk_pcm, load_audio
from ..voice.formats import duration_ms
from ..voice.models import REALTIME_MODEL as DEFAULT_MODEL
from ..voice.playback import InlinePlayerSink, PlaybackSink
from ..voice.reply import VoiceReply
from ..voice.tools import ToolCall, ToolRegistry
from ..voice.trace import Trace
from .receive import ReceiveMixin
from .results import Handler, _ResponseState
from .schema import client_checker, server_checker

#: How long close() lets the receive loop finish the events already buffered (a learner's handler that
#: is still running then is cancelled: the socket is closed already).
CLOSE_DRAIN_S = 1.0


class RealtimeClient(ReceiveMixin):
    """The Realtime API over a WebSocket, for every mode. Use as ``async with RealtimeClient(...) as rt``.

    Parameters: ``model`` (default the current flagship); ``fixture`` and ``speed`` (replay: which
    conversation the local server replays, and how fast audio is paced: 4 = four times real time);
    ``url``/``api_key`` to point at another server; ``server_options`` (replay: more arguments for the
    local server, e.g. ``{"lead_ms": 3000}``); ``sink`` (default: an inline player whose clock
    runs at ``speed``); ``on_error`` "raise" (default) or "warn"; ``record_as`` (record mode: the
    fixture name to save); ``estimate_turns`` etc. (live: what the session is priced at up front).
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, fixture: str = "short_qa", speed: float = 1.0,
                 url: str | None = None, api_key: str | None = None, sink: PlaybackSink | None = None,
                 trace: Trace | None = None, on_error: str = "raise", validate: bool = True,
                 validate_received: bool = False, auto_tools: bool = True, record_as: str | None = None,
                 record_root=None,
                 estimate_turns: int = 3, estimate_user_seconds: float = 5.0, estimate_assistant_seconds: float = 10.0,
                 timeout: float = 30.0, server_options: dict | None = None):
        if on_error not in ("raise", "warn"):
            raise CourseError("on_error must be 'raise' or 'warn'.")
        speed = route("openai", "realtime", url=url, speed=speed, api_key=api_key).speed   # live: real time
        self.model, self.fixture, self.speed = model, fixture, float(speed)
        self.url, self._api_key = url, api_key
        self.sink: PlaybackSink = sink if sink is not None else InlinePlayerSink(speed=self.speed)
        self.trace = trace or Trace()
        self.on_error, self.validate, self.validate_received = on_error, validate, validate_received
        self.auto_tools, self.record_as, self.record_root, self.timeout = auto_tools, record_as, record_root, timeout
        self.server_options = dict(server_options or {})
        self._estimate = (estimate_turns, estimate_user_seconds, estimate_assistant_seconds)
        self.session: dict = {}
        self.tools = ToolRegistry(timeout=timeout, source="Realtime")
        self.responses: dict[str, _ResponseState] = {}
        self.results: list[VoiceReply] = []
        self.errors: list[ServerErrorEvent] = []
        self.truncations: list[dict] = []
        self.active_response: str | None = None
        self.ws: ClientConnection | None = None
        self.server = None
        self._handlers: dict[str, list[Handler]] = {}
        self._subscribers: list[asyncio.Queue] = []
        self._finished: deque[VoiceReply] = deque()
        self._changed: asyncio.Event | None = None
        self._reader: asyncio.Task | None = None
        self._pending_error: ServerErrorEvent | None = None
        self._tool_tasks: set[asyncio.Task] = set()
        self._recorded: tuple[list, list] = ([], [])
        self._record = False                    # record mode: the session's events are kept and saved
        self.budget = None                      # the session's SessionBudget in the ledger
        self._closed = False
        self._last_item_id: str | None = None
        self._item_audio_ms: dict[str, float] = {}
        self._item_response: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self.receive_problems: list[str] = []   # each kind of bad received event, reported once
        self._problem_keys: set = set()
        self.dropped_audio_deltas = 0           # output_audio.delta events whose audio could not be decoded
        self._sent_checker = client_checker()
        self._received_checker = server_checker(report=self._report_line)

    # -- connecting --------------------------------------------------------------------------------
    async def connect(self) -> "RealtimeClient":
        """Open the WebSocket (starting the local server in replay mode) and wait for ``session.created``.

        One client, one session: if this fails, nothing is left open; after a dropped connection, make a
        new client (a fresh session)."""
        if self._closed:
            raise CourseError("This RealtimeClient was closed; make a new RealtimeClient for a fresh session.")
        if self.ws is not None:
            raise CourseError("This RealtimeClient already connected once (one client, one session); make a new "
                              "RealtimeClient for a fresh session.")
        r = route("openai", "realtime", url=self.url, speed=self.speed, api_key=self._api_key)
        self._record, url, key = r.record, r.base_url, r.api_key
        self._reserve()  # every mode (may refuse: nothing opened yet); replay rows are "(replay, not charged)"
        if r.needs_local_server:
            from .server import LocalRealtimeServer

            with self.budget.connecting():
                self.server = await LocalRealtimeServer(fixture=self.fixture, speed=self.speed,
                                                        **self.server_options).start()
            url = self.server.url
        full = f"{url}{'&' if '?' in url else '?'}model={self.model}"
        self._changed = asyncio.Event()
        try:
            self.ws = await asyncio.wait_for(
                connect(full, additional_headers={"Authorization": f"Bearer {key}"}, max_size=16 * 1024 * 1024,
                        open_timeout=self.timeout, max_queue=None),  # never stop reading: a close is seen at once
                timeout=self.timeout + 1)
        except InvalidStatus as exc:
            await self._stop_server()
            self.budget.cancel("connection refused")
            body = self._scrub(exc.response.body.decode(errors="replace"))[:200] if exc.response.body else ""
            raise ProtocolError(f"The Realtime endpoint refused the connection (HTTP {exc.response.status_code}): {body}") from None
        except (OSError, asyncio.TimeoutError) as exc:
            await self._stop_server()
            self.budget.cancel("connection failed")
            raise OperationTimeout(f"Could not connect to the Realtime endpoint within {self.timeout:.0f} s ({type(exc).__name__}); "
                                   f"check the network, or use replay mode.") from None
        self._reader = asyncio.create_task(self._read_loop())
        try:
            await self.wait_for(lambda: bool(self.session), what="session.created")
        except BaseException:  # no session: leave no socket, task or server behind (``async with`` will not close)
            self.budget.cancel("no session.created")
            await self._release()
            raise
        return self

    def _reserve(self) -> None:
        from .. import costs

        turns, user_s, assistant_s = self._estimate
        estimate = costs.estimate_realtime_conversation(self.model, turns=turns, user_seconds_per_turn=user_s,
                                                        assistant_seconds_per_turn=assistant_s, instructions_tokens=500)
        self.budget = get_config().ledger.session("openai", self.model, f"Realtime session ({turns} turns est.)",
                                                  estimate.total_usd)

    def _scrub(self, text: str) -> str:
        """``text`` without any key: every configured key, the client's own, and every key-shaped string."""
        from ..secrets import scrub

        return scrub(text, get_config().secrets() + ([self._api_key] if self._api_key else []))

    async def __aenter__(self) -> "RealtimeClient":
        return await self.connect()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the socket, stop a local server, settle the ledger and (record mode) save the fixture.
        Events already received are still handled by the client (usage, cost), briefly
        (``CLOSE_DRAIN_S``), without the handlers registered with :meth:`on`."""
        if self._closed:
            return
        await self._release()
        if self.budget is not None:
            self.budget.settle(self.cost().total_usd, responses=len(self.results))
        if self._record and not self.record_as:
            warnings.warn("Record mode, but no record_as= name was given: the session was not saved.", stacklevel=2)
        if self.record_as and self._record:
            from .conversation import save_recorded_session

            save_recorded_session(self.record_as, self.model, self._recorded[0], self._recorded[1],
                                  secrets=get_config().secrets() + ([self._api_key] if self._api_key else []),
                                  root=self.record_root)

    async def _release(self) -> None:
        """Close the socket, the receive loop, tool tasks and a local server (bounded waits); no ledger, no saving."""
        self._closed = True  # from here the receive loop drains what is buffered without the learner's handlers
        for task in list(self._tool_tasks):
            task.cancel()
        bound = min(5.0, self.timeout)
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), timeout=bound)
            except (asyncio.TimeoutError, ConnectionClosed):
                pass
            if self.ws.transport is not None and not self.ws.transport.is_closing():
                self.ws.transport.abort()  # the closing handshake did not finish (a stalled peer): drop the socket
        if self._reader is not None:  # it drains what was buffered (built-in handling only), briefly
            try:
                await asyncio.wait_for(self._reader, timeout=min(bound, CLOSE_DRAIN_S))
            except (asyncio.TimeoutError, asyncio.CancelledError, Exception):
                pass
        await self._stop_server()
        if self._pending_error is not None:  # never silently: an error nobody waited for yet
            warnings.warn(f"Unhandled at close: {self._pending_error}", stacklevel=3)
            self._pending_error = None

    async def _stop_server(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None

    # -- sending -----------------------------------------------------------------------------------
    async def send(self, event: dict) -> None:
        """Send one client event (checked against the SDK's ``RealtimeClientEvent`` first)."""
        await self._send(event, self.validate)

    async def _send(self, event: dict, check: bool) -> None:
        self._raise_pending()
        if self.ws is None:
            raise CourseError("Not connected: use `async with RealtimeClient(...) as rt:` or `await rt.connect()`.")
        if check:
            self._sent_checker.check_sent(event)
        self.trace.sent(event)
        if self._record:
            self._recorded[1].append(event)
        try:
            await asyncio.wait_for(self.ws.send(json.dumps(event)), timeout=self.timeout)
        except asyncio.TimeoutError:
            raise OperationTimeout(f"Sending {event.get('type')} took over {self.timeout:.0f} s: the server is not "
                                   f"reading; close this client and connect a new one.") from None
        except ConnectionClosed as exc:
            raise ProtocolError(f"The Realtime connection is closed ({exc.rcvd.code if exc.rcvd else 'no close frame'}); "
                                f"reconnect with a new client.") from None

    async def update_session(self, session: dict | None = None, *, instructions: str | None = None,
                             voice: str | None = None, output_modalities: list[str] | None = None,
                             turn_detection: dict | None | str = "unset", tools: list | None = None,
                             tool_choice: str | None = None, input_format: dict | None = None,
                             output_format: dict | None = None, wait: bool = True) -> dict:
        """``session.update`` in the GA shape (``type: "realtime"``, ``audio.input/output``); waits for
        ``session.updated`` and returns the effective session. ``turn_detection=None`` turns VAD off."""
        s: dict = {"type": "realtime", **(session or {})}
        audio_in: dict = {}
        audio_out: dict = {}
        if instructions is not None:
            s["instructions"] = instructions
        if output_modalities is not None:
            s["output_modalities"] = output_modalities
        if tools is not None:
            s["tools"] = tools
        if tool_choice is not None:
            s["tool_choice"] = tool_choice
        if voice is not None:
            audio_out["voice"] = voice
        if output_format is not None:
            audio_out["format"] = output_format
        if input_format is not None:
            audio_in["format"] = input_format
        if turn_detection != "unset":
            audio_in["turn_detection"] = turn_detection
        if audio_in or audio_out:
            s.setdefault("audio", {})
            if audio_in:
                s["audio"]["input"] = {**s["audio"].get("input", {}), **audio_in}
            if audio_out:
                s["audio"]["output"] = {**s["audio"].get("output", {}), **audio_out}
        marker = self._counter("session.updated")
        await self.send({"type": "session.update", "session": s})
        if wait:
            await self.wait_for(lambda: self._counter("session.updated") > marker, what="session.updated")
        return self.session

    async def append_audio(self, pcm: bytes) -> None:
        """``input_audio_buffer.append`` of PCM16 24 kHz mono bytes (or G.711 bytes if the session says so).
        Not checked here: its shape is fixed by this method, and the server checks every chunk (once)."""
        await self._send({"type": "input_audio_buffer.append", "audio": b64encode_pcm(pcm)}, False)

    async def commit_audio(self) -> None:
        await self.send({"type": "input_audio_buffer.commit"})

    async def clear_audio(self) -> None:
        await self.send({"type": "input_audio_buffer.clear"})

    async def create_item(self, item: dict, previous_item_id: str | None = None) -> None:
        """``conversation.item.create``."""
        event: dict = {"type": "conversation.item.create", "item": item}
        if previous_item_id is not None:
            event["previous_item_id"] = previous_item_id
        await self.send(event)

    async def send_text(self, text: str, role: str = "user") -> None:
        """A text message item (``input_text``; ``role`` user or system)."""
        await self.create_item({"type": "message", "role": role, "content": [{"type": "input_text", "text": text}]})

    async def send_function_output(self, call_id: str, output: Any) -> None:
        """The result of a tool call, as a ``function_call_output`` item (JSON-encoded unless a string)."""
        text = output if isinstance(output, str) else json.dumps(output)
        await self.create_item({"type": "function_call_output", "call_id": call_id, "output": text})

    async def truncate_item(self, item_id: str, audio_end_ms: int, content_index: int = 0) -> None:
        await self.send({"type": "conversation.item.truncate", "item_id": item_id, "content_index": content_index,
                         "audio_end_ms": int(audio_end_ms)})

    async def delete_item(self, item_id: str) -> None:
        await self.send({"type": "conversation.item.delete", "item_id": item_id})

    async def retrieve_item(self, item_id: str, timeout: float | None = None) -> dict:
        """The server's copy of an item (``conversation.item.retrieve`` -> ``conversation.item.retrieved``)."""
        marker = self._counter("conversation.item.retrieved")
        await self.send({"type": "conversation.item.retrieve", "item_id": item_id})
        await self.wait_for(lambda: self._counter("conversation.item.retrieved") > marker, timeout,
                            what="conversation.item.retrieved")
        return self._retrieved

    async def create_response(self, **params) -> None:
        """``response.create`` (``params`` go into ``response``: output_modalities, instructions, ...)."""
        self._top_up_budget()
        event: dict = {"type": "response.create"}
        if params:
            event["response"] = params
        await self.send(event)

    async def cancel_response(self, response_id: str | None = None) -> None:
        event: dict = {"type": "response.cancel"}
        if response_id:
            event["response_id"] = response_id
        await self.send(event)

    def _top_up_budget(self) -> None:
        """Live: once the session's actual cost passes what was reserved, price one more turn first."""
        if self.budget is None or not self.budget.open or not self.budget.charged:
            return
        spent = self.cost().total_usd
        if spent >= self.budget.reserved_usd:
            from .. import costs

            _turns, user_s, assistant_s = self._estimate
            more = costs.estimate_realtime_conversation(self.model, turns=1, user_seconds_per_turn=user_s,
                                                        assistant_seconds_per_turn=assistant_s).total_usd
            self.budget.top_up(spent, more, "Realtime session: one more turn")

    # -- tools -----------------------------------------------------------------------------------------
    def tool(self, fn: Callable | None = None, *, description: str | None = None, parameters: dict | None = None):
        """Register a plain Python function (sync or async) as a tool; usable as a decorator.
        Send the schemas with ``await rt.update_session(tools=rt.tool_schemas())``."""
        return self.tools.register(fn, description=description, parameters=parameters)

    def tool_schemas(self) -> list[dict]:
        """The registered tools as Realtime function tools (for ``session.tools``)."""
        return self.tools.openai_schemas()

    async def _run_tools(self, calls: list[ToolCall]) -> None:
        for call in calls:   # a tool that fails is an error result: the model is told, the learner warned once
            ran = await self.tools.call(call.name, call.raw_arguments or call.arguments, call.call_id)
            call.arguments, call.result, call.error = ran.arguments, ran.result, ran.error
            self.trace.local("tool.ran", name=call.name, call_id=call.call_id)
            await self.send_function_output(call.call_id, call.output)
        await self.create_response()

    # -- conveniences ----------------------------------------------------------------------------------
    async def stream_audio(self, source, sample_rate: int | None = None, chunk_ms: int = 40,
                           realtime: bool = True) -> float:
        """Send audio (a WAV/FLAC path, bytes or numpy array at any rate) in ``chunk_ms`` chunks, paced at
        real time x ``speed`` (or as fast as possible with ``realtime=False``). Returns its duration in ms."""
        pcm = load_audio(source, sample_rate).astype("<i2").tobytes()
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        sent_ms = 0.0
        for chunk in chunk_pcm(pcm, chunk_ms):
            await self.append_audio(chunk)
            sent_ms += duration_ms(chunk)
            if realtime:
                delay = t0 + sent_ms / 1000.0 / self.speed - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
        return sent_ms

    async def say(self, source, sample_rate: int | None = None, timeout: float | None = None,
                  wait_for_playback: bool = True, **response_params) -> VoiceReply:
        """One spoken user turn: (let the assistant finish speaking,) stream the audio; with VAD off, commit
        and ask for a response. Returns the response (after a tool round trip, the final one).
        With ``wait_for_playback=False`` the user may talk over the assistant (a barge-in)."""
        if wait_for_playback:
            await self.wait_for_playback(timeout)
        await self.stream_audio(source, sample_rate)
        td = ((self.session.get("audio") or {}).get("input") or {}).get("turn_detection")
        if not td:
            await self.commit_audio()
            await self.create_response(**response_params)
        return await self._final_response(timeout)

    async def ask(self, text: str, timeout: float | None = None, **response_params) -> VoiceReply:
        """One typed user turn: a text item, then ``response.create``; returns the response."""
        await self.send_text(text)
        await self.create_response(**response_params)
        return await self._final_response(timeout)

    async def _final_response(self, timeout: float | None) -> VoiceReply:
        result = await self.wait_for_response(timeout)
        while self.auto_tools and result.status == "completed" and any(c.name in self.tools for c in result.tool_calls):
            result = await self.wait_for_response(timeout)
        return result

    @property
    def current_item_id(self) -> str | None:
        """The assistant item whose audio arrived last (the one playing, or about to)."""
        return self._last_item_id

    def cost(self):
        """The session's cost so far, summed from every ``response.done`` usage (a CostBreakdown)."""
        from .. import costs

        parts = [r.cost for r in self.results if r.cost is not None]
        return costs.sum_costs(f"{self.model} session ({len(parts)} responses)", parts)

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("connected" if self.ws else "not connected")
        return f"RealtimeClient(model={self.model!r}, {state}, responses={len(self.results)})"
