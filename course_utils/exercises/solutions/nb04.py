"""Reference solutions of notebook 04's exercises (the code of each solved exercise cell)."""

SOLUTIONS = {
    "q1": '''# EXERCISE q1
import time

from course_utils.errors import JobFailed, OperationTimeout
from course_utils.video.generate import RateLimited


def collect(adapter, job_id, timeout_s=600):
    """Poll a job that is already running (by its id) until it ends; return the clip's bytes."""
    start = time.monotonic()

    def now():
        return (time.monotonic() - start) / adapter.time_scale

    interval = 5.0
    while True:
        try:
            status = adapter.poll(job_id)
        except RateLimited as limited:
            pause = limited.retry_after if limited.retry_after is not None else interval
            if now() + pause >= timeout_s:
                raise OperationTimeout(f"job {job_id}: rate limited at the {timeout_s:g} s deadline") from None
            time.sleep(pause * adapter.time_scale)
            continue
        if status.state == "succeeded":
            return adapter.download(status)
        if status.state in ("refused", "rejected", "failed", "cancelled"):
            raise JobFailed(f"job {job_id} {status.state}: {status.message}", provider=adapter.provider)
        if now() + interval > timeout_s:
            raise OperationTimeout(f"job {job_id} still {status.state} after {timeout_s:g} s")
        time.sleep(interval * adapter.time_scale)
        interval = min(interval * 1.5, 30.0)
''',
    "q2": '''# EXERCISE q2
def close_entry(entry, status):
    """Settle or cancel a job's ledger entry; status is the final JobStatus, or None after a timeout."""
    if status is None:  # timed out: the provider may still finish and bill the job
        entry.settle(entry.estimate_usd, note="timed out")
    elif status.state == "succeeded":
        entry.settle(status.actual_usd if status.actual_usd is not None else entry.estimate_usd)
    elif status.actual_usd:  # refused or failed, and the provider charged something
        entry.settle(status.actual_usd)
    else:
        entry.cancel(status.state)
''',
    "q3": '''# EXERCISE q3
from course_utils.errors import CourseError
from course_utils.video import compose
from course_utils.video.generate import VideoRequest


def one_model_plan(shot_seconds, budget_usd):
    """The cheapest single model that makes every shot, with its clip lengths and price; None if over budget."""
    adapters = compose.default_adapters()
    plans = []
    for key, model in compose.CANDIDATES:
        adapter = adapters[key]
        spec = adapter.spec(model)
        if spec.model_picks_duration:  # billed (and reserved) for its longest clip
            clips = [max(spec.durations) if max(spec.durations) >= s else None for s in shot_seconds]
        else:
            clips = [min((d for d in spec.durations if d >= s), default=None) for s in shot_seconds]
        if None in clips:
            continue
        try:
            usd = sum(adapter.estimate(VideoRequest("x", seconds=c), spec).total_usd for c in clips)
        except CourseError:  # no confirmed price
            continue
        plans.append({"model": model, "clips": clips, "usd": usd})
    best = min(plans, key=lambda p: p["usd"], default=None)
    return best if best is not None and best["usd"] <= budget_usd else None
''',
}
