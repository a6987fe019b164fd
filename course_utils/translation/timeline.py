"""The interpreter's timeline: source phrases and their translations on one time axis, and the lag.

Times are **session milliseconds**: how much audio the client had sent when something happened (the
timeline the model itself runs on; at real time it is the wall clock since the session opened). The
client knows its own speech (the shared energy VAD on what it sent) and when each translated word
and audio chunk arrived, so the same measurement works live:

* ``lag_ms`` of phrase *n*: the first word of the *n*-th translated sentence arrives minus the
  *n*-th source phrase's onset - how far behind the speaker the interpreter runs.
* ``tail_ms``: the last translated audio of the phrase minus the end of the source phrase.
"""
from __future__ import annotations

from dataclasses import dataclass
from statistics import mean

from ..voice.trace import Trace, TurnFigures

SENTENCE_END = (".", "?", "!", "。", "？", "！")


class TranslationTrace(Trace):
    """A :class:`~course_utils.voice.trace.Trace` of a translation session: no responses, no turns;
    ``plot_timeline`` draws its audio deltas, appends and key events like any other trace."""

    audio_delta_types = frozenset({"session.output_audio.delta"})
    transcript_delta_types = frozenset({"session.output_transcript.delta", "session.input_transcript.delta"})
    append_types = frozenset({"session.input_audio_buffer.append"})
    key_event_types = frozenset({"session.created", "session.update", "session.updated", "session.close",
                                 "session.closed", "error", "source.speech_started", "source.speech_stopped"})
    done_label = "last audio"

    def turns(self) -> list[TurnFigures]:
        return []   # an interpreter has no turns


@dataclass
class Sentence:
    """Words grouped into a sentence: arrival of the first and last word (session ms) and the text."""

    start_ms: float
    end_ms: float
    text: str


@dataclass
class PhraseLag:
    phrase: int
    source_start_ms: float
    source_end_ms: float
    translation_start_ms: float
    translation_end_ms: float
    text: str

    @property
    def lag_ms(self) -> float:
        return self.translation_start_ms - self.source_start_ms

    @property
    def tail_ms(self) -> float:
        return self.translation_end_ms - self.source_end_ms

    def as_row(self) -> dict:
        return {"phrase": self.phrase, "source starts s": round(self.source_start_ms / 1000, 2),
                "translation starts s": round(self.translation_start_ms / 1000, 2),
                "lag ms": round(self.lag_ms), "finishes behind ms": round(self.tail_ms), "translation": self.text}


def sentences(words: list[tuple[float, str]]) -> list[Sentence]:
    """Group append-only transcript deltas ``(session_ms, delta)`` into sentences (terminal punctuation)."""
    out: list[Sentence] = []
    current: list[tuple[float, str]] = []
    for t, delta in words:
        current.append((t, delta))
        if delta.rstrip().endswith(SENTENCE_END):
            out.append(Sentence(current[0][0], current[-1][0], "".join(d for _, d in current).strip()))
            current = []
    if current:
        out.append(Sentence(current[0][0], current[-1][0], "".join(d for _, d in current).strip()))
    return out


def audio_spans(chunks: list[tuple[float, float]], gap_ms: float = 1.0) -> list[tuple[float, float]]:
    """Where received audio would play: each chunk ``(arrival_ms, duration_ms)`` starts at its arrival or
    when the previous one ends, whichever is later; touching chunks merge into one span."""
    spans: list[list[float]] = []
    for arrival, dur in chunks:
        start = max(arrival, spans[-1][1] if spans else arrival)
        if spans and start - spans[-1][1] <= gap_ms:
            spans[-1][1] = start + dur
        else:
            spans.append([start, start + dur])
    return [(a, b) for a, b in spans]


def phrase_lags(source: list[tuple[float, float]], translated: list[Sentence],
                audio: list[tuple[float, float]]) -> list[PhraseLag]:
    """Pair the n-th source phrase with the n-th translated sentence; a phrase's translation ends where
    the audio playing at the next sentence's start (or the last audio) ends."""
    spans = audio_spans(audio)
    last_audio = spans[-1][1] if spans else 0.0
    out = []
    for n, ((s0, s1), sent) in enumerate(zip(source, translated)):
        nxt = translated[n + 1].start_ms if n + 1 < len(translated) else None
        end = last_audio if nxt is None else _played_until(audio, nxt)
        out.append(PhraseLag(n + 1, s0, s1, sent.start_ms, max(end, sent.end_ms), sent.text))
    return out


def _played_until(chunks: list[tuple[float, float]], before_ms: float) -> float:
    """End of the audio that arrived before ``before_ms`` (placed as :func:`audio_spans` places it)."""
    end = 0.0
    for arrival, dur in chunks:
        if arrival >= before_ms:
            break
        end = max(arrival, end) + dur
    return end


def summary(lags: list[PhraseLag]) -> dict:
    if not lags:
        return {"phrases": 0}
    return {"phrases": len(lags), "mean lag ms": round(mean(x.lag_ms for x in lags)),
            "max lag ms": round(max(x.lag_ms for x in lags)), "min lag ms": round(min(x.lag_ms for x in lags))}


def plot(source: list[tuple[float, float]], source_text: list[str], lags: list[PhraseLag],
         audio: list[tuple[float, float]], language: str, title: str = "", ax=None,
         lanes: tuple[str, str] = ("source (en)", "translation")):
    """Source phrases and translated audio on one time axis, each phrase's lag drawn as an arrow."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(11, 2.8))
    else:
        fig = ax.figure
    for n, (a, b) in enumerate(source):
        ax.barh(1, (b - a) / 1000, left=a / 1000, height=0.5, color="tab:blue", alpha=0.75)
        if n < len(source_text):
            words = source_text[n].split()
            ax.text(a / 1000 + 0.05, 1.3, " ".join(words[:3]) + (" …" if len(words) > 3 else ""), fontsize=7)
    for a, b in audio_spans(audio, gap_ms=150.0):   # gaps shorter than this are arrival jitter, not pauses
        ax.barh(0, (b - a) / 1000, left=a / 1000, height=0.5, color="tab:orange", alpha=0.75)
    for lag in lags:
        ax.annotate("", xy=(lag.translation_start_ms / 1000, 0.28), xytext=(lag.source_start_ms / 1000, 0.72),
                    arrowprops={"arrowstyle": "->", "color": "k", "lw": 0.8})
        ax.text(lag.translation_start_ms / 1000 + 0.05, -0.45, f"+{lag.lag_ms / 1000:.1f} s", fontsize=7)
        ax.axvline(lag.translation_start_ms / 1000, ymin=0.1, ymax=0.35, color="k", lw=0.5)
    ax.set_yticks([0, 1], [lanes[1] if lanes[1] != "translation" else f"translation ({language})", lanes[0]])
    ax.set_ylim(-0.7, 1.7)
    ax.set_xlabel("session time (s of audio sent)")
    ax.set_title(title or "Source and translation on one time axis")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
