"""Script to video: a short script -> a shot list -> a plan -> generated clips -> one stitched MP4.

    title, scenes = parse_script(SCRIPT)
    shots = shot_list(scenes, style="watercolour, soft morning light")   # narration made and measured here
    plan = plan_shots(shots)                                             # cheapest fit per shot + a fallback
    results = await generate_shots(plan, concurrency=2)                  # a failed shot is retried once on its fallback
    path = stitch(title, shots, results, "story.mp4")                    # title cards + clips + narration, locally

Every shot's length comes from its narration (spoken offline with espeak-ng, then measured), so
the plan asks each provider for the shortest clip it allows that covers the words, and the stitched
video is exactly: opening card + for each shot (title card + narration-length clip). Stitching is
local (PyAV): clips are trimmed (or their last frame held) to the planned length and scaled to one
size, and the narration becomes the audio track.

Consistency across shots comes from one style line added to every prompt and one seed for all
shots; both show in the plan. Live, a TTS API can replace espeak-ng: pass ``tts=`` a function
``text -> (samples float32 mono, sample_rate)``.
"""
from __future__ import annotations

import asyncio
import math
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from html import escape
from pathlib import Path
from typing import Callable

import numpy as np

from ..display import no_math
from ..errors import CourseError, JobFailed, OperationTimeout
from .generate.adapter import InvalidVideoRequest, VideoAdapter, VideoRequest, VideoResult, plan_candidates
from .generate.jobs import run_job

CARD_SECONDS = 1.5
FPS = 12
SIZES = {"16:9": (320, 180), "9:16": (180, 320), "1:1": (240, 240)}


