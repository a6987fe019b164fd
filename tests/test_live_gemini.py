"""google-genai's Live client against the local Gemini Live stand-in, every server message validated."""
from __future__ import annotations

import asyncio
import json

import pytest
from google import genai
from google.genai import errors, types

from course_utils.errors import CourseError, ProtocolError
from course_utils.live.gemini_client import GeminiLiveClient
from course_utils.live.gemini_server import LocalGeminiLiveServer
from course_utils.live.validate import validate_gemini_server_message
from course_utils.voice.audio import chunk_pcm
from course_utils.voice.conversation import load_conversation
from course_utils.voice.formats import from_pcm24, silence

SPEED = 10.0
CHUNK_MS = 100
CONV = load_conversation("support_call", "gemini_live")
TPS = 32  # Gemini audio tokens per second (data/pricing/token_rules.csv)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def lookup_order(order_number: str) -> str:
    return {"4815": "Order 4815 shipped on Monday and arrives on Friday."}.get(order_number, "No such order.")


class Raw:
    """A google-genai session plus a reader task and a paced 16 kHz microphone."""

    def __init__(self, session):
        self.session, self.messages = session, []
        self.error: Exception | None = None
        self._task = asyncio.ensure_future(self._read())

    async def _read(self):
        try:
            while True:
                async for m in self.session.receive():
                    self.messages.append(m)
        except Exception as exc:  # noqa: BLE001 - kept for the test to inspect
            self.error = exc

    async def stream(self, pcm24: bytes):
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for i, chunk in enumerate(chunk_pcm(from_pcm24(pcm24, 16000), CHUNK_MS, 16000)):
            await self.session.send_realtime_input(audio=types.Blob(data=chunk, mime_type="audio/pcm;rate=16000"))
            await asyncio.sleep(max(0.0, t0 + (i + 1) * CHUNK_MS / 1000 / SPEED - loop.time()))

    async def until(self, predicate, max_ms: float = 8000):
        """Stream silence until a received message matches."""
        sent = 0.0
        while not any(predicate(m) for m in self.messages):
            assert self.error is None, self.error
            assert sent < max_ms, [m.model_dump(exclude_none=True) for m in self.messages[-5:]]
            await self.stream(silence(CHUNK_MS))
            sent += CHUNK_MS

    def stop(self):
        self._task.cancel()


def _config(**extra):
    return types.LiveConnectConfig(response_modalities=["AUDIO"], input_audio_transcription={},
                                   output_audio_transcription={}, system_instruction=CONV.instructions,
                                   tools=[{"function_declarations": CONV.manifest["function_declarations"]}], **extra)


def test_whole_session_with_a_function_call():
    async def main():
        async with LocalGeminiLiveServer("support_call", speed=SPEED) as server:
            assert server.url.startswith("wss://127.0.0.1:") and server.url.endswith(".v1.GenerativeService.BidiGenerateContent")
            client = genai.Client(api_key="replay-mode-no-key", http_options=server.http_options())
            async with client.aio.live.connect(model="gemini-3.8-live", config=_config()) as session:
                raw = Raw(session)
                await raw.stream(CONV.user[0].pcm)
                await raw.until(lambda m: m.server_content and m.server_content.turn_complete)
                await raw.stream(CONV.user[1].pcm)
                await raw.until(lambda m: m.tool_call is not None)
                call = next(m.tool_call for m in raw.messages if m.tool_call).function_calls[0]
                await session.send_tool_response(function_responses=[types.FunctionResponse(
                    id=call.id, name=call.name, response={"result": lookup_order(**call.args)})])
                await raw.until(lambda m: sum(1 for x in raw.messages if x.server_content and x.server_content.turn_complete) == 2)
                raw.stop()
            return raw, server.sessions[0]

    raw, session = run(main())
    for sent in session.log.sent:       # what went over the wire, validated again from the raw JSON
        validate_gemini_server_message(sent)
    assert json.loads(session.log.sent[0]) == {"setupComplete": {}}
    setup = session.log.received[0]["setup"]
    assert setup["model"] == "models/gemini-3.8-live"
    assert setup["generationConfig"]["responseModalities"] == ["AUDIO"]
    assert "inputAudioTranscription" in setup and "outputAudioTranscription" in setup
    contents = [m.server_content for m in raw.messages if m.server_content]
    heard = "".join(c.input_transcription.text for c in contents if c.input_transcription)
    said = "".join(c.output_transcription.text for c in contents if c.output_transcription)
    assert heard == CONV.user[0].text + CONV.user[1].text
    tool_reply = CONV.assistant[1]
    assert said == CONV.assistant[0].text + tool_reply.text + " " + tool_reply.tool.then.text
    call = next(m.tool_call for m in raw.messages if m.tool_call).function_calls[0]
    assert (call.name, call.args) == ("lookup_order", {"order_number": "4815"})
    audio = [p.inline_data for c in contents if c.model_turn for p in c.model_turn.parts]
    assert all(a.mime_type == "audio/pcm;rate=24000" for a in audio)
    total_ms = sum(len(a.data) for a in audio) / 48
    assert abs(total_ms - (CONV.assistant[0].duration_ms + tool_reply.duration_ms + tool_reply.tool.then.duration_ms)) < 1
    # generation_complete before turn_complete; the tool turn completes only after the follow-up
    flags = [("gen" if c.generation_complete else "turn") for c in contents if c.generation_complete or c.turn_complete]
    assert flags == ["gen", "turn", "gen", "turn"]
    usage = [m.usage_metadata for m in raw.messages if m.usage_metadata]
    assert len(usage) == 2
    # hand-computed: turn 1's reply is 2.93 s of audio -> round(2.93 x 32) = round(93.76) = 94 output tokens
    assert CONV.assistant[0].duration_ms == 2930
    assert usage[0].response_token_count == round(2.930 * TPS) == 94
    # turn 2 re-reads everything: its audio prompt holds turn 1's prompt audio and reply, plus the new speech
    audio_in = [next(d.token_count for d in u.prompt_tokens_details if d.modality.value == "AUDIO") for u in usage]
    assert audio_in[1] > audio_in[0] + usage[0].response_token_count
    assert usage[1].response_token_count == round((tool_reply.duration_ms + tool_reply.tool.then.duration_ms) / 1000 * TPS)
    text_in = next(d.token_count for d in usage[0].prompt_tokens_details if d.modality.value == "TEXT")
    assert text_in == round(len(CONV.instructions) / 4)
    assert all(u.total_token_count == u.prompt_token_count + u.response_token_count for u in usage)


