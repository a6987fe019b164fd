"""The cascade: speech -> text -> reply text -> speech, as three separate calls in series.

This is the "traditional STT + LLM + TTS" path the chapter compares with the Realtime API:

1. **transcribe** the user's audio with ``gpt-transcribe`` (``client.audio.transcriptions.create``);
2. **chat**: ``gpt-6-luna`` writes the reply (``client.chat.completions.create``);
3. **speak** the reply: the TTS step. OpenAI's ``/v1/audio/speech`` models (``tts-1``, ``tts-1-hd``,
   ``gpt-4o-mini-tts``) shut down on **2027-01-06** (notice 2026-10-01) and no new speech model was
   announced (OpenAI points to the Realtime API instead). After that date the OpenAI TTS step fails:
   :class:`ModelRetired` says so before any call. Alternatives here: ``espeak-ng`` (local, offline,
   robotic, free) and Google's ``gemini-3.8-flash-lite-tts`` (live mode, ``google-genai``).

Each stage is timed (start, first byte, end, from the moment the user's speech ended). The calls
go through the official ``openai`` client from :func:`course_utils.clients.openai_client`: in replay
mode that client talks to the local REST stand-in, which answers from ``data/fixtures/cascade/*``
after waiting each exchange's ``latency_ms`` (a published figure, with its source in the fixture's
manifest), so replayed stage times are **replayed, not measured**; :class:`Stage` says which.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import Any

from . import costs
from .clients import openai_client
from .config import get_config
from .endpoints import current_mode, route
from .errors import CourseError
from .fixtures import fixture_dir, load_manifest
from .voice import espeak
from .voice.audio import load_audio, to_pcm16_bytes, wav_bytes
from .voice.formats import SAMPLE_RATE, duration_ms
from .voice.models import CHAT_MODEL, GEMINI_TTS_MODEL, STT_MODEL

OPENAI_TTS_MODEL = "gpt-4o-mini-tts"
ESPEAK = espeak.ESPEAK
TTS_ENGINES = (ESPEAK, OPENAI_TTS_MODEL, GEMINI_TTS_MODEL)
FIXTURE = ("cascade", "support_turn")
DEFAULT_INSTRUCTIONS = "You are a friendly voice assistant. Answer in a few short spoken sentences."


class ModelRetired(CourseError):
    """The model a step needs is shut down on the date asked for."""


# -- results -----------------------------------------------------------------------------------------
@dataclass
class Stage:
    """One step of a voice turn on a common clock (ms from the end of the user's speech)."""

    path: str          # "cascade" | "realtime" | ...
    name: str          # transcribe | chat | speak | ...
    model: str
    start_ms: float
    first_ms: float    # first byte of the answer (first audio for a speaking stage)
    end_ms: float
    timing: str        # "measured" | "replayed" | "measured (replayed delays)"
    source: str = ""   # where a replayed figure comes from
    detail: dict = field(default_factory=dict)

    @property
    def duration_ms(self) -> float:
        return self.end_ms - self.start_ms


@dataclass
class InterruptionReport:
    """What each side believes was said when the user cut the reply off after ``heard_ms``."""

    heard_ms: float
    reply_ms: float
    reply_text: str
    heard_text_estimate: str
    history_text: str      # what the chat history (the model's memory) holds for this reply

    def __repr__(self) -> str:
        return (f"heard {self.heard_ms / 1000:.1f} s of {self.reply_ms / 1000:.1f} s of the reply\n"
                f"  the user heard about: {self.heard_text_estimate!r}\n"
                f"  the model's history : {self.history_text!r}")


@dataclass
class CascadeTurn:
    """One user utterance through the cascade: texts, reply audio and the timed stages."""

    transcript: str
    reply: str
    audio: bytes              # reply audio, PCM16 mono 24 kHz
    stages: list[Stage]
    tts: str
    mode: str
    history: list[dict]       # the chat messages after this turn
    usage: dict = field(default_factory=dict)

    @property
    def time_to_first_audio_ms(self) -> float:
        """From the end of the user's speech to the first byte of reply audio."""
        return self.stages[-1].first_ms

    @property
    def total_ms(self) -> float:
        return self.stages[-1].end_ms

    @property
    def reply_ms(self) -> float:
        return duration_ms(self.audio, SAMPLE_RATE)

    @property
    def replayed(self) -> bool:
        return any("replayed" in s.timing for s in self.stages)

    def interrupt(self, heard_ms: float) -> InterruptionReport:
        """The user talks over the reply after ``heard_ms``: what the cascade knows about it.

        The cascade has no channel to say "the user stopped listening here": its chat history keeps
        the whole reply, and the words actually heard can only be estimated (here, in proportion to
        time). Compare the Realtime API's ``conversation.item.truncate(audio_end_ms=...)``.
        """
        heard_ms = max(0.0, min(float(heard_ms), self.reply_ms))
        words = self.reply.split()
        n = round(len(words) * heard_ms / self.reply_ms) if self.reply_ms else 0
        return InterruptionReport(heard_ms, self.reply_ms, self.reply, " ".join(words[:n]),
                                  self.history[-1]["content"] if self.history else "")

    def table(self) -> list[dict]:
        return [{"stage": s.name, "model": s.model, "start_ms": round(s.start_ms), "first_byte_ms": round(s.first_ms),
                 "end_ms": round(s.end_ms), "timing": s.timing, "source": s.source} for s in self.stages]

    def __repr__(self) -> str:
        lines = [f"cascade turn ({self.mode} mode, TTS: {self.tts}): first audio after "
                 f"{self.time_to_first_audio_ms:.0f} ms, done after {self.total_ms:.0f} ms",
                 f"  heard   : {self.transcript!r}", f"  replied : {self.reply!r} ({self.reply_ms / 1000:.1f} s of audio)"]
        for s in self.stages:
            lines.append(f"  {s.name:<10} {s.model:<26} {s.start_ms:7.0f} -> {s.end_ms:7.0f} ms  {s.timing}"
                         + (f" ({s.source})" if s.source else ""))
        return "\n".join(lines)


# -- the stages ------------------------------------------------------------------------------------
def _day(on: date | str | None) -> date:
    return on if isinstance(on, date) else (date.fromisoformat(str(on)) if on else date.today())


def _tts_row(model: str, on: date | str | None) -> costs.PriceRow:
    """The price row of a TTS model's audio output on ``on``; :class:`ModelRetired` once it is shut down."""
    item = "output_audio" if model.startswith("gemini") else "audio_output"
    try:
        return costs.price_row(model, item, on)
    except CourseError:
        rows = [r for r in costs.price_table() if r.model == model and r.item == item]
        ended = max((r.valid_until for r in rows if r.valid_until), default=None)
        day = _day(on)
        if ended and ended < day:
            raise ModelRetired(
                f"{model} was shut down on {ended}, so the cascade's TTS step has "
                f"no model on {day}: use tts='{ESPEAK}' (offline) or tts='{GEMINI_TTS_MODEL}' (live), or the "
                f"Realtime API, which OpenAI names as the replacement.") from None
        raise


def check_tts(tts: str, on: date | str | None = None) -> str:
    """Raise :class:`ModelRetired` if ``tts`` cannot speak on the date ``on`` (default today); return a status line."""
    if tts == ESPEAK:
        if espeak.espeak_installed():
            return f"{ESPEAK}: local speech synthesis, offline, no cost"
        if current_mode() == "replay":  # the replayed replies were rendered ahead of time
            return (f"{ESPEAK}: not installed here, so replay uses its speech pre-rendered in the fixtures; "
                    f"to speak new words, {espeak.INSTALL_HINT}")
        raise CourseError(f"espeak-ng is not installed: {espeak.INSTALL_HINT}, or use tts='{GEMINI_TTS_MODEL}' in live mode.")
    if tts not in TTS_ENGINES:
        raise CourseError(f"Unknown TTS {tts!r}; use one of {', '.join(TTS_ENGINES)}.")
    row = _tts_row(tts, on)
    until = f", shuts down {row.valid_until}" if row.valid_until else ""
    return f"{tts}: {row.status}{until} (source: {row.source})"


class Cascade:
    """STT -> chat -> TTS, three calls in series, each timed (see the module doc).

    >>> cascade = Cascade(tts="espeak-ng")
    >>> turn = cascade.run("data/fixtures/cascade/support_turn/question.flac")
    >>> turn.time_to_first_audio_ms, turn.stages
    """

    def __init__(self, tts: str = ESPEAK, *, stt_model: str = STT_MODEL, chat_model: str = CHAT_MODEL,
                 instructions: str = DEFAULT_INSTRUCTIONS, voice: str = "alloy",
                 fixtures: list[tuple[str, str]] | None = None, on: date | str | None = None,
                 max_reply_tokens: int = 150):
        self.tts = tts
        self.on = on
        if tts == GEMINI_TTS_MODEL and current_mode() == "replay":
            raise CourseError(f"{GEMINI_TTS_MODEL} has no recorded exchange to replay: use setup(mode='live') with "
                              f"GEMINI_API_KEY, or tts='{ESPEAK}' offline.")
        check_tts(tts, on)  # fail before any call if the TTS model is gone
        self.stt_model, self.chat_model = stt_model, chat_model
        self.voice = voice
        self.max_reply_tokens = max_reply_tokens
        self.fixtures = list(fixtures) if fixtures is not None else [FIXTURE]
        self.history: list[dict] = [{"role": "system", "content": instructions}]
        self._client = openai_client(fixtures=self.fixtures)
        self.mode = current_mode()
        self._latencies = self._replayed_latencies() if self.mode == "replay" else {}

    def _replayed_latencies(self) -> dict[str, dict]:
        """``stage -> {"latency_ms", "source"}`` from the fixtures' manifests (replay mode)."""
        out: dict[str, dict] = {}
        for area, name in self.fixtures:
            manifest = load_manifest(area, name)
            for stage, info in manifest.get("stage_latencies", {}).items():
                out.setdefault(stage, info)
        return out

    def _stage(self, name: str, model: str, t0: float, start: float, first: float, end: float, **detail) -> Stage:
        rel = lambda t: (t - t0) * 1000  # noqa: E731
        if name == "speak" and self.tts == ESPEAK:
            timing, source = "measured", espeak.source_line()
        elif self.mode == "replay":
            info = self._latencies.get(name, {})
            timing = "measured (replayed delays)"
            source = f"replayed {info.get('latency_ms', '?')} ms: {info.get('source', 'no source in the manifest')}"
        else:
            timing, source = "measured", f"{self.mode} API"
        return Stage("cascade", name, model, rel(start), rel(first), rel(end), timing, source, detail)

    # -- one turn ------------------------------------------------------------------------------------
    def run(self, audio: Any, *, filename: str = "question.wav") -> CascadeTurn:
        """Send one utterance (a path, bytes or samples) through the three stages; return the timed turn."""
        pcm = to_pcm16_bytes(load_audio(audio))
        seconds = duration_ms(pcm) / 1000
        ledger = get_config().ledger
        stages: list[Stage] = []
        usage: dict = {}
        t0 = time.perf_counter()  # the user's speech has just ended

        # 1. transcribe
        est = costs.estimate_transcription(seconds, self.stt_model)
        with ledger.reserve("openai", self.stt_model, f"transcribe {seconds:.1f} s", est) as entry:
            start = time.perf_counter()
            result = self._client.audio.transcriptions.create(model=self.stt_model,
                                                              file=(filename, wav_bytes(pcm), "audio/wav"))
            end = time.perf_counter()
            billed_s = getattr(getattr(result, "usage", None), "seconds", None) or seconds
            entry.settle(costs.estimate_transcription(billed_s, self.stt_model), seconds=billed_s)
        transcript = result.text.strip()
        stages.append(self._stage("transcribe", self.stt_model, t0, start, end, end, chars=len(transcript)))

        # 2. chat
        self.history.append({"role": "user", "content": transcript})
        est = costs.estimate_chat_reply(self.chat_model, sum(len(m["content"]) for m in self.history),
                                        self.max_reply_tokens)
        with ledger.reserve("openai", self.chat_model, "chat reply", est) as entry:
            start = time.perf_counter()
            chat = self._client.chat.completions.create(model=self.chat_model, messages=self.history,
                                                        max_completion_tokens=self.max_reply_tokens)
            end = time.perf_counter()
            u = chat.usage
            if u is not None:
                usage["chat"] = {"prompt_tokens": u.prompt_tokens, "completion_tokens": u.completion_tokens}
                entry.settle(costs.cost_from_chat_usage(self.chat_model, u.prompt_tokens, u.completion_tokens),
                             **usage["chat"])
        reply = (chat.choices[0].message.content or "").strip()
        self.history.append({"role": "assistant", "content": reply})
        stages.append(self._stage("chat", self.chat_model, t0, start, end, end, chars=len(reply)))

        # 3. speak
        speak_pcm, start, first, end = self._speak(reply)
        stages.append(self._stage("speak", self.tts, t0, start, first, end, audio_ms=duration_ms(speak_pcm)))
        return CascadeTurn(transcript, reply, speak_pcm, stages, self.tts, self.mode,
                           [dict(m) for m in self.history], usage)

    def _speak(self, text: str) -> tuple[bytes, float, float, float]:
        check_tts(self.tts, self.on)
        ledger = get_config().ledger
        if self.tts == ESPEAK:
            start = time.perf_counter()
            pcm = espeak.espeak_pcm(text)
            end = time.perf_counter()
            return pcm, start, end, end  # espeak-ng gives the audio all at once
        if self.tts == OPENAI_TTS_MODEL:
            est = costs.estimate_tts_reply(OPENAI_TTS_MODEL, text, self.on)
            with ledger.reserve("openai", OPENAI_TTS_MODEL, "speak reply", est):
                start = time.perf_counter()
                first = None
                parts = []
                with self._client.audio.speech.with_streaming_response.create(
                        model=OPENAI_TTS_MODEL, voice=self.voice, input=text, response_format="flac") as resp:
                    for chunk in resp.iter_bytes(4800):
                        if first is None:
                            first = time.perf_counter()
                        parts.append(chunk)
                end = time.perf_counter()
            return to_pcm16_bytes(load_audio(b"".join(parts))), start, first or end, end
        return self._speak_gemini(text)

    def _speak_gemini(self, text: str) -> tuple[bytes, float, float, float]:
        cfg = get_config()
        from google import genai
        from google.genai import types

        from .standins.gemini import gemini_standin

        est = costs.estimate_tts_reply(GEMINI_TTS_MODEL, text, self.on)
        r = route("google", standin=gemini_standin)  # live only: replay refuses this TTS in __init__
        client = genai.Client(api_key=r.api_key, http_options=types.HttpOptions(base_url=r.base_url))
        with cfg.ledger.reserve("google", GEMINI_TTS_MODEL, "speak reply", est):
            start = time.perf_counter()
            response = client.models.generate_content(
                model=GEMINI_TTS_MODEL, contents=text,
                config=types.GenerateContentConfig(
                    response_modalities=["AUDIO"],
                    speech_config=types.SpeechConfig(voice_config=types.VoiceConfig(
                        prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name="Kore")))))
            end = time.perf_counter()
        data = response.candidates[0].content.parts[0].inline_data.data  # PCM16 24 kHz mono
        return bytes(data), start, end, end


