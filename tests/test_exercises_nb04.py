"""Notebook 04's exercises: each reference solution passes its checker; each typical mistake gets its message."""
from __future__ import annotations

import time

import pytest

from course_utils.errors import CourseError, JobFailed, OperationTimeout
from course_utils.exercises import Grader
from course_utils.exercises.solutions.nb04 import SOLUTIONS
from course_utils.video import compose
from course_utils.video.generate import RateLimited, VideoRequest

NAMES = {"q1": "collect", "q2": "close_entry", "q3": "one_model_plan"}


@pytest.fixture(scope="module")
def grader():
    return Grader("04")


def solved(key):
    namespace: dict = {}
    exec(compile(SOLUTIONS[key], f"<solution {key}>", "exec"), namespace)
    return namespace[NAMES[key]]


def wrong(grader, key, answer, *needles):
    result = grader.check(key, answer)
    assert result.status == "wrong", result
    for needle in needles:
        assert needle in result.message, result.message
    return result


@pytest.mark.parametrize("key", sorted(NAMES))
def test_reference_solution_is_right(grader, key):
    result = grader.check(key, solved(key))
    assert result.status == "right", result


def test_stubs_are_not_done(grader):
    def stub(*args, **kwargs):
        raise NotImplementedError

    for key in NAMES:
        assert grader.check(key, stub).status == "todo"


# -- q1: collect a timed-out job ---------------------------------------------------------------------
def _collect(*, catch_429=True, wait_429=True, resubmit=False, scaled=True, timeout=True, raise_on_refusal=True,
             return_status=False, backoff=True):
    """A learner's collect(), with one mistake switched on."""

    def collect(adapter, job_id, timeout_s=600):
        start = time.monotonic()
        interval = 5.0
        if resubmit:
            from course_utils.fixtures import FIXTURES_DIR
            image = (FIXTURES_DIR / "videogen" / "media" / "first_frame.png").read_bytes()
            job_id = adapter.submit(VideoRequest("again", seconds=5, image=image), adapter.spec("gen4_turbo"))
        while True:
            try:
                status = adapter.poll(job_id)
            except RateLimited as limited:
                if not catch_429:
                    raise
                if wait_429:
                    time.sleep(limited.retry_after * adapter.time_scale)
                continue
            if status.state == "succeeded":
                return status if return_status else adapter.download(status)
            if status.state in ("refused", "failed") and raise_on_refusal:
                raise JobFailed(status.message or "failed")
            if status.state in ("refused", "failed"):
                return None
            if timeout and (time.monotonic() - start) / adapter.time_scale + interval > timeout_s:
                raise OperationTimeout("too long")
            time.sleep(interval * (adapter.time_scale if scaled else 0.04))
            if backoff:
                interval = min(interval * 1.5, 30.0)
    return collect


def test_q1_mistakes(grader):
    wrong(grader, "q1", _collect(catch_429=False), "429 (RateLimited) escaped")
    wrong(grader, "q1", _collect(wait_429=False), "Retry-After")
    wrong(grader, "q1", _collect(resubmit=True), "submitted a new job")
    wrong(grader, "q1", _collect(return_status=True), "adapter.download(status)")
    wrong(grader, "q1", _collect(raise_on_refusal=False), "refused", "raise JobFailed")
    wrong(grader, "q1", _collect(timeout=False), "past its timeout_s")


def test_q1_unscaled_waits_are_named(grader):
    def collect(adapter, job_id, timeout_s=600):
        while True:
            try:
                status = adapter.poll(job_id)
            except RateLimited as limited:
                time.sleep(limited.retry_after * adapter.time_scale)
                continue
            if status.state == "succeeded":
                return adapter.download(status)
            time.sleep(1.7)  # provider seconds slept as wall seconds (scaled down here to keep the test short)

    wrong(grader, "q1", collect, "adapter.time_scale")


def test_q1_no_sleep_is_named(grader):
    def collect(adapter, job_id, timeout_s=600):
        while True:
            try:
                status = adapter.poll(job_id)
            except RateLimited as limited:
                time.sleep(limited.retry_after * adapter.time_scale)
                continue
            if status.state == "succeeded":
                return adapter.download(status)
            if status.state in ("refused", "failed"):
                raise JobFailed("x")

    wrong(grader, "q1", collect, "sleep between polls")


