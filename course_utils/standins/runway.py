"""Runway API stand-in: ``POST /v1/text_to_video``, ``POST /v1/image_to_video``, ``GET /v1/tasks/{id}``.

Answers in the shapes of runwayml 5.24 (``NewTaskCreatedResponse``; ``TaskRetrieveResponse``:
PENDING / THROTTLED / RUNNING with ``progress`` / SUCCEEDED with ``output`` URLs and ``cost.credits``
/ FAILED with ``failure`` and ``failureCode``), from the scenarios in
``data/fixtures/videogen/runway/manifest.json``. Like the real API it wants a bearer ``Authorization``
header and ``X-Runway-Version``. The output URL serves a placeholder clip (not model output).
"""
from __future__ import annotations

from .http import Request, Response, json_response
from .videojobs import VideoStandin, iso_now, placeholder_clip

RUNWAY_VERSION = "2024-11-06"
TEXT_MODELS = {"gen4.5", "veo3.1", "veo3.1_fast"}
IMAGE_MODELS = {"gen4.5", "gen4_turbo", "veo3.1", "veo3.1_fast"}


def _error(message: str, status: int, headers: dict | None = None) -> Response:
    return json_response({"error": message}, status, headers)


class RunwayStandin(VideoStandin):
    manifest_name = "runway"
    id_prefix = "task"

    def _routes(self) -> None:
        self.route("POST", r"/v1/text_to_video", lambda r: self._create(r, TEXT_MODELS))
        self.route("POST", r"/v1/image_to_video", lambda r: self._create(r, IMAGE_MODELS))
        self.route("GET", r"/v1/tasks/(?P<id>[\w\-]+)", self._retrieve)

    def _auth(self, req: Request) -> Response | None:
        if not (req.header("Authorization") or "").startswith("Bearer "):
            return _error("Missing or invalid API key.", 401)
        if req.header("X-Runway-Version") != RUNWAY_VERSION:
            return _error(f"X-Runway-Version must be {RUNWAY_VERSION}.", 400)
        return None

    def _create(self, req: Request, models: set[str]) -> Response:
        denied = self._auth(req)
        if denied:
            return denied
        body = req.json() or {}
        model = body.get("model")
        if model not in models:
            return json_response({"error": "Validation of body failed",
                                  "issues": [{"path": ["model"], "message": f"Invalid model {model!r} for this endpoint"}]}, 400)
        duration = body.get("duration", 5)
        if not isinstance(duration, int) or not 2 <= duration <= 10:
            return json_response({"error": "Validation of body failed",
                                  "issues": [{"path": ["duration"], "message": "Must be an integer from 2 to 10"}]}, 400)
        credits = self.book.manifest.get("credits_per_second", {}).get(model, 10) * duration
        job = self.book.create(body.get("promptText", ""), model=model, duration=duration, credits=credits)
        return json_response({"id": job.id})

    def _retrieve(self, req: Request) -> Response:
        denied = self._auth(req)
        if denied:
            return denied
        job = self.book.jobs.get(req.params["id"])
        if job is None:
            return _error("Task not found.", 404)
        job.polls += 1
        limit = self.book.rate_limited(job, "poll")
        if limit:
            return json_response(limit["body"], limit["status"], {"Retry-After": str(limit["retry_after"])})
        phase = self.book.phase(job)
        base = {"id": job.id, "createdAt": job.info.setdefault("created", iso_now())}
        estimated = {"estimatedCost": {"credits": job.info["credits"]}}
        if phase.state == "queued":
            return json_response({**base, **estimated, "status": "PENDING"})
        if phase.state == "running":
            return json_response({**base, **estimated, "status": "RUNNING", "progress": round(phase.progress, 2)})
        if phase.state == "succeeded":
            name, _ = placeholder_clip(job.info["duration"])
            return json_response({**base, "status": "SUCCEEDED", "output": [self.media_url(name)],
                                  "cost": {"credits": job.info["credits"]}})
        spec = job.spec
        return json_response({**base, "status": "FAILED", "failure": spec["message"], "failureCode": spec["code"],
                              "cost": {"credits": 0}})