# -- cost per minute ---------------------------------------------------------------------------------
def estimate_cascade(tts: str = ESPEAK, turns: int = 10, user_seconds_per_turn: float = 5.0,
                     assistant_seconds_per_turn: float = 10.0, instructions_tokens: int = 500,
                     words_per_second: float = 2.5, tokens_per_word: float = 1.3,
                     on: date | str | None = None) -> costs.ConversationEstimate:
    """A cascade conversation's cost turn by turn (``.usd_per_minute``), for a given TTS step.

    With an OpenAI TTS model this is :func:`course_utils.costs.estimate_cascade_conversation` (which
    refuses dates after the model's shutdown). With ``espeak-ng`` the TTS step is free (local), so
    only transcription and the chat model's re-read text history are billed, with the same assumptions.
    """
    if tts != ESPEAK:
        check_tts(tts, on)
        return costs.estimate_cascade_conversation(turns, user_seconds_per_turn, assistant_seconds_per_turn,
                                                   instructions_tokens, STT_MODEL, CHAT_MODEL, tts,
                                                   words_per_second, tokens_per_word, on=on)
    return costs.estimate_cascade_conversation(turns, user_seconds_per_turn, assistant_seconds_per_turn,
                                               instructions_tokens, STT_MODEL, CHAT_MODEL, ESPEAK,
                                               words_per_second, tokens_per_word, on=on, local_tts=True)


