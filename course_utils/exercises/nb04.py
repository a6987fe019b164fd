"""Exercises of notebook 04 (video generation): collect a timed-out job, close its ledger entry, plan shots.

Checkers of our own, not otter's test files: q1 runs the learner's poll loop against a Runway stand-in
started for the check (a real HTTP server and the real ``runwayml`` SDK) whose job answers a 429 and
finishes after a first timeout; q2 and q3 compute the expected figures from the ledger and the price
table on the day, so a price change never leaves a frozen answer behind.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..errors import CourseError
from . import Exercise

__all__ = ["EXERCISES"]

RETRY_AFTER_S = 3
_TOL = 1e-6


# -- q1: collect a job that timed out -------------------------------------------------------------
class _Runaway(BaseException):
    """Stops a learner's loop that polls on and on (a BaseException, so ``except Exception`` cannot swallow it)."""


class _Watched:
    """The adapter as the learner's loop sees it, with every poll timed (provider seconds) and bounded."""

    def __init__(self, adapter: Any, limit_s: float, max_polls: int = 150):
        self._adapter = adapter
        self.time_scale = adapter.time_scale
        self.label, self.provider, self.standin = adapter.label, adapter.provider, adapter.standin
        self.limit_s, self.max_polls = limit_s, max_polls
        self.polls: list[tuple[float, str]] = []
        self.downloads = 0
        self.submits = 0
        self._t0 = time.monotonic()
        self._last_wall = self._t0
        self._answered: float | None = None  # when the last (non-429) poll answered, provider seconds
        self._hasty = 0  # polls sent less than a provider second after the previous answer

    def now(self) -> float:
        return (time.monotonic() - self._t0) / self.time_scale

    def __getattr__(self, name: str) -> Any:  # spec, estimate, check, job_id, models ...
        return getattr(self._adapter, name)

    def poll(self, handle: Any):
        from ..video.generate import RateLimited

        gap = time.monotonic() - self._last_wall  # the learner's own time between an answer and the next poll
        if self.polls and gap > 1.5:
            raise _Runaway(f"your loop waited {gap:.1f} s of wall time between two polls: in replay the stand-in's "
                           f"clock runs {1 / self.time_scale:g}x faster, so sleep seconds * adapter.time_scale")
        t = self.now()
        if self._answered is not None and t - self._answered < 1.0:
            self._hasty += 1
            if self._hasty >= 5:
                raise _Runaway("your loop polls again as soon as it gets an answer: sleep between polls (start at a few "
                               "seconds, times adapter.time_scale in replay, and back off)")
        if len(self.polls) >= self.max_polls:
            raise _Runaway(f"your loop polled {len(self.polls)} times in {t:.0f} provider seconds: sleep between polls "
                           f"(and back off)")
        if t > self.limit_s:
            raise _Runaway(f"your loop was still polling {t:.0f} s after it started, past its timeout_s: stop at the "
                           f"deadline and raise OperationTimeout")
        try:
            status = self._adapter.poll(handle)
        except RateLimited:
            self.polls.append((self.now(), "429"))  # when the learner's loop got the answer
            self._answered, self._last_wall = None, time.monotonic()
            raise
        self.polls.append((t, status.state))
        self._answered, self._last_wall = self.now(), time.monotonic()
        return status

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        self.submits += 1
        return self._adapter.submit(*args, **kwargs)

    def download(self, status: Any) -> bytes:
        self.downloads += 1
        return self._adapter.download(status)


def _timed_out_job(adapter: Any, scenario: str, timeout_s: float) -> str:
    """Run a gen4_turbo job on the stand-in with ``run_job`` until it times out; return its id."""
    from ..errors import OperationTimeout
    from ..fixtures import FIXTURES_DIR
    from ..ledger import Ledger
    from ..video.generate import VideoRequest, run_job

    image = (FIXTURES_DIR / "videogen" / "media" / "first_frame.png").read_bytes()
    adapter.standin.force_next(scenario)
    try:
        run_job(adapter, VideoRequest("A paper boat on a pond", seconds=5, image=image), "gen4_turbo", timeout_s=timeout_s,
                progress=False, ledger=Ledger(100.0, enforce=False))
    except OperationTimeout:
        return list(adapter.standin.book.jobs)[-1]
    raise RuntimeError(f"the check's job ({scenario}) did not time out as planned")


def _answer_429_next(adapter: Any, job_id: str) -> None:
    """The job's next poll gets an HTTP 429 with Retry-After (a rule the stand-ins read per job)."""
    job = adapter.standin.book.jobs[job_id]
    job.spec = {**job.spec, "rate_limit": {"on": "poll", "nth": job.polls + 1, "retry_after": RETRY_AFTER_S,
                                           "status": 429, "body": {"error": "You have exceeded the rate limit."}}}
    job.info.pop("_limited", None)


