"""The price tables: ``data/pricing/prices.csv`` and ``token_rules.csv``, price lookups by date, and
the :class:`CostBreakdown` every estimate returns.

Every figure comes from ``data/pricing/prices.csv`` (one row per model and unit, each with its
``source`` and ``as_of`` date, and ``valid_from`` / ``valid_until`` where the provider states them)
and ``data/pricing/token_rules.csv``. Nothing here hard-codes a price.
"""
from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from html import escape
from typing import Any, Iterable, Mapping

from ..data_location import DATA_DIR
from ..display import no_math
from ..errors import CourseError

PRICING_DIR = DATA_DIR / "pricing"
PER_MILLION = 1_000_000


# -- the data ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PriceRow:
    provider: str
    model: str
    item: str
    usd: float | None  # None: the figure could not be confirmed
    unit: str
    status: str
    valid_from: date | None
    valid_until: date | None
    source: str
    as_of: str
    note: str

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_until is None or day <= self.valid_until)


def pricing_date() -> date:
    """The date estimates use when none is given: ``COURSE_PRICE_DATE`` if set, else today.

    Tests and the notebook runner pin it, so committed outputs do not change when a price does.
    """
    return _day(os.environ.get("COURSE_PRICE_DATE")) or date.today()


def _day(value: str | date | None) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@lru_cache(maxsize=1)
def price_table() -> tuple[PriceRow, ...]:
    """Every row of ``data/pricing/prices.csv``."""
    with open(PRICING_DIR / "prices.csv", newline="") as f:
        return tuple(
            PriceRow(r["provider"], r["model"], r["item"], float(r["usd"]) if r["usd"] else None, r["unit"],
                     r["status"], _day(r["valid_from"]), _day(r["valid_until"]), r["source"], r["as_of"], r["note"])
            for r in csv.DictReader(f)
        )


@lru_cache(maxsize=1)
def token_rules() -> dict[str, dict[str, str]]:
    """``name -> row`` of ``data/pricing/token_rules.csv`` (value, unit, applies_to, source, as_of, note)."""
    with open(PRICING_DIR / "token_rules.csv", newline="") as f:
        return {r["name"]: r for r in csv.DictReader(f)}


def token_rule(name: str) -> float:
    rules = token_rules()
    if name not in rules:
        raise CourseError(f"No token rule {name!r} in data/pricing/token_rules.csv; known: {', '.join(sorted(rules))}.")
    return float(rules[name]["value"])


#: Gemini rows price "input" for all media unless a modality has its own row.
_FALLBACKS = {"input_text": "input", "input_image": "input", "input_video": "input", "input_audio": "input",
              "output_text": "output", "output_audio": "output", "output_video": "output"}


def price_row(model: str, item: str, on: str | date | None = None) -> PriceRow:
    """The row that prices ``item`` of ``model`` on the date ``on`` (default today)."""
    day = _day(on) or pricing_date()
    rows = [r for r in price_table() if r.model == model]
    if not rows:
        models = sorted({r.model for r in price_table()})
        raise CourseError(f"No prices for model {model!r}; data/pricing/prices.csv has: {', '.join(models)}.")
    for candidate in (item, _FALLBACKS.get(item)):
        matching = [r for r in rows if r.item == candidate]
        if not matching:
            continue
        valid = [r for r in matching if r.valid_on(day)]
        if not valid:
            last = max(matching, key=lambda r: r.valid_until or date.max)
            if last.valid_until and last.valid_until < day:
                raise CourseError(
                    f"{model} ({last.status}) has no price on {day}: it ended {last.valid_until}; "
                    f"pass on='{last.valid_until}' to price it as history, or pick a current model.")
            first = min(matching, key=lambda r: r.valid_from or date.min)
            raise CourseError(f"{model} {candidate} has no price before {first.valid_from}; pass a later on= date.")
        row = valid[-1]
        if row.usd is None:
            raise CourseError(f"The price of {model} {candidate} is not confirmed ({row.note}); "
                              f"see {row.source} and add it to data/pricing/prices.csv with a source.")
        return row
    items = sorted({r.item for r in rows})
    raise CourseError(f"{model} has no {item!r} price; it has: {', '.join(items)}.")


