"""fal queue stand-in: what fal-client 1.0.3's ``SyncClient.submit`` / ``handle.status`` / ``handle.get`` call.

``POST /{app}`` (e.g. ``/fal-ai/pika/v2.2/text-to-video``) answers ``request_id`` and the
``status_url`` / ``response_url`` / ``cancel_url`` the client then follows (here, on this server);
``GET .../requests/{id}/status`` answers ``IN_QUEUE`` (``queue_position``) / ``IN_PROGRESS``
(``logs``) / ``COMPLETED`` (``metrics``, or ``error`` / ``error_type`` for a failed run); ``GET
.../requests/{id}`` answers the model's output ``{"video": {"url": ...}}`` (a placeholder clip: not
model output), or 422 with ``detail`` (a content-policy refusal), or 500 (a failure). Wants
``Authorization: Key ...``.
"""
from __future__ import annotations

from .http import Request, Response, json_response
from .videojobs import VideoStandin, clip_seconds, placeholder_clip

APPS = {
    "fal-ai/pika/v2.2/text-to-video", "fal-ai/pika/v2.2/image-to-video",
    "bytedance/seedance-2.0/fast/text-to-video", "bytedance/seedance-2.0/fast/image-to-video",
}


class FalQueueStandin(VideoStandin):
    manifest_name = "fal_queue"
    id_prefix = "fal-req"

    def _routes(self) -> None:
        self.route("GET", r"/(?P<owner>[\w\-]+)/(?P<alias>[\w.\-]+)/requests/(?P<id>[\w\-]+)/status", self._status)
        self.route("GET", r"/(?P<owner>[\w\-]+)/(?P<alias>[\w.\-]+)/requests/(?P<id>[\w\-]+)", self._result)
        self.route("PUT", r"/(?P<owner>[\w\-]+)/(?P<alias>[\w.\-]+)/requests/(?P<id>[\w\-]+)/cancel", self._cancel)
        self.route("POST", r"/(?P<app>[\w.\-]+(?:/[\w.\-]+)+)", self._submit)

    @staticmethod
    def _denied(req: Request) -> Response | None:
        if not (req.header("Authorization") or "").startswith("Key "):
            return json_response({"detail": "No credentials found: send your FAL_KEY in the Authorization header, scheme Key."}, 401)
        return None

    def _urls(self, app: str, request_id: str) -> dict:
        owner, alias = app.split("/")[:2]
        base = f"{self.url}/{owner}/{alias}/requests/{request_id}"
        return {"response_url": base, "status_url": base + "/status", "cancel_url": base + "/cancel"}

    def _submit(self, req: Request) -> Response:
        denied = self._denied(req)
        if denied:
            return denied
        app = req.params["app"]
        if app not in APPS:
            return json_response({"detail": f"Application {app!r} not found (this stand-in serves {sorted(APPS)})."}, 404)
        body = req.json() or {}
        seconds = int(str(body.get("duration", 5)).rstrip("s"))
        job = self.book.create(body.get("prompt", ""), app=app, seconds=seconds)
        return json_response({"request_id": job.id, **self._urls(app, job.id), "queue_position": 0})

    def _job(self, req: Request):
        job = self.book.jobs.get(req.params["id"])
        if job is None or not job.info["app"].startswith(f"{req.params['owner']}/{req.params['alias']}"):
            return None
        return job

    def _status(self, req: Request) -> Response:
        denied = self._denied(req)
        if denied:
            return denied
        job = self._job(req)
        if job is None:
            return json_response({"detail": "Request not found"}, 404)
        job.polls += 1
        limit = self.book.rate_limited(job, "poll")
        if limit:
            return json_response(limit["body"], limit["status"], {"Retry-After": str(limit["retry_after"])})
        phase = self.book.phase(job)
        urls = self._urls(job.info["app"], job.id)
        if phase.state == "queued":
            return json_response({"status": "IN_QUEUE", "queue_position": 1, "response_url": urls["response_url"]})
        if phase.state == "running":
            logs = [{"message": f"generating: {int(phase.progress * 100)}%", "level": "INFO", "source": "user",
                     "timestamp": "2026-11-25T00:00:00"}]
            return json_response({"status": "IN_PROGRESS", "logs": logs, "response_url": urls["response_url"]})
        done = {"status": "COMPLETED", "logs": None, "response_url": urls["response_url"],
                "metrics": {"inference_time": round(phase.elapsed, 1)}}
        if phase.state == "failed":
            done.update(error=job.spec["message"], error_type=job.spec["error_type"])
        return json_response(done)

    def _result(self, req: Request) -> Response:
        denied = self._denied(req)
        if denied:
            return denied
        job = self._job(req)
        if job is None:
            return json_response({"detail": "Request not found"}, 404)
        phase = self.book.phase(job)
        if phase.state in ("queued", "running"):
            return json_response({"detail": "Request is still in progress"}, 400)
        if phase.state == "refused":
            return json_response({"detail": [{"loc": ["body", "prompt"], "msg": job.spec["message"],
                                              "type": job.spec["error_type"]}]}, job.spec["http_status"],
                                 {"x-fal-error-type": job.spec["error_type"], "x-fal-request-id": job.id})
        if phase.state == "failed":
            return json_response({"detail": job.spec["message"]}, job.spec["http_status"],
                                 {"x-fal-error-type": job.spec["error_type"], "x-fal-request-id": job.id})
        name, data = placeholder_clip(job.info["seconds"])
        return json_response({"video": {"url": self.media_url(name), "content_type": "video/mp4",
                                        "file_name": name, "file_size": len(data)},
                              "seed": 42, "duration": clip_seconds(name)})

    def _cancel(self, req: Request) -> Response:
        job = self._job(req)
        if job is None:
            return json_response({"detail": "Request not found"}, 404)
        job.spec = {**job.spec, "final": "failed", "message": "cancelled", "error_type": "cancelled", "http_status": 400}
        return json_response({"status": "CANCELLATION_REQUESTED"}, 202)
