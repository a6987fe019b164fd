"""Concurrent live calls cannot jointly overspend the budget: Realtime sessions started together as asyncio
tasks, video jobs run together in threads through the job model, and both at once on one ledger.

Live mode with fake keys, pointed at the local stand-ins (the adapters and the Realtime client take a
base URL). A monitor thread samples ``spent + reserved`` the whole time: it may never exceed the budget.
(Already covered elsewhere: 20 threads reserving directly on the ledger - test_foundation_config.py.)
"""
from __future__ import annotations

import asyncio
import threading
import time

import pytest
from _reliability import count, register

import course_utils
from course_utils import costs
from course_utils.errors import BudgetExceeded
from course_utils.realtime import LocalRealtimeServer, RealtimeClient
from course_utils.standins.runway import RunwayStandin
from course_utils.video.generate import RunwayAdapter, VideoRequest, run_job
from course_utils.voice import VirtualClockSink

SPEED = 25
MODEL = "gpt-realtime-2.1"
SESSION_EST = costs.estimate_realtime_conversation(MODEL, turns=1, user_seconds_per_turn=5.0,
                                                   assistant_seconds_per_turn=10.0, instructions_tokens=500).total_usd
JOB_EST = 0.25  # Runway gen4_turbo, 5 s at 5 credits/s (checked below against the adapter's own estimate)


@pytest.fixture(scope="module", autouse=True)
def _counts(request):
    register(request.config)


class Monitor:
    """Samples the ledger's committed money (spent + reserved) every millisecond, in a thread."""

    def __init__(self, ledger):
        self.ledger, self.peak, self._stop = ledger, 0.0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.ledger.spent_usd + self.ledger.reserved_usd)
            time.sleep(0.001)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join(5)
        self.peak = max(self.peak, self.ledger.spent_usd + self.ledger.reserved_usd)


async def _session(server: LocalRealtimeServer) -> float:
    rt = RealtimeClient(url=server.url, speed=SPEED, sink=VirtualClockSink(speed=SPEED), timeout=10,
                        estimate_turns=1)
    async with rt:
        await asyncio.sleep(0.05)  # all admitted sessions are open at the same time
        reply = await rt.ask("Hello?")
        assert reply.status == "completed"
    return rt.cost().total_usd


async def _sessions(server: LocalRealtimeServer, n: int) -> list:
    return await asyncio.gather(*[_session(server) for _ in range(n)], return_exceptions=True)


def _assert_outcomes(outcomes: list, admitted: int) -> None:
    refused = [o for o in outcomes if isinstance(o, BudgetExceeded)]
    others = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, BudgetExceeded)]
    assert not others, others
    assert len(outcomes) - len(refused) == admitted and all("budget" in str(r) for r in refused)


def test_concurrent_realtime_sessions_cannot_jointly_overspend(fake_keys):
    budget = 3.5 * SESSION_EST  # room for three sessions' reservations, not four
    cfg = course_utils.setup(mode="live", budget_usd=budget, quiet=True)

    async def go():
        async with LocalRealtimeServer(fixture="short_qa", speed=SPEED) as server:
            outcomes = await _sessions(server, 8)
            return outcomes, server.connections
    with Monitor(cfg.ledger) as monitor:
        outcomes, connections = asyncio.run(asyncio.wait_for(go(), 60))
    _assert_outcomes(outcomes, 3)
    assert connections == 3  # the refused sessions never connected
    assert monitor.peak <= budget + 1e-9 and cfg.ledger.spent_usd <= budget
    count("budget: concurrent calls attempted (Realtime sessions as asyncio tasks)", len(outcomes))


def test_concurrent_video_jobs_in_threads_cannot_jointly_overspend(fake_keys, tmp_path):
    budget = 3 * JOB_EST + 0.10  # room for three jobs
    cfg = course_utils.setup(mode="live", budget_usd=budget, quiet=True)
    barrier = threading.Barrier(8)
    outcomes: list = []
    with RunwayStandin() as standin, Monitor(cfg.ledger) as monitor:
        adapter = RunwayAdapter(standin=standin)
        assert adapter.estimate(VideoRequest("x", seconds=5, image=b"png"), adapter.spec("gen4_turbo")).total_usd == JOB_EST

        def worker(i: int):
            barrier.wait(10)
            try:
                outcomes.append(run_job(RunwayAdapter(standin=standin), VideoRequest(f"A paper boat #{i}", seconds=5,
                                                                                     image=b"png"),
                                        "gen4_turbo", progress=False, out_dir=tmp_path / str(i)))
            except BaseException as exc:  # collected and checked below
                outcomes.append(exc)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        jobs = len(standin.book.jobs)
    _assert_outcomes(outcomes, 3)
    assert jobs == 3  # the refused jobs sent nothing
    assert monitor.peak <= budget + 1e-9 and cfg.ledger.spent_usd == pytest.approx(3 * JOB_EST)
    count("budget: concurrent calls attempted (video jobs in threads)", len(outcomes))


def test_realtime_sessions_and_video_jobs_share_one_budget(fake_keys, tmp_path):
    """Both kinds at once, from an event loop and from threads: whatever wins, the sum stays inside."""
    budget = JOB_EST + 2.5 * SESSION_EST  # e.g. one job and two sessions, or no job and many sessions
    cfg = course_utils.setup(mode="live", budget_usd=budget, quiet=True)
    outcomes: list = []
    with RunwayStandin() as standin, Monitor(cfg.ledger) as monitor:
        def worker(i: int):
            try:
                outcomes.append(run_job(RunwayAdapter(standin=standin), VideoRequest(f"Boat {i}", seconds=5,
                                                                                     image=b"png"),
                                        "gen4_turbo", progress=False, out_dir=tmp_path / str(i)))
            except BaseException as exc:
                outcomes.append(exc)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]

        async def go():
            async with LocalRealtimeServer(fixture="short_qa", speed=SPEED) as server:
                for t in threads:
                    t.start()
                return await _sessions(server, 4)
        outcomes += asyncio.run(asyncio.wait_for(go(), 60))
        for t in threads:
            t.join(60)
    others = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, BudgetExceeded)]
    assert not others, others
    admitted = [o for o in outcomes if not isinstance(o, BaseException)]
    assert 1 <= len(admitted) < len(outcomes)  # some ran, some were refused
    assert monitor.peak <= budget + 1e-9 and cfg.ledger.spent_usd <= budget
    count("budget: concurrent calls attempted (mixed)", len(outcomes))
