"""The receiving half of :class:`~course_utils.realtime.client.RealtimeClient`: handlers and the
event iterator, the receive loop (which survives any single bad event), the per-event bookkeeping
(audio to the sink, transcripts, barge-in, ``response.done`` usage, errors) and the bounded waits.

Part of :mod:`course_utils.realtime.client`, split along its seams.
"""
from __future__ import annotations

import asyncio
import inspect
import json
import warnings
from collections.abc import AsyncIterator, Callable

from websockets.exceptions import ConnectionClosed

from ..errors import CourseError, OperationTimeout, ProtocolError, ServerErrorEvent
from ..voice.events import EventError
from ..voice.formats import AudioFormat, duration_ms
from ..voice.reply import VoiceReply
from .results import RACE_CODES, Handler, _b64, _ResponseState, tool_calls_of


class ReceiveMixin:
    """Receiving and waiting, for :class:`~course_utils.realtime.client.RealtimeClient`."""

    # -- receiving -------------------------------------------------------------------------------------
    def on(self, event_type: str, handler: Handler | None = None):
        """Call ``handler(event)`` (sync or async) for each received event of ``event_type`` ("*" for all)."""
        def register(h: Handler) -> Handler:
            self._handlers.setdefault(event_type, []).append(h)
            return h
        return register(handler) if handler is not None else register

    async def events(self, timeout: float | None = None) -> AsyncIterator[dict]:
        """Every received event from now on, as dicts; stops when the connection closes, or raises
        :class:`OperationTimeout` after ``timeout`` s (default the client's) without an event."""
        queue: asyncio.Queue = asyncio.Queue()
        self._subscribers.append(queue)
        try:
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=timeout or self.timeout)
                except asyncio.TimeoutError:
                    raise OperationTimeout(f"No Realtime event within {timeout or self.timeout:.0f} s.") from None
                if event is None:
                    return
                yield event
        finally:
            self._subscribers.remove(queue)

    def _report_line(self, line: str) -> None:
        """One line about a bad received event (once per kind): a warning, ``receive_problems``, the trace."""
        line = self._scrub(line)
        self.receive_problems.append(line)
        self.trace.local("receive.problem", what=line[:200])
        warnings.warn(f"Realtime: {line}", stacklevel=3)

    def _problem(self, key, line: str) -> None:
        if key not in self._problem_keys:
            self._problem_keys.add(key)
            self._report_line(line + " (the session goes on; reported once)")

    async def _read_loop(self) -> None:
        """The receive loop: one bad event is reported (once per kind) and skipped; only the transport
        closing ends the loop."""
        assert self.ws is not None
        try:
            async for raw in self.ws:
                try:
                    event = json.loads(raw)
                    if not isinstance(event, dict) or not isinstance(event.get("type", ""), str):
                        raise ValueError(f"expected a JSON object with a string 'type', got {type(event).__name__}")
                except (ValueError, RecursionError) as exc:
                    self._problem(("frame", type(exc).__name__), f"a frame that is not a JSON event was skipped ({exc})"[:300])
                    continue
                self.trace.received(event)
                if self._record:
                    self._recorded[0].append(event)
                if self.validate_received:
                    try:
                        self._received_checker.check_received(event)
                    except EventError as exc:
                        self._problem(("invalid", event.get("type"), exc.loc), f"{exc} The event was skipped.")
                        continue
                elif event.get("type") and event["type"] not in self._received_checker.members:  # unknown: say so once
                    self._received_checker.check_received(event)
                await self._dispatch(event)  # a handler that raises is reported there (``_call``)
        except ConnectionClosed:
            pass
        finally:
            for queue in self._subscribers:
                queue.put_nowait(None)
            self._closed_by_peer = True
            if self._changed:
                self._changed.set()

    _closed_by_peer = False

    def _counter(self, etype: str) -> int:
        return self._counts.get(etype, 0)

    async def _dispatch(self, event: dict) -> None:
        etype = event.get("type", "")
        self._counts[etype] = self._counts.get(etype, 0) + 1
        builtin = self._BUILTIN.get(etype)
        try:
            if builtin is not None:
                await self._call(builtin, self, event)
            if self._handlers and not self._closed:  # closing: buffered events skip the learner's handlers
                for handler in self._handlers.get(etype, ()), self._handlers.get("*", ()):
                    for h in handler:
                        await self._call(h, event)
        finally:  # whatever a handler did, waiters and iterators still see the event
            for queue in self._subscribers:
                queue.put_nowait(event)
            self._changed.set()

    async def _call(self, fn, *args) -> None:
        """Run one handler; one that raises is reported once (per event type and error) and the rest run."""
        try:
            result = fn(*args)
            if result is not None and inspect.isawaitable(result):
                await result
        except (ConnectionClosed, asyncio.CancelledError):
            raise
        except Exception as exc:
            etype = args[-1].get("type")
            self._problem(("handler", etype, type(exc).__name__),
                          f"handling {etype!r} raised {type(exc).__name__}: {exc}")

    # built-in handling of the events the client itself needs
    def _on_session(self, event: dict) -> None:
        self.session = event["session"]

    def _on_retrieved(self, event: dict) -> None:
        self._retrieved = event["item"]

    def _on_response_created(self, event: dict) -> None:
        rid = event["response"]["id"]
        self.responses[rid] = _ResponseState(rid, VoiceReply(rid, len(self.responses) + 1))
        self.active_response = rid

    def _output_format(self) -> str:
        return (((self.session.get("audio") or {}).get("output") or {}).get("format") or {}).get("type", "audio/pcm")

    def _on_audio_delta(self, event: dict) -> None:
        state = self.responses.get(event["response_id"])
        try:
            pcm = _b64(event["delta"])
        except ProtocolError as exc:  # drop this chunk, count it, say so once, keep reading
            self.dropped_audio_deltas += 1
            self._problem(("audio_delta",), f"{exc} Dropped that audio chunk; later ones still play "
                                            f"(count in rt.dropped_audio_deltas)")
            return
        fmt = self._output_format()
        if fmt != "audio/pcm":
            pcm = AudioFormat(fmt).decode(pcm)
        item_id = event["item_id"]
        self._item_audio_ms[item_id] = self._item_audio_ms.get(item_id, 0.0) + duration_ms(pcm)
        self._item_response[item_id] = event["response_id"]
        if state is not None:
            state.audio.extend(pcm)
            state.result.chunks += 1
            if state.interrupted:
                return
        self._last_item_id = item_id
        self.sink.write(item_id, pcm)

    def _on_transcript_delta(self, event: dict) -> None:
        state = self.responses.get(event["response_id"])
        if state is not None:
            state.transcripts[event["item_id"]] = state.transcripts.get(event["item_id"], "") + event["delta"]

    def _on_text_delta(self, event: dict) -> None:
        state = self.responses.get(event["response_id"])
        if state is not None:
            state.texts[event["item_id"]] = state.texts.get(event["item_id"], "") + event["delta"]

    async def _on_speech_started(self, event: dict) -> None:
        """Barge-in: stop playback now, cancel if the server will not, truncate at what was played."""
        active = self.active_response
        if not self.sink.is_playing and active is None:
            return
        cut = self.sink.stop()
        self.trace.local("playback.stopped", cut=dict(cut))
        td = ((self.session.get("audio") or {}).get("input") or {}).get("turn_detection") or {}
        targets = dict(cut)
        if active is not None:
            self.responses[active].interrupted = True  # its late deltas are not played
            self.responses[active].result.interrupted = True
            if not td.get("interrupt_response", True):
                await self.cancel_response(active)
            # an item of the running response may have more audio in flight even if playback ran dry
            for item_id, rid in self._item_response.items():
                if rid == active and item_id not in targets:
                    targets[item_id] = self.sink.played_ms(item_id)
        for item_id, played in targets.items():
            received = self._received_ms(item_id)
            if played < received or self._item_response.get(item_id) == active:
                self.truncations.append({"item_id": item_id, "audio_end_ms": played, "received_ms": received})
                self.trace.local("truncate", item_id=item_id, audio_end_ms=played, received_ms=received)
                await self.truncate_item(item_id, played)

    def _received_ms(self, item_id: str) -> int:
        """Milliseconds of audio received for an item (what the server generated before it stopped)."""
        return int(self._item_audio_ms.get(item_id, 0.0))

    def _on_response_done(self, event: dict) -> None:
        response = event["response"]
        rid = response["id"]
        state = self.responses.get(rid) or _ResponseState(rid, VoiceReply(rid, len(self.responses) + 1))
        result = state.result
        result.status = response.get("status", "?")
        result.reason = (response.get("status_details") or {}).get("reason")
        result.items = response.get("output") or []
        result.transcript = " ".join(t.strip() for t in state.transcripts.values() if t.strip())
        result.text = " ".join(t.strip() for t in state.texts.values() if t.strip())
        result.audio = bytes(state.audio)
        result.audio_ms = duration_ms(result.audio)
        result.complete = True
        result.usage = response.get("usage")
        result.tool_calls = tool_calls_of(result.items)
        if result.usage:
            from .. import costs

            try:
                result.cost = costs.cost_from_realtime_usage(result.usage, self.model)
            except CourseError as exc:  # a model without a price row: say so, do not guess
                warnings.warn(f"No price for {self.model}: {exc}", stacklevel=2)
        state.done = True
        if self.active_response == rid:
            self.active_response = None
        self.results.append(result)
        self._finished.append(result)
        if self.auto_tools and result.tool_calls and result.status == "completed":
            known = [c for c in result.tool_calls if c.name in self.tools]
            unknown = [c.name for c in result.tool_calls if c.name not in self.tools]
            if unknown:
                warnings.warn(f"The model called tools that are not registered: {unknown}; register them with rt.tool(fn).",
                              stacklevel=2)
            if known:
                task = asyncio.create_task(self._run_tools(known))
                self._tool_tasks.add(task)
                task.add_done_callback(self._tool_tasks.discard)

    def _on_error(self, event: dict) -> None:
        err = event.get("error") or {}
        said = self._scrub(str(err.get("message")))  # servers echo keys ("Incorrect API key provided: ...")
        exc = ServerErrorEvent(f"Realtime server error ({err.get('code') or err.get('type')}): {said}",
                               code=err.get("code"), event_id=err.get("event_id"))
        self.errors.append(exc)
        self.trace.local("error", code=err.get("code"))
        if err.get("code") in RACE_CODES or self.on_error == "warn":
            warnings.warn(str(exc), stacklevel=2)
        else:
            self._pending_error = exc

    _BUILTIN: dict[str, Callable] = {
        "session.created": _on_session,
        "session.updated": _on_session,
        "conversation.item.retrieved": _on_retrieved,
        "response.created": _on_response_created,
        "response.output_audio.delta": _on_audio_delta,
        "response.output_audio_transcript.delta": _on_transcript_delta,
        "response.output_text.delta": _on_text_delta,
        "input_audio_buffer.speech_started": _on_speech_started,
        "response.done": _on_response_done,
        "error": _on_error,
    }

    # -- waiting ---------------------------------------------------------------------------------------
    def _raise_pending(self) -> None:
        if self._pending_error is not None:
            exc, self._pending_error = self._pending_error, None
            raise exc

    async def wait_for(self, condition: Callable[[], bool], timeout: float | None = None, what: str = "an event",
                       poll: float = 0.01) -> None:
        """Wait until ``condition()`` holds, with a timeout. It is checked after every received event and
        every ``poll`` seconds (conditions on the playback clock change without any event)."""
        timeout = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        assert self._changed is not None
        while True:
            self._raise_pending()
            if condition():
                return
            if self._closed_by_peer:
                raise ProtocolError(f"The connection closed while waiting for {what}.")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise OperationTimeout(f"No {what} within {timeout:.0f} s; is the server responding?")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, poll))
            except asyncio.TimeoutError:
                pass

    async def wait_for_response(self, timeout: float | None = None) -> VoiceReply:
        """The next finished response (in order), waiting for its ``response.done``."""
        await self.wait_for(lambda: bool(self._finished), timeout, what="response.done")
        return self._finished.popleft()

    async def wait_for_playback(self, timeout: float | None = None) -> None:
        """Wait until the sink has played everything queued (by its clock)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.timeout if timeout is None else timeout)
        while self.sink.is_playing:
            if loop.time() > deadline:
                raise OperationTimeout("Playback did not finish in time.")
            remaining = getattr(self.sink, "remaining_s", lambda: 0.01)()
            await asyncio.sleep(min(max(remaining, 0.005), 0.1))
