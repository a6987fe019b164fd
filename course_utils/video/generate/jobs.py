"""One job model for every video-generation provider.

    estimate -> budget check -> submit -> poll (backoff, Retry-After, timeout, progress bar)
             -> download -> settle the ledger -> show

Every provider says "my job is running" differently (Runway ``RUNNING``, Kling ``processing``, fal
``IN_PROGRESS``, Google ``in_progress`` / ``done: false``). An adapter (one small module per
provider) translates its provider's answer into a :class:`JobStatus` with one of seven states
(``refused``: content policy; ``rejected``: bad parameters, seen at submit):

    queued -> running -> succeeded | refused | rejected | failed | cancelled

:func:`run_job` does the rest, the same way for all of them. A refused or failed job raises
:class:`~course_utils.errors.JobFailed` carrying the provider's own message and what to do; a job
still unfinished at the deadline raises :class:`~course_utils.errors.OperationTimeout`.

In replay mode each adapter talks to a local stand-in whose jobs run on a scaled clock (one
simulated second is a few milliseconds): :func:`run_job` scales its waits by the adapter's
``time_scale`` the same way, and reports times in simulated (provider) seconds.
"""
from __future__ import annotations

import base64
import json
import tempfile
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Literal

from ...config import get_config
from ...errors import CourseError, JobFailed, OperationTimeout
from ...ledger import Ledger, LedgerEntry

State = Literal["queued", "running", "succeeded", "refused", "rejected", "failed", "cancelled"]
STATES: tuple[str, ...] = ("queued", "running", "succeeded", "refused", "rejected", "failed", "cancelled")
TERMINAL = frozenset({"succeeded", "refused", "failed", "cancelled", "rejected"})
DOWNLOAD_READ_TIMEOUT_S = 30.0  # a clip download that sends nothing for this long is abandoned (JobFailed)

#: What to tell a learner, by final state.
ADVICE = {
    "refused": ("rephrase the prompt or change the input image (no real people, brands, logos or unsafe "
                "content), then submit again"),
    "failed": "submit again later, or on another provider (compose.generate_shots retries once on a fallback)",
    "cancelled": "the job was cancelled; submit it again if you still want it",
    "rejected": "fix the request (model, length, aspect ratio, resolution) as the provider's message says",
}


class InvalidVideoRequest(CourseError, ValueError):
    """The request does not fit the model (clip length, aspect ratio, resolution, mode) - caught before any call."""


class RateLimited(Exception):
    """Raised by an adapter when its provider answered HTTP 429; ``retry_after`` from the header (seconds) or None."""

    def __init__(self, retry_after: float | None, message: str = "rate limited"):
        self.retry_after = retry_after
        super().__init__(message)


class JobRejected(Exception):
    """Raised by an adapter's ``submit`` when the provider refuses the job outright (content policy:
    ``state="refused"``; bad parameters: ``state="rejected"``), with the provider's own words."""

    def __init__(self, state: str, message: str, code: str | None = None):
        self.state, self.message, self.code = state, message, code
        super().__init__(message)