# -- script -> scenes -> shots ---------------------------------------------------------------------
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

    Without espeak-ng, words rendered ahead of time (:mod:`course_utils.voice.prerendered`) come from the
    fixtures; other words raise a one-line error saying what to install.
    """
    import soundfile as sf

    from ..voice import prerendered

    exe = shutil.which("espeak-ng")
    if exe is None:
        clip = prerendered.find(text, voice, words_per_minute)
        if clip is None:
            raise CourseError(f"espeak-ng is not installed and these words were not pre-rendered: {prerendered.INSTALL_HINT} "
                              "(or pass tts= a TTS function).")
        samples, rate = sf.read(clip, dtype="float32")
        return (samples.mean(axis=1) if samples.ndim > 1 else samples), rate
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "n.wav"
        subprocess.run([exe, "-v", voice, "-s", str(words_per_minute), "-w", str(wav), text],
                       check=True, capture_output=True, timeout=60)
        samples, rate = sf.read(wav, dtype="float32")
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    return samples, rate


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


# -- the plan --------------------------------------------------------------------------------------
@dataclass
class Option:
    """One way to make one shot: which model, how long a clip, what it costs, whether it fits."""

    key: str
    label: str
    model: str
    clip_seconds: int | None
    usd: float | None
    wait_s: float
    fits: bool
    why: str = ""

    @property
    def name(self) -> str:
        return f"{self.label} {self.model}"


@dataclass
class ShotPlan:
    shot: Shot
    choice: Option | None
    fallback: Option | None
    options: list[Option]


@dataclass
class Plan:
    """Per shot: the cheapest model that fits, a fallback on another provider, and every option considered."""

    shots: list[ShotPlan]
    adapters: dict[str, VideoAdapter] = field(repr=False)
    aspect_ratio: str = "16:9"
    resolution: str = "720p"
    concurrency: int = 2

    @property
    def total_usd(self) -> float:
        return sum(sp.choice.usd or 0.0 for sp in self.shots if sp.choice)

    @property
    def worst_usd(self) -> float:
        """If every first try fails after being billed and the fallback runs too."""
        return self.total_usd + sum(sp.fallback.usd or 0.0 for sp in self.shots if sp.fallback)

    @property
    def est_wall_s(self) -> float:
        """Rough wall time: typical waits scheduled ``concurrency`` at a time (longest first)."""
        lanes = [0.0] * max(self.concurrency, 1)
        for wait in sorted((sp.choice.wait_s for sp in self.shots if sp.choice), reverse=True):
            lanes[lanes.index(min(lanes))] += wait
        return max(lanes)

    @property
    def planned_seconds(self) -> float:
        """Length of the stitched video: opening card + per shot (card + shot)."""
        return CARD_SECONDS + sum(CARD_SECONDS + sp.shot.seconds for sp in self.shots)

    def rows(self) -> list[dict]:
        out = []
        for sp in self.shots:
            c, f = sp.choice, sp.fallback
            out.append({"shot": f"{sp.shot.index}. {sp.shot.title}", "needs": f"{sp.shot.seconds:g} s",
                        "choice": c.name if c else "none fits", "clip": f"{c.clip_seconds} s" if c else "-",
                        "cost": f"${c.usd:.3f}" if c else "-", "wait": f"~{c.wait_s:.0f} s (assumed)" if c else "-",
                        "fallback": f"{f.name} ({f.clip_seconds} s, ${f.usd:.3f})" if f else "none"})
        return out

    def skipped(self) -> list[str]:
        """Why options were left out (no price, no such length, ...), once per model."""
        seen: dict[str, str] = {}
        for sp in self.shots:
            for o in sp.options:
                if not o.fits and o.name not in seen:
                    seen[o.name] = o.why
        return [f"{k}: {v}" for k, v in seen.items()]

    def __repr__(self) -> str:
        lines = [f"Plan: {len(self.shots)} shots, {self.aspect_ratio} {self.resolution}, ${self.total_usd:.3f} "
                 f"(worst case with every fallback ${self.worst_usd:.3f}), ~{self.est_wall_s:.0f} s (assumed waits) at "
                 f"{self.concurrency} at a time, video {self.planned_seconds:g} s"]
        for r in self.rows():
            lines.append(f"  {r['shot']:<22} needs {r['needs']:<6} -> {r['choice']:<34} {r['clip']:<5} {r['cost']:<7} "
                         f"{r['wait']:<17} fallback: {r['fallback']}")
        lines += [f"  not planned: {s}" for s in self.skipped()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ["shot", "needs", "choice", "clip", "cost", "wait (assumed)", "fallback (once)"])
        body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in r.values()) + "</tr>" for r in self.rows())
        skipped = "".join(f"<li>{escape(s)}</li>" for s in self.skipped())
        return no_math(f"<p><b>Plan</b>: {len(self.shots)} shots, {self.aspect_ratio} {self.resolution}: "
                       f"<b>${self.total_usd:.3f}</b> (worst case with every fallback ${self.worst_usd:.3f}), "
                       f"~{self.est_wall_s:.0f} s (assumed waits) at {self.concurrency} at a time; video {self.planned_seconds:g} s</p>"
                       f"<table><tr>{head}</tr>{body}</table>" + (f"<p>Not planned:</p><ul>{skipped}</ul>" if skipped else ""))


def default_adapters() -> dict[str, VideoAdapter]:
    """One adapter per registered provider (see ``generate.adapter``), for the current mode."""
    from .generate.adapter import adapter_classes

    return {key: cls() for key, cls in adapter_classes().items()}


#: (adapter key, model) pairs the planner considers by default: each adapter's ``plan_models``
CANDIDATES = plan_candidates()


def _option(key: str, adapter: VideoAdapter, model: str, shot: Shot, aspect_ratio: str, resolution: str) -> Option:
    spec = adapter.spec(model)
    base = dict(key=key, label=adapter.label, model=model, wait_s=spec.typical_wait_s)
    if "text-to-video" not in spec.modes:
        return Option(**base, clip_seconds=None, usd=None, fits=False, why="no text-to-video")
    if aspect_ratio not in spec.aspect_ratios or resolution not in spec.resolutions:
        return Option(**base, clip_seconds=None, usd=None, fits=False,
                      why=f"no {aspect_ratio} {resolution} (has {', '.join(spec.aspect_ratios)}; {', '.join(spec.resolutions)})")
    if spec.model_picks_duration:
        clip = max(spec.durations)
        if clip < shot.seconds:
            return Option(**base, clip_seconds=None, usd=None, fits=False, why=f"clips up to {clip} s")
    else:
        longer = [d for d in sorted(spec.durations) if d >= shot.seconds]
        if not longer:
            return Option(**base, clip_seconds=None, usd=None, fits=False, why=f"clips up to {max(spec.durations)} s")
        clip = longer[0]
    request = VideoRequest(shot.prompt, seconds=clip, resolution=resolution, aspect_ratio=aspect_ratio, seed=shot.seed)
    try:
        usd = adapter.estimate(request, spec).total_usd
    except CourseError as exc:
        return Option(**base, clip_seconds=clip, usd=None, fits=False, why=f"no confirmed price ({exc})"[:160])
    return Option(**base, clip_seconds=clip, usd=usd, fits=True)


def plan_shots(shots: list[Shot], adapters: dict[str, VideoAdapter] | None = None,
               candidates: list[tuple[str, str]] | None = None, aspect_ratio: str = "16:9",
               resolution: str = "720p", concurrency: int = 2) -> Plan:
    """For each shot: every candidate's clip length, cost and fit; the cheapest fit; a fallback on another provider."""
    adapters = adapters or default_adapters()
    candidates = candidates or [c for c in CANDIDATES if c[0] in adapters]
    plans = []
    for shot in shots:
        options = [_option(k, adapters[k], m, shot, aspect_ratio, resolution) for k, m in candidates]
        ok = sorted((o for o in options if o.fits), key=lambda o: (o.usd, o.wait_s))
        choice = ok[0] if ok else None
        fallback = next((o for o in ok[1:] if choice and adapters[o.key].provider != adapters[choice.key].provider), None)
        plans.append(ShotPlan(shot, choice, fallback, options))
    return Plan(plans, adapters, aspect_ratio, resolution, concurrency)


