"""Vertex AI Veo stand-in: the two calls google-genai 3.6.1 makes with ``vertexai=True``.

``POST /{v}/projects/{p}/locations/{l}/publishers/google/models/{model}:predictLongRunning`` starts a
job and answers ``{"name": ".../operations/{id}"}``; ``POST ...:fetchPredictOperation`` with
``{"operationName": ...}`` answers the operation: ``done: false`` while it runs, then ``response``
with ``videos[].bytesBase64Encoded`` (a placeholder clip: not model output), or
``raiMediaFilteredCount`` / ``raiMediaFilteredReasons`` and no video (a refusal), or ``error``.
Wants a bearer token in the ``Authorization`` header (an OAuth token on the real service).
"""
from __future__ import annotations

import base64

from .http import Request, Response, json_response
from .videojobs import VideoStandin, placeholder_clip

VEO_MODELS = {"veo-3.1-generate-001", "veo-3.1-fast-generate-001", "veo-3.1-lite-generate-001"}
_PREFIX = r"/(?P<v>[\w.]+)/projects/(?P<p>[^/]+)/locations/(?P<l>[^/]+)/publishers/google/models/(?P<model>[^/:]+)"


def _google_error(code: int, status: str, message: str, headers: dict | None = None) -> Response:
    return json_response({"error": {"code": code, "message": message, "status": status}}, code, headers)


class VertexVeoStandin(VideoStandin):
    manifest_name = "vertex_veo"
    id_prefix = "op"

    def _routes(self) -> None:
        self.route("POST", _PREFIX + r":predictLongRunning", self._start)
        self.route("POST", _PREFIX + r":fetchPredictOperation", self._fetch)

    def _start(self, req: Request) -> Response:
        if not (req.header("Authorization") or "").startswith("Bearer "):
            return _google_error(401, "UNAUTHENTICATED", "Request is missing required authentication credential.")
        model = req.params["model"]
        if model not in VEO_MODELS:
            return _google_error(404, "NOT_FOUND", f"Publisher Model `{model}` not found.")
        body = req.json() or {}
        instance = (body.get("instances") or [{}])[0]
        params = body.get("parameters") or {}
        seconds = params.get("durationSeconds", 8)
        if seconds not in (4, 6, 8):
            return _google_error(400, "INVALID_ARGUMENT", f"Unsupported durationSeconds {seconds}: Veo 3.1 makes 4, 6 or 8 s.")
        job = self.book.create(instance.get("prompt", ""), model=model, seconds=seconds)
        name = (f"projects/{req.params['p']}/locations/{req.params['l']}/publishers/google/models/{model}"
                f"/operations/{job.id}")
        job.info["name"] = name
        return json_response({"name": name})

    def _fetch(self, req: Request) -> Response:
        if not (req.header("Authorization") or "").startswith("Bearer "):
            return _google_error(401, "UNAUTHENTICATED", "Request is missing required authentication credential.")
        name = (req.json() or {}).get("operationName", "")
        job = self.book.jobs.get(name.rpartition("/operations/")[2])
        if job is None:
            return _google_error(404, "NOT_FOUND", f"Operation {name} not found.")
        job.polls += 1
        limit = self.book.rate_limited(job, "poll")
        if limit:
            return json_response(limit["body"], limit["status"], {"Retry-After": str(limit["retry_after"])})
        phase = self.book.phase(job)
        if phase.state in ("queued", "running"):
            return json_response({"name": name, "done": False})
        kind = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"
        if phase.state == "succeeded":
            _, data = placeholder_clip(job.info["seconds"])
            return json_response({"name": name, "done": True, "response": {
                "@type": kind, "raiMediaFilteredCount": 0,
                "videos": [{"bytesBase64Encoded": base64.b64encode(data).decode(), "mimeType": "video/mp4"}]}})
        if phase.state == "refused":
            reasons = job.spec["rai_reasons"]
            return json_response({"name": name, "done": True, "response": {
                "@type": kind, "raiMediaFilteredCount": len(reasons), "raiMediaFilteredReasons": reasons}})
        return json_response({"name": name, "done": True,
                              "error": {"code": job.spec["code"], "message": job.spec["message"]}})