def retry_after_seconds(headers: Any) -> float | None:
    """The ``Retry-After`` header (seconds form, or an HTTP date) as seconds, or None."""
    if not headers:
        return None
    value = None
    for k in headers.keys():
        if str(k).lower() == "retry-after":
            value = headers[k]
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        from email.utils import parsedate_to_datetime
        try:
            return max((parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds(), 0.0)
        except (TypeError, ValueError):
            return None


# -- what a learner asks for ---------------------------------------------------------------------
@dataclass
class VideoRequest:
    """One clip to generate. ``image`` makes it image-to-video; ``previous`` an edit of an earlier result."""

    prompt: str
    seconds: int = 5
    resolution: str = "720p"
    aspect_ratio: str = "16:9"
    image: bytes | None = field(default=None, repr=False)  # first frame (PNG/JPEG bytes)
    image_mime: str = "image/png"
    last_frame: bytes | None = field(default=None, repr=False)  # Veo: first/last-frame control
    previous: "VideoResult | None" = field(default=None, repr=False)  # Omni: conversational edit
    seed: int | None = None
    negative_prompt: str | None = None

    @property
    def mode(self) -> str:
        if self.previous is not None:
            return "edit"
        return "image-to-video" if self.image is not None else "text-to-video"

    def image_data_uri(self) -> str:
        if self.image is None:
            raise InvalidVideoRequest("This request has no image; pass image=open('frame.png','rb').read().")
        return f"data:{self.image_mime};base64,{base64.b64encode(self.image).decode()}"


@dataclass(frozen=True)
class ModelSpec:
    """What one model accepts, and how it is priced and how long it usually takes."""

    model: str
    durations: tuple[int, ...]
    aspect_ratios: tuple[str, ...]
    resolutions: tuple[str, ...]
    modes: frozenset[str]
    price_model: str | None = None  # the model id of its row in data/pricing/prices.csv (default: model)
    price_provider: str | None = None
    typical_wait_s: float = 120.0  # rough wall time of one job; see wait_note
    wait_note: str = "assumption, not measured"
    model_picks_duration: bool = False  # the model chooses the length (Omni 1.1): estimate the longest
    extras: tuple[str, ...] = ()  # controls beyond the prompt: first/last frame, reference images, seed, ...
    note: str = ""


@dataclass
class JobStatus:
    """One provider answer, normalised."""

    state: str
    progress: float | None = None  # 0..1 when the provider reports it
    message: str | None = None  # the provider's own words (failure, refusal)
    code: str | None = None
    video_url: str | None = None
    video_bytes: bytes | None = field(default=None, repr=False)
    actual_usd: float | None = None  # what the provider reports it charged (credits, usage)
    seconds: float | None = None  # clip length when the provider says
    raw: Any = field(default=None, repr=False)


@dataclass
class JobEvent:
    """A change seen while polling, at ``t`` simulated seconds after submit."""

    t: float
    state: str
    progress: float | None = None
    note: str = ""


# -- adapters --------------------------------------------------------------------------------------
class VideoAdapter(ABC):
    """One provider. Subclasses set the class attributes and implement submit / poll (and maybe download)."""

    provider: str = ""  # config/ledger name: google, vertex, runway, kling, fal
    label: str = ""
    models: dict[str, ModelSpec] = {}
    default_model: str = ""
    time_scale: float = 1.0  # replay: the stand-in's clock scale
    standin: Any = None

    def __init__(self, client: Any = None, *, standin: Any = None, **client_options: Any):
        """``client``: a ready SDK client; else ``_make_client`` makes one for the mode (replay: the local stand-in)."""
        if client is None:
            client, standin = self._make_client(standin, **client_options)
        self.client = client
        self.standin = standin
        self.time_scale = standin.time_scale if standin is not None else 1.0

    @staticmethod
    @abstractmethod
    def _make_client(standin: Any = None, **options: Any) -> tuple[Any, Any]:
        """(SDK client, stand-in or None) for the current mode."""

    def spec(self, model: str | None = None) -> ModelSpec:
        model = model or self.default_model
        if model not in self.models:
            raise InvalidVideoRequest(f"{self.label} has no model {model!r} here; use one of {', '.join(self.models)}.")
        return self.models[model]

    def check(self, request: VideoRequest, spec: ModelSpec) -> None:
        """Refuse, before any call, a request the model cannot do (one line that says what fits)."""
        if request.mode not in spec.modes:
            raise InvalidVideoRequest(f"{self.label} {spec.model} does not do {request.mode}; it does "
                                      f"{', '.join(sorted(spec.modes))}.")
        if not spec.model_picks_duration and request.seconds not in spec.durations:
            raise InvalidVideoRequest(f"{self.label} {spec.model} makes clips of {_durations(spec.durations)} s, not "
                                      f"{request.seconds} s; pass seconds= one of those.")
        if request.aspect_ratio not in spec.aspect_ratios:
            raise InvalidVideoRequest(f"{self.label} {spec.model} takes aspect ratios {', '.join(spec.aspect_ratios)}, "
                                      f"not {request.aspect_ratio}.")
        if request.resolution not in spec.resolutions:
            raise InvalidVideoRequest(f"{self.label} {spec.model} renders {', '.join(spec.resolutions)}, "
                                      f"not {request.resolution}.")
        if request.last_frame is not None and "last frame" not in spec.extras:
            raise InvalidVideoRequest(f"{self.label} {spec.model} has no last-frame control; use Veo 3.1 for that.")

    def billed_seconds(self, request: VideoRequest, spec: ModelSpec) -> float:
        return float(max(spec.durations)) if spec.model_picks_duration else float(request.seconds)

    def estimate(self, request: VideoRequest, spec: ModelSpec):
        """The cost estimate (a ``CostBreakdown``) from data/pricing, before anything is sent."""
        from ... import costs

        result = costs.estimate_video_generation(spec.price_provider or self.provider, spec.price_model or spec.model,
                                                 self.billed_seconds(request, spec), request.resolution)
        if spec.model_picks_duration:
            result.notes.append(f"{spec.model} chooses the clip length: reserved for the longest "
                                f"({max(spec.durations)} s), settled from usage")
        return result

    @abstractmethod
    def submit(self, request: VideoRequest, spec: ModelSpec) -> Any:
        """Start the job; return a handle for :meth:`poll`. Raise :class:`RateLimited` on HTTP 429."""

    @abstractmethod
    def poll(self, handle: Any) -> JobStatus:
        """The job's status now. Raise :class:`RateLimited` on HTTP 429."""

    def job_id(self, handle: Any) -> str:
        return str(handle)

    def download(self, status: JobStatus) -> bytes:
        """The MP4: inline bytes, or a GET of the (pre-signed) output URL."""
        if status.video_bytes is not None:
            return status.video_bytes
        if not status.video_url:
            raise JobFailed(f"{self.label} reported success but no video; submit the job again.",
                            provider=self.provider)
        import httpx

        resp = httpx.get(status.video_url, timeout=httpx.Timeout(DOWNLOAD_READ_TIMEOUT_S, connect=10.0),
                         follow_redirects=True)
        resp.raise_for_status()
        return resp.content

    def __repr__(self) -> str:
        where = f"replay stand-in, time x{self.time_scale:g}" if self.standin is not None else "live API"
        return f"<{type(self).__name__} {self.label}: {', '.join(self.models)} ({where})>"


def _durations(values: tuple[int, ...]) -> str:
    values = tuple(sorted(values))
    if len(values) > 3 and values == tuple(range(values[0], values[-1] + 1)):
        return f"{values[0]}–{values[-1]}"
    return ", ".join(str(v) for v in values)


# -- results ---------------------------------------------------------------------------------------
@dataclass
class VideoResult:
    """A finished job: the clip on disk, what it cost, and what happened when."""

    provider: str
    label: str
    model: str
    request: VideoRequest
    job_id: str
    path: Path
    estimate_usd: float
    actual_usd: float
    events: list[JobEvent]
    time_scale: float = 1.0
    seconds: float | None = None  # length of the clip received
    entry: LedgerEntry | None = field(default=None, repr=False)
    raw: Any = field(default=None, repr=False)

    def time_in_states(self) -> dict[str, float]:
        """Simulated (provider) seconds spent in each state, from the polling events."""
        return time_in_states(self.events)

    def video(self, width: int = 320):
        """A still of the clip and an inline player (embedded so the notebook carries it); the still
        shows even where the player does not (an untrusted notebook, GitHub's viewer)."""
        from ..display import VideoWithStill

        return VideoWithStill(self.path, width, html_attributes="controls muted loop")

    def show(self, width: int = 320) -> None:
        from IPython.display import display

        display(self.video(width))

    def summary(self) -> str:
        length = f"{self.seconds:g} s" if self.seconds else f"{self.request.seconds} s asked"
        return (f"{self.label} {self.model}: {self.request.mode}, {length}, {self.request.resolution} "
                f"{self.request.aspect_ratio} -> {self.path.name}; estimate ${self.estimate_usd:.4f}, "
                f"actual ${self.actual_usd:.4f}")

    def __repr__(self) -> str:
        return f"<VideoResult {self.summary()}>"


def time_in_states(events: list[JobEvent]) -> dict[str, float]:
    """Seconds per state between consecutive events ("submitted": accepted, first status not seen yet)."""
    out: dict[str, float] = {}
    for a, b in zip(events, events[1:]):
        if a.state in TERMINAL or a.state == "timed out":
            continue
        out[a.state] = out.get(a.state, 0.0) + max(b.t - a.t, 0.0)
    return out


# -- the loop ---------------------------------------------------------------------------------------
class _Clock:
    """Simulated seconds: wall seconds / scale (scale 1 in live mode)."""

    def __init__(self, scale: float, sleep: Callable[[float], None] = time.sleep):
        self.scale = scale
        self.t0 = time.monotonic()
        self._sleep = sleep

    def restart(self) -> None:
        self.t0 = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self.t0) / self.scale

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._sleep(seconds * self.scale)


