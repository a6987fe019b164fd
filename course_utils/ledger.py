"""The budget guard and the ledger of every priced call.

Every call that can cost money is priced *before* it runs: ``ledger.reserve(...)`` refuses it with
:class:`BudgetExceeded` when the estimate would take spending past the budget. Reservations count
against the budget until they are settled with the actual cost from the provider's usage, so
concurrent calls cannot jointly overspend (the check and the reservation happen under one lock).

In replay mode nothing is charged: entries are kept (so notebooks can show what a call *would*
cost) but the budget is not enforced.
"""
from __future__ import annotations

import itertools
import threading
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