def _clip_bytes(value: Any) -> bytes | None:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, (str, Path)) and Path(value).is_file():
        return Path(value).read_bytes()
    return None


def _check_collect(collect) -> str | None:
    from ..standins.runway import RunwayStandin
    from ..standins.videojobs import placeholder_clip
    from ..video.generate import RateLimited, RunwayAdapter

    with RunwayStandin() as standin:
        adapter = RunwayAdapter(standin=standin)
        # 1. a job that timed out at ~12 s and finishes at 50 s; its next poll answers 429
        job_id = _timed_out_job(adapter, "success", timeout_s=20)
        _answer_429_next(adapter, job_id)
        jobs_before = len(standin.book.jobs)
        watched = _Watched(adapter, limit_s=400)
        try:
            got = collect(watched, job_id, timeout_s=300)
        except _Runaway as stop:
            return str(stop)
        except RateLimited:
            return ("the 429 (RateLimited) escaped your loop: catch it, wait e.retry_after provider seconds, "
                    "then poll again")
        if watched.submits or len(standin.book.jobs) > jobs_before:
            return ("you submitted a new job: the old one is still running and will be billed; poll it by its id "
                    "(adapter.poll(job_id))")
        if not watched.polls:
            return "your function never polled the job: call adapter.poll(job_id) until it ends"
        limited = [i for i, (_, what) in enumerate(watched.polls) if what == "429"]
        if limited and limited[0] + 1 < len(watched.polls):
            gap = watched.polls[limited[0] + 1][0] - watched.polls[limited[0]][0]
            if gap < RETRY_AFTER_S - 0.5:
                return (f"you asked again {gap:.1f} s after the 429: wait what Retry-After says "
                        f"({RETRY_AFTER_S} s, in e.retry_after) first")
        if watched.polls[-1][1] != "succeeded":
            return (f"you returned while the job was still {watched.polls[-1][1]}: keep polling until the state "
                    "is 'succeeded'")
        if hasattr(got, "state") and hasattr(got, "video_url"):
            return "you returned the job's status: download the clip with adapter.download(status) and return its bytes"
        data = _clip_bytes(got)
        if data is None:
            return f"return the clip's bytes (adapter.download(status)), not a {type(got).__name__}"
        if data != placeholder_clip(5)[1]:
            return "the bytes you returned are not the clip the stand-in served; return adapter.download(status)"
        running_polls = [t for t, what in watched.polls if what in ("queued", "running")]
        if len(running_polls) > 25:
            return (f"you polled {len(running_polls)} times for a job that ran ~40 s more: start at a few seconds "
                    "and back off (x1.5 up to 30 s)")

        # 2. a job that timed out and is then refused: the learner's function must not return a clip
        refusal = standin.book.scenarios["refusal"]
        standin.book.scenarios["late refusal"] = {**refusal, "schedule": [{"state": "queued", "seconds": 5},
                                                                          {"state": "running", "seconds": 60}]}
        job_id = _timed_out_job(adapter, "late refusal", timeout_s=14)
        watched = _Watched(adapter, limit_s=400)
        try:
            got = collect(watched, job_id, timeout_s=300)
        except _Runaway as stop:
            return str(stop)
        except Exception:  # refused: raising is right (JobFailed is best)
            pass
        else:
            return ("the job was refused (\u201cThe prompt was flagged by our content moderation system.\u201d), "
                    f"but your function returned {type(got).__name__}: raise JobFailed with the provider's message")

        # 3. a job that never ends: the learner's own timeout must stop the loop
        job_id = _timed_out_job(adapter, "stuck", timeout_s=10)
        watched = _Watched(adapter, limit_s=60 + 60)
        try:
            got = collect(watched, job_id, timeout_s=60)
        except _Runaway as stop:
            return str(stop)
        except TimeoutError:  # OperationTimeout is a TimeoutError
            pass
        except Exception as exc:
            return f"at the deadline raise OperationTimeout (a TimeoutError), not {type(exc).__name__}"
        else:
            return (f"the job never finishes, but your function returned {type(got).__name__} after timeout_s: "
                    f"raise OperationTimeout instead")
    return None


# -- q2: close the ledger entry -------------------------------------------------------------------
_CASES = [
    # (what happened, status kwargs or None for a timeout, expected status, expected actual)
    ("succeeded, provider reports $0.25", dict(state="succeeded", actual_usd=0.25), "settled", 0.25),
    ("succeeded, provider reports nothing", dict(state="succeeded", actual_usd=None), "settled", "estimate"),
    ("refused, nothing charged", dict(state="refused", actual_usd=None, message="flagged"), "cancelled", None),
    ("refused, $0 charged", dict(state="refused", actual_usd=0.0, message="flagged"), "cancelled", None),
    ("failed, provider charged $0.10", dict(state="failed", actual_usd=0.10, message="bad output"), "settled", 0.10),
    ("timed out", None, "settled", "estimate"),
]
ESTIMATE_USD = 0.30


