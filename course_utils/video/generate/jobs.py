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

This module is the runner; the types, the adapter base class and the adapter registry are in
:mod:`.adapter` (the package re-exports them).
"""
from __future__ import annotations

import json
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from ...config import get_config
from ...errors import CourseError, JobFailed, OperationTimeout
from ...ledger import Ledger

# The types, the adapter base and the registry live in .adapter (the package re-exports them).
from .adapter import (
    ADVICE,
    TERMINAL,
    JobEvent,
    JobRejected,
    JobStatus,
    ModelSpec,
    RateLimited,
    VideoAdapter,
    VideoRequest,
    VideoResult,
)


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
    except OperationTimeout as exc:
        events.append(JobEvent(clock.now(), "timed out"))
        if handle is None:
            entry.cancel("timed out before the job was accepted")
        else:
            entry.settle(estimate.total_usd, note="timed out: the job may still finish and be billed")
        exc.may_bill_usd = 0.0 if handle is None else estimate.total_usd   # callers deciding on a retry read this
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
        from .. import frames

        seconds = frames.readable_duration(part)
        if seconds is None:
            return None
        part.replace(path)
        return round(seconds, 2)
    finally:
        part.unlink(missing_ok=True)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[-60:]


def _record(adapter: VideoAdapter, spec: ModelSpec, request: VideoRequest, events: list[JobEvent],
            status: JobStatus, job_id: str) -> None:
    """Record mode: save the status sequence (no media, keys scrubbed) as a fixture for later replay."""
    if adapter.route is None or not adapter.route.record:
        return
    cfg = get_config()
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