def _progress_bar(label: str, enabled: bool, time_scale: float):
    """Live (``time_scale`` 1): a notebook progress bar (``tqdm.auto``), redrawn at most once a second.
    Replay (jobs of a second or less): none, so the saved outputs hold no stderr and no timings
    (``course_utils.display.progress_bar``); the job's summary line says how it ended."""
    from ...display import progress_bar

    return progress_bar(live=enabled and time_scale == 1.0, total=100, desc=label, unit="%", leave=True,
                        mininterval=1.0, maxinterval=10.0, bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}")


def _scrubbed(text: str) -> str:
    """Provider words, with every key form and every configured key value removed."""
    from ...secrets import scrub

    return scrub(" ".join(str(text).split()), get_config().secrets())


def _job_failed(adapter: VideoAdapter, spec: ModelSpec, status: JobStatus, job_id: str) -> JobFailed:
    kind = status.state if status.state in ADVICE else "failed"
    said = _scrubbed(status.message) if status.message else "(no message)"
    code = f" [{status.code}]" if status.code else ""
    err = JobFailed(f"{adapter.label} {spec.model} {kind} job {job_id}{code}: \u201c{said}\u201d. "
                    f"What to do: {ADVICE[kind]}.", provider=adapter.provider, provider_message=said)
    err.state = kind  # type: ignore[attr-defined]
    err.code = status.code  # type: ignore[attr-defined]
    return err


