"""Translation fixtures: a source monologue and, per phrase, its recorded interpretation.

A folder ``data/fixtures/translation/<name>/`` (made by ``scripts/make_translation_fixtures.py``)
holds ``manifest.json`` (``provenance``, ``source_language``, ``languages``, the phrases with their
text, their span in the monologue and one clip per language) and 24 kHz mono FLAC clips.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..errors import FixtureError
from ..fixtures import fixture_dir, load_manifest
from ..voice.audio import load_audio
from ..voice.formats import duration_ms

AREA = "translation"
DEFAULT_FIXTURE = "weekly_update"


@dataclass(frozen=True)
class Clip:
    """One recorded piece of speech: its text and PCM16 24 kHz mono audio."""

    text: str
    pcm: bytes

    @property
    def duration_ms(self) -> float:
        return duration_ms(self.pcm)


@dataclass(frozen=True)
class Phrase:
    """A phrase of the source monologue: its text, where it is in the monologue, its translations."""

    index: int
    text: str
    span_ms: tuple[int, int]
    translations: dict[str, Clip]

    @property
    def duration_ms(self) -> int:
        return self.span_ms[1] - self.span_ms[0]


@dataclass(frozen=True)
class Monologue:
    """A loaded translation fixture."""

    name: str
    manifest: dict
    source_pcm: bytes
    phrases: tuple[Phrase, ...]

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.manifest["languages"])

    @property
    def source_language(self) -> str:
        return self.manifest["source_language"]

    @property
    def provenance(self) -> str:
        return self.manifest["provenance"]

    @property
    def duration_ms(self) -> float:
        return duration_ms(self.source_pcm)

    def phrase(self, n: int) -> Phrase:
        """The ``n``-th phrase (0-based), cycling after the last one."""
        return self.phrases[n % len(self.phrases)]

    def text(self, language: str | None = None) -> str:
        """The whole monologue's text in the source language, or in ``language``."""
        if language in (None, self.source_language):
            return " ".join(p.text for p in self.phrases)
        return " ".join(p.translations[language].text for p in self.phrases)


@lru_cache(maxsize=8)
def load_monologue(name: str = DEFAULT_FIXTURE) -> Monologue:
    """Load ``data/fixtures/translation/<name>/`` (audio decoded to PCM16 24 kHz mono bytes)."""
    manifest = load_manifest(AREA, name)
    folder = fixture_dir(AREA, name)
    try:
        source = load_audio(folder / manifest["monologue"]["audio"]).astype("<i2").tobytes()
        phrases = tuple(
            Phrase(p["index"], p["text"], tuple(p["span_ms"]),
                   {lang: Clip(t["text"], load_audio(folder / t["audio"]).astype("<i2").tobytes())
                    for lang, t in p["translations"].items()})
            for p in manifest["phrases"])
    except (KeyError, OSError, ValueError) as exc:
        raise FixtureError(f"Translation fixture {name} is incomplete ({type(exc).__name__}: {exc}); "
                           f"re-run scripts/make_translation_fixtures.py.") from None
    if not phrases:
        raise FixtureError(f"Translation fixture {name} has no phrases.")
    return Monologue(name, manifest, source, phrases)
