"""Response streaming of the Realtime stand-in: ``response.create`` / ``cancel``, the paced event
sequence of each output item (text, audio, function calls) and ``response.done``.

Part of the local Realtime server (:mod:`course_utils.realtime.server`), split along its seams.
"""
from __future__ import annotations

import asyncio
import re

from websockets.exceptions import ConnectionClosed

from ..errors import CourseError
from ..voice.audio import b64encode_pcm
from ..voice.conversation import OutputSpec
from ..voice.formats import AudioFormat, bytes_per_ms, duration_ms, ms_to_bytes
from .protocol import RATE_LIMITS, ClientError
from .usage import UsageMixin, _BudgetReached, _Item, _Response, text_tokens


class ResponsesMixin(UsageMixin):
    """The response half of a :class:`~course_utils.realtime.session.RealtimeSession`."""

    async def on_response_create(self, event: dict) -> None:
        if self.active is not None:
            raise ClientError("conversation_already_has_active_response",
                              f"Conversation already has an active response in progress: {self.active.id}. "
                              f"Wait until the response is finished before creating a new one.")
        await self._start_response(event.get("response") or {})

    async def on_response_cancel(self, event: dict) -> None:
        wanted = event.get("response_id")
        if self.active is None or (wanted and wanted != self.active.id):
            raise ClientError("response_cancel_not_active", "Cancellation failed: no active response found.")
        await self._cancel(self.active, "client_cancelled")

    async def _start_response(self, params: dict) -> None:
        conversation = params.get("conversation", "auto") != "none"
        modalities = params.get("output_modalities") or self.session.get("output_modalities") or ["audio"]
        rid = self._id("resp")
        audio_out = {"format": self.session["audio"]["output"]["format"],
                     "voice": self.session["audio"]["output"]["voice"]}
        data = {"object": "realtime.response", "id": rid, "status": "in_progress", "status_details": None,
                "output": [], "conversation_id": self.conversation_id if conversation else None,
                "output_modalities": modalities,
                "max_output_tokens": params.get("max_output_tokens", self.session.get("max_output_tokens", "inf")),
                "audio": {"output": audio_out}, "usage": None, "metadata": params.get("metadata")}
        resp = _Response(rid, self.turn_counter, data, conversation, modalities, data["max_output_tokens"],
                         self._prompt(params, conversation))
        self.turn_counter += 1
        self.active = resp
        await self.emit({"type": "response.created", "response": data})
        await self._rate_limits(resp)
        resp.task = asyncio.create_task(self._stream(resp))

    async def _rate_limits(self, resp: _Response) -> None:
        """``rate_limits.updated`` at the start of a response: output tokens reserved (made-up limits)."""
        self.responses_started += 1
        reserve = resp.max_output_tokens if isinstance(resp.max_output_tokens, int) else 4096
        prompt = sum(c[1] + c[2] + c[3] for c in resp.context)
        await self.emit({"type": "rate_limits.updated", "rate_limits": [
            {"name": "requests", "limit": RATE_LIMITS["requests"],
             "remaining": max(0, RATE_LIMITS["requests"] - self.responses_started), "reset_seconds": 0.012},
            {"name": "tokens", "limit": RATE_LIMITS["tokens"],
             "remaining": max(0, RATE_LIMITS["tokens"] - prompt - reserve), "reset_seconds": 0.9}]})

    async def _cancel(self, resp: _Response, reason: str) -> None:
        if resp.cancel_reason is None:
            resp.cancel_reason = reason
        if resp.task and resp.sleeping:
            resp.task.cancel()
        if resp.task:
            try:
                await asyncio.wait_for(asyncio.shield(resp.task), timeout=10)
            except asyncio.TimeoutError:
                raise CourseError(f"Response {resp.id} did not stop within 10 s of a cancel.") from None

    async def _sleep_until(self, resp: _Response, when: float) -> None:
        delay = when - asyncio.get_running_loop().time()
        if resp.cancel_reason:
            raise asyncio.CancelledError
        if delay > 0:
            resp.sleeping = True
            try:
                await asyncio.sleep(delay)
            finally:
                resp.sleeping = False
        if resp.cancel_reason:
            raise asyncio.CancelledError

    async def _stream(self, resp: _Response) -> None:
        """Send the fixture turn's outputs, paced; finish as completed, cancelled or incomplete."""
        loop = asyncio.get_running_loop()
        speed = self.server.speed
        turn = self.fixture.turn(resp.turn_index)
        t = loop.time() + self.fixture.first_delta_ms / 1000.0 / speed
        current: dict | None = None
        status, reason = "completed", None
        try:
            for out_index, spec in enumerate(turn.outputs):
                current = {"spec": spec, "index": out_index, "sent_text": "", "sent_audio": bytearray(), "item": None}
                await self._sleep_until(resp, t)
                if spec.type == "function_call":
                    t = await self._stream_call(resp, spec, out_index, t, current)
                else:
                    t = await self._stream_message(resp, spec, out_index, t, current)
                await self._finish_output(resp, current, "completed")
                current = None
        except asyncio.CancelledError:
            status = "cancelled"
            reason = resp.cancel_reason or "client_cancelled"
        except _BudgetReached:
            status, reason = "incomplete", "max_output_tokens"
        except ConnectionClosed:
            return
        try:
            if current is not None and current["item"] is not None:
                await self._finish_output(resp, current, "incomplete")
            await self._finish_response(resp, status, reason)
        except ConnectionClosed:
            return

    async def _add_output(self, resp: _Response, item_data: dict, out_index: int, role: str, current: dict) -> _Item:
        item = _Item(item_data, role=role)
        current["item"] = item
        resp.output_items.append(item)
        await self.emit({"type": "response.output_item.added", "response_id": resp.id, "output_index": out_index,
                         "item": item_data})
        if resp.conversation:
            previous = self.items[-1].id if self.items else None
            self.items.append(item)
            await self.emit({"type": "conversation.item.added", "previous_item_id": previous, "item": item_data})
        return item

    async def _stream_call(self, resp, spec: OutputSpec, out_index: int, t: float, current: dict) -> float:
        item_id = self._id("item")
        await self._add_output(resp, {"id": item_id, "object": "realtime.item", "type": "function_call",
                                      "status": "in_progress", "name": spec.name, "call_id": spec.call_id,
                                      "arguments": ""}, out_index, "assistant", current)
        args = spec.arguments
        pieces = [args[i:i + 12] for i in range(0, len(args), 12)] or [""]
        for piece in pieces:
            await self._sleep_until(resp, t)
            current["sent_text"] += piece
            await self.emit({"type": "response.function_call_arguments.delta", "response_id": resp.id,
                             "item_id": item_id, "output_index": out_index, "call_id": spec.call_id, "delta": piece,
                             "obfuscation": self._obfuscation(piece)})
            t += 0.02 / self.server.speed
        return t

    async def _stream_message(self, resp, spec: OutputSpec, out_index: int, t: float, current: dict) -> float:
        item_id = self._id("item")
        audio_mode = "audio" in resp.modalities
        await self._add_output(resp, {"id": item_id, "object": "realtime.item", "type": "message",
                                      "status": "in_progress", "role": "assistant", "content": []},
                               out_index, "assistant", current)
        part = {"type": "audio", "transcript": ""} if audio_mode else {"type": "text", "text": ""}
        await self.emit({"type": "response.content_part.added", "response_id": resp.id, "item_id": item_id,
                         "output_index": out_index, "content_index": 0, "part": part})
        words = re.findall(r"\S+\s*", spec.transcript)
        speed = self.server.speed
        ids = {"response_id": resp.id, "item_id": item_id, "output_index": out_index, "content_index": 0}
        if not audio_mode:
            for word in words:
                await self._sleep_until(resp, t)
                current["sent_text"] += word
                resp.out_text_tokens = text_tokens(current["sent_text"])
                await self.emit({"type": "response.output_text.delta", **ids, "delta": word,
                                 "obfuscation": self._obfuscation(word)})
                if self._over_budget(resp):
                    raise _BudgetReached
                t += 0.03 / speed
            return t
        self.audio_out_started = True
        chunk = ms_to_bytes(self.server.chunk_ms)
        pcm = spec.audio
        total_ms = spec.audio_ms or 1.0
        # each word's transcript goes out when the audio reaches its share of the text (by characters)
        starts, pos = [], 0
        for word in words:
            starts.append(pos / max(1, len(spec.transcript)) * total_ms)
            pos += len(word)
        schedule = [(s, 0, w) for s, w in zip(starts, words)]
        schedule += [(k / bytes_per_ms(), 1, pcm[k: k + chunk]) for k in range(0, len(pcm), chunk)]
        schedule.sort(key=lambda e: (e[0], e[1]))
        fmt = self.session["audio"]["output"]["format"]["type"]
        for at_ms, kind, payload in schedule:
            await self._sleep_until(resp, t + max(0.0, at_ms - self.server.lead_ms) / 1000.0 / speed)
            if kind == 0:
                current["sent_text"] += payload
                resp.out_text_tokens = text_tokens(current["sent_text"])
                await self.emit({"type": "response.output_audio_transcript.delta", **ids, "delta": payload,
                                 "obfuscation": self._obfuscation(payload)})
            else:
                current["sent_audio"].extend(payload)
                resp.out_audio_ms += duration_ms(payload)
                await self.emit({"type": "response.output_audio.delta", **ids, "delta": self._encode_out(payload, fmt)})
                if self._over_budget(resp):
                    raise _BudgetReached
        return t + max(0.0, total_ms - self.server.lead_ms) / 1000.0 / speed

    @staticmethod
    def _encode_out(pcm: bytes, fmt: str) -> str:
        return b64encode_pcm(AudioFormat(fmt).encode(pcm))

    async def _finish_output(self, resp: _Response, current: dict, status: str) -> None:
        item: _Item = current["item"]
        spec: OutputSpec = current["spec"]
        index = current["index"]
        data = item.data
        if spec.type == "function_call":
            args = current["sent_text"]
            if status == "completed":
                await self.emit({"type": "response.function_call_arguments.done", "response_id": resp.id,
                                 "item_id": item.id, "output_index": index, "call_id": spec.call_id,
                                 "name": spec.name, "arguments": args})
            data.update(status=status, arguments=args)
            resp.out_text_tokens += text_tokens(spec.name + args)
        else:
            ids = {"response_id": resp.id, "item_id": item.id, "output_index": index, "content_index": 0}
            text = current["sent_text"].strip()
            if "audio" in resp.modalities:
                await self.emit({"type": "response.output_audio.done", **ids})
                await self.emit({"type": "response.output_audio_transcript.done", **ids, "transcript": text})
                await self.emit({"type": "response.content_part.done", **ids, "part": {"type": "audio", "transcript": text}})
                data.update(status=status, content=[{"type": "output_audio", "transcript": text}])
                item.audio = bytes(current["sent_audio"])
            else:
                await self.emit({"type": "response.output_text.done", **ids, "text": text})
                await self.emit({"type": "response.content_part.done", **ids, "part": {"type": "text", "text": text}})
                data.update(status=status, content=[{"type": "output_text", "text": text}])
        await self.emit({"type": "response.output_item.done", "response_id": resp.id, "output_index": index, "item": data})
        if resp.conversation:
            pos = self.items.index(item) if item in self.items else len(self.items)
            previous = self.items[pos - 1].id if pos > 0 else None
            await self.emit({"type": "conversation.item.done", "previous_item_id": previous, "item": data})

    async def _finish_response(self, resp: _Response, status: str, reason: str | None) -> None:
        data = resp.data
        data["status"] = status
        data["status_details"] = None if status == "completed" else {"type": status, "reason": reason}
        data["output"] = [item.data for item in resp.output_items]
        data["usage"] = self._usage(resp)
        resp.status = status
        if self.active is resp:
            self.active = None
        await self.emit({"type": "response.done", "response": data})
