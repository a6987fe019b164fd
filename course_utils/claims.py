"""The chapter's factual claims, each with today's verdict, a public source and the date it was read.

``data/claims.csv`` has one row per claim the chapter makes (a latency, a price, a model or endpoint
name, an availability, a duration, a use case): ``id``, ``claim`` (a short quote or paraphrase),
``chapter_section``, ``verdict`` (one of :data:`VERDICTS`), ``today`` (what is true now),
``source_url`` (a public page), ``checked`` (the date it was read), ``taught_in`` (the notebook that
teaches it) and ``marker`` (a string that notebook's source contains), and ``valid_until`` where the
verdict changes on a known date (a shutdown, the end of a promotion), like the rows of
``data/pricing/prices.csv``.

:func:`load_claims` reads the table; :func:`problems` lists what is wrong with it (the test calls it);
a :class:`Claims` shows as an HTML table in a notebook.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path
from urllib.parse import urlparse

from .data_location import DATA_DIR, checkout_root
from .display import no_math

CLAIMS_CSV = DATA_DIR / "claims.csv"
NOTEBOOKS_DIR = (checkout_root() or Path.cwd()) / "notebooks"  # what problems() checks: a checkout's notebooks
VERDICTS = ("true", "partly true", "outdated", "false", "unverified")
COLUMNS = ("id", "claim", "chapter_section", "verdict", "today", "source_url", "checked", "taught_in", "marker",
           "valid_until")
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")  # a day, or a month when only the month is known


@dataclass(frozen=True)
class Claim:
    id: str
    claim: str
    chapter_section: str
    verdict: str
    today: str
    source_url: str
    checked: str
    taught_in: str
    marker: str
    valid_until: date | None

    def expired(self, on: date | None = None) -> bool:
        """True once ``valid_until`` has passed: the verdict needs checking again."""
        return self.valid_until is not None and (on or date.today()) > self.valid_until


class Claims(tuple):
    """The rows of ``data/claims.csv``; shows as a compact HTML table (links shortened to the site's name)."""

    def counts(self) -> dict[str, int]:
        """How many claims have each verdict."""
        return {v: sum(c.verdict == v for c in self) for v in VERDICTS}

    def __repr__(self) -> str:
        lines = [f"{len(self)} claims: " + ", ".join(f"{n} {v}" for v, n in self.counts().items() if n)]
        lines += [f"  {c.id} [{c.verdict}] {c.claim[:60]} -> {c.today[:60]}" for c in self]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        def cell(text: str) -> str:  # "$" would start LaTeX in Jupyter's HTML output
            return escape(text).replace("$", "&#36;")

        rows = []
        for c in self:
            site = urlparse(c.source_url).netloc.removeprefix("www.")
            until = f"<br><i>until {c.valid_until}</i>" if c.valid_until else ""
            rows.append(
                f"<tr><td>{cell(c.id)}</td><td>{cell(c.claim)}<br><small>{cell(c.chapter_section)}</small></td>"
                f"<td><b>{cell(c.verdict)}</b>{until}</td><td>{cell(c.today)}</td>"
                f"<td><a href='{escape(c.source_url, quote=True)}' target='_blank'>{cell(site)}</a><br>"
                f"<small>read {cell(c.checked)}</small></td>"
                f"<td><a href='{escape(c.taught_in)}.ipynb'>{cell(c.taught_in[:2])}</a></td></tr>")
        head = "".join(f"<th style='text-align:left'>{h}</th>" for h in
                       ("#", "the chapter says", "verdict", "today", "source", "nb"))
        summary = ", ".join(f"{n} {v}" for v, n in self.counts().items() if n)
        # the entity alone is not enough: the browser turns it back into "$" before MathJax reads the page,
        # so the table also sits in an element MathJax skips (course_utils.display.no_math)
        return no_math(f"<p><b>{len(self)} claims of the chapter</b>: {summary}</p>"
                "<table style='max-width:1000px;table-layout:fixed;font-size:12px;border-collapse:collapse'>"
                "<colgroup><col style='width:40px'><col style='width:300px'><col style='width:90px'>"
                "<col style='width:350px'><col style='width:170px'><col style='width:40px'></colgroup>"
                f"<tr>{head}</tr>{''.join(rows)}</table>")


def load_claims(path: str | Path = CLAIMS_CSV) -> Claims:
    """Every row of the claims table, in file order."""
    with open(path, newline="", encoding="utf-8") as f:
        return Claims(
            Claim(r["id"], r["claim"], r["chapter_section"], r["verdict"], r["today"], r["source_url"], r["checked"],
                  r["taught_in"], r["marker"], date.fromisoformat(r["valid_until"]) if r["valid_until"] else None)
            for r in csv.DictReader(f))


def problems(claims: Claims | None = None, notebooks: str | Path = NOTEBOOKS_DIR) -> list[str]:
    """What is wrong with the table, one line each: a missing verdict, URL or date, or a notebook that
    does not contain the claim's marker (so it does not teach it). Empty when all is well."""
    claims = load_claims() if claims is None else claims
    found: list[str] = []
    ids = [c.id for c in claims]
    found += [f"{i}: the id appears {ids.count(i)} times" for i in sorted(set(ids)) if ids.count(i) > 1]
    for c in claims:
        if c.verdict not in VERDICTS:
            found.append(f"{c.id}: verdict {c.verdict!r} is not one of {', '.join(VERDICTS)}")
        if not c.today.strip():
            found.append(f"{c.id}: no 'today' statement")
        if not re.match(r"^https?://[^/\s]+\.[^/\s]+", c.source_url):
            found.append(f"{c.id}: source_url {c.source_url!r} is not a public http(s) URL")
        if not _DATE.match(c.checked):
            found.append(f"{c.id}: checked {c.checked!r} is not a date (YYYY-MM-DD or YYYY-MM)")
        source = Path(notebooks) / f"{c.taught_in}.py"
        if not source.is_file():
            found.append(f"{c.id}: taught_in names {c.taught_in!r}, but there is no {source.name}")
        elif not c.marker.strip() or c.marker not in source.read_text(encoding="utf-8"):
            found.append(f"{c.id}: {source.name} does not contain its marker {c.marker!r}")
    return found
