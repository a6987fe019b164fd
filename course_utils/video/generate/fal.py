"""Models hosted on fal (Pika 2.2, Seedance 2.0 fast) through ``fal-client``'s queue API.

One adapter, many models: on fal every model is an *app* id, and the queue protocol is the same
for all of them, so adding a model is adding a line to ``models``.

    client = fal_client.SyncClient(key=FAL_KEY)
    handle = client.submit("fal-ai/pika/v2.2/text-to-video", arguments={"prompt": ..., "duration": 5})
    handle.status()      # Queued(position) | InProgress(logs) | Completed(metrics, error)
    handle.get()         # {"video": {"url": ...}}

Pika sends its API users to fal. A refused prompt surfaces when the result is fetched (HTTP 422
with ``detail``); a failed run is ``Completed`` with ``error``.

Two things about fal-client 1.0.3 a learner should know. It retries HTTP 408/409/429 itself (up
to 10 attempts, exponential backoff from 0.1 s, without reading ``Retry-After``), so a 429 reaches
:func:`run_job` only when those run out. And it has no base-URL option: the queue host comes from
the environment variable ``FAL_QUEUE_RUN_HOST`` (read once, at import) and is always ``https``. So
in replay this adapter points the module's ``fal_client.client.QUEUE_URL_FORMAT`` at the local
stand-in for the ``submit`` call; status and result then follow the URLs the server returned,
exactly as they do live.
"""
from __future__ import annotations

import threading
from typing import Any

from ...endpoints import Route
from .adapter import JobRejected, JobStatus, ModelSpec, RateLimited, VideoAdapter, VideoRequest, retry_after_seconds

_QUEUE_LOCK = threading.Lock()
_WAIT = "assumption (fal shows per-model averages on its pages); not measured here"

#: model name -> app id per mode
APPS = {
    "pika-2.2": {"text-to-video": "fal-ai/pika/v2.2/text-to-video", "image-to-video": "fal-ai/pika/v2.2/image-to-video"},
    "seedance-2.0-fast": {"text-to-video": "bytedance/seedance-2.0/fast/text-to-video",
                          "image-to-video": "bytedance/seedance-2.0/fast/image-to-video"},
}


class FalAdapter(VideoAdapter):
    """Pika 2.2 and Seedance 2.0 fast on fal's queue."""

    key, order = "fal", 50  # registered under this key (see .adapter)
    plan_models = ("pika-2.2", "seedance-2.0-fast")  # the shot planner's default candidates
    cost_table_models = ("pika-2.2", "seedance-2.0-fast")  # rows of cost_lab.video_generation_table
    provider = "fal"
    label = "fal"
    default_model = "pika-2.2"
    models = {
        "pika-2.2": ModelSpec("pika-2.2", (5, 10), ("16:9", "9:16", "1:1", "4:5", "5:4", "3:2", "2:3"), ("720p", "1080p"),
                              frozenset({"text-to-video", "image-to-video"}), price_model="fal-ai/pika/v2.2/text-to-video",
                              typical_wait_s=60, wait_note=_WAIT, extras=("first frame", "negative prompt", "seed"),
                              note="image-to-video priced like text-to-video (assumption)"),
        "seedance-2.0-fast": ModelSpec("seedance-2.0-fast", tuple(range(4, 16)), ("21:9", "16:9", "4:3", "1:1", "3:4", "9:16"),
                                       ("720p",), frozenset({"text-to-video", "image-to-video"}),
                                       price_model="bytedance/seedance-2.0/fast/text-to-video", typical_wait_s=90,
                                       wait_note=_WAIT, extras=("first frame", "seed", "audio included", "multi-shot"),
                                       note="480p exists but has no price row here; duration sent as a string (unverified)"),
    }

    @staticmethod
    def replay_standin():
        from ...standins.fal_queue import FalQueueStandin

        return FalQueueStandin.shared()

    @staticmethod
    def _make_client(r: Route) -> Any:
        import fal_client

        return fal_client.SyncClient(key=r.api_key)  # no base-URL option: submit() points the queue at r.base_url

    def __init__(self, client: Any = None, *, standin: Any = None):
        super().__init__(client, standin=standin)
        self._live_queue_url = _original_queue_url()

    def submit(self, request: VideoRequest, spec: ModelSpec) -> Any:
        import fal_client

        app = APPS[spec.model][request.mode]
        args: dict[str, Any] = {"prompt": request.prompt, "aspect_ratio": request.aspect_ratio,
                                "resolution": request.resolution}
        args["duration"] = str(request.seconds) if spec.model.startswith("seedance") else request.seconds
        if request.image is not None:
            args["image_url"] = request.image_data_uri()
        if request.seed is not None:
            args["seed"] = request.seed
        if request.negative_prompt and spec.model.startswith("pika"):
            args["negative_prompt"] = request.negative_prompt
        with _QUEUE_LOCK:
            fal_client.client.QUEUE_URL_FORMAT = f"{self.route.base_url}/" if self.route.base_url else self._live_queue_url
            try:
                return self._call(lambda: self.client.submit(app, arguments=args), submitting=True)
            finally:
                fal_client.client.QUEUE_URL_FORMAT = self._live_queue_url

    def job_id(self, handle: Any) -> str:
        return handle.request_id

    def poll(self, handle: Any) -> JobStatus:
        import fal_client

        status = self._call(lambda: handle.status(with_logs=True))
        if isinstance(status, fal_client.Queued):
            return JobStatus("queued", message=f"position {status.position}", raw=status)
        if isinstance(status, fal_client.InProgress):
            return JobStatus("running", progress=_progress_from_logs(status.logs), raw=status)
        if status.error:
            return JobStatus("failed", message=status.error, code=status.error_type, raw=status)
        try:
            result = self._call(handle.get)
        except fal_client.FalClientHTTPError as exc:
            detail = exc.message
            if isinstance(detail, list):
                detail = "; ".join(d.get("msg", str(d)) for d in detail if isinstance(d, dict)) or str(detail)
            state = "refused" if exc.status_code == 422 and "content" in (exc.error_type or "") else "failed"
            return JobStatus(state, message=str(detail), code=exc.error_type, raw=exc)
        video = (result or {}).get("video") or {}
        return JobStatus("succeeded", video_url=video.get("url"), raw=result)

    @staticmethod
    def _call(fn, submitting: bool = False):
        import fal_client

        try:
            return fn()
        except fal_client.FalClientHTTPError as exc:
            if exc.status_code == 429:  # fal-client's own retries ran out
                raise RateLimited(retry_after_seconds(exc.response_headers), str(exc)) from exc
            if submitting and exc.status_code in (400, 404, 422):
                raise JobRejected("rejected", str(exc.message), exc.error_type) from exc
            raise


def _original_queue_url() -> str:
    from fal_client.auth import FAL_QUEUE_RUN_HOST

    return f"https://{FAL_QUEUE_RUN_HOST}/"


def _progress_from_logs(logs: list[dict] | None) -> float | None:
    """fal reports no progress field; some apps log 'NN%': use the last such figure if any."""
    import re

    for log in reversed(logs or []):
        m = re.search(r"(\d{1,3})%", log.get("message", ""))
        if m:
            return min(int(m.group(1)), 100) / 100
    return None
