"""Prices and token rules (from ``data/pricing/``) and the cost functions the notebooks use.

Every figure comes from ``data/pricing/prices.csv`` (one row per model and unit, each with its
``source`` and ``as_of`` date, and ``valid_from`` / ``valid_until`` where the provider states them)
and ``data/pricing/token_rules.csv``. Nothing here hard-codes a price.

Estimates take a date (``on=``): prices change on dates (a promotion ends, a model shuts down). A
model that is shut down on that date is refused with a one-line error, so retired models can only
be priced as history, by asking for a date when they still ran.
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

from .data_location import DATA_DIR
from .display import no_math
from .errors import CourseError

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


# -- OpenAI Realtime -----------------------------------------------------------------------------
def realtime_audio_tokens(seconds: float, role: str) -> float:
    """Realtime audio tokens for ``seconds`` of audio: user 1 per 100 ms, assistant 1 per 50 ms."""
    if role not in ("user", "assistant"):
        raise CourseError(f"role must be 'user' or 'assistant', not {role!r}.")
    return seconds * token_rule(f"realtime_{role}_audio_tokens_per_second")


def cost_from_realtime_usage(usage: Any, model: str, on: str | date | None = None) -> CostBreakdown:
    """Cost of one Realtime ``response.done`` ``usage`` block (dict or SDK object), by modality, cached apart."""
    inp, out = _get(usage, "input_token_details", None), _get(usage, "output_token_details", None)
    cached = _get(inp, "cached_tokens_details", None)
    result = CostBreakdown(f"{model} response")
    for modality in ("text", "audio", "image"):
        total = _get(inp, f"{modality}_tokens")
        hit = _get(cached, f"{modality}_tokens")
        if total - hit:
            result.add(f"{modality} input", total - hit, "tokens", price(model, f"{modality}_input", on), PER_MILLION)
        if hit:
            result.add(f"{modality} input (cached)", hit, "tokens", price(model, f"{modality}_cached_input", on), PER_MILLION)
    for modality in ("text", "audio"):
        n = _get(out, f"{modality}_tokens")
        if n:
            result.add(f"{modality} output", n, "tokens", price(model, f"{modality}_output", on), PER_MILLION)
    return result


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


@dataclass
class ConversationEstimate:
    """Per-turn cost of a conversation where each response re-reads everything said so far."""

    model: str
    rows: list[dict]
    notes: list[str]

    @property
    def total_usd(self) -> float:
        return sum(r["usd"] for r in self.rows)

    @property
    def minutes(self) -> float:
        return self.rows[-1]["elapsed_min"] if self.rows else 0.0

    @property
    def usd_per_minute(self) -> float:
        return self.total_usd / self.minutes if self.minutes else 0.0

    def __repr__(self) -> str:
        out = [f"{self.model}: {len(self.rows)} turn{'s' if len(self.rows) != 1 else ''}, {self.minutes:.1f} min, ${self.total_usd:.4f} "
               f"(${self.usd_per_minute:.4f}/min)"]
        out += [f"  turn {r['turn']:>3}: input {r['input_tokens']:>7,.0f} tok ({r['cached_tokens']:>7,.0f} cached), "
                f"output {r['output_tokens']:>6,.0f} tok, ${r['usd']:.4f}, cumulative ${r['cumulative_usd']:.4f}"
                for r in self.rows]
        out += [f"  note: {n}" for n in self.notes]
        return "\n".join(out)

    def _repr_html_(self) -> str:
        cols = ["turn", "elapsed_min", "input_tokens", "cached_tokens", "output_tokens", "usd", "cumulative_usd"]
        body = "".join("<tr>" + "".join(f"<td style='text-align:right'>{r[c]:,.4g}</td>" for c in cols) + "</tr>" for r in self.rows)
        notes = "".join(f"<li>{escape(n)}</li>" for n in self.notes)
        return no_math(f"<b>{escape(self.model)}</b>: {len(self.rows)} turn{'s' if len(self.rows) != 1 else ''}, {self.minutes:.1f} min, <b>${self.total_usd:.4f}</b> "
                       f"(${self.usd_per_minute:.4f}/min)<table><tr>{''.join(f'<th>{c}</th>' for c in cols)}</tr>{body}</table>"
                       f"<ul>{notes}</ul>")


def _conversation(model: str, turns: int, user_s: float, assistant_s: float, instructions_tokens: float,
                  user_tps: float, assistant_in_tps: float, assistant_out_tps: float, transcript_tps: float,
                  prices: dict[str, float], cache_min_tokens: float | None) -> list[dict]:
    """Turn-by-turn token and cost arithmetic shared by the token-billed speech-to-speech APIs.

    Turn t's input is the instructions plus every user and assistant turn so far (the context is
    re-read); with caching, the prefix the previous response already read is billed at the cached rate.
    """
    rows, audio_ctx, text_ctx, prev_prompt, cumulative = [], 0.0, float(instructions_tokens), 0.0, 0.0
    for t in range(1, turns + 1):
        audio_ctx += user_s * user_tps
        prompt = text_ctx + audio_ctx
        cached = prev_prompt if (cache_min_tokens is not None and prev_prompt >= cache_min_tokens) else 0.0
        # the cached prefix holds the instructions (text) first, then audio
        cached_text = min(cached, text_ctx)
        cached_audio = cached - cached_text
        out_audio, out_text = assistant_s * assistant_out_tps, assistant_s * transcript_tps
        usd = ((text_ctx - cached_text) * prices["text_in"] + cached_text * prices["text_cached"]
               + (audio_ctx - cached_audio) * prices["audio_in"] + cached_audio * prices["audio_cached"]
               + out_audio * prices["audio_out"] + out_text * prices["text_out"]) / PER_MILLION
        cumulative += usd
        rows.append({"turn": t, "elapsed_min": t * (user_s + assistant_s) / 60, "input_tokens": prompt,
                     "cached_tokens": cached, "output_tokens": out_audio + out_text, "usd": usd,
                     "cumulative_usd": cumulative})
        prev_prompt = prompt
        audio_ctx += assistant_s * assistant_in_tps  # the reply joins the context for the next turn
    return rows


def estimate_realtime_conversation(model: str = "gpt-realtime-2.1", turns: int = 10,
                                   user_seconds_per_turn: float = 5.0, assistant_seconds_per_turn: float = 10.0,
                                   instructions_tokens: int = 500, caching: bool = True,
                                   transcript_tokens_per_second: float = 3.0,
                                   on: str | date | None = None) -> ConversationEstimate:
    """Estimate a Realtime conversation turn by turn.

    Each response re-reads the whole conversation (instructions, every user and assistant turn so
    far), so the cost per minute grows with the conversation's length. User audio counts 1 token per
    100 ms, assistant audio 1 per 50 ms (also when re-read). With ``caching``, the prefix the
    previous response read is billed at the cached rate once it reaches 1,024 tokens.
    """
    prices = {"text_in": price(model, "text_input", on), "text_cached": price(model, "text_cached_input", on),
              "text_out": price(model, "text_output", on), "audio_in": price(model, "audio_input", on),
              "audio_cached": price(model, "audio_cached_input", on), "audio_out": price(model, "audio_output", on)}
    rows = _conversation(model, turns, user_seconds_per_turn, assistant_seconds_per_turn, instructions_tokens,
                         realtime_audio_tokens(1, "user"), realtime_audio_tokens(1, "assistant"),
                         realtime_audio_tokens(1, "assistant"), transcript_tokens_per_second, prices,
                         1024 if caching else None)
    notes = [f"{user_seconds_per_turn:g} s user + {assistant_seconds_per_turn:g} s assistant per turn; "
             f"{instructions_tokens} instruction tokens; transcript ~{transcript_tokens_per_second:g} text tokens per second of reply",
             "caching on: the previous prompt is a cached prefix (from 1,024 tokens)" if caching else "caching off",
             f"prices from data/pricing/prices.csv ({price_row(model, 'audio_input', on).source})"]
    return ConversationEstimate(model, rows, notes)


def estimate_gemini_live(model: str = "gemini-3.8-live", minutes: float = 5.0, turns_per_minute: float = 4.0,
                         user_talk_fraction: float = 0.4, assistant_talk_fraction: float = 0.4,
                         instructions_tokens: int = 500, transcript_tokens_per_second: float = 3.0,
                         on: str | date | None = None) -> ConversationEstimate:
    """Estimate a Gemini Live session: token-billed, and session memory re-reads earlier turns.

    Audio counts 32 tokens per second both ways (Gemini's audio rule); no context caching assumed.
    """
    turns = max(1, round(minutes * turns_per_minute))
    turn_s = 60.0 / turns_per_minute
    tps = token_rule("gemini_audio_tokens_per_second")
    prices = {"text_in": price(model, "input_text", on), "text_cached": price(model, "input_text", on),
              "text_out": price(model, "output_text", on), "audio_in": price(model, "input_audio", on),
              "audio_cached": price(model, "input_audio", on), "audio_out": price(model, "output_audio", on)}
    rows = _conversation(model, turns, turn_s * user_talk_fraction, turn_s * assistant_talk_fraction,
                         instructions_tokens, tps, tps, tps, transcript_tokens_per_second, prices, None)
    for r in rows:  # elapsed time includes the silence between talk
        r["elapsed_min"] = r["turn"] / turns_per_minute
    notes = [f"{turns_per_minute:g} turns/min; user talks {user_talk_fraction:.0%}, assistant {assistant_talk_fraction:.0%} of the time",
             f"audio {tps:g} tokens/s each way (token_rules.csv: gemini_audio_tokens_per_second); session memory re-read each turn; no caching",
             f"prices from data/pricing/prices.csv ({price_row(model, 'input_audio', on).source})"]
    return ConversationEstimate(model, rows, notes)


def estimate_live_session(model: str = "gpt-live-1.1", minutes: float = 5.0, standby_minutes: float = 0.0,
                          on: str | date | None = None) -> CostBreakdown:
    """OpenAI Live API: a flat rate per minute of session time, billed per second (not rounded up)."""
    result = CostBreakdown(f"{model} session, {minutes:g} min")
    rate = price(model, "session_minute", on)
    result.add("session time", minutes, "minutes", rate)
    if standby_minutes:
        result.add("standby (paused inference, WebRTC)", standby_minutes, "minutes", price(model, "standby_minute", on))
    result.notes.append("billed per second of session time from start to close, silence included; "
                        "backend Responses models and tools are billed separately")
    return result


# -- OpenAI Realtime translation -------------------------------------------------------------------
TRANSLATION_MODEL = "gpt-realtime-translate"


def cost_from_translation_seconds(seconds: float, model: str = TRANSLATION_MODEL, transcription_seconds: float = 0.0,
                                  transcription_model: str = "gpt-realtime-whisper",
                                  on: str | date | None = None) -> CostBreakdown:
    """A Realtime translation session's cost from the duration of the audio it was sent (silence included):
    billed per minute of audio, not per token. ``transcription_seconds``: audio also transcribed in the
    source language (``audio.input.transcription``), priced at ``transcription_model``'s per-minute rate."""
    result = CostBreakdown(f"{model} session, {seconds:g} s of audio")
    result.add("translated audio", seconds / 60, "minutes", price(model, "audio_minute", on))
    if transcription_seconds:
        result.add(f"source transcription ({transcription_model})", transcription_seconds / 60, "minutes",
                   price(transcription_model, "audio_minute", on))
        result.notes.append("source transcription counted at its own per-minute price: OpenAI's pages do not say "
                            "whether a translation session bills it separately, so the budget guard errs high")
    result.notes.append(f"billed by audio duration (data/pricing/prices.csv: {price_row(model, 'audio_minute', on).source})")
    return result


def estimate_translation_session(minutes: float = 5.0, listeners: int = 1, model: str = TRANSLATION_MODEL,
                                 transcription_model: str | None = None,
                                 on: str | date | None = None) -> CostBreakdown:
    """Estimate Realtime translation for ``minutes`` of speech into ``listeners`` target languages.

    A session has one output language, so each listener language is its own session receiving the same
    audio: the cost scales with the number of languages, not of people (everyone who hears Spanish shares
    the Spanish session). With ``transcription_model``, one of the sessions also transcribes the source.
    """
    if listeners < 1:
        raise CourseError(f"listeners is the number of target languages (sessions), at least 1 (got {listeners}).")
    result = CostBreakdown(f"{model}: {minutes:g} min into {listeners} language{'s' if listeners != 1 else ''}")
    result.add(f"translated audio ({listeners} session{'s' if listeners != 1 else ''})", minutes * listeners,
               "minutes", price(model, "audio_minute", on))
    if transcription_model:
        result.add(f"source transcription ({transcription_model}, one session)", minutes, "minutes",
                   price(transcription_model, "audio_minute", on))
        result.notes.append("source transcription counted at its own per-minute price (not confirmed as billed "
                            "separately; counted so the estimate errs high)")
    result.notes.append("one session per target language, each billed for the whole duration, silence included")
    return result


def estimate_cascade_conversation(turns: int = 10, user_seconds_per_turn: float = 5.0,
                                  assistant_seconds_per_turn: float = 10.0, instructions_tokens: int = 500,
                                  stt_model: str = "gpt-transcribe", llm_model: str = "gpt-6-luna",
                                  tts_model: str = "gpt-4o-mini-tts", words_per_second: float = 2.5,
                                  tokens_per_word: float = 1.3, tts_audio_tokens_per_second: float = 20.0,
                                  on: str | date | None = None) -> ConversationEstimate:
    """STT -> chat -> TTS: transcription per minute, a text model re-reading the text history, TTS per reply.

    ``tts_audio_tokens_per_second`` is an assumption (gpt-4o-mini-tts bills audio output tokens;
    OpenAI's own estimate is about 1.5 cents per minute, i.e. ~20 tokens/s at $12 per 1M).
    """
    stt = price(stt_model, "audio_minute", on)
    llm_in, llm_out = price(llm_model, "text_input", on), price(llm_model, "text_output", on)
    tts_text, tts_audio = price(tts_model, "text_input", on), price(tts_model, "audio_output", on)
    rows, history, cumulative = [], float(instructions_tokens), 0.0
    for t in range(1, turns + 1):
        user_tokens = user_seconds_per_turn * words_per_second * tokens_per_word
        reply_tokens = assistant_seconds_per_turn * words_per_second * tokens_per_word
        history += user_tokens
        usd = (user_seconds_per_turn / 60 * stt + (history * llm_in + reply_tokens * llm_out) / PER_MILLION
               + (reply_tokens * tts_text + assistant_seconds_per_turn * tts_audio_tokens_per_second * tts_audio) / PER_MILLION)
        cumulative += usd
        rows.append({"turn": t, "elapsed_min": t * (user_seconds_per_turn + assistant_seconds_per_turn) / 60,
                     "input_tokens": history, "cached_tokens": 0.0, "output_tokens": reply_tokens, "usd": usd,
                     "cumulative_usd": cumulative})
        history += reply_tokens
    notes = [f"{stt_model} ${stt}/min; {llm_model} re-reads the text history; {tts_model} "
             f"(shut down {price_row(tts_model, 'audio_output', on).valid_until}: after that the cascade needs another TTS)",
             f"speech ~{words_per_second:g} words/s, {tokens_per_word:g} tokens/word"]
    return ConversationEstimate(f"cascade ({stt_model} + {llm_model} + {tts_model})", rows, notes)


# -- Gemini --------------------------------------------------------------------------------------
def _gemini_get(obj: Any, name: str, default: Any = 0) -> Any:
    """A Gemini usage field from an SDK object, or a dict in either form: snake_case (the SDK's
    ``model_dump()``) or camelCase (the wire JSON, ``usageMetadata``)."""
    if isinstance(obj, Mapping) and name not in obj:
        head, *rest = name.split("_")
        name = head + "".join(p.title() for p in rest)
    return _get(obj, name, default)


def cost_from_gemini_usage(usage_metadata: Any, model: str, on: str | date | None = None) -> CostBreakdown:
    """Cost of one Gemini response from its ``usage_metadata`` (SDK object, or dict with snake_case or
    camelCase keys), by modality. One rule on both sides: tokens a total counts beyond its
    per-modality details (separators, timestamps) are priced as text."""
    g = _gemini_get
    result = CostBreakdown(f"{model} response")

    def side(total: int, details: list, kind: str) -> None:
        counted = 0
        for d in details:
            modality = str(g(d, "modality", "TEXT")).split(".")[-1].lower()
            n = g(d, "token_count")
            counted += n
            if n:
                result.add(f"{modality} {kind}", n, "tokens", price(model, f"{kind}_{modality}", on), PER_MILLION)
        if total - counted > 0:
            label = "output" if kind == "output" and not details else f"other {kind} (not in details)"
            result.add(label, total - counted, "tokens", price(model, f"{kind}_text", on), PER_MILLION)

    side(g(usage_metadata, "prompt_token_count"), g(usage_metadata, "prompt_tokens_details", None) or [], "input")
    out_details = g(usage_metadata, "candidates_tokens_details", None) or g(usage_metadata, "response_tokens_details", None) or []
    out_total = g(usage_metadata, "candidates_token_count") or g(usage_metadata, "response_token_count")
    side(out_total, out_details, "output")
    thoughts = g(usage_metadata, "thoughts_token_count")
    if thoughts:
        result.add("thinking (billed as output)", thoughts, "tokens", price(model, "output_text", on), PER_MILLION)
    return result


def gemini_video_tokens_per_frame(model: str, media_resolution: str = "default") -> float:
    """Tokens per sampled video frame: Gemini 3 uses 70 (default/low/medium) or 280 (high)."""
    res = media_resolution.lower().replace("media_resolution_", "")
    if res not in ("default", "low", "medium", "high", "unspecified"):
        raise CourseError(f"media_resolution must be default, low, medium or high, not {media_resolution!r}.")
    if model.startswith(("gemini-2", "gemini-1")):
        return token_rule("gemini2_video_tokens_per_frame_low" if res == "low" else "gemini2_video_tokens_per_frame_default")
    return token_rule("gemini3_video_tokens_per_frame_high" if res == "high" else "gemini3_video_tokens_per_frame_default")


def estimate_video_understanding(model: str = "gemini-3.8-flash", duration_s: float = 300.0, fps: float | None = None,
                                 media_resolution: str = "default", audio: bool = True, prompt_tokens: int = 200,
                                 output_tokens: int = 800, on: str | date | None = None) -> CostBreakdown:
    """Tokens and cost of sending a video to Gemini: frames at ``fps`` (default 1) x tokens per frame + audio."""
    fps = token_rule("gemini_video_default_fps") if fps is None else fps
    frames = math.ceil(duration_s * fps)
    tpf = gemini_video_tokens_per_frame(model, media_resolution)
    result = CostBreakdown(f"{model}: {duration_s:g} s video at {fps:g} fps, media_resolution={media_resolution}")
    result.add(f"video frames ({frames} x {tpf:g} tokens)", frames * tpf, "tokens", price(model, "input_video", on), PER_MILLION)
    if audio:
        result.add("audio track", duration_s * token_rule("gemini_audio_tokens_per_second"), "tokens",
                   price(model, "input_audio", on), PER_MILLION)
    result.add("prompt", prompt_tokens, "tokens", price(model, "input_text", on), PER_MILLION)
    result.add("output (incl. thinking)", output_tokens, "tokens", price(model, "output_text", on), PER_MILLION)
    return result


def estimate_gemini_images(model: str = "gemini-3.8-flash", n_images: int = 20, media_resolution: str = "low",
                           prompt_tokens: int = 200, output_tokens: int = 800, on: str | date | None = None) -> CostBreakdown:
    """Sampled screenshots sent as images: Gemini 3 image tokens by media resolution."""
    per = token_rule(f"gemini3_image_tokens_{'medium' if media_resolution == 'default' else media_resolution}")
    result = CostBreakdown(f"{model}: {n_images} images at media_resolution={media_resolution}")
    result.add(f"images ({n_images} x {per:g} tokens)", n_images * per, "tokens", price(model, "input_image", on), PER_MILLION)
    result.add("prompt", prompt_tokens, "tokens", price(model, "input_text", on), PER_MILLION)
    result.add("output (incl. thinking)", output_tokens, "tokens", price(model, "output_text", on), PER_MILLION)
    return result


def openai_image_tokens(width: int, height: int, detail: str = "high") -> int:
    """OpenAI image input tokens (GPT-4o-class tiling): base + tiles of 512 px after scaling."""
    base, tile = token_rule("openai_image_base_tokens"), token_rule("openai_image_tile_tokens")
    if detail == "low":
        return int(base)
    scale = min(1.0, 2048 / max(width, height))
    w, h = width * scale, height * scale
    scale = min(1.0, 768 / min(w, h))
    w, h = w * scale, h * scale
    return int(base + tile * math.ceil(w / 512) * math.ceil(h / 512))


# -- video generation ----------------------------------------------------------------------------
_OMNI_PREFIX = "gemini-omni"


def estimate_video_generation(provider: str, model: str, seconds: float, resolution: str = "720p",
                              prompt_tokens: int = 100, on: str | date | None = None) -> CostBreakdown:
    """Cost of generating ``seconds`` of video.

    Per-second models: the row ``video_second_<resolution>``. Gemini Omni Flash is billed in tokens:
    seconds x output tokens per second at that resolution (token_rules.csv) x the output-video rate,
    plus the prompt at the input rate.
    """
    res = resolution.lower()
    result = CostBreakdown(f"{provider} {model}: {seconds:g} s at {res}")
    if model.startswith(_OMNI_PREFIX):
        rule = f"omni_flash_output_tokens_per_second_{res}"
        if rule not in token_rules():
            known = [k.rsplit("_", 1)[-1] for k in token_rules() if k.startswith("omni_flash_output_tokens_per_second_")]
            raise CourseError(f"No confirmed token rate for {model} at {res}; known resolutions: {', '.join(known)}.")
        tps = token_rule(rule)
        result.add(f"video output ({tps:g} tokens/s)", seconds * tps, "tokens", price(model, "output_video", on), PER_MILLION)
        result.add("prompt", prompt_tokens, "tokens", price(model, "input", on), PER_MILLION)
        result.notes.append(f"rule: cost/s = {tps:g} tokens/s x ${price(model, 'output_video', on)}/1M "
                            f"= ${tps * price(model, 'output_video', on) / PER_MILLION:.4f}/s")
    else:
        row = price_row(model, f"video_second_{res}", on)
        result.add("video", seconds, "seconds", row.usd)  # type: ignore[arg-type]
        if row.status not in ("current",):
            result.notes.append(f"{row.status}: {row.note}")
    return result