def test_interrupted_then_turn_complete_and_client_flushes_playback():
    conv = load_conversation("support_interrupt", "gemini_live")

    async def main():
        async with LocalGeminiLiveServer("support_interrupt", speed=SPEED) as server:
            async with GeminiLiveClient(http_options=server.http_options(), speed=SPEED, chunk_ms=CHUNK_MS) as g:
                await g.say(conv.user[0].pcm)
                while not g.replies or g.replies[0].audio_ms < 1000:   # the reply is playing
                    await asyncio.sleep(0.01)
                await g.pause(1500)
                await g.say(conv.user[1].pcm)
                second = await g.wait_for_reply()
            return g, second

    g, second = run(main())
    first = g.replies[0]
    assert first.interrupted and first.complete
    assert second.transcript == conv.assistant[1].text and not second.interrupted
    # Gemini generated faster than real time: more audio arrived than was heard; the flush cut it
    played = g.sink.played_ms(first.id)
    assert played < first.audio_ms and played < conv.assistant[0].duration_ms - 3000
    kinds = [e.type for e in g.trace.events]
    assert kinds.index("gemini.interrupted") < kinds.index("playback.stopped")
    turn = g.trace.turns()[0]
    assert turn.status == "interrupted" and turn.barge_in_ms is not None  # a timing: measured, never asserted


def test_talking_over_a_pending_function_call_cancels_it():
    async def main():
        async with LocalGeminiLiveServer("support_call", speed=SPEED) as server:
            client = genai.Client(api_key="replay-mode-no-key", http_options=server.http_options())
            async with client.aio.live.connect(model="gemini-3.8-live", config=_config()) as session:
                raw = Raw(session)
                await raw.stream(CONV.user[0].pcm)
                await raw.until(lambda m: m.server_content and m.server_content.turn_complete)
                await raw.stream(CONV.user[1].pcm)
                await raw.until(lambda m: m.tool_call is not None)
                await raw.stream(CONV.user[2].pcm)          # no tool response: the caller talks on
                await raw.until(lambda m: m.tool_call_cancellation is not None)
                await raw.until(lambda m: m.server_content is not None and m.server_content.turn_complete
                                and m is raw.messages[-1] and len([x for x in raw.messages if x.tool_call_cancellation]) == 1)
                raw.stop()
            return raw

    raw = run(main())
    call_id = next(m.tool_call for m in raw.messages if m.tool_call).function_calls[0].id
    cancel = next(m for m in raw.messages if m.tool_call_cancellation)
    assert cancel.tool_call_cancellation.ids == [call_id]
    after = raw.messages[raw.messages.index(cancel) + 1:]
    assert after[0].server_content.interrupted and after[1].server_content.turn_complete


@pytest.mark.parametrize("bad, reason", [
    (types.Blob(data=b"RIFF" + bytes(100), mime_type="audio/pcm;rate=16000"), "container header"),
    (types.Blob(data=bytes(320), mime_type="audio/wav"), "mime type"),
    (types.Blob(data=b"\x00\x01\x02", mime_type="audio/pcm;rate=16000"), "16-bit"),
])
def test_bad_input_closes_with_1007_and_the_sdk_raises(bad, reason):
    async def main():
        async with LocalGeminiLiveServer("support_call", speed=SPEED) as server:
            client = genai.Client(api_key="replay-mode-no-key", http_options=server.http_options())
            async with client.aio.live.connect(model="gemini-3.8-live", config=_config()) as session:
                await session.send_realtime_input(audio=bad)
                with pytest.raises(errors.APIError) as info:
                    async for _ in session.receive():
                        pass
                return info.value
    err = run(main())
    assert err.code == 1007 and reason in str(err)


