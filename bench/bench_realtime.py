#!/usr/bin/env python3
"""Realtime benchmarks: ratios against baselines measured in the same run (nothing asserted).

1. Stream processing: our RealtimeClient consuming a long response stream, against a bare
   ``websockets`` + ``json.loads`` loop over the same server stream (target: within 1.5x), and the
   official ``openai`` SDK's realtime client on the same stream. The server runs in a subprocess so
   the client's CPU time is measured alone.
2. Barge-in: how much audio plays after ``speech_started`` arrives (target: < one chunk) and how far
   the ``audio_end_ms`` we send is from the played position reconstructed from the delta arrival
   times (target: within one chunk) - also when audio arrives faster than it plays (the real API
   sends bursts), where "what was received" (the naive answer) is far off.
3. Concurrency: 20 sessions on one local server keep real-time pacing with no lost events, against
   one session alone.

    /work/venv/bin/python bench/bench_realtime.py [--quick]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import course_utils  # noqa: E402
from course_utils.realtime import LocalRealtimeServer, RealtimeClient, load_conversation  # noqa: E402
from course_utils.voice import VirtualClockSink, chunk_pcm  # noqa: E402

MODEL = "gpt-realtime-2.1"
T = 60.0


# -- helpers ----------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``python -m course_utils.realtime.server`` in a subprocess."""

    def __init__(self, fixture: str, speed: float, chunk_ms: int):
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "course_utils.realtime.server", "--port", str(self.port), "--fixture", fixture,
             "--speed", str(speed), "--chunk-ms", str(chunk_ms)],
            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.proc.stdout.readline()  # the "listening" line
        self.url = f"ws://127.0.0.1:{self.port}/v1/realtime"
        self.base = f"ws://127.0.0.1:{self.port}/v1"

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


MANUAL = {"type": "session.update", "session": {"type": "realtime", "audio": {"input": {"turn_detection": None}}}}


async def bare_loop(url: str, responses: int) -> int:
    """The baseline: websockets + json.loads, nothing else."""
    from websockets.asyncio.client import connect

    n = 0
    async with asyncio.timeout(T):  # one timeout around the whole run: no per-message overhead
        async with connect(f"{url}?model={MODEL}", additional_headers={"Authorization": "Bearer bench"},
                           max_size=16 * 2 ** 20) as ws:
            await ws.send(json.dumps(MANUAL))
            for _ in range(responses):
                await ws.send(json.dumps({"type": "response.create"}))
                while True:
                    event = json.loads(await ws.recv())
                    n += 1
                    if event["type"] == "response.done":
                        break
    return n


async def our_client(url: str, responses: int) -> int:
    async with RealtimeClient(MODEL, url=url, sink=VirtualClockSink(speed=1000.0), timeout=T) as rt:
        await rt.update_session(turn_detection=None)
        for _ in range(responses):
            await rt.create_response()
            await rt.wait_for_response()
        return len(rt.trace.events)


async def sdk_client(base: str, responses: int) -> int:
    from openai import AsyncOpenAI

    n = 0
    client = AsyncOpenAI(websocket_base_url=base, api_key="bench")
    async with asyncio.timeout(T):
        async with client.realtime.connect(model=MODEL) as conn:
            await conn.session.update(session=MANUAL["session"])
            for _ in range(responses):
                await conn.response.create()
                while True:
                    event = await conn.recv()
                    n += 1
                    if event.type == "response.done":
                        break
    return n


def _measure(fn, *args) -> tuple[float, float, int]:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    n = asyncio.run(fn(*args))
    return time.process_time() - cpu0, time.perf_counter() - wall0, n


