"""The chapter's claims table (data/claims.csv): every row has a verdict, a public URL and a date, and the
notebook it names teaches it (its source contains the row's marker). The check itself can fail."""
from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date

import pytest

from course_utils import claims as cl


@pytest.fixture(scope="module")
def table():
    return cl.load_claims()


def test_the_table_has_the_expected_columns_and_covers_the_chapter(table):
    with open(cl.CLAIMS_CSV, newline="", encoding="utf-8") as f:
        assert tuple(next(csv.reader(f))) == cl.COLUMNS
    assert len(table) >= 25
    sections = " ".join(c.chapter_section for c in table)
    for part in ("1. Realtime API", "2. Video understanding", "3. Video generation", "4. Comprehensive case", "Summary"):
        assert part in sections, f"no claim from the chapter's section {part!r}"


def test_every_row_has_a_verdict_a_url_a_date_and_a_notebook_that_teaches_it(table):
    assert cl.problems(table) == []


def test_the_claims_the_issue_names_have_a_verdict(table):
    said = " | ".join(c.claim for c in table)
    for claim in ("Fastest 250 ms", "10x faster", "gen3", "up to 60 seconds", "$0.05-0.20", "5-10 minutes",
                  "10-20x a regular API"):
        assert claim in said, f"no row for the chapter's {claim!r}"
    fastest = next(c for c in table if c.claim == "Fastest 250 ms")
    assert fastest.verdict == "false" and "232 ms" in fastest.today


@pytest.mark.parametrize("field, value, message", [
    ("verdict", "", "verdict"),
    ("verdict", "mostly", "verdict"),
    ("source_url", "", "source_url"),
    ("source_url", "the facts sheet", "source_url"),
    ("checked", "", "checked"),
    ("checked", "last week", "checked"),
    ("taught_in", "99_missing", "no 99_missing.py"),
    ("marker", "a string no notebook contains", "does not contain its marker"),
    ("marker", "", "does not contain its marker"),
])
def test_a_broken_row_is_reported(table, field, value, message):
    broken = cl.Claims([replace(table[0], **{field: value}), *table[1:]])
    found = cl.problems(broken)
    assert len(found) == 1 and found[0].startswith(table[0].id) and message in found[0]


def test_a_duplicate_id_is_reported(table):
    assert any("appears 2 times" in p for p in cl.problems(cl.Claims([*table, table[0]])))


def test_the_html_table_escapes_dollars_and_links_each_source(table):
    html = table._repr_html_()
    assert "$" not in html and "&#36;" in html  # a bare $ would be typeset as maths
    assert html.count("<tr>") == len(table) + 1
    assert all(c.source_url in html for c in table)
    assert "max-width:1000px" in html


def test_rows_with_a_date_expire(table):
    dated = [c for c in table if c.valid_until]
    assert dated and not any(c.expired(date(2026, 12, 4)) for c in dated)
    assert all(c.expired(date(2030, 1, 1)) for c in dated)