def test_unknown_field_and_unknown_model():
    async def main():
        async with LocalGeminiLiveServer("support_call", speed=SPEED) as server:
            client = genai.Client(api_key="replay-mode-no-key", http_options=server.http_options())
            with pytest.raises(errors.APIError) as old:
                async with client.aio.live.connect(model="gemini-2.0-flash-live-001", config=_config()):
                    pass
            async with client.aio.live.connect(model="gemini-3.8-live", config=_config()) as session:
                await session._ws.send(json.dumps({"realtime_input": {"audio": {"data": "", "mimeType": "audio/pcm"},
                                                                      "volume": 3}}))
                with pytest.raises(errors.APIError) as unknown:
                    async for _ in session.receive():
                        pass
            return old.value, unknown.value
    old, unknown = run(main())
    assert old.code == 1008 and "not found" in str(old)
    assert unknown.code == 1007 and 'Unknown name "volume"' in str(unknown)


def test_validator_catches_a_bad_message():
    validate_gemini_server_message({"serverContent": {"turnComplete": True}})
    with pytest.raises(ProtocolError):
        validate_gemini_server_message({"serverContent": {"turnComplete": "not a boolean"}})
    # the one rule: an undeclared field is kept (reported once), not refused
    with pytest.warns(UserWarning, match="serverContent.turnDone"):
        validate_gemini_server_message({"serverContent": {"turnDone": True}})


def test_client_session_prices_turns_and_runs_the_function():
    async def main():
        async with LocalGeminiLiveServer("support_call", speed=SPEED) as server:
            async with GeminiLiveClient(http_options=server.http_options(), speed=SPEED, chunk_ms=CHUNK_MS,
                                        instructions=CONV.instructions, tools=[lookup_order]) as g:
                for utterance in CONV.user:
                    await g.say(utterance.pcm)
                    await g.wait_for_reply()
            return g

    g = run(main())
    assert g.transcript() == [(s, t) for pair in zip([("user", u.text) for u in CONV.user],
                                                      [("assistant", a.text if a.tool is None else f"{a.text} {a.tool.then.text}")
                                                       for a in CONV.assistant]) for s, t in pair]
    (call,) = g.replies[1].tool_calls
    assert (call.name, call.arguments, call.result, call.error) == ("lookup_order", {"order_number": "4815"},
                                                                    lookup_order("4815"), None)
    from course_utils.costs import cost_from_gemini_usage
    assert len(g.usage) == 3
    assert g.cost.total_usd == pytest.approx(sum(cost_from_gemini_usage(u, "gemini-3.8-live").total_usd for u in g.usage))
    from course_utils import get_config
    entry = get_config().ledger.entries[-1]
    assert entry.model == "gemini-3.8-live" and entry.status == "settled" and entry.actual_usd == pytest.approx(g.cost.total_usd)


def test_replay_mode_needs_the_local_server():
    async def main():
        async with GeminiLiveClient():
            pass
    with pytest.raises(CourseError, match="LocalGeminiLiveServer"):
        run(main())


def test_record_mode_saves_a_gemini_fixture_that_replays(tmp_path, fake_keys):
    import course_utils
    from course_utils.secrets import find_secrets

    course_utils.setup(mode="record", quiet=True)

    async def record():
        async with LocalGeminiLiveServer("support_call", speed=SPEED) as server:
            async with GeminiLiveClient(http_options=server.http_options(), speed=SPEED, chunk_ms=CHUNK_MS,
                                        instructions=CONV.instructions, tools=[lookup_order],
                                        record_as="recorded_gemini", record_root=tmp_path) as g:
                for utterance in CONV.user:
                    await g.say(utterance.pcm)
                    await g.wait_for_reply()
            return g

    g = run(record())
    folder = g.recording_path
    assert folder == tmp_path / "gemini_live" / "recorded_gemini"
    for path in folder.rglob("*.json*"):
        text = path.read_text()
        assert not find_secrets(text) and all(v not in text for v in fake_keys.values())
    recorded = load_conversation(folder)
    assert recorded.manifest["provenance"].startswith("recorded: a live Gemini Live session")
    assert [a.text for a in recorded.assistant] == [a.text for a in CONV.assistant]
    assert recorded.assistant[1].tool.name == "lookup_order" and recorded.assistant[1].tool.then.text == CONV.assistant[1].tool.then.text
    assert [u.text for u in recorded.user] == [u.text for u in CONV.user]
    course_utils.setup(mode="replay", quiet=True)

    async def replay():
        async with LocalGeminiLiveServer(folder, speed=SPEED) as server:
            async with GeminiLiveClient(http_options=server.http_options(), speed=SPEED, chunk_ms=CHUNK_MS) as again:
                await again.say(CONV.user[0].pcm)
                return await again.wait_for_reply()
    assert run(replay()).transcript == CONV.assistant[0].text