def _check_close_entry(close_entry) -> str | None:
    from ..ledger import Ledger
    from ..video.generate import JobStatus

    for what, kwargs, want_status, want_actual in _CASES:
        entry = Ledger(10.0, enforce=False).reserve("runway", "gen4_turbo", what, ESTIMATE_USD)
        status = JobStatus(**kwargs) if kwargs is not None else None
        close_entry(entry, status)
        expected = ESTIMATE_USD if want_actual == "estimate" else want_actual
        if entry.status == "reserved":
            return f"{what}: the entry is still reserved after your function: settle it or cancel it"
        if kwargs is None and entry.status == "cancelled":
            return ("a timed-out job may still finish and be billed: keep the reservation (settle at the estimate), "
                    "do not cancel it")
        if want_status == "cancelled" and entry.status == "settled":
            return (f"{what}: a refused job that cost nothing should release its reservation (entry.cancel()); "
                    f"you settled it at ${entry.actual_usd or 0:.2f}")
        if want_status == "settled" and entry.status == "cancelled":
            if kwargs and kwargs["state"] == "failed":
                return "the provider charged $0.10 for the failed job: settle at status.actual_usd, do not cancel"
            return f"{what}: the job is billed, settle the entry instead of cancelling it"
        if want_status == "settled" and abs((entry.actual_usd or 0) - expected) > _TOL:
            if want_actual == 0.25 and abs((entry.actual_usd or 0) - ESTIMATE_USD) < _TOL:
                return ("the provider reported what it charged ($0.25): settle at status.actual_usd, "
                        "not at the estimate")
            if want_actual == "estimate" and kwargs is not None:
                return ("the provider reported no cost (actual_usd is None): settle at the estimate you reserved, "
                        "not at zero")
            return f"{what}: you settled at ${entry.actual_usd or 0:.2f}, expected ${expected:.2f}"
    return None


# -- q3: one model for every shot, under a budget ---------------------------------------------------
def _plans(shot_seconds: list[float], adapters: dict) -> list[dict]:
    """Every candidate that can make all the shots: its clips and its price, cheapest first."""
    from ..video import compose
    from ..video.generate import VideoRequest

    out = []
    for key, model in compose.CANDIDATES:
        adapter = adapters[key]
        spec = adapter.spec(model)
        if spec.model_picks_duration:
            clips = [max(spec.durations) if max(spec.durations) >= s else None for s in shot_seconds]
        else:
            clips = [next((d for d in sorted(spec.durations) if d >= s), None) for s in shot_seconds]
        if None in clips:
            continue
        try:
            usd = sum(adapter.estimate(VideoRequest("x", seconds=c), spec).total_usd for c in clips)
        except CourseError:  # no confirmed price: the budget guard cannot price it
            continue
        out.append({"model": model, "clips": clips, "usd": usd, "spec": spec})
    return sorted(out, key=lambda p: p["usd"])


def _reference_plan(shot_seconds: list[float], budget_usd: float, adapters: dict) -> dict | None:
    plans = _plans(shot_seconds, adapters)
    if not plans or plans[0]["usd"] > budget_usd + _TOL:
        return None
    best = plans[0]
    return {"model": best["model"], "clips": best["clips"], "usd": best["usd"]}


PLAN_CASES = [([5.5, 4.0, 7.5], 2.00), ([5.5, 4.0, 7.5], 0.90), ([5.5, 4.0, 12.0], 6.00), ([3.0, 3.0], 1.00)]


