"""espeak-ng, the offline voice of the course: the one place that runs it.

The cascade's TTS step (notebook 02), the narration of script-to-video (notebook 04) and every fixture
script that makes synthetic speech (``scripts/make_*_fixtures.py``, ``scripts/make_demo_video.py``)
speak through here:

* :func:`render`: espeak-ng's own output for (text, voice, speed), int16 samples at its own rate,
  untouched (lossless); needs espeak-ng;
* :func:`speech`: the same, or, where espeak-ng is not installed (Colab), the same words rendered
  ahead of time (:mod:`.prerendered`); other words fail with one line saying what to install;
* :func:`espeak_pcm`: :func:`speech` as PCM16 mono 24 kHz (what the voice APIs take);
* :func:`espeak_installed`, :func:`espeak_version` (the one parser of ``espeak-ng --version``),
  :data:`INSTALL_HINT`, :func:`source_line`.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess

import numpy as np

from ..errors import CourseError
from . import prerendered

ESPEAK = "espeak-ng"
TIMEOUT_S = 60
INSTALL_HINT = ("install espeak-ng (Colab: !apt-get install -y espeak-ng; Debian/Ubuntu: apt-get install espeak-ng; "
                "macOS: brew install espeak-ng)")


def espeak_installed() -> bool:
    """Whether the espeak-ng program is on PATH."""
    return shutil.which(ESPEAK) is not None


def espeak_version() -> str:
    """The installed espeak-ng's version number, e.g. ``"1.51"`` (for provenance lines)."""
    if not espeak_installed():
        raise CourseError(f"espeak-ng is not installed: {INSTALL_HINT}.")
    try:
        out = subprocess.run([ESPEAK, "--version"], capture_output=True, text=True, check=True,
                             timeout=TIMEOUT_S).stdout
    except subprocess.SubprocessError as exc:
        raise CourseError(f"espeak-ng --version failed ({exc}); reinstall espeak-ng.") from None
    found = re.search(r"text-to-speech:\s*(\S+)", out)
    return found.group(1) if found else out.split("Data")[0].strip()


def render(text: str, voice: str, wpm: int) -> tuple[np.ndarray, int]:
    """espeak-ng's own output for ``text`` in ``voice`` at ``wpm`` words per minute: (int16 mono samples,
    sample rate), exactly as espeak-ng wrote them. Needs espeak-ng (see :func:`speech` for the fallback)."""
    import soundfile as sf

    if not espeak_installed():
        raise CourseError(f"espeak-ng is not installed: {INSTALL_HINT}.")
    try:
        wav = subprocess.run([ESPEAK, "-v", voice, "-s", str(wpm), "--stdout", text], capture_output=True,
                             check=True, timeout=TIMEOUT_S).stdout
    except subprocess.SubprocessError as exc:
        raise CourseError(f"espeak-ng failed ({exc}); check `espeak-ng --voices` for the voice {voice!r}.") from None
    samples, rate = sf.read(io.BytesIO(wav), dtype="int16")
    return (samples if samples.ndim == 1 else samples[:, 0]), int(rate)


def speech(text: str, voice: str, wpm: int, *, otherwise: str = "") -> tuple[np.ndarray, int]:
    """:func:`render`, or without espeak-ng the pre-rendered clip of exactly these words, voice and speed
    (the same samples). Words never rendered raise one line saying what to install (then ``otherwise``)."""
    if espeak_installed():
        return render(text, voice, wpm)
    clip = prerendered.find(text, voice, wpm)
    if clip is None:
        raise CourseError(f"espeak-ng is not installed and these words were not pre-rendered: {INSTALL_HINT}"
                          f"{otherwise}.")
    import soundfile as sf

    samples, rate = sf.read(clip, dtype="int16")
    return (samples if samples.ndim == 1 else samples[:, 0]), int(rate)


def espeak_pcm(text: str, voice: str = "en-us+f3", wpm: int = 165) -> bytes:
    """Speak ``text`` with espeak-ng locally (or its pre-rendered speech, see :func:`speech`); PCM16 mono 24 kHz."""
    from .audio import to_pcm16_bytes

    samples, rate = speech(text, voice, wpm)
    return to_pcm16_bytes(samples, rate)


def source_line() -> str:
    """Where speech comes from on this machine, in a few words (for stage tables and status lines)."""
    return "espeak-ng on this machine" if espeak_installed() else "espeak-ng speech pre-rendered in the fixtures"