# -- 1. stream processing ---------------------------------------------------------------------------
def bench_stream(quick: bool) -> list[str]:
    responses, repeats = (6, 3) if quick else (20, 5)
    server = ServerProcess("barge_in", speed=100000, chunk_ms=20)  # no pacing: as fast as it can send
    try:
        results: dict[str, list[tuple[float, float, int]]] = {"bare": [], "ours": [], "sdk": []}
        for _ in range(repeats):  # interleaved, so drifts in machine load hit all three alike
            results["bare"].append(_measure(bare_loop, server.url, responses))
            results["ours"].append(_measure(our_client, server.url, responses))
            results["sdk"].append(_measure(sdk_client, server.base, responses))
    finally:
        server.close()
    med = {k: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v), v[0][2]) for k, v in results.items()}
    b_cpu, b_wall, b_n = med["bare"]
    lines = [f"1. Long response stream: {responses} responses x 15.8 s audio in 20 ms deltas, {b_n} server events "
             f"per run, median of {repeats} interleaved runs (server in a subprocess)"]
    for name, label in (("bare", "bare websockets + json.loads (baseline)"), ("ours", "course_utils RealtimeClient"),
                        ("sdk", "openai SDK realtime.connect")):
        cpu, wall, n = med[name]
        lines.append(f"   {label:<42} client CPU {cpu * 1000:7.1f} ms ({cpu / b_cpu:4.2f}x)   wall {wall * 1000:7.1f} ms "
                     f"({wall / b_wall:4.2f}x)   {n} events")
    cpu_ratio = med["ours"][1] / b_wall
    lines.append(f"   => ours / bare wall ratio {cpu_ratio:.2f} (target <= 1.5); ours / SDK wall "
                 f"{med['ours'][1] / med['sdk'][1]:.2f}; ours / bare CPU {med['ours'][0] / b_cpu:.2f}")
    return lines


# -- 2. barge-in --------------------------------------------------------------------------------------
def _reference_played_ms(trace, item_id: str, at: float, speed: float) -> float:
    """Played position at time ``at`` of a reference player fed by the traced delta arrivals."""
    end, played = None, 0.0
    for ev in trace.events:
        if ev.type != "response.output_audio.delta" or ev.item_id != item_id or ev.t > at:
            continue
        dur_s = ev.info["b64_chars"] * 3 / 4 / 48 / 1000 / speed  # base64 chars -> bytes -> ms -> s at speed
        start = ev.t if end is None else max(ev.t, end)
        end = start + dur_s
        played += max(0.0, min(at, end) - start) * speed * 1000
    return played


async def one_barge_in(server_speed: float, sink_speed: float, chunk_ms: int, wait_ms: float) -> dict:
    conv = load_conversation("barge_in")
    async with LocalRealtimeServer(fixture="barge_in", speed=server_speed, chunk_ms=chunk_ms) as server:
        sink = VirtualClockSink(speed=sink_speed)
        async with RealtimeClient(MODEL, url=server.url, speed=sink_speed, sink=sink, timeout=T) as rt:
            await rt.stream_audio(conv.user_audio(0), realtime=False)
            await rt.wait_for(lambda: rt.current_item_id is not None, what="first audio")
            item = rt.current_item_id
            await rt.wait_for(lambda: sink.played_ms(item) >= wait_ms, what="playback", timeout=T)
            lead = conv.user_audio(1)[: 48 * 400]                     # the user's silence before speaking ...
            speech = conv.user_audio(1)[48 * 400:]
            await rt.stream_audio(lead, realtime=False)
            await rt.stream_audio(speech, realtime=True)
            await rt.wait_for(lambda: bool(rt.truncations), what="truncate")
            await asyncio.sleep(3 * chunk_ms / 1000 / sink_speed)
            cut = rt.truncations[0]
            started = [e for e in rt.trace.events if e.type == "input_audio_buffer.speech_started"][-1]
            stopped = [e for e in rt.trace.events if e.type == "playback.stopped"][-1]
            reference = _reference_played_ms(rt.trace, item, started.t, sink_speed)
            return {"sent": cut["audio_end_ms"], "reference": reference, "received": cut["received_ms"],
                    "after_signal_ms": sink.played_ms(item) - cut["audio_end_ms"],
                    "stop_latency_ms": (stopped.t - started.t) * 1000, "chunk_wall_ms": chunk_ms / sink_speed}


