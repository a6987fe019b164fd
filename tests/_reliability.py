"""Helpers shared by the tests/test_reliability_*.py files (not a test module).

* :class:`LoopThread`: an asyncio event loop in a daemon thread, so a WebSocket server can keep one
  connection open across many hypothesis examples run by plain synchronous test code;
* :func:`report`: counts (cases fuzzed, faults injected) collected per module and written to the
  terminal summary at the end of the run, so every run says how much was exercised.
"""
from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Any

COUNTS: Counter = Counter()


class LoopThread:
    """An event loop running in a daemon thread; ``run(coro, timeout)`` executes a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="reliability-loop", daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(asyncio.wait_for(coro, timeout), self.loop).result(timeout + 1)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        if not self.thread.is_alive():
            self.loop.close()


def count(what: str, n: int = 1) -> None:
    COUNTS[what] += n


def summary_lines() -> list[str]:
    return [f"  {name}: {COUNTS[name]}" for name in sorted(COUNTS)]


class _SummaryPlugin:
    """Writes the counts at the end of the pytest run (registered once by :func:`register`)."""

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if COUNTS:
            terminalreporter.section("reliability: cases fuzzed and faults injected (all held unless a test failed)")
            for line in summary_lines():
                terminalreporter.write_line(line)


def register(config) -> None:
    if not config.pluginmanager.has_plugin("reliability-counts"):
        config.pluginmanager.register(_SummaryPlugin(), "reliability-counts")
