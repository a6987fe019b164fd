"""Veo 3.1 on Vertex AI, through google-genai with ``vertexai=True``.

Veo's Gemini-API preview ids were shut on 2026-10-22 (Omni named as the replacement); the GA ids
``veo-3.1-generate-001`` and ``veo-3.1-fast-generate-001`` live on Vertex AI. Use Veo for what Omni
does not do: first *and last* frame control (``last_frame``), reference images, 4/6/8 s clips.

    client = genai.Client(vertexai=True, project="my-project", location="us-central1")
    op = client.models.generate_videos(model="veo-3.1-fast-generate-001",
                                       source=types.GenerateVideosSource(prompt=..., image=...),
                                       config=types.GenerateVideosConfig(duration_seconds=8, ...))
    op = client.operations.get(op)               # until op.done
    op.result.generated_videos[0].video.video_bytes

What differs from the Gemini API: no API key. Vertex authenticates with Google Cloud credentials
(Application Default Credentials: ``gcloud auth application-default login`` on a laptop, or
``google.colab.auth.authenticate_user()`` in Colab), bills the Google Cloud *project* named by
``GOOGLE_CLOUD_PROJECT`` (which must have the Vertex AI API enabled), in a region
(``GOOGLE_CLOUD_LOCATION``, default ``us-central1``). Requests go to
``https://{location}-aiplatform.googleapis.com/v1beta1/projects/{project}/locations/{location}/publishers/google/models/{model}:predictLongRunning``.

In replay the same client is pointed at the local stand-in with ``http_options.base_url`` and a
placeholder OAuth token (``google.oauth2.credentials.Credentials``), so no Google credentials are needed.
"""
from __future__ import annotations

import os
from typing import Any

from ...config import REPLAY_KEY
from ...endpoints import Route
from .adapter import JobRejected, JobStatus, ModelSpec, RateLimited, VideoAdapter, VideoRequest, retry_after_seconds

_RES = ("720p", "1080p", "4k")
_MODES = frozenset({"text-to-video", "image-to-video"})
_EXTRAS = ("first frame", "last frame", "reference images", "seed", "negative prompt", "audio included")
_WAIT = "Google's Veo docs: from about 11 s up to 6 min at peak; not measured here"


class VeoAdapter(VideoAdapter):
    """Veo 3.1 GA on Vertex AI (``generate_videos`` + operation polling)."""

    key, order = "veo", 20  # registered under this key (see .adapter)
    plan_models = ("veo-3.1-fast-generate-001",)  # the shot planner's default candidates
    cost_table_models = ("veo-3.1-generate-001", "veo-3.1-fast-generate-001")  # rows of cost_lab.video_generation_table
    provider = "vertex"
    label = "Veo 3.1 (Vertex AI)"
    default_model = "veo-3.1-fast-generate-001"
    models = {
        "veo-3.1-generate-001": ModelSpec("veo-3.1-generate-001", (4, 6, 8), ("16:9", "9:16"), _RES, _MODES,
                                          price_provider="google", typical_wait_s=90, wait_note=_WAIT, extras=_EXTRAS,
                                          note="price: last Gemini-API list ($0.40/s); Vertex pricing may differ"),
        "veo-3.1-fast-generate-001": ModelSpec("veo-3.1-fast-generate-001", (4, 6, 8), ("16:9", "9:16"), ("720p", "1080p"),
                                               _MODES, price_provider="google", typical_wait_s=60, wait_note=_WAIT,
                                               extras=_EXTRAS, note="price: last Gemini-API list ($0.10/s)"),
    }

    def __init__(self, client: Any = None, *, standin: Any = None, location: str | None = None):
        super().__init__(client, standin=standin, location=location)

    def where(self) -> str:
        """Which project, region and credentials this client uses (never a secret)."""
        api = self.client._api_client  # google-genai keeps these on its API client
        creds = "a placeholder OAuth token (replay)" if self.route.base_url else "Application Default Credentials"
        return (f"Vertex AI: project={api.project} location={api.location} API version {api._http_options.api_version}, "
                f"credentials: {creds}, no API key")

    @staticmethod
    def replay_standin():
        from ...standins.vertex_veo import VertexVeoStandin

        return VertexVeoStandin.shared()

    @staticmethod
    def _make_client(r: Route, location: str | None = None):
        from google import genai
        from google.genai import types

        location = location or os.environ.get("GOOGLE_CLOUD_LOCATION", "us-central1")
        options = types.HttpOptions(base_url=r.base_url, retry_options=types.HttpRetryOptions(attempts=1), timeout=120_000)
        if r.base_url is None:  # the real Vertex AI: the project from GOOGLE_CLOUD_PROJECT, credentials from ADC
            return genai.Client(vertexai=True, project=r.api_key, location=location, http_options=options)
        from google.oauth2.credentials import Credentials

        project = "replay-project" if r.replay else r.api_key  # a local stand-in: a placeholder OAuth token
        return genai.Client(vertexai=True, project=project, location=location, credentials=Credentials(token=REPLAY_KEY),
                            http_options=options)

    def submit(self, request: VideoRequest, spec: ModelSpec) -> Any:
        from google.genai import types

        image = types.Image(image_bytes=request.image, mime_type=request.image_mime) if request.image else None
        last = types.Image(image_bytes=request.last_frame, mime_type=request.image_mime) if request.last_frame else None
        config = types.GenerateVideosConfig(number_of_videos=1, duration_seconds=request.seconds,
                                            aspect_ratio=request.aspect_ratio, resolution=request.resolution,
                                            generate_audio=True, last_frame=last, seed=request.seed,
                                            negative_prompt=request.negative_prompt)
        from google.genai import errors

        try:
            op = self._call(lambda: self.client.models.generate_videos(
                model=spec.model, source=types.GenerateVideosSource(prompt=request.prompt, image=image), config=config))
        except errors.ClientError as exc:
            if exc.code in (400, 404):
                raise JobRejected("rejected", exc.message or str(exc), exc.status) from exc
            raise
        return [op]  # a one-item list: poll() keeps the newest operation in it

    def job_id(self, handle: list) -> str:
        return handle[0].name.rpartition("/operations/")[2]

    def poll(self, handle: list) -> JobStatus:
        op = self._call(lambda: self.client.operations.get(handle[0]))
        handle[0] = op
        progress = (op.metadata or {}).get("progressPercent")
        if not op.done:
            return JobStatus("running", progress=progress / 100 if progress is not None else None, raw=op)
        if op.error:
            return JobStatus("failed", message=op.error.get("message"), code=str(op.error.get("code")), raw=op)
        result = op.result or op.response
        videos = (result.generated_videos or []) if result else []
        if not videos:
            reasons = (result.rai_media_filtered_reasons or []) if result else []
            return JobStatus("refused", message=" ".join(reasons) or "no video returned",
                             code="RAI_FILTERED", raw=op)
        video = videos[0].video
        return JobStatus("succeeded", video_bytes=video.video_bytes, video_url=video.uri, raw=op)

    def download(self, status: JobStatus) -> bytes:
        if status.video_bytes is None and status.video_url and status.video_url.startswith("gs://"):
            raise RuntimeError("Veo wrote the clip to Cloud Storage; download it with google-cloud-storage "
                               f"({status.video_url}) or leave output_gcs_uri unset to get bytes inline.")
        return super().download(status)

    @staticmethod
    def _call(fn):
        from google.genai import errors

        try:
            return fn()
        except errors.APIError as exc:
            if exc.code == 429:
                headers = getattr(getattr(exc, "response", None), "headers", None)
                raise RateLimited(retry_after_seconds(headers), str(exc)) from exc
            raise