def _call_failed(adapter: VideoAdapter, spec: ModelSpec, exc: Exception) -> JobFailed:
    said = _scrubbed(str(exc))[:300] or type(exc).__name__
    status = getattr(exc, "status_code", None) or getattr(exc, "code", None)
    if status in (401, 403):
        todo = f"check the {adapter.provider} key (setup() says which variable) and that it may use {spec.model}"
    elif status is not None:
        todo = "read the provider's message above; fix the request or try again later"
    else:
        todo = "check the network (and, in replay, that nothing else stopped the local stand-in), then try again"
    err = JobFailed(f"{adapter.label} {spec.model}: the call failed ({type(exc).__name__}: {said}). What to do: {todo}.",
                    provider=adapter.provider, provider_message=said)
    err.state = "error"  # type: ignore[attr-defined]
    err.code = str(status) if status is not None else None  # type: ignore[attr-defined]
    return err


def _call(fn: Callable[[], Any], clock: _Clock, deadline: float, events: list[JobEvent], max_wait: float,
          attempt_wait: list[float], max_rate_limited: int = 8) -> Any:
    """Call ``fn``; on 429 wait Retry-After (or the current backoff) and call again, until the deadline or
    ``max_rate_limited`` 429s in a row (a 429 storm: stop asking, say so)."""
    limited = 0
    while True:
        try:
            return fn()
        except RateLimited as rl:
            limited += 1
            if limited > max_rate_limited:
                raise OperationTimeout(f"rate limited (HTTP 429) {limited} times in a row; gave up after "
                                       f"{clock.now():.0f} s. Try again later, or raise max_rate_limited.") from None
            wait = rl.retry_after if rl.retry_after is not None else attempt_wait[0]
            attempt_wait[0] = min(attempt_wait[0] * 2, max_wait)
            left = deadline - clock.now()
            if wait >= left:
                raise OperationTimeout(f"rate limited (HTTP 429, Retry-After {wait:g} s) with only {max(left, 0):.0f} s "
                                       f"left before the {deadline:.0f} s timeout; try again later or raise timeout_s.") from None
            why = "Retry-After" if rl.retry_after is not None else "backoff"
            events.append(JobEvent(clock.now(), "rate limited", None, f"HTTP 429; waiting {wait:g} s ({why})"))
            clock.sleep(wait)


