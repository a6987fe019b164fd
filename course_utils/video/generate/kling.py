"""Kling over REST with ``httpx`` (Kling has no official Python SDK).

Every request carries a bearer token in its ``Authorization`` header: a JWT you sign yourself with HS256, whose
``iss`` is your access key, valid from ``nbf`` (now - 5 s) to ``exp`` (now + 30 min), signed with
your secret key. The secret never travels; the token expires, so make a fresh one per call.

    POST /v1/videos/text2video   {"model_name": "kling-v3", "prompt": ..., "mode": "std", "aspect_ratio": "16:9", "duration": "5"}
    GET  /v1/videos/text2video/{task_id}   -> data.task_status: submitted | processing | succeed | failed
    (the same pair under /v1/videos/image2video, with "image": base64 or URL)

Answers come in an envelope ``{code, message, request_id, data}``; ``code`` 0 means success. A
content-policy refusal is HTTP 400 with code 1301 (at submit), too many requests HTTP 429 with 1302
or 1303. Host: ``https://api-singapore.klingai.com`` (outside China; the older ``api.klingai.com``
was moved there). Prices: no official per-second list found; data/pricing has a reseller's figures.
"""
from __future__ import annotations

import base64
import time
import warnings
from typing import Any

import httpx
import jwt

from ...endpoints import Route
from .adapter import JobRejected, JobStatus, ModelSpec, RateLimited, VideoAdapter, VideoRequest, retry_after_seconds

BASE_URL = "https://api-singapore.klingai.com"
MODES = {"720p": "std", "1080p": "pro"}
_WAIT = "assumption (Kling does not publish job times; users report minutes); not measured here"


def kling_token(access_key: str, secret_key: str, ttl_s: int = 1800) -> str:
    """The JWT Kling wants: HS256, iss = access key, nbf = now - 5 s, exp = now + ttl."""
    now = int(time.time())
    with warnings.catch_warnings():  # the replay placeholder key is shorter than a real 32-byte secret
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode({"iss": access_key, "exp": now + ttl_s, "nbf": now - 5}, secret_key, algorithm="HS256",
                          headers={"alg": "HS256", "typ": "JWT"})


class KlingError(Exception):
    """A non-zero Kling service code (with the HTTP status)."""

    def __init__(self, status: int, code: int | None, message: str):
        self.status, self.code, self.message = status, code, message
        super().__init__(f"HTTP {status}, Kling code {code}: {message}")


class KlingAdapter(VideoAdapter):
    """Kling ``kling-v3`` text- and image-to-video (``mode`` std = 720p, pro = 1080p)."""

    key, order = "kling", 40  # registered under this key (see .adapter)
    plan_models = ("kling-v3",)  # the shot planner's default candidates
    cost_table_models = ("kling-v3",)  # rows of cost_lab.video_generation_table
    provider = "kling"
    live_url = BASE_URL
    label = "Kling"
    default_model = "kling-v3"
    models = {
        "kling-v3": ModelSpec("kling-v3", (5, 10), ("16:9", "9:16", "1:1"), ("720p", "1080p"),
                              frozenset({"text-to-video", "image-to-video"}), typical_wait_s=150, wait_note=_WAIT,
                              extras=("first frame", "negative prompt", "cfg_scale"),
                              note="price: a reseller's list (third-party), official price not found"),
    }

    @staticmethod
    def replay_standin():
        from ...standins.kling import KlingStandin

        return KlingStandin.shared()

    @staticmethod
    def _make_client(r: Route) -> httpx.Client:
        return httpx.Client(base_url=r.base_url, timeout=60.0)  # live: BASE_URL (the adapter's live_url)

    def __init__(self, client: httpx.Client | None = None, *, standin: Any = None):
        super().__init__(client, standin=standin)
        self._kind: dict[str, str] = {}

    def _headers(self) -> dict[str, str]:
        token = kling_token(self.route.key("KLING_ACCESS_KEY"), self.route.key("KLING_SECRET_KEY"))
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def _request(self, method: str, path: str, body: dict | None = None) -> dict:
        resp = self.client.request(method, path, json=body, headers=self._headers())
        try:
            payload = resp.json()
        except ValueError:
            payload = {"code": None, "message": resp.text[:200]}
        if resp.status_code == 429:
            raise RateLimited(retry_after_seconds(resp.headers), payload.get("message", "HTTP 429"))
        if resp.status_code >= 400 or payload.get("code") not in (0, None):
            raise KlingError(resp.status_code, payload.get("code"), payload.get("message", ""))
        return payload.get("data") or {}

    def submit(self, request: VideoRequest, spec: ModelSpec) -> str:
        kind = "image2video" if request.image is not None else "text2video"
        body: dict[str, Any] = {"model_name": spec.model, "prompt": request.prompt, "mode": MODES[request.resolution],
                                "aspect_ratio": request.aspect_ratio, "duration": str(request.seconds)}
        if request.negative_prompt:
            body["negative_prompt"] = request.negative_prompt
        if request.image is not None:
            body["image"] = base64.b64encode(request.image).decode()  # raw base64, no data: prefix
        try:
            data = self._request("POST", f"/v1/videos/{kind}", body)
        except KlingError as exc:
            if exc.code in (1300, 1301):  # platform strategy / content security policy
                raise JobRejected("refused", exc.message, str(exc.code)) from exc
            if exc.status == 400:
                raise JobRejected("rejected", exc.message, str(exc.code)) from exc
            raise
        self._kind[data["task_id"]] = kind
        return data["task_id"]

    def poll(self, handle: str) -> JobStatus:
        data = self._request("GET", f"/v1/videos/{self._kind[handle]}/{handle}")
        status = data.get("task_status")
        if status == "submitted":
            return JobStatus("queued", raw=data)
        if status == "processing":
            return JobStatus("running", raw=data)
        if status == "succeed":
            video = data["task_result"]["videos"][0]
            return JobStatus("succeeded", video_url=video["url"], seconds=float(video.get("duration") or 0) or None,
                             raw=data)
        return JobStatus("failed", message=data.get("task_status_msg") or f"task_status {status}", raw=data)
