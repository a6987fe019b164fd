"""Kling API stand-in: ``/v1/videos/text2video`` and ``/v1/videos/image2video`` (create and query).

Checks the ``Authorization: Bearer <JWT>`` the way Kling documents it: HS256, ``iss`` = access key,
``exp`` / ``nbf`` in force, signed with the secret key (in replay the adapter signs with the
placeholder key, which this stand-in knows). Answers Kling's envelope ``{code, message, request_id,
data}``: ``task_status`` submitted / processing / succeed (``task_result.videos[].url``, a placeholder
clip: not model output) / failed (``task_status_msg``); a content-policy refusal is HTTP 400 with
service code 1301 at submit time; too many requests is HTTP 429 code 1302 (Kling does not document a
``Retry-After`` header; this stand-in sends one so the job model's use of it can be exercised).
"""
from __future__ import annotations

import itertools
import warnings

import jwt

from ..config import REPLAY_KEY
from .http import Request, Response, json_response
from .videojobs import VideoStandin, clip_seconds, placeholder_clip

_request_ids = itertools.count(1)


def _envelope(code: int, message: str, data=None, status: int = 200, headers: dict | None = None) -> Response:
    body = {"code": code, "message": message, "request_id": f"req-{next(_request_ids):06d}"}
    if data is not None:
        body["data"] = data
    return json_response(body, status, headers)


class KlingStandin(VideoStandin):
    manifest_name = "kling"
    id_prefix = "kling-task"

    def __init__(self, time_scale: float | None = None, secret_key: str = REPLAY_KEY, access_key: str = REPLAY_KEY):
        self.secret_key, self.access_key = secret_key, access_key
        super().__init__(time_scale)

    def _routes(self) -> None:
        for kind in ("text2video", "image2video"):
            self.route("POST", rf"/v1/videos/{kind}", lambda r, k=kind: self._create(r, k))
            self.route("GET", rf"/v1/videos/{kind}/(?P<id>[\w\-]+)", lambda r, k=kind: self._query(r, k))

    def _auth(self, req: Request) -> Response | None:
        header = req.header("Authorization") or ""
        if not header.startswith("Bearer "):
            return _envelope(1001, "Authorization is empty", status=401)
        try:
            with warnings.catch_warnings():  # the replay placeholder key is short
                warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
                claims = jwt.decode(header[7:], self.secret_key, algorithms=["HS256"], options={"require": ["iss", "exp", "nbf"]})
        except jwt.ExpiredSignatureError:
            return _envelope(1004, "Authorization has expired", status=401)
        except jwt.ImmatureSignatureError:
            return _envelope(1003, "Authorization is not yet valid", status=401)
        except jwt.PyJWTError:
            return _envelope(1002, "Authorization is invalid", status=401)
        if claims.get("iss") != self.access_key:
            return _envelope(1002, "Authorization is invalid", status=401)
        return None

    def _create(self, req: Request, kind: str) -> Response:
        denied = self._auth(req)
        if denied:
            return denied
        body = req.json() or {}
        if str(body.get("duration", "5")) not in ("5", "10"):
            return _envelope(1201, "Invalid request parameters: duration must be \"5\" or \"10\"", status=400)
        if kind == "image2video" and not body.get("image"):
            return _envelope(1201, "Invalid request parameters: image is required", status=400)
        job = self.book.create(body.get("prompt", ""), kind=kind, seconds=int(body.get("duration", 5)))
        if job.spec["final"] == "refused" and job.spec.get("how") == "submit":
            del self.book.jobs[job.id]
            return _envelope(job.spec["code"], job.spec["message"], status=job.spec["http_status"])
        return _envelope(0, "SUCCEED", {"task_id": job.id, "task_status": "submitted",
                                        "created_at": 1764028800000, "updated_at": 1764028800000})

    def _query(self, req: Request, kind: str) -> Response:
        denied = self._auth(req)
        if denied:
            return denied
        job = self.book.jobs.get(req.params["id"])
        if job is None or job.info["kind"] != kind:
            return _envelope(1203, "Requested resource does not exist", status=404)
        job.polls += 1
        limit = self.book.rate_limited(job, "poll")
        if limit:
            return json_response({**limit["body"]}, limit["status"], {"Retry-After": str(limit["retry_after"])})
        phase = self.book.phase(job)
        data = {"task_id": job.id, "created_at": 1764028800000, "updated_at": 1764028800000}
        if phase.state == "queued":
            return _envelope(0, "SUCCEED", {**data, "task_status": "submitted"})
        if phase.state == "running":
            return _envelope(0, "SUCCEED", {**data, "task_status": "processing"})
        if phase.state == "succeeded":
            name, _ = placeholder_clip(job.info["seconds"])
            return _envelope(0, "SUCCEED", {**data, "task_status": "succeed", "task_status_msg": "",
                                            "task_result": {"videos": [{"id": f"{job.id}-v", "url": self.media_url(name),
                                                                        "duration": f"{clip_seconds(name)}.0"}]}})
        return _envelope(0, "SUCCEED", {**data, "task_status": "failed", "task_status_msg": job.spec["message"]})
