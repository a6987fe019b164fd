"""The loops the voice notebooks write by hand behave like the package's versions, on the local servers.

Each notebook first writes its key loop in cells (the lesson), then introduces the package's function
as "the same, with the edge cases handled". These tests take the function out of the notebook source
and run it next to the package's on the same local server and fixture.
"""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from course_utils.realtime import LocalRealtimeServer, RealtimeClient, load_conversation
from course_utils.voice import VirtualClockSink

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import run_notebooks  # noqa: E402


def notebook_cell(notebook: str, defines: str, **earlier) -> dict:
    """Execute the one code cell of ``notebooks/<notebook>.py`` that defines ``defines`` (with ``earlier``: names
    that earlier cells of the notebook made); return its namespace."""
    nb = run_notebooks.read_source(ROOT / "notebooks" / f"{notebook}.py")
    marks = (f"def {defines}(", f"async def {defines}(")
    cells = [c.source for c in nb.cells if c.cell_type == "code" and any(m in c.source for m in marks)]
    assert len(cells) == 1, f"{notebook} should define {defines} in exactly one cell (found {len(cells)})"
    namespace: dict = dict(earlier)
    exec(compile(cells[0], f"{notebook}:{defines}", "exec"), namespace)
    return namespace


# -- notebook 01: barge-in ---------------------------------------------------------------------------
SPEED, LISTEN_S, LEAD_MS = 2.0, 2.5, 3000


async def _by_hand(barge_in_by_hand) -> dict:
    bi = load_conversation("barge_in")
    async with LocalRealtimeServer(fixture="barge_in", speed=SPEED, lead_ms=LEAD_MS, keep_events=True) as server:
        sink = VirtualClockSink(speed=SPEED)
        cuts, received, seen = await barge_in_by_hand(server.url, bi.user_audio(0), bi.user_audio(1), sink,
                                                      listen_s=LISTEN_S / SPEED)
        emitted = list(server.emitted)
    return {"cuts": cuts, "sink": sink, "emitted": emitted}


async def _package() -> dict:
    bi = load_conversation("barge_in")
    async with LocalRealtimeServer(fixture="barge_in", speed=SPEED, lead_ms=LEAD_MS, keep_events=True) as server:
        sink = VirtualClockSink(speed=SPEED)
        rt = RealtimeClient(url=server.url, speed=SPEED, sink=sink, timeout=20)
        await rt.connect()
        try:
            await rt.stream_audio(bi.user_audio(0), realtime=False)
            await rt.wait_for(lambda: sink.is_playing, what="the answer's audio")
            await asyncio.sleep(LISTEN_S / SPEED)
            await rt.stream_audio(bi.user_audio(1), realtime=False)
            await rt.wait_for_response()
            await rt.wait_for_response()
        finally:
            await rt.close()
        emitted = list(server.emitted)
    return {"cuts": rt.truncations, "sink": sink, "emitted": emitted}


def _behaviour(run: dict) -> dict:
    """What a barge-in did, as the server and the sink saw it."""
    emitted, sink = run["emitted"], run["sink"]
    answer_item = next(e["item"]["id"] for e in emitted if e["type"] == "response.output_item.added")
    done = [e["response"] for e in emitted if e["type"] == "response.done"]
    truncated = [e for e in emitted if e["type"] == "conversation.item.truncated"]
    errors = [e["error"]["message"] for e in emitted if e["type"] == "error"]
    (cut,) = run["cuts"]
    return {"answer_item": answer_item, "cut": cut, "played": sink.played_ms(cut["item_id"]), "truncated": truncated,
            "statuses": [(r["status"], (r.get("status_details") or {}).get("reason")) for r in done],
            "errors": errors}


def test_01_barge_in_by_hand_behaves_like_realtime_client():
    ns = notebook_cell("01_realtime_voice", "barge_in_by_hand")
    hand = _behaviour(asyncio.run(_by_hand(ns["barge_in_by_hand"])))
    package = _behaviour(asyncio.run(_package()))
    for name, b in (("by hand", hand), ("RealtimeClient", package)):
        cut = b["cut"]
        assert not b["errors"], (name, b["errors"])
        assert cut["item_id"] == b["answer_item"], name                       # the answer that was playing
        assert cut["audio_end_ms"] == b["played"], name                       # exactly what the sink played
        assert cut["audio_end_ms"] < cut["received_ms"], name                 # audio arrived ahead of playback
        assert abs(cut["audio_end_ms"] - LISTEN_S * 1000) < 600, (name, cut)  # about what the user listened to
        assert [(t["item_id"], t["audio_end_ms"]) for t in b["truncated"]] == [(cut["item_id"], cut["audio_end_ms"])]
        assert b["statuses"] == [("cancelled", "turn_detected"), ("completed", None)], name
    assert abs(hand["cut"]["audio_end_ms"] - package["cut"]["audio_end_ms"]) < 600


