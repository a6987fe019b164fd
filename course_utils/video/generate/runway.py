"""Runway through its official SDK, ``runwayml`` (5.x; it sends ``X-Runway-Version: 2024-11-06``).

    client = RunwayML()                                    # RUNWAYML_API_SECRET
    task = client.text_to_video.create(model="gen4.5", prompt_text=..., ratio="1280:720", duration=5)
    client.tasks.retrieve(task.id)                         # PENDING / THROTTLED / RUNNING / SUCCEEDED / FAILED

``image_to_video`` takes ``prompt_image`` as an HTTPS URL or a ``data:`` URI. A SUCCEEDED task has
``output`` (pre-signed URLs that expire in 24-48 h: download at once) and ``cost.credits`` (1 credit
= $0.01): the ledger is settled from that. A FAILED task has ``failure`` and ``failureCode``; codes
starting ``SAFETY.`` are content-moderation refusals.

``max_retries=0``: the SDK would otherwise retry 429s itself; :func:`run_job` does it (Retry-After).
The chapter's ``requests.post("https://api.runwayml.com/v1/generate", model="gen3")`` no longer
exists: the host is ``api.dev.runwayml.com``, Gen-3 Alpha Turbo was removed from the API, and every
call needs the version header, which the SDK sends.
"""
from __future__ import annotations

from typing import Any

from ...endpoints import Route
from .adapter import JobRejected, JobStatus, ModelSpec, RateLimited, VideoAdapter, VideoRequest, retry_after_seconds

RATIOS = {"16:9": "1280:720", "9:16": "720:1280"}
CREDIT_USD = 0.01
_WAIT = "assumption (Runway does not publish job times); not measured here"


class RunwayAdapter(VideoAdapter):
    """Runway ``gen4.5`` (text- and image-to-video) and ``gen4_turbo`` (image-to-video)."""

    key, order = "runway", 30  # registered under this key (see .adapter)
    plan_models = ("gen4.5",)  # the shot planner's default candidates
    cost_table_models = ("gen4_turbo",)  # rows of cost_lab.video_generation_table
    provider = "runway"
    label = "Runway"
    default_model = "gen4.5"
    models = {
        "gen4.5": ModelSpec("gen4.5", tuple(range(2, 11)), tuple(RATIOS), ("720p",),
                            frozenset({"text-to-video", "image-to-video"}), typical_wait_s=90, wait_note=_WAIT,
                            extras=("first frame", "seed", "content moderation setting"),
                            note="credits per second not confirmed in Runway's docs"),
        "gen4_turbo": ModelSpec("gen4_turbo", (5, 10), tuple(RATIOS), ("720p",), frozenset({"image-to-video"}),
                                typical_wait_s=45, wait_note=_WAIT, extras=("first frame", "seed"),
                                note="5 credits per second"),
    }

    @staticmethod
    def replay_standin():
        from ...standins.runway import RunwayStandin

        return RunwayStandin.shared()

    @staticmethod
    def _make_client(r: Route):
        from runwayml import RunwayML

        return RunwayML(api_key=r.api_key, base_url=r.base_url, max_retries=0, timeout=60.0)

    def submit(self, request: VideoRequest, spec: ModelSpec) -> str:
        kwargs: dict[str, Any] = dict(model=spec.model, prompt_text=request.prompt, ratio=RATIOS[request.aspect_ratio],
                                      duration=request.seconds)
        if request.seed is not None:
            kwargs["seed"] = request.seed
        import runwayml

        try:
            if request.image is not None:
                task = self._call(lambda: self.client.image_to_video.create(prompt_image=request.image_data_uri(), **kwargs))
            else:
                task = self._call(lambda: self.client.text_to_video.create(**kwargs))
        except runwayml.BadRequestError as exc:  # validation: the body says which field
            body = exc.body if isinstance(exc.body, dict) else {}
            issues = "; ".join(f"{'.'.join(map(str, i.get('path', [])))}: {i.get('message')}" for i in body.get("issues", []))
            raise JobRejected("rejected", f"{body.get('error', exc.message)}{' (' + issues + ')' if issues else ''}") from exc
        return task.id

    def poll(self, handle: str) -> JobStatus:
        task = self._call(lambda: self.client.tasks.retrieve(handle))
        status = task.status
        if status in ("PENDING", "THROTTLED"):
            return JobStatus("queued", message=status.lower(), raw=task)
        if status == "RUNNING":
            return JobStatus("running", progress=task.progress, raw=task)
        if status == "SUCCEEDED":
            return JobStatus("succeeded", video_url=task.output[0], actual_usd=task.cost.credits * CREDIT_USD, raw=task)
        charged = (task.cost.credits * CREDIT_USD) if getattr(task, "cost", None) else None
        if status == "CANCELLED":
            return JobStatus("cancelled", actual_usd=charged, raw=task)
        code = task.failure_code or ""
        state = "refused" if code.startswith("SAFETY") else "failed"
        return JobStatus(state, message=task.failure, code=code or None, actual_usd=charged, raw=task)

    @staticmethod
    def _call(fn):
        import runwayml

        try:
            return fn()
        except runwayml.RateLimitError as exc:
            raise RateLimited(retry_after_seconds(exc.response.headers), str(exc)) from exc