def _check_plan(one_model_plan) -> str | None:
    from ..video import compose

    adapters = compose.default_adapters()
    specs = {m: adapters[k].spec(m) for k, m in compose.CANDIDATES}
    for shots, budget in PLAN_CASES:
        want = _reference_plan(shots, budget, adapters)
        got = one_model_plan(list(shots), budget)
        case = f"for shots of {', '.join(f'{x:g}' for x in shots)} s and a ${budget:.2f} budget:"
        if want is None:
            if got is not None:
                cheapest = _plans(shots, adapters)[0]
                return (f"{case} no single model fits the budget (the cheapest, {cheapest['model']}, costs "
                        f"${cheapest['usd']:.2f}): return None")
            continue
        if got is None:
            return f"{case} {want['model']} covers every shot for ${want['usd']:.2f}, within the budget; you returned None"
        if not isinstance(got, dict) or not {"model", "clips", "usd"} <= set(got):
            return 'return a dict {"model": ..., "clips": [...], "usd": ...} (or None when nothing fits)'
        model, clips = got["model"], list(got["clips"])
        if model == "gen4.5":
            return "gen4.5 has no confirmed price (estimate raises CourseError): the budget guard cannot price it, skip it"
        if model not in specs:
            return f"{model!r} is not one of compose.CANDIDATES' models"
        spec = specs[model]
        if len(clips) != len(shots):
            return f"{case} give one clip length per shot ({len(shots)}), not {len(clips)}"
        for shot, clip in zip(shots, clips):
            if clip < shot:
                return f"{case} a {shot:g} s shot needs a clip at least that long; you planned {clip:g} s"
            if clip not in spec.durations:
                return f"{model} makes clips of {', '.join(map(str, spec.durations))} s, not {clip:g} s"
        if spec.model_picks_duration and any(c != max(spec.durations) for c in clips):
            return (f"{model} chooses its own clip length: you pay (and reserve) for its longest, "
                    f"{max(spec.durations)} s, whatever you ask")
        planned = next(p for p in _plans(shots, adapters) if p["model"] == model)
        if any(c != best for c, best in zip(clips, planned["clips"])):
            return f"{case} take the shortest clip {model} makes that covers each shot: {planned['clips']}"
        usd = float(got["usd"])
        if abs(usd - planned["usd"]) > 1e-4:
            per_second = _price_per_second(spec)
            if per_second is not None and abs(usd - sum(shots) * per_second) < 1e-4:
                return (f"you priced the shots' {sum(shots):g} s, but the provider bills whole clips "
                        f"({' + '.join(map(str, clips))} s): ${planned['usd']:.2f}")
            return f"{case} {model} with clips {clips} costs ${planned['usd']:.4f}, not ${usd:.4f}"
        if planned["usd"] > budget + _TOL:
            return f"{case} that plan costs ${planned['usd']:.2f}, over the ${budget:.2f} budget"
        if model != want["model"]:
            return f"{case} {want['model']} covers every shot for ${want['usd']:.2f}, cheaper than {model} (${usd:.2f})"
    return None


def _price_per_second(spec) -> float | None:
    """USD per second of the model's 720p price row (None for token-priced Omni)."""
    from .. import costs

    if spec.model.startswith("gemini-omni"):
        return None
    try:
        return costs.price_row(spec.price_model or spec.model, "video_second_720p").usd
    except CourseError:
        return None


EXERCISES = [
    Exercise(
        key="q1",
        question=("A job timed out (run_job raised OperationTimeout) but is still running at the provider, and will be "
                  "billed. Write collect(adapter, job_id, timeout_s=600) that polls that job by its id until it ends and "
                  "returns the clip's bytes: back off between polls, wait Retry-After on a 429 (RateLimited, "
                  "e.retry_after), raise OperationTimeout at timeout_s and JobFailed if it ends refused or failed. "
                  "Never submit it again."),
        check=_check_collect,
        hints=["adapter.poll(job_id) returns a JobStatus (state: queued, running, succeeded, refused, failed, ...) or "
               "raises RateLimited; adapter.download(status) returns the MP4 bytes.",
               "In replay the stand-in's clock runs 100x faster: time.sleep(seconds * adapter.time_scale), and count "
               "provider seconds as (time.monotonic() - start) / adapter.time_scale.",
               "my_run_job in section 3 has the whole poll loop; collect is that loop without the submit."],
    ),
    Exercise(
        key="q2",
        question=("Write close_entry(entry, status) that closes a job's ledger entry when the job ends: status is the "
                  "final JobStatus, or None when the job timed out. Settle at what the provider reports it charged "
                  "(status.actual_usd), at the estimate when it reports nothing or the job timed out, and cancel the "
                  "reservation when a refused or failed job cost nothing."),
        check=_check_close_entry,
        hints=["entry.settle(usd) records a cost; entry.cancel(reason) releases the reservation; entry.estimate_usd is "
               "what was reserved.",
               "A timed-out job may still finish at the provider: it can be billed, so keep its estimate."],
    ),
    Exercise(
        key="q3",
        question=("One model for every shot keeps the style consistent. Write one_model_plan(shot_seconds, budget_usd): "
                  "for each model in compose.CANDIDATES that can make every shot, take per shot the shortest clip it "
                  "makes that is at least as long as the shot (a model that picks its own length bills its longest), "
                  "price the clips with adapter.estimate (a model without a confirmed price raises CourseError: skip "
                  "it), and return the cheapest as {\"model\": ..., \"clips\": [...], \"usd\": total}, or None if even "
                  "the cheapest is over the budget."),
        check=_check_plan,
        hints=["adapters = compose.default_adapters(); for key, model in compose.CANDIDATES: spec = adapters[key].spec(model) "
               "has durations and model_picks_duration.",
               "adapters[key].estimate(VideoRequest('x', seconds=clip), spec).total_usd prices one clip.",
               "Providers bill the clip they make, not the seconds of the shot you keep."],
    ),
]
