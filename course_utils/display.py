"""HTML for notebook outputs: tables that fit a notebook column, and dollar amounts that stay text.

Jupyter (JupyterLab's MathJax, Colab's too) reads two ``$`` in one run of an HTML output as LaTeX:
"budget $1.00, spent $0.0000" would print "budget 1.00, spent0.0000" in italics. :func:`no_math`
writes each ``$`` as the entity ``&#36;`` and wraps the HTML in an element of the classes MathJax
skips (``tex2jax_ignore`` for MathJax 2, ``mathjax_ignore`` for MathJax 3), which is what keeps it
text once the browser has turned the entity back into a character. Plain-text outputs (``print``,
``text/plain`` reprs) are never typeset, so only HTML needs this.

:func:`html_table` draws rows as a compact table that fits a 1000-px column (small type, wrapping
cells, numbers right-aligned) with URLs shown as short links (the site's name).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from urllib.parse import urlparse

#: MathJax skips the contents of an element with one of these classes (v2 and v3 names).
NO_MATH_CLASSES = "tex2jax_ignore mathjax_ignore"

_TABLE_STYLE = ("border-collapse:collapse;font-size:12px;line-height:1.35;max-width:100%;"
                "table-layout:auto;margin:4px 0")
_CELL_STYLE = "padding:2px 6px;border-bottom:1px solid #ddd;vertical-align:top"


def no_math(html: str) -> str:
    """``html`` with every ``$`` as ``&#36;``, inside a ``div`` MathJax does not typeset."""
    return f'<div class="{NO_MATH_CLASSES}">{html.replace("$", "&#36;")}</div>'


def short_link(url: str, text: str | None = None) -> str:
    """An ``<a>`` to ``url`` showing ``text`` (default: the site's name, e.g. ``openai.com``)."""
    url = str(url)
    host = urlparse(url).netloc.removeprefix("www.") or url
    label = text if text is not None else host
    return f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener" title="{escape(url, quote=True)}">' \
           f"{escape(label)}</a>"


def _cell(value: object) -> tuple[str, bool]:
    """The cell's HTML and whether it is a number (right-aligned)."""
    if value is None:
        return "-", False
    if isinstance(value, bool):
        return escape(str(value)), False
    if isinstance(value, (int, float)):
        return escape(str(value)), True
    return linkify(str(value)), False


_URL = re.compile(r"https?://[^\s,;)]+")


def linkify(text: str) -> str:
    """``text`` escaped for HTML, with each URL in it shown as a short link (the site's name)."""
    out, pos = [], 0
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(".")
        out.append(escape(text[pos:m.start()]))
        out.append(short_link(url))
        pos = m.start() + len(url)
    out.append(escape(text[pos:]))
    return "".join(out)


def html_table(rows: Iterable[Mapping[str, object]], columns: Sequence[str] | None = None, *,
               caption: str | None = None, links: Mapping[str, str] | None = None) -> str:
    """Rows (dicts) as an HTML table that fits a notebook column, wrapped by :func:`no_math`.

    ``columns`` picks and orders the keys (default: the first row's). ``links`` maps a column to the
    column holding its URL: that cell becomes a short link to it (e.g. ``{"source": "source_url"}``).
    Values that are URLs are shown as the site's name.
    """
    rows = list(rows)
    if columns is None:
        columns = list(rows[0]) if rows else []
    links = dict(links or {})
    head = "".join(f'<th style="{_CELL_STYLE};text-align:left;border-bottom:2px solid #bbb">{escape(str(c))}</th>'
                   for c in columns)
    body = []
    for r in rows:
        cells = []
        for c in columns:
            url = r.get(links[c]) if c in links else None
            if url:
                html, numeric = short_link(str(url), "" if r.get(c) is None else str(r.get(c))), False
            else:
                html, numeric = _cell(r.get(c))
            align = "right" if numeric else "left"
            cells.append(f'<td style="{_CELL_STYLE};text-align:{align}">{html}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f'<caption style="text-align:left;font-weight:600;padding:2px 0">{escape(caption)}</caption>' if caption else ""
    return no_math(f'<table style="{_TABLE_STYLE}">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


class HTMLTable:
    """A table to display: HTML in a notebook (:func:`html_table`), aligned columns as plain text.

    The plain text is what nbval compares and what a terminal prints; the HTML is what a reader sees.
    """

    def __init__(self, rows: Iterable[Mapping[str, object]], columns: Sequence[str] | None = None, *,
                 caption: str | None = None, links: Mapping[str, str] | None = None, text: str | None = None):
        self.text = text   # the text/plain form, if not the aligned columns
        self.rows = list(rows)
        self.columns = list(columns) if columns is not None else (list(self.rows[0]) if self.rows else [])
        self.caption = caption
        self.links = dict(links or {})

    def _repr_html_(self) -> str:
        return html_table(self.rows, self.columns, caption=self.caption, links=self.links)

    def __repr__(self) -> str:
        return self.text if self.text is not None else text_table(self.rows, self.columns, caption=self.caption)


def text_table(rows: Sequence[Mapping[str, object]], columns: Sequence[str] | None = None, *,
               caption: str | None = None) -> str:
    """The same rows as right-aligned plain-text columns (``-`` for a missing value)."""
    rows = list(rows)
    if not rows:
        return caption or "(no rows)"
    cols = list(columns) if columns is not None else list(rows[0])

    def s(v: object) -> str:
        return "-" if v is None else str(v)

    width = {c: max(len(c), *(len(s(r.get(c))) for r in rows)) for c in cols}
    lines = ([caption] if caption else []) + ["  ".join(c.rjust(width[c]) for c in cols)]
    lines += ["  ".join(s(r.get(c)).rjust(width[c]) for c in cols) for r in rows]
    return "\n".join(lines)


def progress_bar(*, live: bool, **tqdm_kwargs):
    """A progress bar for a wait that takes real time: ``tqdm.auto`` (a notebook progress bar in Jupyter
    and Colab, text in a terminal) when ``live``; a silent, disabled bar otherwise.

    In replay mode a job or an upload finishes in about a second and its bar would only add stderr text
    and timings to the committed outputs (a pink box in JupyterLab, a diff for nbval), so none is drawn;
    the cell's own summary line says how it ended.
    """
    from tqdm.auto import tqdm

    if not live:
        tqdm_kwargs["disable"] = True
    return tqdm(**tqdm_kwargs)
