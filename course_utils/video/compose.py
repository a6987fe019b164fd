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

The pipeline is three modules: :mod:`.shots` (script -> scenes -> shots: ``parse_script``, ``shot_list``,
``narrate_espeak``), this one (the plan, the generation, :func:`script_to_video`) and :mod:`.stitch`
(the MP4: ``stitch``); import each name from its module.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Callable

import numpy as np

from ..display import no_math
from ..errors import BudgetExceeded, CourseError, JobFailed, OperationTimeout
from .generate.adapter import InvalidVideoRequest, VideoAdapter, VideoRequest, VideoResult, plan_candidates
from .generate.jobs import run_job
from .shots import Shot, narrate_espeak, parse_script, shot_list
from .stitch import CARD_SECONDS, stitch

__all__ = ["Option", "ShotPlan", "Plan",
           "CANDIDATES", "default_adapters", "plan_shots", "ShotResult", "generate_shots", "billed_twice",
           "Story", "script_to_video"]


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
    billed: list[tuple[Option, float]] = field(default_factory=list)   # attempts billed (or that may bill), USD

    @property
    def billed_twice(self) -> bool:
        """True when two attempts of this shot were (or may be) billed: a timed-out first try and its fallback."""
        return len(self.billed) > 1


def billed_twice(results: list[ShotResult]) -> list[str]:
    """One line per shot billed (or possibly billed) twice, with what each attempt costs."""
    return [f"shot {r.shot.index} ({r.shot.title}) billed twice: "
            + " + ".join(f"{o.name} ${usd:.3f}" for o, usd in r.billed) + f" = ${sum(u for _, u in r.billed):.3f}"
            for r in results if r.billed_twice]


async def generate_shots(plan: Plan, concurrency: int | None = None, timeout_s: float = 900.0,
                         progress: bool = True, retry_after_timeout: bool = True) -> list[ShotResult]:
    """Generate every planned shot, ``concurrency`` at a time; a failed shot is retried once on its fallback.

    A first try that times out after the provider accepted it may still finish and be billed (the ledger
    keeps it at its estimate). Its fallback is then a second bill: it is made only if
    ``retry_after_timeout`` (the default), priced first and reserved on the ledger like any job (over the
    budget: not made), and the shot's log and :func:`billed_twice` say so. With
    ``retry_after_timeout=False`` such a shot gets no second try (a still card stands in).
    """
    sem = asyncio.Semaphore(concurrency or plan.concurrency)

    async def one(sp: ShotPlan) -> ShotResult:
        log: list[str] = []
        if sp.choice is None:
            return ShotResult(sp.shot, None, [f"shot {sp.shot.index}: no model fits; skipped"])
        billed: list[tuple[Option, float]] = []
        for option in [sp.choice, sp.fallback]:
            if option is None:
                break
            if billed:  # the first try may still bill: the fallback is a second bill, priced and reserved
                if not retry_after_timeout:
                    log.append(f"shot {sp.shot.index}: not retried on {option.name}: the first try may still bill "
                               f"(retry_after_timeout=False)")
                    break
                log.append(f"shot {sp.shot.index}: fallback {option.name} priced ${option.usd or 0.0:.3f}, reserved on "
                           f"the ledger: a second bill for this shot")
            request = VideoRequest(sp.shot.prompt, seconds=option.clip_seconds or 5, resolution=plan.resolution,
                                   aspect_ratio=plan.aspect_ratio, seed=sp.shot.seed)
            async with sem:
                try:
                    result = await asyncio.to_thread(run_job, plan.adapters[option.key], request, option.model,
                                                     timeout_s=timeout_s, progress=progress,
                                                     what=f"shot {sp.shot.index}: {sp.shot.title}")
                except BudgetExceeded as exc:
                    log.append(f"shot {sp.shot.index}: {option.name} not made: {exc}")
                    break
                except (JobFailed, OperationTimeout, InvalidVideoRequest) as exc:
                    said = getattr(exc, "provider_message", None) or str(exc)
                    log.append(f"shot {sp.shot.index}: {option.name} {getattr(exc, 'state', 'timed out')}: {said}")
                    may_bill = float(getattr(exc, "may_bill_usd", 0.0) or 0.0)
                    if may_bill:
                        billed.append((option, may_bill))
                        log.append(f"shot {sp.shot.index}: {option.name} was accepted before the timeout: it may "
                                   f"still finish and bill ${may_bill:.3f}")
                    continue
            billed.append((option, result.actual_usd if result.actual_usd is not None else option.usd or 0.0))
            log.append(f"shot {sp.shot.index}: {option.name} made a {option.clip_seconds} s clip"
                       + (" (fallback)" if option is sp.fallback else ""))
            if len(billed) > 1:
                log.append(f"shot {sp.shot.index}: billed twice (${sum(u for _, u in billed):.3f})")
            return ShotResult(sp.shot, result, log, option, billed)
        log.append(f"shot {sp.shot.index}: no clip (first try and fallback failed); a still card will stand in")
        return ShotResult(sp.shot, None, log, None, billed)

    return list(await asyncio.gather(*(one(sp) for sp in plan.shots)))


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