def bench_barge_in(quick: bool) -> list[str]:
    chunk_ms = 100
    runs = 2 if quick else 5
    lines = [f"2. Barge-in ({chunk_ms} ms audio chunks; {runs} runs per setting)"]
    for label, server_speed, sink_speed in (("server paces at real time (speed 4)", 4.0, 4.0),
                                            ("audio arrives 4x faster than it plays (burst)", 16.0, 4.0)):
        rows = [asyncio.run(one_barge_in(server_speed, sink_speed, chunk_ms, 1500 + 700 * i)) for i in range(runs)]
        err = [abs(r["sent"] - r["reference"]) / chunk_ms for r in rows]
        naive = [abs(r["received"] - r["reference"]) / chunk_ms for r in rows]
        after = [r["after_signal_ms"] / chunk_ms for r in rows]
        stop = [r["stop_latency_ms"] / r["chunk_wall_ms"] for r in rows]
        lines.append(f"   {label}:")
        lines.append(f"     audio played after speech_started arrived: max {max(after):.2f} chunks (target < 1)")
        lines.append(f"     speech_started -> playback stopped: max {max(stop):.3f} chunk periods "
                     f"({max(r['stop_latency_ms'] for r in rows):.2f} ms wall)")
        lines.append(f"     |audio_end_ms - reference played position|: max {max(err):.2f} chunks (target <= 1); "
                     f"naive 'received ms' would be off by max {max(naive):.2f} chunks")
    return lines


# -- 3. concurrency -----------------------------------------------------------------------------------
async def paced_session(url: str, expected: dict) -> dict:
    async with RealtimeClient(MODEL, url=url, sink=VirtualClockSink(speed=1000.0), timeout=T) as rt:
        await rt.update_session(turn_detection=None)
        await rt.create_response()
        result = await rt.wait_for_response()
        deltas = [e.t for e in rt.trace.events if e.type == "response.output_audio.delta"]
    span = deltas[-1] - deltas[0]
    lateness = [t - (deltas[0] + k * expected["period"]) for k, t in enumerate(deltas)]
    return {"lost": expected["deltas"] - len(deltas), "text_ok": result.transcript == expected["transcript"],
            "audio_ok": result.audio == expected["audio"], "pacing": span / expected["span"],
            "max_late": max(lateness) / expected["period"]}


async def sessions(url: str, n: int, expected: dict) -> list[dict]:
    return await asyncio.gather(*(paced_session(url, expected) for _ in range(n)))


def bench_concurrency(quick: bool) -> list[str]:
    speed, chunk_ms, n = 2.0, 100, 20
    out = load_conversation("short_qa").assistant[0]
    deltas = len(list(chunk_pcm(out.pcm, chunk_ms)))
    expected = {"deltas": deltas, "transcript": out.text, "audio": out.pcm,
                "period": chunk_ms / 1000 / speed, "span": (deltas - 1) * chunk_ms / 1000 / speed}
    server = ServerProcess("short_qa", speed=speed, chunk_ms=chunk_ms)
    try:
        alone = asyncio.run(sessions(server.url, 1, expected))
        crowd = asyncio.run(sessions(server.url, n, expected))
    finally:
        server.close()
    lost = sum(r["lost"] for r in crowd)
    ok = sum(r["text_ok"] and r["audio_ok"] for r in crowd)
    pace1, pace_n = alone[0]["pacing"], statistics.median(r["pacing"] for r in crowd)
    late_n = max(r["max_late"] for r in crowd)
    return [f"3. Concurrency: {n} sessions on one local server (subprocess), {out.duration_ms / 1000:.1f} s reply at {speed:g}x, "
            f"{deltas} audio deltas each",
            f"   lost audio deltas: {lost}; sessions with transcript and audio intact: {ok}/{n}",
            f"   pacing (delivery span / scheduled span): 1 session {pace1:.3f}; {n} sessions median {pace_n:.3f} "
            f"(ratio {pace_n / pace1:.3f}x; 1.0 = real time kept)",
            f"   worst delta lateness with {n} sessions: {late_n:.2f} chunk periods "
            f"(1 session: {alone[0]['max_late']:.2f})"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    course_utils.setup(quiet=True)
    for section in (bench_stream, bench_barge_in, bench_concurrency):
        for line in section(args.quick):
            print(line, flush=True)


if __name__ == "__main__":
    main()
