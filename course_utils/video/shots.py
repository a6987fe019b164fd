"""Script to shots: a short script -> scenes -> shots, each as long as its narration.

``parse_script`` reads ``TITLE:`` / ``SCENE:`` / ``VISUAL:`` / ``NARRATION:`` lines; ``shot_list`` speaks
each narration (offline with espeak-ng, or any ``tts`` function ``text -> (samples, rate)``), measures it,
and makes the shot that long, with one style line and one seed for all shots. Part of the script-to-video
pipeline of :mod:`course_utils.video.compose`.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..errors import CourseError
from ..voice import espeak


@dataclass
class Scene:
    title: str
    visual: str
    narration: str


def parse_script(text: str) -> tuple[str, list[Scene]]:
    """``TITLE:`` then blocks of ``SCENE:`` / ``VISUAL:`` / ``NARRATION:`` lines -> (title, scenes)."""
    title = ""
    scenes: list[Scene] = []
    current: dict[str, str] = {}
    for raw in text.strip().splitlines():
        line = raw.strip()
        if not line:
            continue
        m = re.match(r"(?i)^(TITLE|SCENE|VISUAL|NARRATION)\s*:\s*(.*)$", line)
        if not m:
            if not current:
                raise CourseError(f"Script line {line!r} is not TITLE:, SCENE:, VISUAL: or NARRATION:; "
                                  f"start each line with one of those.")
            key = current.get("_last", "visual")
            current[key] = (current.get(key, "") + " " + line).strip()
            continue
        key, value = m.group(1).lower(), m.group(2).strip()
        if key == "title":
            title = value
            continue
        if key == "scene":
            if current:
                scenes.append(_scene(current))
            current = {"title": value}
        else:
            if not current:
                current = {"title": f"Scene {len(scenes) + 1}"}
            current[key] = value
        current["_last"] = key
    if current:
        scenes.append(_scene(current))
    if not scenes:
        raise CourseError("The script has no scenes: write at least one SCENE: with VISUAL: and NARRATION: lines.")
    return title or "Untitled", scenes


def _scene(d: dict[str, str]) -> Scene:
    if not d.get("visual") or not d.get("narration"):
        raise CourseError(f"Scene {d.get('title')!r} needs both a VISUAL: and a NARRATION: line.")
    return Scene(d["title"], d["visual"], d["narration"])


def narrate_espeak(text: str, voice: str = "en-us", words_per_minute: int = 165) -> tuple[np.ndarray, int]:
    """Speak ``text`` offline with espeak-ng; returns (mono float32 samples, sample rate).

    Without espeak-ng, words rendered ahead of time come from the fixtures; other words raise a one-line
    error saying what to install (see :func:`course_utils.voice.espeak.speech`).
    """
    samples, rate = espeak.speech(text, voice, words_per_minute, otherwise=" (or pass tts= a TTS function)")
    return samples.astype(np.float32) / 32768.0, rate


@dataclass
class Shot:
    """One scene as a shot: the prompt sent to a model, the narration, and how long the shot lasts."""

    index: int
    title: str
    prompt: str
    narration: str
    seconds: float  # on screen (after its title card): narration length + a short pause, in half seconds
    audio: np.ndarray = field(repr=False)
    sample_rate: int = 22050
    seed: int | None = None

    @property
    def narration_seconds(self) -> float:
        return len(self.audio) / self.sample_rate


def shot_list(scenes: list[Scene], style: str = "", seed: int | None = 7,
              tts: Callable[[str], tuple[np.ndarray, int]] = narrate_espeak) -> list[Shot]:
    """Scenes -> shots. The same ``style`` line and ``seed`` go into every shot (visual consistency)."""
    shots = []
    for i, scene in enumerate(scenes, 1):
        audio, rate = tts(scene.narration)
        seconds = math.ceil((len(audio) / rate + 0.4) * 2) / 2
        prompt = scene.visual.rstrip(".") + (f". Style: {style}." if style else ".")
        shots.append(Shot(i, scene.title, prompt, scene.narration, seconds, audio, rate, seed))
    return shots