def test_01_exercise_solution_cancels_and_truncates_on_the_local_server():
    """With interrupt_response false the q3 handler's own cancel + truncate leave the server's item cut at
    what was played (the server refuses a truncate while the response runs, so the order is tested too)."""
    interrupt_response = False
    from course_utils.exercises.solutions.nb01 import SOLUTIONS

    namespace: dict = {}
    exec(SOLUTIONS["q3"], namespace)
    barge_in_events = namespace["barge_in_events"]

    async def run():
        bi = load_conversation("barge_in")
        async with LocalRealtimeServer(fixture="barge_in", speed=SPEED, lead_ms=LEAD_MS, keep_events=True) as server:
            sink = VirtualClockSink(speed=SPEED)
            rt = RealtimeClient(url=server.url, speed=SPEED, sink=sink, timeout=20)
            await rt.connect()
            try:
                await rt.update_session(turn_detection={"type": "server_vad", "interrupt_response": interrupt_response})
                await rt.stream_audio(bi.user_audio(0), realtime=False)
                await rt.wait_for(lambda: sink.is_playing, what="the answer's audio")
                await asyncio.sleep(1.0 / SPEED)
                events = barge_in_events(sink, rt.active_response, interrupt_response)
                for event in events:
                    await rt.send(event)
                await rt.wait_for(lambda: any(e["type"] == "conversation.item.truncated" for e in server.emitted),
                                  what="conversation.item.truncated")
            finally:
                await rt.close()
            return events, list(server.emitted)

    events, emitted = asyncio.run(run())
    assert not [e for e in emitted if e["type"] == "error"]
    (truncate,) = [e for e in events if e["type"] == "conversation.item.truncate"]
    (done,) = [e for e in emitted if e["type"] == "conversation.item.truncated"]
    assert done["audio_end_ms"] == truncate["audio_end_ms"]
    assert [e["type"] for e in events] == ["response.cancel", "conversation.item.truncate"]
    assert [r["response"]["status"] for r in emitted if r["type"] == "response.done"] == ["cancelled"]


# -- notebook 02: the cascade ------------------------------------------------------------------------
def test_02_cascade_by_hand_behaves_like_cascade_run():
    import openai

    from course_utils import cascade as cas
    from course_utils.clients import openai_rest_standin

    ns = notebook_cell("02_realtime_vs_cascade", "cascade_by_hand", cas=cas)
    client = openai.OpenAI(api_key="local", base_url=openai_rest_standin().scoped_base_url([cas.FIXTURE]),
                           timeout=30, max_retries=0)
    history = [{"role": "system", "content": cas.DEFAULT_INSTRUCTIONS}]
    heard, reply, speech, ended = ns["cascade_by_hand"](client, cas.fixture_question(), history)

    cascade = cas.Cascade(tts="espeak-ng")
    turn = cascade.run(cas.fixture_question())

    assert (heard, reply) == (turn.transcript, turn.reply)
    assert speech == turn.audio                                   # the same words, spoken by the same engine
    assert history == turn.history                                # the same memory after the turn
    assert list(ended) == [s.name for s in turn.stages]           # the same stages, in the same order
    waits = cas.replayed_latency_table()
    floor = 0.0
    for (stage, ms), s, row in zip(ended.items(), turn.stages, waits):
        floor += row["latency_ms"]                                # in series: each ends after all the waits so far
        assert ms >= floor and s.end_ms >= floor, (stage, ms, s.end_ms, floor)
    assert ended["transcribe"] < ended["chat"] < ended["speak"]


# -- notebook 07: a Live call with a delegation ------------------------------------------------------
def test_07_call_by_hand_behaves_like_live_client():
    from openai import AsyncOpenAI

    from course_utils.live import DelegationRequest, LiveClient, LocalLiveServer
    from course_utils.voice import b64encode_pcm, chunk_pcm, silence
    from course_utils.voice.conversation import load_conversation as load_live

    speed = 8
    conv = load_live("support_call")
    lesson = notebook_cell("07_live_apis", "order_from_speech",
                           lookup_order=notebook_cell("07_live_apis", "lookup_order")["lookup_order"],
                           DelegationRequest=DelegationRequest)
    ns = notebook_cell("07_live_apis", "call_by_hand", AsyncOpenAI=AsyncOpenAI, asyncio=asyncio, silence=silence,
                       chunk_pcm=chunk_pcm, b64encode_pcm=b64encode_pcm, DelegationRequest=DelegationRequest)

    async def by_hand():
        async with LocalLiveServer("support_call", speed=speed) as server:
            return await asyncio.wait_for(ns["call_by_hand"](server.websocket_base_url, conv.instructions,
                                                             [u.pcm for u in conv.user], [5000, 9000, 4000],
                                                             lesson["order_from_speech"], speed), 60)

    async def package():
        async with LocalLiveServer("support_call", speed=speed) as server:
            live = LiveClient("gpt-live-1.1", instructions=conv.instructions, delegate=lesson["order_from_speech"],
                              speed=speed, max_minutes=2, websocket_base_url=server.websocket_base_url)
            await live.connect()
            try:
                replies = []
                for utterance in conv.user:
                    await live.say(utterance.pcm)
                    replies.append((await live.wait_for_reply()).transcript)
            finally:
                await live.close()
            return [(r.user_text, result) for r, result in live.delegations], live

    hand_delegations, hand_replies = asyncio.run(by_hand())
    package_delegations, live = asyncio.run(package())
    assert hand_delegations == package_delegations == [
        ("It is order four eight one five.", "Order 4815 shipped on Monday and arrives on Friday.")]
    said = " ".join(r.transcript for r in live.replies)
    assert " ".join(hand_replies).split() == said.split()  # the same replies, the delegated answer included
    assert len(hand_replies) == 3 and "Friday" in hand_replies[1]