def run_job(adapter: VideoAdapter, request: VideoRequest, model: str | None = None, *,
            timeout_s: float = 900.0, poll_s: float = 5.0, max_poll_s: float = 30.0, backoff: float = 1.5,
            max_rate_limited: int = 8, progress: bool = True, show: bool = False, out_dir: str | Path | None = None,
            ledger: Ledger | None = None, what: str | None = None) -> VideoResult:
    """Run one video job end to end and return the clip (see the module docstring for the steps).

    ``timeout_s``, ``poll_s`` and ``max_poll_s`` are provider (simulated) seconds: in replay they are
    scaled like the stand-in's clock. Polls start every ``poll_s`` and back off by ``backoff`` up to
    ``max_poll_s``; a 429 waits what ``Retry-After`` says, and more than ``max_rate_limited`` 429s in a row
    give up with :class:`OperationTimeout`. ``ledger`` defaults to ``setup()``'s. The clip is written under a
    temporary name, checked (a readable MP4) and only then renamed, so a download cut short never leaves a
    file that looks complete.
    """
    spec = adapter.spec(model)
    adapter.check(request, spec)
    estimate = adapter.estimate(request, spec)
    ledger = ledger if ledger is not None else get_config().ledger
    entry = ledger.reserve(adapter.provider, spec.model, what or f"{request.mode} {request.seconds}s {request.resolution}",
                           estimate.total_usd)  # BudgetExceeded here: nothing has been sent
    clock = _Clock(adapter.time_scale)
    events: list[JobEvent] = []
    backoff_wait = [poll_s]
    bar = _progress_bar(f"{adapter.label} {spec.model}", progress, adapter.time_scale)
    handle = None
    try:
        try:
            handle = _call(lambda: adapter.submit(request, spec), clock, timeout_s, events, max_poll_s, backoff_wait,
                           max_rate_limited)
        except JobRejected as rej:  # refused or rejected at submit time: nothing to poll
            job_id = "(not accepted)"
            status = JobStatus(rej.state, message=rej.message, code=rej.code)
            events.append(JobEvent(clock.now(), rej.state, None, rej.message))
        else:
            job_id = adapter.job_id(handle)
            clock.restart()  # times are "seconds since the provider accepted the job", like its own schedule
            events.append(JobEvent(0.0, "submitted", None, job_id))
        interval = poll_s
        last_state = None
        while handle is not None:
            status = _call(lambda: adapter.poll(handle), clock, timeout_s, events, max_poll_s, backoff_wait,
                           max_rate_limited)
            if status.state != last_state or (status.progress is not None and events and status.progress != events[-1].progress):
                events.append(JobEvent(clock.now(), status.state, status.progress))
                last_state = status.state
            shown = 100 if status.state == "succeeded" else int(100 * (status.progress or 0.0))
            bar.set_postfix_str(status.state, refresh=False)
            bar.update(max(shown - bar.n, 0))
            if status.state in TERMINAL:
                break
            if clock.now() + interval > timeout_s:
                raise OperationTimeout(
                    f"{adapter.label} {spec.model} job {job_id} was still {status.state} after {timeout_s:.0f} s; "
                    f"it may still finish (and be billed): look it up later by its id, or raise timeout_s.")
            clock.sleep(interval)
            interval = min(interval * backoff, max_poll_s)
    except OperationTimeout:
        events.append(JobEvent(clock.now(), "timed out"))
        if handle is None:
            entry.cancel("timed out before the job was accepted")
        else:
            entry.settle(estimate.total_usd, note="timed out: the job may still finish and be billed")
        bar.close()
        raise
    except (CourseError, KeyboardInterrupt, SystemExit) as exc:
        if entry.status == "reserved":
            entry.cancel(f"{type(exc).__name__} before the job finished")
        bar.close()
        raise
    except Exception as exc:  # an SDK / HTTP error we did not map: one line, the provider's words, what to do
        if entry.status == "reserved":
            entry.cancel(f"{type(exc).__name__} before the job finished")
        bar.close()
        raise _call_failed(adapter, spec, exc) from None  # the SDK's own exception text may carry a key
    bar.close()
    if status.state != "succeeded":
        charged = status.actual_usd
        if charged:
            entry.settle(charged, state=status.state, message=status.message)
        else:
            entry.cancel(f"{status.state}: {status.message}")
        _record(adapter, spec, request, events, status, job_id)
        raise _job_failed(adapter, spec, status, job_id)
    actual = status.actual_usd if status.actual_usd is not None else estimate.total_usd
    entry.settle(actual, job_id=job_id, source="provider usage" if status.actual_usd is not None else "estimate")
    folder = Path(out_dir) if out_dir else Path(tempfile.gettempdir()) / "course_videogen"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{adapter.provider}-{_safe(job_id)}.mp4"
    try:
        data = adapter.download(status)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # the job is done (and billed): say so, keep nothing half-written
        raise _download_failed(adapter, spec, status, job_id, f"{type(exc).__name__}: {_scrubbed(str(exc))[:200]}") from None
    seconds = _save_clip(path, data)
    if seconds is None:
        raise _download_failed(adapter, spec, status, job_id,
                               f"the {len(data):,} bytes received are not a readable MP4 (cut short?)")
    _record(adapter, spec, request, events, status, job_id)
    result = VideoResult(adapter.provider, adapter.label, spec.model, request, job_id, path, estimate.total_usd,
                         actual, events, adapter.time_scale, seconds, entry, status.raw)
    if show:
        result.show()
    return result


