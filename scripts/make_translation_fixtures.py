"""Make the Realtime translation fixture: an English monologue and its interpretation in two languages.

Synthetic, and says so: every clip is spoken by espeak-ng (no live API was called). The English
monologue is one continuous recording (the speaker, phrases separated by pauses); each phrase's
translation is its own clip (what the interpreter says). ``LocalTranslationServer`` segments the
monologue it receives with the shared energy VAD and speaks the n-th translation for the n-th phrase.

    .venv/bin/python scripts/make_translation_fixtures.py            # writes data/fixtures/translation/weekly_update/

Layout (24 kHz mono 16-bit FLAC):
  manifest.json              provenance, languages, voices, the phrases with texts, spans and clips
  audio/monologue_en.flac    the source speech, phrases separated by pauses
  audio/<lang>_NN.flac       the translation of phrase NN into <lang>
"""
from __future__ import annotations

import argparse
import io
import sys

import numpy as np
import soundfile as sf

from course_utils.fixtures import save_fixture
from course_utils.voice.audio import load_audio
from course_utils.voice.espeak import espeak_version, render
from course_utils.voice.formats import SAMPLE_RATE
from course_utils.voice.vad import EnergyVAD

NAME = "weekly_update"
SOURCE_VOICE = "en-us+m3"
VOICES = {"es": "es", "fr": "fr"}
WPM = 160
LEAD_MS, GAP_MS, TAIL_MS = 400, 1000, 800
#: the VAD settings the server uses by default (course_utils.translation.server); checked below
VAD = {"threshold": 0.5, "prefix_padding_ms": 0, "silence_duration_ms": 600}

PHRASES = [
    {"en": "Good morning, and welcome to the product team's weekly update.",
     "es": "Buenos días, y bienvenidos a la reunión semanal del equipo de producto.",
     "fr": "Bonjour, et bienvenue à la réunion hebdomadaire de l'équipe produit."},
    {"en": "This week we shipped the new billing page to every customer.",
     "es": "Esta semana lanzamos la nueva página de facturación para todos los clientes.",
     "fr": "Cette semaine, nous avons lancé la nouvelle page de facturation pour tous les clients."},
    {"en": "Support tickets about invoices fell by a third.",
     "es": "Las consultas de soporte sobre facturas bajaron un tercio.",
     "fr": "Les demandes d'assistance sur les factures ont baissé d'un tiers."},
    {"en": "Next week we start testing the mobile app in Spain and France.",
     "es": "La próxima semana empezamos a probar la aplicación móvil en España y Francia.",
     "fr": "La semaine prochaine, nous testons l'application mobile en Espagne et en France."},
]


def speak(text: str, voice: str) -> np.ndarray:
    """espeak-ng speech as int16 mono at 24 kHz, trimmed."""
    return trim(load_audio(*render(text, voice, WPM)))


def trim(x: np.ndarray, floor: int = 60) -> np.ndarray:
    """Drop espeak's leading and trailing near-silence (keep 30 ms either side)."""
    loud = np.flatnonzero(np.abs(x.astype(np.int32)) > floor)
    if not len(loud):
        return x
    pad = SAMPLE_RATE * 30 // 1000
    return x[max(0, loud[0] - pad): loud[-1] + pad]


def silence(ms: int) -> np.ndarray:
    return np.zeros(SAMPLE_RATE * ms // 1000, dtype=np.int16)


def flac(x: np.ndarray) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, x, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    return buf.getvalue()


def ms(n_samples: int) -> int:
    return round(n_samples * 1000 / SAMPLE_RATE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default=NAME)
    args = parser.parse_args(argv)
    version = espeak_version()

    files: dict[str, bytes] = {}
    parts, spans, position = [silence(LEAD_MS)], [], LEAD_MS
    phrases = []
    for i, phrase in enumerate(PHRASES, 1):
        speech = speak(phrase["en"], SOURCE_VOICE)
        spans.append([position, position + ms(len(speech))])
        parts += [speech, silence(GAP_MS if i < len(PHRASES) else TAIL_MS)]
        position += ms(len(speech)) + (GAP_MS if i < len(PHRASES) else 0)
        entry = {"index": i, "text": phrase["en"], "span_ms": spans[-1], "translations": {}}
        for lang, voice in VOICES.items():
            clip = speak(phrase[lang], voice)
            rel = f"audio/{lang}_{i:02d}.flac"
            files[rel] = flac(clip)
            entry["translations"][lang] = {"text": phrase[lang], "audio": rel, "duration_ms": ms(len(clip))}
        phrases.append(entry)
    monologue = np.concatenate(parts)
    files["audio/monologue_en.flac"] = flac(monologue)

    vad = EnergyVAD(**VAD)
    events = vad.feed(monologue.tobytes()) + vad.feed(silence(1000).tobytes())
    starts = [e.audio_ms for e in events if e.kind == "speech_started"]
    if len(starts) != len(PHRASES):
        print(f"the VAD found {len(starts)} phrases in the monologue, not {len(PHRASES)}: lengthen GAP_MS", file=sys.stderr)
        return 1

    manifest = {
        "provenance": (f"synthetic: every clip spoken by espeak-ng {version} - the English monologue with voice "
                       f"{SOURCE_VOICE}, the translations with voices "
                       + ", ".join(f"{v} ({lang})" for lang, v in VOICES.items())
                       + f", {WPM} words per minute; texts and translations written by hand for this course; "
                       "no live API was called (scripts/make_translation_fixtures.py)"),
        "what": "a short English status update and its interpretation into Spanish and French",
        "source_language": "en",
        "languages": list(VOICES),
        "voices": {"en": SOURCE_VOICE, **VOICES},
        "sample_rate": SAMPLE_RATE,
        "monologue": {"audio": "audio/monologue_en.flac", "duration_ms": ms(len(monologue)), "lead_ms": LEAD_MS,
                      "gap_ms": GAP_MS, "vad": VAD},
        "phrases": phrases,
    }
    folder = save_fixture("translation", args.name, manifest, files)
    size = sum(len(b) for b in files.values())
    print(f"wrote {folder} ({len(files)} clips, {size / 1024:.0f} KiB; monologue {ms(len(monologue)) / 1000:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