# -- generating ------------------------------------------------------------------------------------
@dataclass
class ShotResult:
    shot: Shot
    result: VideoResult | None
    log: list[str]
    used: Option | None = None


async def generate_shots(plan: Plan, concurrency: int | None = None, timeout_s: float = 900.0,
                         progress: bool = True) -> list[ShotResult]:
    """Generate every planned shot, ``concurrency`` at a time; a failed shot is retried once on its fallback."""
    sem = asyncio.Semaphore(concurrency or plan.concurrency)

    async def one(sp: ShotPlan) -> ShotResult:
        log: list[str] = []
        if sp.choice is None:
            return ShotResult(sp.shot, None, [f"shot {sp.shot.index}: no model fits; skipped"])
        for option in [sp.choice, sp.fallback]:
            if option is None:
                break
            request = VideoRequest(sp.shot.prompt, seconds=option.clip_seconds or 5, resolution=plan.resolution,
                                   aspect_ratio=plan.aspect_ratio, seed=sp.shot.seed)
            async with sem:
                try:
                    result = await asyncio.to_thread(run_job, plan.adapters[option.key], request, option.model,
                                                     timeout_s=timeout_s, progress=progress,
                                                     what=f"shot {sp.shot.index}: {sp.shot.title}")
                except (JobFailed, OperationTimeout, InvalidVideoRequest) as exc:
                    said = getattr(exc, "provider_message", None) or str(exc)
                    log.append(f"shot {sp.shot.index}: {option.name} {getattr(exc, 'state', 'timed out')}: {said}")
                    continue
            log.append(f"shot {sp.shot.index}: {option.name} made a {option.clip_seconds} s clip"
                       + (" (fallback)" if option is sp.fallback else ""))
            return ShotResult(sp.shot, result, log, option)
        log.append(f"shot {sp.shot.index}: no clip (first try and fallback failed); a still card will stand in")
        return ShotResult(sp.shot, None, log)

    return list(await asyncio.gather(*(one(sp) for sp in plan.shots)))


# -- stitching -------------------------------------------------------------------------------------
def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:
        return ImageFont.load_default()


def title_card(text: str, size: tuple[int, int], subtitle: str = "") -> np.ndarray:
    """A plain title card (RGB array)."""
    from PIL import Image, ImageDraw

    w, h = size
    img = Image.new("RGB", size, (16, 18, 26))
    d = ImageDraw.Draw(img)
    words, lines, line = text.split(), [], ""
    for word in words:  # wrap to the width
        trial = f"{line} {word}".strip()
        if d.textlength(trial, font=_font(18)) > w - 24 and line:
            lines.append(line)
            line = word
        else:
            line = trial
    lines.append(line)
    y = h // 2 - 12 * len(lines) - (8 if subtitle else 0)
    for ln in lines:
        d.text(((w - d.textlength(ln, font=_font(18))) / 2, y), ln, fill=(245, 245, 245), font=_font(18))
        y += 24
    if subtitle:
        d.text(((w - d.textlength(subtitle, font=_font(11))) / 2, y + 6), subtitle, fill=(160, 160, 175), font=_font(11))
    return np.asarray(img)


