"""The budget guard and the ledger of every priced call.

Every call that can cost money is priced *before* it runs: ``ledger.reserve(...)`` refuses it with
:class:`BudgetExceeded` when the estimate would take spending past the budget. Reservations count
against the budget until they are settled with the actual cost from the provider's usage, so
concurrent calls cannot jointly overspend (the check and the reservation happen under one lock).

In replay mode nothing is charged: entries are kept (so notebooks can show what a call *would*
cost) but the budget is not enforced.

A voice session (Realtime, Live, Gemini Live, translation) holds one :class:`SessionBudget`
(``ledger.session(...)``): priced and reserved before anything opens (it may refuse), cancelled when
the connect fails, settled once on close, and topped up while it runs past its estimate. The same rule
in every mode and every client: the row is kept, marked ``(replay, not charged)`` in replay.
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from .errors import BudgetExceeded


@dataclass
class LedgerEntry:
    """One priced call: its estimate before, its actual cost after."""

    id: int
    provider: str
    model: str
    what: str
    estimate_usd: float
    charged: bool
    actual_usd: float | None = None
    status: str = "reserved"  # reserved -> settled | cancelled
    detail: dict = field(default_factory=dict)
    _ledger: "Ledger | None" = field(default=None, repr=False, compare=False)

    def settle(self, actual_usd: float, **detail) -> "LedgerEntry":
        """Record the actual cost (from the provider's usage) and release the reservation."""
        assert self._ledger is not None
        self._ledger._settle(self, float(actual_usd), detail)
        return self

    def cancel(self, reason: str = "") -> "LedgerEntry":
        """The call did not run (or failed before it cost anything): release the reservation."""
        assert self._ledger is not None
        self._ledger._cancel(self, reason)
        return self

    # a reservation used as a context manager is cancelled if the block raises before settling
    def __enter__(self) -> "LedgerEntry":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.status == "reserved":
            if exc_type is None:
                self.settle(self.estimate_usd, note="settled at estimate (no usage reported)")
            else:
                self.cancel(f"{exc_type.__name__}")


class Ledger:
    """Estimated vs actual cost of every call, with a budget (USD) enforced when ``enforce`` is true."""

    def __init__(self, budget_usd: float, enforce: bool):
        self.budget_usd = float(budget_usd)
        self.enforce = enforce
        self.entries: list[LedgerEntry] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    # -- accounting -------------------------------------------------------------------------
    @property
    def spent_usd(self) -> float:
        """Actual cost of settled, charged calls."""
        return sum(e.actual_usd or 0.0 for e in self.entries if e.charged and e.status == "settled")

    @property
    def reserved_usd(self) -> float:
        """Estimates of charged calls still running."""
        return sum(e.estimate_usd for e in self.entries if e.charged and e.status == "reserved")

    @property
    def remaining_usd(self) -> float:
        return self.budget_usd - self.spent_usd - self.reserved_usd

    def reserve(self, provider: str, model: str, what: str, estimate_usd: float) -> LedgerEntry:
        """Price a call before it runs; raise :class:`BudgetExceeded` if it does not fit."""
        estimate_usd = float(estimate_usd)
        with self._lock:
            if self.enforce and estimate_usd > self.remaining_usd + 1e-12:
                raise BudgetExceeded(
                    f"{what} ({model}) is estimated at ${estimate_usd:.4f} but only ${self.remaining_usd:.4f} "
                    f"of the ${self.budget_usd:.2f} budget remains (spent ${self.spent_usd:.4f}, "
                    f"reserved ${self.reserved_usd:.4f}); raise it with setup(budget_usd=...) or make the call smaller."
                )
            entry = LedgerEntry(next(self._ids), provider, model, what, estimate_usd, charged=self.enforce,
                                _ledger=self)
            self.entries.append(entry)
            return entry

    def session(self, provider: str, model: str, what: str, estimate_usd: float) -> "SessionBudget":
        """Reserve a voice session's estimate now (may raise :class:`BudgetExceeded`: nothing opened yet)."""
        return SessionBudget(self, provider, model, what, estimate_usd)

    def _settle(self, entry: LedgerEntry, actual_usd: float, detail: dict) -> None:
        with self._lock:
            entry.actual_usd = actual_usd
            entry.status = "settled"
            entry.detail.update(detail)

    def _cancel(self, entry: LedgerEntry, reason: str) -> None:
        with self._lock:
            entry.status = "cancelled"
            if reason:
                entry.detail["reason"] = reason

    # -- display ------------------------------------------------------------------------------
    def rows(self) -> list[dict]:
        return [
            {"#": e.id, "provider": e.provider, "model": e.model, "call": e.what,
             "estimate_usd": round(e.estimate_usd, 6),
             "actual_usd": None if e.actual_usd is None else round(e.actual_usd, 6),
             "status": e.status if e.charged else f"{e.status} (replay, not charged)"}
            for e in self.entries
        ]

    def __repr__(self) -> str:
        head = f"Ledger(budget ${self.budget_usd:.2f}, spent ${self.spent_usd:.4f}, {len(self.entries)} calls)"
        lines = [head]
        for r in self.rows():
            act = "-" if r["actual_usd"] is None else f"${r['actual_usd']:.4f}"
            lines.append(f"  {r['#']:>3} {r['provider']:<8} {r['model']:<24} est ${r['estimate_usd']:.4f}  "
                         f"actual {act:<10} {r['status']}  {r['call']}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        # dollar amounts as text, never as maths (see course_utils.display)
        from .display import html_table, no_math

        rows = [{"#": r["#"], "provider": r["provider"], "model": r["model"], "call": r["call"],
                 "estimate $": r["estimate_usd"], "actual $": r["actual_usd"], "status": r["status"]}
                for r in self.rows()]
        head = no_math(f"<p><b>Ledger</b>: budget ${self.budget_usd:.2f}, spent ${self.spent_usd:.4f}, "
                       f"remaining ${self.remaining_usd:.4f}</p>")
        return head + (html_table(rows) if rows else "")


class SessionBudget:
    """One voice session's place in the ledger: reserve before connecting, cancel on a failed connect,
    top up while it runs, settle once on close.

        budget = get_config().ledger.session("openai", model, "Live session (up to 5 min)", estimate)
        with budget.connecting():       # a failed connect (any exception) cancels the reservation
            conn = await open_it()
        ...
        budget.settle(actual_usd, billable_seconds=42)   # on close; a second call does nothing
    """

    def __init__(self, ledger: Ledger, provider: str, model: str, what: str, estimate_usd: float):
        self.ledger, self.provider, self.model = ledger, provider, model
        self.entries: list[LedgerEntry] = [ledger.reserve(provider, model, what, estimate_usd)]

    @property
    def entry(self) -> LedgerEntry:
        """The entry still open (the last top-up), or the last one."""
        return self.entries[-1]

    @property
    def open(self) -> bool:
        return self.entry.status == "reserved"

    @property
    def charged(self) -> bool:
        return self.entry.charged

    @property
    def reserved_usd(self) -> float:
        """What all the session's entries reserved."""
        return sum(e.estimate_usd for e in self.entries)

    @contextlib.contextmanager
    def connecting(self) -> Iterator["SessionBudget"]:
        """Wrap the connect: any exception (``TimeoutError`` is named "timeout") cancels the reservation."""
        try:
            yield self
        except BaseException as exc:
            self.cancel("timeout" if isinstance(exc, (TimeoutError, asyncio.TimeoutError)) else type(exc).__name__)
            raise

    def cancel(self, reason: str = "") -> None:
        """The session did not open: release what is still reserved."""
        if self.open:
            self.entry.cancel(reason)

    def top_up(self, spent_usd: float, more_usd: float, what: str) -> None:
        """While charged and ``spent_usd`` has reached what was reserved, reserve ``more_usd`` beyond it
        (may raise :class:`BudgetExceeded`; the session so far stays reserved)."""
        if not self.open or not self.charged or spent_usd < self.reserved_usd:
            return
        extra = self.ledger.reserve(self.provider, self.model, what, more_usd + spent_usd - self.reserved_usd)
        self.entry.settle(self.entry.estimate_usd, note="topped up")
        self.entries.append(extra)

    def settle(self, actual_usd: float, **detail) -> None:
        """Record the session's actual cost (the entries already settled by top-ups are deducted). Once."""
        if self.open:
            before = sum(e.actual_usd or 0.0 for e in self.entries[:-1])
            self.entry.settle(max(0.0, float(actual_usd) - before), **detail)

    def __repr__(self) -> str:
        return f"SessionBudget({self.provider}/{self.model}, {self.entry.status}, reserved ${self.reserved_usd:.4f})"