def _download_failed(adapter: VideoAdapter, spec: ModelSpec, status: JobStatus, job_id: str, why: str) -> JobFailed:
    err = JobFailed(f"{adapter.label} {spec.model} job {job_id} succeeded, but its clip could not be downloaded whole ({why}); "
                    f"nothing was saved. What to do: download it again soon from err.video_url (provider links expire, "
                    f"often within a day), or run the job again (it was billed).", provider=adapter.provider,
                    provider_message=why)
    err.state = "download failed"  # type: ignore[attr-defined]
    err.code = None  # type: ignore[attr-defined]
    err.video_url = status.video_url  # type: ignore[attr-defined]
    return err


def _save_clip(path: Path, data: bytes) -> float | None:
    """Write the clip under a temporary name, check it is a readable MP4, then rename it into place.

    Returns its length in seconds; returns None (and leaves nothing behind) if it is not readable, so a
    download cut short never sits at ``path`` looking complete."""
    part = path.with_name(path.name + ".part")
    try:
        with open(part, "wb") as f:
            f.write(data)
        seconds = _clip_seconds(part)
        if seconds is None:
            return None
        part.replace(path)
        return seconds
    finally:
        part.unlink(missing_ok=True)


def _clip_seconds(path: Path) -> float | None:
    """The length of an MP4 (container duration), or None if it cannot be read."""
    try:
        import av

        with av.open(str(path)) as container:
            return round((container.duration or 0) / 1e6, 2) or None
    except Exception:  # not a readable video: the caller still gets the bytes on disk
        return None


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[-60:]


def _record(adapter: VideoAdapter, spec: ModelSpec, request: VideoRequest, events: list[JobEvent],
            status: JobStatus, job_id: str) -> None:
    """Record mode: save the status sequence (no media, keys scrubbed) as a fixture for later replay."""
    cfg = get_config()
    if not cfg.is_record:
        return
    from ...fixtures import save_fixture

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    manifest = {
        "provenance": f"recorded: a live {adapter.label} {spec.model} job run by course_utils.video.generate.run_job "
                      f"in record mode on {stamp}; statuses normalised, secrets scrubbed, media not kept",
        "provider": adapter.provider, "model": spec.model, "job_id": job_id,
        "request": {"mode": request.mode, "seconds": request.seconds, "resolution": request.resolution,
                    "aspect_ratio": request.aspect_ratio, "prompt": request.prompt},
        "final": {"state": status.state, "message": status.message, "code": status.code, "actual_usd": status.actual_usd},
    }
    timeline = json.dumps([e.__dict__ for e in events], indent=2)
    save_fixture("videogen", f"recorded/{adapter.provider}-{stamp}", manifest, {"events.json": timeline},
                 secrets=cfg.secrets())


# -- the lifecycle on a plot -----------------------------------------------------------------------
STATE_COLOURS = {"submitted": "#e4e7ec", "queued": "#b0b7c3", "running": "#4c8bd6", "rate limited": "#e0a030"}


def plot_lifecycle(results: list[VideoResult], ax=None, title: str | None = None):
    """One horizontal bar per job: seconds spent queued, running, and waiting on a 429, per provider."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.55 * len(results) + 1.2))
    labels = []
    for row, res in enumerate(results):
        left = 0.0
        for state, seconds in res.time_in_states().items():
            ax.barh(row, seconds, left=left, color=STATE_COLOURS.get(state, "#888888"), edgecolor="white",
                    label=state if state not in ax.get_legend_handles_labels()[1] else None)
            left += seconds
        labels.append(f"{res.label}\n{res.model}")
    ax.set_yticks(range(len(results)), labels, fontsize=8)
    ax.invert_yaxis()
    scaled = any(r.time_scale != 1.0 for r in results)
    ax.set_xlabel("seconds after the provider accepted the job" + (" (replay: simulated seconds)" if scaled else ""))
    ax.set_title(title or "Job lifecycle: time in each state")
    ax.legend(loc="lower right", fontsize=8)
    return ax
