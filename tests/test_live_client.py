"""course_utils.live.LiveClient (OpenAI Live over the SDK) against LocalLiveServer: whole calls."""
from __future__ import annotations

import asyncio
import json
import math
import warnings

import pytest

import course_utils
from course_utils import get_config
from course_utils.errors import CourseError, ServerErrorEvent
from course_utils.live.openai_client import LiveClient
from course_utils.live.server import LocalLiveServer
from course_utils.secrets import find_secrets
from course_utils.voice.conversation import load_conversation

SPEED = 10.0
CONV = load_conversation("support_call")
NUMBERS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
           "eight": "8", "nine": "9"}


def lookup_order(request) -> str:
    """The delegated tool: rebuild the order number from what the caller said."""
    digits = "".join(NUMBERS.get(w.strip(".,").lower(), "") for w in request.user_text.split())
    return {"4815": "Order 4815 shipped on Monday and arrives on Friday."}.get(digits, f"No order {digits}.")


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def call(server, **kwargs) -> LiveClient:
    async with LiveClient(websocket_base_url=server.websocket_base_url, speed=SPEED, chunk_ms=100,
                          instructions=CONV.instructions, delegate=lookup_order, **kwargs) as live:
        for utterance in CONV.user:
            await live.say(utterance.pcm)
            await live.wait_for_reply()
    return live