# -- replayed figures and the waterfall ------------------------------------------------------------
def replayed_latency_table(fixture: tuple[str, str] = FIXTURE) -> list[dict]:
    """The stage latencies a replay fixture waits, with their sources (for notebooks)."""
    manifest = load_manifest(*fixture)
    return [{"stage": k, "latency_ms": v["latency_ms"], "source": v["source"], "note": v.get("note", "")}
            for k, v in manifest.get("stage_latencies", {}).items()]


def fixture_question(fixture: tuple[str, str] = FIXTURE) -> str:
    """Path of the fixture's user utterance (the same clip the Realtime comparison uses)."""
    spec = load_manifest(*fixture)["question_audio"]
    folder = fixture_dir(*spec["fixture"]) if spec.get("fixture") else fixture_dir(*fixture)
    return str(folder / spec["file"])


_COLORS = {"transcribe": "#7e57c2", "chat": "#ef6c00", "speak": "#2e7d32", "respond": "#1565c0"}
_PATH_COLORS = {"cascade": "#2e7d32", "realtime": "#1565c0"}


def plot_waterfall(stages: list[Stage], ax=None, title: str = "Where the time goes (0 = the end of the user's turn)"):
    """One bar per stage, a tick at each first byte, a dashed line at each path's first audio."""
    import matplotlib.pyplot as plt

    if ax is None:
        _fig, ax = plt.subplots(figsize=(9, 0.55 * len(stages) + 1.4))
    labels = []
    first_audio: dict[str, float] = {}
    for i, s in enumerate(stages):
        y = len(stages) - 1 - i
        hatch = "//" if "replayed" in s.timing else None
        ax.barh(y, s.duration_ms, left=s.start_ms, color=_COLORS.get(s.name, "#546e7a"), alpha=0.85, hatch=hatch,
                edgecolor="white")
        if s.first_ms < s.end_ms:
            ax.plot([s.first_ms, s.first_ms], [y - 0.4, y + 0.4], color="black", lw=1)
        ax.text(s.end_ms + 15, y, f"{s.duration_ms:.0f} ms", va="center", fontsize=8)
        labels.append(f"{s.path}: {s.name} ({s.model})")
        first_audio[s.path] = s.first_ms  # the last stage of a path speaks
    right = max(s.end_ms for s in stages) * 1.15
    for path, ms in first_audio.items():
        ax.axvline(ms, color=_PATH_COLORS.get(path, "black"), ls="--", lw=1)
        ax.text(ms, len(stages) - 0.45, f" {path}: first audio {ms:.0f} ms", fontsize=8, va="bottom",
                color=_PATH_COLORS.get(path, "black"))
    ax.set_xlim(0, right)
    ax.set_ylim(-0.6, len(stages) + 0.2)
    ax.set_yticks(range(len(stages)))
    ax.set_yticklabels(list(reversed(labels)), fontsize=8)
    ax.set_xlabel("ms after the end of the user's turn (hatched: the server waited a replayed delay)")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return ax


def stages_table_html(stages: list[Stage]) -> str:
    rows = "".join(
        f"<tr><td>{escape(s.path)}</td><td>{escape(s.name)}</td><td>{escape(s.model)}</td><td>{s.start_ms:.0f}</td>"
        f"<td>{s.first_ms:.0f}</td><td>{s.end_ms:.0f}</td><td>{escape(s.timing)}</td><td>{escape(s.source)}</td></tr>"
        for s in stages)
    head = "".join(f"<th>{h}</th>" for h in ["path", "stage", "model", "start ms", "first byte ms", "end ms", "timing", "source"])
    return f"<table><tr>{head}</tr>{rows}</table>"


def load_exchanges_json(fixture: tuple[str, str] = FIXTURE) -> list[dict]:
    """The raw exchanges of a cascade fixture (for tests and the curious)."""
    return json.loads((fixture_dir(*fixture) / "exchanges.json").read_text())
