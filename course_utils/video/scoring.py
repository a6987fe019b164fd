"""Scoring answers about a video against its ground truth: features found or missed with their
timestamp error (:func:`score_features`), and which key facts a text holds (:func:`facts_covered`)."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from html import escape
from typing import Iterable, Sequence

from ..display import no_math
from ..errors import VideoFormatError
from .frames import mmss


def parse_mmss(value: str | float | int | None) -> float | None:
    """``"01:15" -> 75.0``; ``"1:02:03" -> 3723.0``; numbers pass through; ``None``/"" -> None."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = re.fullmatch(r"\s*(?:(\d+):)?(\d{1,3}):(\d{2}(?:\.\d+)?)\s*", str(value))
    if not m:
        raise VideoFormatError(f"Not a MM:SS timestamp: {value!r} (expected e.g. '01:15').")
    h, mnt, sec = m.groups()
    return (int(h) * 3600 if h else 0) + int(mnt) * 60 + float(sec)


def _words(s: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", s.lower()))


def _name_score(predicted: str, truth: str) -> float:
    """1.0 when every word of the true name is in the predicted one; else a fuzzy ratio."""
    tw, pw = _words(truth), _words(predicted)
    if tw and tw <= pw:
        return 1.0
    return difflib.SequenceMatcher(None, predicted.lower(), truth.lower()).ratio()


@dataclass
class FeatureScore:
    """Found / missed / timestamp error of one method's features against the ground truth."""

    method: str
    rows: list[dict]
    extra: list[str]

    @property
    def found(self) -> int:
        return sum(r["found"] for r in self.rows)

    @property
    def missed(self) -> list[str]:
        return [r["feature"] for r in self.rows if not r["found"]]

    @property
    def mean_start_error_s(self) -> float | None:
        errs = [r["start_error_s"] for r in self.rows if r["start_error_s"] is not None]
        return sum(errs) / len(errs) if errs else None

    def summary(self) -> str:
        err = self.mean_start_error_s
        err_s = "no timestamps" if err is None else f"mean start error {err:.1f} s"
        return (f"{self.method}: found {self.found}/{len(self.rows)}, missed {len(self.missed)}"
                f"{' (' + ', '.join(self.missed) + ')' if self.missed else ''}, {err_s}"
                f"{', extra: ' + ', '.join(self.extra) if self.extra else ''}")

    def __repr__(self) -> str:
        lines = [self.summary()]
        for r in self.rows:
            e = "-" if r["start_error_s"] is None else f"{r['start_error_s']:.1f} s"
            lines.append(f"  {r['feature']:<18} {'found' if r['found'] else 'MISSED':<7} as {r['predicted'] or '-':<28} "
                         f"true start {r['true_start']}  predicted {r['predicted_start'] or '-':<6} error {e}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ["feature", "found", "predicted as", "true start", "predicted start", "start error"])
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in (
                r["feature"], "yes" if r["found"] else "MISSED", r["predicted"] or "-", r["true_start"],
                r["predicted_start"] or "-", "-" if r["start_error_s"] is None else f"{r['start_error_s']:.1f} s")) + "</tr>"
            for r in self.rows)
        return no_math(f"<p><b>{escape(self.summary())}</b></p><table><tr>{head}</tr>{body}</table>")


def _field(item, name: str):
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def score_features(predicted: Iterable, ground_truth: dict, method: str = "prediction",
                   min_name_score: float = 0.75) -> FeatureScore:
    """Match predicted features (objects or dicts with ``name`` and optional ``start``) to the truth.

    A true feature is *found* when a predicted name contains all its words (or is a close fuzzy
    match); each prediction matches at most one feature. The start error is |predicted - true| in
    seconds, or None when the method gave no timestamp.
    """
    preds = [p for p in predicted]
    truths = ground_truth["features"]
    pairs = sorted(((_name_score(str(_field(p, "name") or ""), t["name"]), i, j)
                    for i, p in enumerate(preds) for j, t in enumerate(truths)), reverse=True)
    used_p, used_t, match = set(), set(), {}
    for score, i, j in pairs:
        if score < min_name_score or i in used_p or j in used_t:
            continue
        used_p.add(i), used_t.add(j)
        match[j] = i
    rows = []
    for j, t in enumerate(truths):
        p = preds[match[j]] if j in match else None
        start = parse_mmss(_field(p, "start")) if p is not None else None
        rows.append({"feature": t["name"], "found": p is not None, "predicted": _field(p, "name") if p else None,
                     "true_start": mmss(t["start_s"]), "predicted_start": mmss(start) if start is not None else None,
                     "start_error_s": abs(start - t["start_s"]) if start is not None else None})
    extra = [str(_field(p, "name")) for i, p in enumerate(preds) if i not in used_p]
    return FeatureScore(method, rows, extra)


def _has_key(text: str, key: str) -> bool:
    """``key`` (alternatives separated by ``|``) starts a word of ``text`` (case-insensitive): "wed" is in
    "Wednesday", "double book" in "double booked", "mk" is not in "bookmark"."""
    for alt in key.split("|"):
        alt = " ".join(alt.lower().split())
        pattern = (r"(?<![a-z0-9])" if alt[:1].isalnum() else "") + re.escape(alt)
        if re.search(pattern, " ".join(text.lower().split())):
            return True
    return False


def facts_covered(text: str, facts: Sequence[dict]) -> list[bool]:
    """For each ground-truth fact (``{"fact", "keys"}``), whether ``text`` holds all its key phrases.

    A transparent check, not a judge: it can miss a paraphrase ("Wednesday" for "Wed" is fine,
    "half past ten" for "10:30" is not), so read the answers too.
    """
    return [all(_has_key(text, k) for k in f["keys"]) for f in facts]
