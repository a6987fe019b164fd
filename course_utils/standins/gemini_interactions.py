"""Gemini Interactions API stand-in, for Gemini Omni Flash video jobs.

Routes (any API version prefix, as google-genai 3.6.1 sends it): ``POST /{v}/interactions`` and
``GET /{v}/interactions/{id}``. Wants an ``x-goog-api-key`` header. Answers are ``Interaction``
resources (``google.genai.interactions.Interaction``): ``queued`` / ``in_progress`` while the
scripted job runs, then ``completed`` with a ``model_output`` step holding the video inline
(base64 MP4, a placeholder: not model output) and ``usage.output_tokens_by_modality``; a refusal is
``completed`` with text and no video; a failure is ``failed`` with ``errors``. A follow-up with
``previous_interaction_id`` must name an interaction this stand-in made (else 404), as on the API.
"""
from __future__ import annotations

import base64

from .http import Request, Response, json_response
from .videojobs import VideoStandin, clip_seconds, iso_now, placeholder_clip

OMNI_MODELS = {"gemini-omni-1.1-flash", "gemini-omni-1.2-flash"}
TOKENS_PER_SECOND = {"360p": 1931, "720p": 5792, "1080p": 5792, "4k": 5792}  # 1080p/4k: unverified, see manifest


def _google_error(code: int, status: str, message: str, headers: dict | None = None) -> Response:
    return json_response({"error": {"code": code, "message": message, "status": status}}, code, headers)


def _text_of(value) -> str:
    """The text of an ``input``: a string, content blocks, or steps holding content blocks (the SDK sends steps)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _text_of(value.get("text") or value.get("content") or "")
    if isinstance(value, list):
        return " ".join(t for t in (_text_of(v) for v in value) if t)
    return ""


class GeminiInteractionsStandin(VideoStandin):
    manifest_name = "gemini_interactions"
    id_prefix = "v1_interaction"

    def _routes(self) -> None:
        self.route("POST", r"/(?P<v>[\w.]+)/interactions", self._create)
        self.route("GET", r"/(?P<v>[\w.]+)/interactions/(?P<id>[\w\-]+)", self._get)

    def _create(self, req: Request) -> Response:
        if not req.header("x-goog-api-key"):
            return _google_error(401, "UNAUTHENTICATED", "API key not valid. Please pass a valid API key.")
        body = req.json() or {}
        model = body.get("model")
        if model not in OMNI_MODELS:
            return _google_error(400, "INVALID_ARGUMENT", f"This stand-in serves Gemini Omni video models only, not {model!r}.")
        previous = body.get("previous_interaction_id")
        if previous and previous not in self.book.jobs:
            return _google_error(404, "NOT_FOUND", f"Interaction {previous} not found.")
        fmt = body.get("response_format") or {}
        if isinstance(fmt, list):
            fmt = next((f for f in fmt if f.get("type") == "video"), {})
        resolution = fmt.get("resolution", "720p")
        asked = fmt.get("duration")
        seconds = int(str(asked).rstrip("s")) if asked else int(self.book.manifest.get("model_picks_seconds", 6))
        text = _text_of(body.get("input"))
        job = self.book.create(text, model=model, seconds=seconds, resolution=resolution, previous=previous,
                               prompt=text, background=bool(body.get("background")))
        if not job.info["background"]:
            job.started -= 1e9  # a foreground call answers when the job is done
            return self._interaction(job)
        return json_response({"id": job.id, "status": "in_progress", "model": model, "created": iso_now(),
                              "updated": iso_now(), **({"previous_interaction_id": previous} if previous else {})})

    def _get(self, req: Request) -> Response:
        if not req.header("x-goog-api-key"):
            return _google_error(401, "UNAUTHENTICATED", "API key not valid. Please pass a valid API key.")
        job = self.book.jobs.get(req.params["id"])
        if job is None:
            return _google_error(404, "NOT_FOUND", f"Interaction {req.params['id']} not found.")
        job.polls += 1
        limit = self.book.rate_limited(job, "poll")
        if limit:
            return json_response(limit["body"], limit["status"], {"Retry-After": str(limit["retry_after"])})
        return self._interaction(job)

    def _interaction(self, job) -> Response:
        phase = self.book.phase(job)
        info = job.info
        base = {"id": job.id, "model": info["model"], "created": info.setdefault("created", iso_now()),
                "updated": iso_now(), **({"previous_interaction_id": info["previous"]} if info["previous"] else {})}
        if phase.state in ("queued", "running"):
            return json_response({**base, "status": "queued" if phase.state == "queued" else "in_progress"})
        user = {"type": "user_input", "content": [{"type": "text", "text": info["prompt"]}]}
        input_tokens = max(8, len(info["prompt"].split()) * 2)
        if phase.state == "succeeded":
            name, data = placeholder_clip(info["seconds"])
            seconds = clip_seconds(name)
            video_tokens = seconds * TOKENS_PER_SECOND.get(info["resolution"], 5792)
            return json_response({
                **base, "status": "completed",
                "steps": [user, {"type": "model_output", "content": [
                    {"type": "video", "mime_type": "video/mp4", "data": base64.b64encode(data).decode()}]}],
                "usage": {"total_input_tokens": input_tokens, "total_output_tokens": video_tokens,
                          "total_tokens": input_tokens + video_tokens,
                          "input_tokens_by_modality": [{"modality": "text", "tokens": input_tokens}],
                          "output_tokens_by_modality": [{"modality": "video", "tokens": video_tokens}]}})
        if phase.state == "refused":
            return json_response({
                **base, "status": "completed",
                "steps": [user, {"type": "model_output", "content": [{"type": "text", "text": job.spec["message"]}]}],
                "usage": {"total_input_tokens": input_tokens, "total_output_tokens": 24, "total_tokens": input_tokens + 24,
                          "output_tokens_by_modality": [{"modality": "text", "tokens": 24}]}})
        return json_response({**base, "status": "failed",
                              "errors": [{"code": job.spec["code"], "message": job.spec["message"]}]})