# -- q2: close the ledger entry -------------------------------------------------------------------------
def test_q2_mistakes(grader):
    def at_estimate(entry, status):
        entry.settle(entry.estimate_usd)

    def cancel_timeouts(entry, status):
        if status is None:
            entry.cancel("timed out")
        else:
            solved("q2")(entry, status)

    def zero_when_unreported(entry, status):
        if status is not None and status.state == "succeeded":
            entry.settle(status.actual_usd or 0.0)
        else:
            solved("q2")(entry, status)

    def settle_refusals(entry, status):
        if status is not None and status.state == "refused":
            entry.settle(entry.estimate_usd)
        else:
            solved("q2")(entry, status)

    def cancel_failures(entry, status):
        if status is not None and status.state == "failed":
            entry.cancel("failed")
        else:
            solved("q2")(entry, status)

    def forgets(entry, status):
        pass

    wrong(grader, "q2", at_estimate, "settle at status.actual_usd")
    wrong(grader, "q2", cancel_timeouts, "may still finish and be billed")
    wrong(grader, "q2", zero_when_unreported, "settle at the estimate")
    wrong(grader, "q2", settle_refusals, "entry.cancel()")
    wrong(grader, "q2", cancel_failures, "charged $0.10")
    wrong(grader, "q2", forgets, "still reserved")


# -- q3: one model, every shot, under a budget --------------------------------------------------------
def _plan(*, by_shot=False, skip_unpriced=True, budget=True, exact=False, nearest=False):
    def one_model_plan(shot_seconds, budget_usd):
        adapters = compose.default_adapters()
        plans = []
        for key, model in compose.CANDIDATES:
            adapter, spec = adapters[key], adapters[key].spec(model)
            if spec.model_picks_duration:
                clips = [max(spec.durations) if max(spec.durations) >= s else None for s in shot_seconds]
            elif exact:
                clips = list(shot_seconds)
            elif nearest:
                clips = [min(spec.durations, key=lambda d, s=s: abs(d - s)) for s in shot_seconds]
            else:
                clips = [min((d for d in spec.durations if d >= s), default=None) for s in shot_seconds]
            if None in clips:
                continue
            try:
                usd = sum(adapter.estimate(VideoRequest("x", seconds=c), spec).total_usd for c in clips)
                if by_shot:  # priced per second of the shots
                    usd = sum(shot_seconds) * adapter.estimate(VideoRequest("x", seconds=clips[0]), spec).total_usd / clips[0]
            except CourseError:
                if skip_unpriced:
                    continue
                usd = 0.0
            plans.append({"model": model, "clips": clips, "usd": usd})
        best = min(plans, key=lambda p: p["usd"], default=None)
        if best is None or (budget and best["usd"] > budget_usd):
            return None
        return best
    return one_model_plan


def test_q3_mistakes(grader):
    wrong(grader, "q3", _plan(by_shot=True), "bills whole clips")
    wrong(grader, "q3", _plan(skip_unpriced=False), "gen4.5 has no confirmed price")
    wrong(grader, "q3", _plan(budget=False), "return None")
    wrong(grader, "q3", _plan(exact=True), "makes clips of 5, 10 s, not 5.5 s")
    wrong(grader, "q3", _plan(nearest=True), "needs a clip at least that long")


def test_q3_omni_length_and_not_cheapest_are_named(grader):
    def omni_at_asked_length(shot_seconds, budget_usd):
        return {"model": "gemini-omni-1.1-flash", "clips": [6, 4, 8], "usd": 3.04}

    def dearer(shot_seconds, budget_usd):
        if shot_seconds == [5.5, 4.0, 7.5] and budget_usd == 2.0:
            return {"model": "veo-3.1-fast-generate-001", "clips": [6, 4, 8], "usd": 1.8}
        return solved("q3")(shot_seconds, budget_usd)

    wrong(grader, "q3", omni_at_asked_length, "chooses its own clip length")
    wrong(grader, "q3", dearer, "cheaper than veo-3.1-fast-generate-001")