def price(model: str, item: str, on: str | date | None = None) -> float:
    """USD per unit of the row (e.g. per 1M tokens, per minute, per second) for ``item`` of ``model``."""
    return price_row(model, item, on).usd  # type: ignore[return-value]


# -- results that show as tables -----------------------------------------------------------------
@dataclass
class CostLine:
    what: str
    quantity: float
    unit: str
    usd_per_unit: float
    usd: float


@dataclass
class CostBreakdown:
    """A cost (estimated or actual) as lines; ``total_usd`` is their sum. Shows as a table."""

    title: str
    lines: list[CostLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total_usd(self) -> float:
        return sum(line.usd for line in self.lines)

    def add(self, what: str, quantity: float, unit: str, usd_per_unit: float, per: float = 1.0) -> None:
        """Add a line; ``per`` is the size of the price's unit (1e6 for per-1M-token prices)."""
        self.lines.append(CostLine(what, quantity, unit, usd_per_unit, quantity * usd_per_unit / per))

    def __repr__(self) -> str:
        out = [f"{self.title}: ${self.total_usd:.4f}"]
        out += [f"  {ln.what:<34} {ln.quantity:>12,.1f} {ln.unit:<10} x ${ln.usd_per_unit:<8g} = ${ln.usd:.5f}"
                for ln in self.lines]
        out += [f"  note: {n}" for n in self.notes]
        return "\n".join(out)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td>{escape(ln.what)}</td><td style='text-align:right'>{ln.quantity:,.1f}</td><td>{escape(ln.unit)}</td>"
            f"<td style='text-align:right'>${ln.usd_per_unit:g}</td><td style='text-align:right'>${ln.usd:.5f}</td></tr>"
            for ln in self.lines)
        notes = "".join(f"<li>{escape(n)}</li>" for n in self.notes)
        return no_math(f"<b>{escape(self.title)}</b>: <b>${self.total_usd:.4f}</b><table><tr><th>what</th><th>quantity</th>"
                       f"<th>unit</th><th>price</th><th>cost</th></tr>{body}</table>" + (f"<ul>{notes}</ul>" if notes else ""))


CostEstimate = CostBreakdown  # an estimate and an actual cost have the same shape


def _get(obj: Any, name: str, default: Any = 0) -> Any:
    """Read a field from a dict or a pydantic object (usage blocks come as either)."""
    if obj is None:
        return default
    value = obj.get(name, default) if isinstance(obj, Mapping) else getattr(obj, name, default)
    return default if value is None else value


def sum_costs(title: str, parts: Iterable[CostBreakdown]) -> CostBreakdown:
    """Merge several breakdowns (e.g. every response of a session) line by line."""
    merged: dict[str, CostLine] = {}
    for part in parts:
        for ln in part.lines:
            if ln.what in merged:
                m = merged[ln.what]
                merged[ln.what] = CostLine(ln.what, m.quantity + ln.quantity, ln.unit, ln.usd_per_unit, m.usd + ln.usd)
            else:
                merged[ln.what] = CostLine(ln.what, ln.quantity, ln.unit, ln.usd_per_unit, ln.usd)
    return CostBreakdown(title, list(merged.values()))



# -- text tokens -----------------------------------------------------------------------------------
def chars_per_text_token() -> float:
    """The documented rule of thumb, about 4 characters per text token (``gemini_text_chars_per_token``
    in token_rules.csv). OpenAI's tokenizers land near the same figure for English text, so the course
    uses this one rule for every text estimate; the API's usage (or ``count_tokens``) gives the real count."""
    return token_rule("gemini_text_chars_per_token")


def text_tokens(text: str | int) -> int:
    """Text tokens of ``text`` (or of that many characters) by :func:`chars_per_text_token`, rounded up."""
    chars = text if isinstance(text, int) else len(text or "")
    return math.ceil(chars / chars_per_text_token()) if chars else 0