def _clip_frames(path: Path | None, size: tuple[int, int]) -> list[tuple[float, np.ndarray]]:
    """(time, RGB frame scaled to ``size``) for every frame of the clip."""
    import av

    if path is None:
        return []
    out = []
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        for frame in c.decode(stream):
            img = frame.to_image()
            if img.size != size:
                img = img.resize(size)
            out.append((float(frame.time or 0.0), np.asarray(img.convert("RGB"))))
    return out


def stitch(title: str, shots: list[Shot], results: list[ShotResult], out_path: str | Path,
           aspect_ratio: str = "16:9", fps: int = FPS, card_seconds: float = CARD_SECONDS) -> Path:
    """One MP4 (H.264 + AAC): an opening card, then per shot a title card and its clip with the narration."""
    import av

    size = SIZES.get(aspect_ratio, (320, 180))
    by_index = {r.shot.index: r for r in results}
    rate = shots[0].sample_rate if shots else 22050
    segments: list[tuple[str, float, object]] = [("card", card_seconds, title_card(title, size, "made with course_utils"))]
    for shot in shots:
        res = by_index.get(shot.index)
        segments.append(("card", card_seconds, title_card(f"{shot.index}. {shot.title}", size)))
        clip = res.result.path if res and res.result else None
        frames = _clip_frames(clip, size) or [(0.0, title_card(shot.title, size, "(no clip: generation failed)"))]
        segments.append(("clip", shot.seconds, (frames, shot)))
    total = sum(seconds for _, seconds, _ in segments)
    audio = np.zeros(int(round(total * rate)), dtype=np.float32)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(out_path), "w", format="mp4") as out:
        v = out.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = size[0], size[1], "yuv420p"
        v.options = {"crf": "30", "preset": "veryfast", "threads": "1"}
        v.codec_context.time_base = Fraction(1, fps)
        a = out.add_stream("aac", rate=rate, layout="mono")
        pts, start = 0, 0.0
        for kind, seconds, payload in segments:
            n = int(round(seconds * fps))
            for i in range(n):
                if kind == "card":
                    rgb = payload
                else:
                    frames, _ = payload
                    t = i / fps
                    rgb = next((f for ft, f in reversed(frames) if ft <= t + 1e-6), frames[0][1])
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                frame.pts = pts
                pts += 1
                for packet in v.encode(frame):
                    out.mux(packet)
            if kind == "clip":
                shot = payload[1]
                s0 = int(round(start * rate))
                speech = shot.audio[: max(len(audio) - s0, 0)]
                audio[s0:s0 + len(speech)] = speech
            start += n / fps
        for packet in v.encode():
            out.mux(packet)
        frame_size = 1024
        for i in range(0, len(audio), frame_size):
            chunk = audio[i:i + frame_size]
            af = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk[None, :]), format="fltp", layout="mono")
            af.sample_rate, af.pts = rate, i
            for packet in a.encode(af):
                out.mux(packet)
        for packet in a.encode():
            out.mux(packet)
    return out_path


def probe_mp4(path: str | Path) -> dict:
    """Duration and streams of an MP4 (for checking a stitched video against its plan), read by ``frames.probe``."""
    from .frames import probe

    info = probe(path)
    return {"seconds": info.container_duration_s or info.duration_s, "streams": [dict(s) for s in info.streams]}


@dataclass
class Story:
    title: str
    shots: list[Shot]
    plan: Plan
    results: list[ShotResult]
    path: Path

    @property
    def log(self) -> list[str]:
        return [line for r in self.results for line in r.log]

    def video(self, width: int = 480):
        """A still of the story and an inline player (see ``course_utils.video.display``)."""
        from .display import VideoWithStill

        return VideoWithStill(self.path, width, html_attributes="controls")


async def script_to_video(script: str, out_path: str | Path, style: str = "", aspect_ratio: str = "16:9",
                          resolution: str = "720p", concurrency: int = 2, adapters: dict[str, VideoAdapter] | None = None,
                          candidates: list[tuple[str, str]] | None = None, progress: bool = True,
                          tts: Callable[[str], tuple[np.ndarray, int]] = narrate_espeak) -> Story:
    """The whole pipeline; returns the story (shots, plan, per-shot log, the MP4)."""
    title, scenes = parse_script(script)
    shots = shot_list(scenes, style=style, tts=tts)
    plan = plan_shots(shots, adapters, candidates, aspect_ratio, resolution, concurrency)
    results = await generate_shots(plan, progress=progress)
    path = stitch(title, shots, results, out_path, aspect_ratio)
    return Story(title, shots, plan, results, path)