def test_support_call_with_a_delegated_tool():
    async def main():
        async with LocalLiveServer("support_call", speed=SPEED, usage_interval_ms=3000) as server:
            live = await call(server)
            return live, server.sessions[0]

    live, session = run(main())
    expected = []
    for u, a in zip(CONV.user, CONV.assistant):
        expected += [("user", u.text), ("assistant", a.text if a.tool is None else f"{a.text} {a.tool.then.text}")]
    assert live.transcript() == expected           # grouped by the SDK's TranscriptGrouper
    assert [r.transcript for r in live.replies] == [t for s, t in expected if s == "assistant"]
    (request, result), = live.delegations
    assert request.user_text == CONV.user[1].text and result.startswith("Order 4815 shipped")
    assert request.id in session.delegations
    assert any(e["type"] == "session.commentary.append" and e["content"] == result and e["delegation_id"] == request.id
               for e in session.log.received)
    # usage -> cost: billable seconds x $0.05 per minute (data/pricing/prices.csv), hand-computed
    seconds = live.usage.seconds
    assert seconds == int(session.timeline_ms // 1000) and live.closed_reason == "close_requested"
    assert live.cost.total_usd == pytest.approx(seconds / 60 * 0.05)
    entry = get_config().ledger.entries[-1]
    assert (entry.provider, entry.model, entry.status) == ("openai", "gpt-live-1.1", "settled")
    assert entry.estimate_usd == pytest.approx(5 * 0.05) and entry.actual_usd == pytest.approx(live.cost.total_usd)
    turns = live.trace.turns()
    assert len(turns) == 3 and all(t.status == "completed" and t.first_audio_ms is not None for t in turns)
    # 100 ms chunks, each utterance's last one shorter: ceil(1890/100) + ceil(4350/100) = 19 + 44
    assert turns[1].audio_deltas == math.ceil(CONV.assistant[1].duration_ms / 100) + math.ceil(
        CONV.assistant[1].tool.then.duration_ms / 100)
    assert not live.errors


def test_barge_in_is_seen_in_the_trace():
    conv = load_conversation("support_interrupt")

    async def main():
        async with LocalLiveServer("support_interrupt", speed=SPEED) as server:
            async with LiveClient(websocket_base_url=server.websocket_base_url, speed=SPEED, chunk_ms=100) as live:
                await live.say(conv.user[0].pcm)
                while not live.replies or live.replies[0].audio_ms < 1500:
                    await asyncio.sleep(0.01)
                await live.say(conv.user[1].pcm)
                second = await live.wait_for_reply()
            return live, second

    live, second = run(main())
    first = live.replies[0]
    assert first.interrupted and first.audio_ms < conv.assistant[0].duration_ms - 3000
    assert first.transcript and conv.assistant[0].text.startswith(first.transcript)     # the transcript stops with the audio
    assert second.transcript == conv.assistant[1].text
    turns = live.trace.turns()
    assert [t.status for t in turns] == ["interrupted", "completed"]
    assert turns[0].barge_in_ms is not None                                  # measured, not asserted


def test_record_mode_saves_a_fixture_that_replays(tmp_path, fake_keys):
    course_utils.setup(mode="record", quiet=True)

    async def record():
        async with LocalLiveServer("support_call", speed=SPEED) as server:
            return await call(server, record_as="recorded_call", record_root=tmp_path)

    live = run(record())
    folder = live.recording_path
    assert folder == tmp_path / "live" / "recorded_call"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["provenance"].startswith("recorded: a live OpenAI Live session with gpt-live-1.1")
    for path in folder.rglob("*"):
        if path.suffix in (".json", ".jsonl"):
            text = path.read_text()
            assert not find_secrets(text) and all(v not in text for v in fake_keys.values())
    recorded = load_conversation(folder)
    assert [a.text for a in recorded.assistant] == [a.text for a in CONV.assistant]
    assert recorded.assistant[1].tool is not None and recorded.assistant[1].tool.then.text == CONV.assistant[1].tool.then.text
    course_utils.setup(mode="replay", quiet=True)

    async def replay():
        async with LocalLiveServer(folder, speed=SPEED) as server:
            async with LiveClient(websocket_base_url=server.websocket_base_url, speed=SPEED, chunk_ms=100) as again:
                await again.say(CONV.user[0].pcm)
                return await again.wait_for_reply()
    assert run(replay()).transcript == CONV.assistant[0].text


def test_refused_start_is_a_clear_error():
    async def main(model, fmt=None):
        async with LocalLiveServer("support_call", speed=SPEED) as server:
            async with LiveClient(model, websocket_base_url=server.websocket_base_url, audio_format=fmt):
                pass
    entries = len(get_config().ledger.entries)
    with pytest.raises(CourseError, match="gpt-realtime-2.1 is a Realtime model"):   # refused before connecting
        run(main("gpt-realtime-2.1"))
    assert len(get_config().ledger.entries) == entries                                   # nothing reserved
    with pytest.raises(ServerErrorEvent, match="session.start was refused: G.711"):     # refused by the server
        run(main("gpt-live-1.1", {"type": "audio/pcma", "rate": 24000}))
    assert get_config().ledger.entries[-1].status == "cancelled"


def test_replay_mode_needs_the_local_server():
    async def main():
        async with LiveClient():
            pass
    with pytest.raises(CourseError, match="LocalLiveServer"):
        run(main())


def test_budget_guard_closes_a_session_that_runs_long():
    async def main():
        async with LocalLiveServer("support_call", speed=SPEED * 2, usage_interval_ms=1000) as server:
            async with LiveClient(websocket_base_url=server.websocket_base_url, speed=SPEED * 2, chunk_ms=100,
                                  max_minutes=2 / 60) as live:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    await live.pause(6000)
                return live, [str(w.message) for w in caught]
    live, caught = run(main())
    assert live.closed_reason == "close_requested" and 3 <= live.usage.seconds <= 5
    assert any("budget" in m for m in caught)


def test_the_same_script_for_the_realtime_stand_in():
    """turn_script: the Realtime server replays the Live conversation (same audio, tool as a call)."""
    from course_utils.live.compare import DIFFERENCES, differences_markdown
    from course_utils.voice.conversation import turn_script

    fx = turn_script(CONV)
    kinds = [[o.type for o in t.outputs] for t in fx.turns]
    assert kinds == [["message"], ["message", "function_call"], ["message"], ["message"]]
    assert fx.turns[1].outputs[1].name == "lookup_order" and json.loads(fx.turns[1].outputs[1].arguments) == {"order_number": "4815"}
    assert fx.turns[2].outputs[0].audio == CONV.assistant[1].tool.then.pcm
    assert [t.outputs[0].transcript for t in fx.turns] == [CONV.assistant[0].text, CONV.assistant[1].text,
                                                           CONV.assistant[1].tool.then.text, CONV.assistant[2].text]
    assert fx.first_delta_ms == sum(a.think_ms for a in CONV.assistant) / len(CONV.assistant)
    assert all(len(row) == 5 and all(row) for row in DIFFERENCES)        # every row has its source
    assert differences_markdown().count("\n") == len(DIFFERENCES) + 2
