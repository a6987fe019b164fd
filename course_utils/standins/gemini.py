"""A local stand-in for the Gemini API endpoints video understanding uses.

Replay mode points the real ``google-genai`` client at this server through
``types.HttpOptions(base_url=...)``; the SDK then runs its own code for every step:

* ``POST /upload/{version}/files``: the resumable upload protocol (``X-Goog-Upload-Protocol:
  resumable``; a ``start`` command answered with an ``X-Goog-Upload-URL``, then ``upload,
  finalize`` chunks answered with ``X-Goog-Upload-Status`` and the ``File``). ``{version}`` is
  ``v1`` for google-genai 3.x; ``v1beta`` and ``v1alpha`` are served too,
* ``GET /{version}/files/{id}``: the file is ``PROCESSING`` for a few polls, then ``ACTIVE``; a file
  whose bytes are not a readable video ends ``FAILED`` (fixture ``file_failed``),
* ``POST /{version}/models/{model}:generateContent``: answers from fixtures in
  ``data/fixtures/gemini_video/<name>/`` (``manifest.json`` with ``provenance`` and ``match``,
  ``response.json`` as on the wire); ``usageMetadata`` is computed from the request with the token
  rules of :mod:`course_utils.costs` unless the fixture was recorded with its own,
* ``POST /{version}/models/{model}:countTokens``: the same token rules.

Shut-down models (Gemini 1.x/2.x) get the API's 404 ``NOT_FOUND``; a request without an API key
gets its 403. Nothing here pretends to be a model: every answer is a fixture, and each fixture's
provenance says how it was made.

The fixture format (and the recorder that writes it from live traffic) is in :mod:`.gemini_fixtures`;
the client for the current mode is :func:`course_utils.clients.gemini_client`.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .. import costs
from .gemini_fixtures import (
    AREA,
    file_fixture,
    is_video_part,
    load_generate_fixtures,
    parse_duration,
    prompt_text,
    request_parts,
    video_metadata,
)
from .http import LocalHTTPServer, Request, Response, json_response

API_VERSIONS = r"(?P<ver>v1beta|v1alpha|v1)"
#: Model families the Gemini API has shut down (https://ai.google.dev/gemini-api/docs/deprecations, 2026-11): answered with 404.
RETIRED_PREFIXES = ("gemini-1.", "gemini-2.0", "gemini-2.5", "gemini-pro", "gemini-ultra")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _google_error(code: int, status: str, message: str) -> Response:
    return json_response({"error": {"code": code, "message": message, "status": status}}, code)


def text_tokens(text: str) -> int:
    """Text tokens by the documented rule of thumb (``costs.text_tokens``: about 4 characters per token)."""
    return costs.text_tokens(text)


@dataclass
class MediaInfo:
    duration_s: float
    has_audio: bool
    ok: bool = True
    error: str = ""


def media_info(data: bytes) -> MediaInfo:
    """Duration and audio presence of uploaded/inline bytes (PyAV), or why they are not a video."""
    import av

    try:
        with av.open(io.BytesIO(data)) as c:
            if not c.streams.video:
                return MediaInfo(0.0, False, False, "no video stream")
            v = c.streams.video[0]
            dur = float(v.duration * v.time_base) if v.duration else (c.duration or 0) / 1e6
            return MediaInfo(dur, bool(c.streams.audio))
    except Exception as exc:  # any container error: the real service marks such files FAILED
        return MediaInfo(0.0, False, False, type(exc).__name__)


# -- the server -----------------------------------------------------------------------------------
@dataclass
class _Stored:
    resource: dict
    data: bytes
    info: MediaInfo
    polls_left: int
    fail: dict | None = None


@dataclass
class _Upload:
    meta: dict
    size: int
    mime: str
    received: bytearray = field(default_factory=bytearray)


class GeminiStandin:
    """``with GeminiStandin() as s: genai.Client(api_key="x", http_options=types.HttpOptions(base_url=s.url))``

    ``processing_polls``: how many ``files.get`` calls see ``PROCESSING`` before ``ACTIVE``.
    """

    def __init__(self, area: str = AREA, processing_polls: int | None = None):
        self.area = area
        self.fixtures = load_generate_fixtures(area)
        self.file_active = file_fixture(area, "file_active")
        self.file_failed = file_fixture(area, "file_failed")
        self.processing_polls = (int(self.file_active.get("processing_polls", 2)) if processing_polls is None
                                 else processing_polls)
        self.files: dict[str, _Stored] = {}
        self._uploads: dict[str, _Upload] = {}
        self._lock = threading.Lock()
        self.server = LocalHTTPServer("gemini-standin")
        s = self.server
        s.route("POST", r"/upload/" + API_VERSIONS + r"/files", self._upload)
        s.route("GET", r"/" + API_VERSIONS + r"/files/(?P<id>[a-z0-9]+)", self._get_file)
        s.route("DELETE", r"/" + API_VERSIONS + r"/files/(?P<id>[a-z0-9]+)", self._delete_file)
        s.route("POST", r"/" + API_VERSIONS + r"/models/(?P<model>[^/:]+):generateContent", self._generate)
        s.route("POST", r"/" + API_VERSIONS + r"/models/(?P<model>[^/:]+):countTokens", self._count)

    # lifecycle
    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self):
        return self.server.requests

    def start(self) -> "GeminiStandin":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> "GeminiStandin":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # auth: the API refuses calls without a key; any key is accepted here
    @staticmethod
    def _unauthorized(req: Request) -> Response | None:
        if req.header("x-goog-api-key") or req.query.get("key") or req.header("authorization"):
            return None
        return _google_error(403, "PERMISSION_DENIED",
                             "Method doesn't allow unregistered callers (callers without established identity). "
                             "Please use API Key or other form of API consumer identity to call this API.")

    # files
    def _upload(self, req: Request) -> Response:
        command = (req.header("x-goog-upload-command") or "").lower()
        if "upload_id" not in req.query:  # the session URL authorizes the chunks; the start needs the key
            if (bad := self._unauthorized(req)) is not None:
                return bad
            if req.header("x-goog-upload-protocol", "").lower() != "resumable" or command != "start":
                return _google_error(400, "INVALID_ARGUMENT", "Expected a resumable upload start request.")
            body = req.json() or {}
            meta = body.get("file") or {}
            size = int(req.header("x-goog-upload-header-content-length") or meta.get("sizeBytes") or meta.get("size_bytes") or 0)
            mime = req.header("x-goog-upload-header-content-type") or meta.get("mimeType") or meta.get("mime_type") or ""
            upload_id = uuid.uuid4().hex
            with self._lock:
                self._uploads[upload_id] = _Upload(meta, size, mime)
            upload_url = f"{self.url}/upload/{req.params['ver']}/files?upload_id={upload_id}&upload_protocol=resumable"
            return Response(200, b"", {"X-Goog-Upload-Status": "active", "X-Goog-Upload-URL": upload_url,
                                       "X-Goog-Upload-Control-URL": upload_url,
                                       "X-Goog-Upload-Chunk-Granularity": "8388608",
                                       "Content-Type": "text/plain; charset=utf-8"})
        with self._lock:
            up = self._uploads.get(req.query["upload_id"])
        if up is None:
            return _google_error(404, "NOT_FOUND", "Unknown upload session.")
        offset = int(req.header("x-goog-upload-offset") or 0)
        if offset != len(up.received):
            return _google_error(400, "INVALID_ARGUMENT",
                                 f"Upload offset {offset} does not match {len(up.received)} bytes received.")
        up.received.extend(req.body)
        if "finalize" not in command:
            return Response(200, b"", {"X-Goog-Upload-Status": "active"})
        if up.size and len(up.received) != up.size:
            return _google_error(400, "INVALID_ARGUMENT",
                                 f"Upload finalized with {len(up.received)} bytes but {up.size} were declared.")
        with self._lock:
            self._uploads.pop(req.query["upload_id"], None)
        resource = self._store(bytes(up.received), up.meta, up.mime, req.params["ver"])
        return json_response({"file": resource}, headers={"X-Goog-Upload-Status": "final"})

    def _store(self, data: bytes, meta: dict, mime: str, version: str = "v1beta") -> dict:
        digest = hashlib.sha256(data).digest()
        file_id = hashlib.sha256(digest + str(len(self.files)).encode()).hexdigest()[:12]
        now = _now()
        info = media_info(data) if mime.startswith("video/") else MediaInfo(0.0, False)
        resource = {
            "name": f"files/{file_id}",
            "displayName": meta.get("displayName") or meta.get("display_name") or "",
            "mimeType": mime or "application/octet-stream",
            "sizeBytes": str(len(data)),
            "createTime": _ts(now), "updateTime": _ts(now), "expirationTime": _ts(now + timedelta(hours=48)),
            "sha256Hash": base64.b64encode(digest.hex().encode()).decode(),
            "uri": f"{self.url}/{version}/files/{file_id}",
            "state": "PROCESSING",
            "source": "UPLOADED",
        }
        if not resource["displayName"]:
            del resource["displayName"]
        fail = None if info.ok else self.file_failed["file"]
        with self._lock:
            self.files[file_id] = _Stored(resource, data, info, self.processing_polls, fail)
        return dict(resource)

    def _get_file(self, req: Request) -> Response:
        if (bad := self._unauthorized(req)) is not None:
            return bad
        with self._lock:
            stored = self.files.get(req.params["id"])
            if stored is None:
                return _google_error(403, "PERMISSION_DENIED",
                                     f"You do not have permission to access the File {req.params['id']} or it may not exist.")
            if stored.resource["state"] == "PROCESSING":
                if stored.polls_left > 0:
                    stored.polls_left -= 1
                elif stored.fail is not None:
                    stored.resource.update({"state": "FAILED", "error": stored.fail["error"], "updateTime": _ts(_now())})
                else:
                    stored.resource.update({"state": "ACTIVE", "updateTime": _ts(_now()),
                                            "videoMetadata": {"videoDuration": f"{stored.info.duration_s:g}s"}}
                                           if stored.resource["mimeType"].startswith("video/") else
                                           {"state": "ACTIVE", "updateTime": _ts(_now())})
            return json_response(dict(stored.resource))

    def _delete_file(self, req: Request) -> Response:
        if (bad := self._unauthorized(req)) is not None:
            return bad
        with self._lock:
            self.files.pop(req.params["id"], None)
        return json_response({})

    # tokens
    def _resolve_video(self, part: dict) -> tuple[MediaInfo | None, str | None]:
        """The media behind a video part, or an error message."""
        file_data = part.get("fileData") or part.get("file_data")
        if file_data:
            uri = file_data.get("fileUri") or file_data.get("file_uri") or ""
            file_id = uri.rstrip("/").split("files/")[-1]
            stored = self.files.get(file_id)
            if stored is None:
                return None, f"File {file_id} does not exist or was not uploaded to this server."
            if stored.resource["state"] != "ACTIVE":
                return None, (f"The File {file_id} is not in an ACTIVE state and usage is not allowed.")
            return stored.info, None
        blob = part.get("inlineData") or part.get("inline_data") or {}
        try:  # the API takes standard and URL-safe base64 (pydantic sends the URL-safe alphabet)
            raw = str(blob.get("data") or "").replace("-", "+").replace("_", "/")
            data = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
        except ValueError:
            return None, "Invalid base64 in inlineData.data."
        info = media_info(data)
        return (info, None) if info.ok else (None, f"Unable to process input video ({info.error}).")

    def count_request(self, model: str, request: dict) -> tuple[int, list[dict], str | None]:
        """``(total, promptTokensDetails, error)`` for a request, by the rules in course_utils.costs."""
        gen = request.get("generationConfig") or {}
        global_res = (gen.get("mediaResolution") or "MEDIA_RESOLUTION_UNSPECIFIED")
        by_modality = {"TEXT": 0, "VIDEO": 0, "AUDIO": 0}
        for part in request_parts(request):
            if isinstance(part.get("text"), str):
                by_modality["TEXT"] += text_tokens(part["text"])
                continue
            if not is_video_part(part):
                continue
            info, error = self._resolve_video(part)
            if error:
                return 0, [], error
            meta = video_metadata(part)
            start = parse_duration(meta.get("startOffset")) or 0.0
            end = parse_duration(meta.get("endOffset"))
            end = info.duration_s if end is None else min(end, info.duration_s)
            fps = meta.get("fps") or costs.token_rule("gemini_video_default_fps")
            seconds = max(0.0, end - start)
            level = ((part.get("mediaResolution") or {}).get("level")) or global_res
            res = level.replace("MEDIA_RESOLUTION_", "").lower()
            res = "default" if res == "unspecified" else res
            by_modality["VIDEO"] += int(math.ceil(seconds * fps - 1e-9) * costs.gemini_video_tokens_per_frame(model, res))
            if info.has_audio:
                by_modality["AUDIO"] += int(round(seconds * costs.token_rule("gemini_audio_tokens_per_second")))
        details = [{"modality": k, "tokenCount": v} for k, v in by_modality.items() if v]
        return sum(by_modality.values()), details, None

    def _model_error(self, model: str, method: str, version: str = "v1beta") -> Response | None:
        if model.startswith(RETIRED_PREFIXES):
            return _google_error(404, "NOT_FOUND",
                                 f"models/{model} is not found for API version {version}, or is not supported for "
                                 f"{method}. Call ListModels to see the list of available models and their supported methods.")
        return None

    def _count(self, req: Request) -> Response:
        if (bad := self._unauthorized(req)) is not None:
            return bad
        model = req.params["model"]
        if (err := self._model_error(model, "countTokens", req.params["ver"])) is not None:
            return err
        body = req.json() or {}
        request = body.get("generateContentRequest") or body
        total, details, error = self.count_request(model, request)
        if error:
            return _google_error(400, "FAILED_PRECONDITION" if "ACTIVE" in error else "INVALID_ARGUMENT", error)
        # the REST API also lists promptTokensDetails here; google-genai's CountTokensResponse keeps only these
        return json_response({"totalTokens": total})

    def _generate(self, req: Request) -> Response:
        if (bad := self._unauthorized(req)) is not None:
            return bad
        model = req.params["model"]
        if (err := self._model_error(model, "generateContent", req.params["ver"])) is not None:
            return err
        request = req.json() or {}
        text = prompt_text(request)
        fixture = next((f for f in self.fixtures if f.matches(model, request, text)), None)
        if fixture is None:
            names = ", ".join(f.name for f in self.fixtures)
            return _google_error(404, "NOT_FOUND",
                                 f"replay: no recorded answer for this request to {model} (fixtures: {names}); replay "
                                 f"answers only recorded prompts - use the notebook's prompts, or live mode for new ones.")
        total, details, error = self.count_request(model, request)
        if error:
            return _google_error(400, "FAILED_PRECONDITION" if "ACTIVE" in error else "INVALID_ARGUMENT", error)
        response = json.loads(json.dumps(fixture.response))
        response["modelVersion"] = model
        response.setdefault("responseId", hashlib.sha256(req.body).hexdigest()[:22])
        if fixture.usage != "recorded" or "usageMetadata" not in response:
            out_text = "".join(p.get("text", "") for c in response.get("candidates", [])
                               for p in (c.get("content") or {}).get("parts", []))
            out = text_tokens(out_text)
            response["usageMetadata"] = {"promptTokenCount": total, "candidatesTokenCount": out,
                                         "totalTokenCount": total + out, "promptTokensDetails": details}
        return json_response(response)


# -- the kernel's stand-in -------------------------------------------------------------------------
_STANDIN: GeminiStandin | None = None


def gemini_standin() -> GeminiStandin:
    """The kernel's Gemini stand-in (started on first use); :func:`course_utils.clients.gemini_client` uses it in replay."""
    global _STANDIN
    if _STANDIN is None:
        _STANDIN = GeminiStandin().start()
    return _STANDIN
