"""Voice estimators and usage pricing: OpenAI Realtime, the Live API, Gemini Live, Realtime
translation and the STT -> chat -> TTS cascade."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from ..display import no_math
from ..errors import CourseError
from ..voice.models import (
    CHAT_MODEL,
    GEMINI_LIVE_MODEL,
    OPENAI_LIVE_MODEL,
    REALTIME_MODEL,
    STT_MODEL,
    TRANSCRIPTION_MODEL,
    TRANSLATION_MODEL,
)
from .tables import PER_MILLION, CostBreakdown, _get, chars_per_text_token, price, price_row, token_rule


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


def estimate_realtime_conversation(model: str = REALTIME_MODEL, turns: int = 10,
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


def estimate_gemini_live(model: str = GEMINI_LIVE_MODEL, minutes: float = 5.0, turns_per_minute: float = 4.0,
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


def estimate_live_session(model: str = OPENAI_LIVE_MODEL, minutes: float = 5.0, standby_minutes: float = 0.0,
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

def cost_from_translation_seconds(seconds: float, model: str = TRANSLATION_MODEL, transcription_seconds: float = 0.0,
                                  transcription_model: str = TRANSCRIPTION_MODEL,
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
                                  stt_model: str = STT_MODEL, llm_model: str = CHAT_MODEL,
                                  tts_model: str = "gpt-4o-mini-tts", words_per_second: float = 2.5,
                                  tokens_per_word: float = 1.3, tts_audio_tokens_per_second: float = 20.0,
                                  on: str | date | None = None, local_tts: bool = False) -> ConversationEstimate:
    """STT -> chat -> TTS: transcription per minute, a text model re-reading the text history, TTS per reply.

    ``tts_audio_tokens_per_second`` is an assumption (gpt-4o-mini-tts bills audio output tokens;
    OpenAI's own estimate is about 1.5 cents per minute, i.e. ~20 tokens/s at $12 per 1M).
    ``local_tts``: ``tts_model`` names a local speech engine (e.g. espeak-ng), so the TTS step is free.
    """
    stt = price(stt_model, "audio_minute", on)
    llm_in, llm_out = price(llm_model, "text_input", on), price(llm_model, "text_output", on)
    tts_text, tts_audio = (0.0, 0.0) if local_tts else (price(tts_model, "text_input", on), price(tts_model, "audio_output", on))
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
    spoken = (f"{tts_model} speaks locally at no cost" if local_tts else
              f"{tts_model} (shut down {price_row(tts_model, 'audio_output', on).valid_until}: after that the cascade "
              f"needs another TTS)")
    notes = [f"{stt_model} ${stt}/min; {llm_model} re-reads the text history; {spoken}",
             f"speech ~{words_per_second:g} words/s, {tokens_per_word:g} tokens/word"]
    return ConversationEstimate(f"cascade ({stt_model} + {llm_model} + {tts_model})", rows, notes)


# -- one cascade turn, priced before it runs ---------------------------------------------------------
#: Speech rate and TTS audio-token rate the cascade's per-reply estimates assume (approximations,
#: not provider rules: the settled cost comes from each response's usage).
SPEECH_CHARS_PER_SECOND = 15.0
TTS_AUDIO_TOKENS_PER_SECOND = 20.0


def estimate_transcription(seconds: float, model: str = STT_MODEL, on: str | date | None = None) -> float:
    """USD to transcribe ``seconds`` of audio with a per-minute model (also the settled cost, from billed seconds)."""
    return seconds / 60 * price(model, "audio_minute", on)


def estimate_chat_reply(model: str, prompt_chars: int, max_reply_tokens: int, on: str | date | None = None,
                        overhead_tokens: int = 10) -> float:
    """USD ceiling of one chat reply: the prompt by the characters-per-token rule, the reply at its cap."""
    return ((prompt_chars / chars_per_text_token() + overhead_tokens) * price(model, "text_input", on)
            + max_reply_tokens * price(model, "text_output", on)) / PER_MILLION


def cost_from_chat_usage(model: str, prompt_tokens: float, completion_tokens: float,
                         on: str | date | None = None) -> float:
    """USD of one chat reply from its usage (input at the text input rate, output at the output rate)."""
    return (prompt_tokens * price(model, "text_input", on) + completion_tokens * price(model, "text_output", on)) / PER_MILLION


def estimate_tts_reply(model: str, text: str, on: str | date | None = None) -> float:
    """USD to speak ``text`` with a token-billed TTS model (OpenAI or Gemini item names): the text by the
    characters-per-token rule, the audio at ~15 characters of speech per second and 20 audio tokens per second."""
    gemini = model.startswith("gemini")
    audio_tokens = len(text) / SPEECH_CHARS_PER_SECOND * TTS_AUDIO_TOKENS_PER_SECOND
    return (len(text) / chars_per_text_token() * price(model, "input_text" if gemini else "text_input", on)
            + audio_tokens * price(model, "output_audio" if gemini else "audio_output", on)) / PER_MILLION
