"""Gemini Omni Flash, Google's default video model, through google-genai's Interactions API.

    client.interactions.create(model="gemini-omni-1.1-flash", input=prompt, background=True,
                               response_format={"type": "video", "aspect_ratio": "16:9", "resolution": "720p"})
    client.interactions.get(interaction_id)      # until status == "completed"
    interaction.output_video.data                # base64 MP4 (audio included)

Image-to-video puts an ``{"type": "image", ...}`` block in ``input``. An *edit* of a clip is one more
interaction with ``previous_interaction_id`` set to the clip's interaction: the model keeps the
clip and changes what the new prompt says (conversational editing, which no other provider here has).

Cost: Omni is billed in tokens (video output $17.50 per 1M, input $1.50 per 1M; ~5,792 output
tokens per second at 720p, i.e. about $0.10/s). ``gemini-omni-1.1-flash`` chooses the clip length
itself (3-10 s), so the estimate reserves 10 s and the ledger is settled from ``usage``.

Retries are switched off in the SDK (``HttpRetryOptions(attempts=1)``) so that :func:`run_job` is
the one place that waits on a 429 (honouring ``Retry-After``).
"""
from __future__ import annotations

import base64
from typing import Any

from ...endpoints import Route
from .adapter import JobRejected, JobStatus, ModelSpec, RateLimited, VideoAdapter, VideoRequest, retry_after_seconds

_MODES = frozenset({"text-to-video", "image-to-video", "edit"})
_WAIT_NOTE = "one public report: ~24 s for a 10 s clip (tanstack/ai issue #871, 2026-07); not measured here"


class OmniAdapter(VideoAdapter):
    """Gemini Omni Flash via ``client.interactions`` (google-genai 3.x)."""

    key, order = "omni", 10  # registered under this key (see .adapter)
    plan_models = ("gemini-omni-1.1-flash",)  # the shot planner's default candidates
    cost_table_models = ("gemini-omni-1.1-flash",)  # rows of cost_lab.video_generation_table
    provider = "google"
    surface = "interactions"
    label = "Gemini Omni Flash"
    default_model = "gemini-omni-1.1-flash"
    models = {
        "gemini-omni-1.1-flash": ModelSpec(
            "gemini-omni-1.1-flash", tuple(range(3, 11)), ("16:9", "9:16"), ("360p", "720p"), _MODES,
            typical_wait_s=30, wait_note=_WAIT_NOTE, model_picks_duration=True,
            extras=("conversational edit", "image input", "audio included"),
            note="GA 2026-08-27; 1080p/4K exist but their token rate is not confirmed, so they are not offered here"),
        "gemini-omni-1.2-flash": ModelSpec(
            "gemini-omni-1.2-flash", tuple(range(3, 16)), ("16:9", "9:16"), ("360p", "720p"), _MODES,
            typical_wait_s=40, wait_note=_WAIT_NOTE, extras=("conversational edit", "image input", "duration 3-15 s"),
            note="released 2026-11-05, seen on Google Cloud only so far; price assumed equal to 1.1 (unverified)"),
    }

    @staticmethod
    def replay_standin():
        from ...standins.gemini_interactions import GeminiInteractionsStandin

        return GeminiInteractionsStandin.shared()

    @staticmethod
    def _make_client(r: Route):
        from google import genai
        from google.genai import types

        options = types.HttpOptions(base_url=r.base_url, retry_options=types.HttpRetryOptions(attempts=1), timeout=120_000)
        return genai.Client(api_key=r.api_key, http_options=options)

    def submit(self, request: VideoRequest, spec: ModelSpec) -> str:
        video_format: dict[str, Any] = {"type": "video", "aspect_ratio": request.aspect_ratio,
                                        "resolution": request.resolution}
        if not spec.model_picks_duration:
            video_format["duration"] = f"{request.seconds}s"  # string form: not confirmed in Google's docs
        content: Any = request.prompt
        if request.image is not None:
            content = [{"type": "text", "text": request.prompt},
                       {"type": "image", "mime_type": request.image_mime,
                        "data": base64.b64encode(request.image).decode()}]
        kwargs: dict[str, Any] = dict(model=spec.model, input=content, background=True, store=True,
                                      response_format=video_format)
        if request.previous is not None:
            kwargs["previous_interaction_id"] = request.previous.job_id
        from google.genai import _interactions_errors as ierr

        try:
            interaction = self._call(lambda: self.client.interactions.create(**kwargs))
        except ierr.APIStatusError as exc:
            if exc.status_code in (400, 404):  # bad parameters, or an unknown previous_interaction_id
                error = (exc.body or {}).get("error", {}) if isinstance(exc.body, dict) else {}
                raise JobRejected("rejected", error.get("message") or str(exc), error.get("status")) from exc
            raise
        return interaction.id

    def poll(self, handle: str) -> JobStatus:
        it = self._call(lambda: self.client.interactions.get(handle))
        status = str(it.status)
        if status in ("queued", "requires_continuation"):
            return JobStatus("queued", raw=it)
        if status in ("in_progress", "requires_action", "idle"):
            return JobStatus("running", raw=it)
        if status == "completed":
            video = it.output_video
            if video is None or not (video.data or video.uri):
                # Gemini declines in words: a completed interaction with text and no video
                return JobStatus("refused", message=it.output_text or "no video returned", code="no_video", raw=it,
                                 actual_usd=self._usage_cost(it) or None)
            data = base64.b64decode(video.data) if video.data else None
            return JobStatus("succeeded", video_bytes=data, video_url=video.uri, actual_usd=self._usage_cost(it),
                             seconds=self._video_seconds(it), raw=it)
        if status == "cancelled":
            return JobStatus("cancelled", raw=it)
        errors = it.errors or []
        message = "; ".join(e.message or "" for e in errors) or f"interaction ended with status {status}"
        return JobStatus("failed", message=message, code=(errors[0].code if errors else status), raw=it)

    def download(self, status: JobStatus) -> bytes:
        if status.video_bytes is None and status.video_url:  # URI delivery: fetch with the key header
            import httpx

            key_header = [("x-goog-api-key", self.route.api_key)]
            resp = httpx.get(status.video_url, headers=key_header, timeout=120.0, follow_redirects=True)
            resp.raise_for_status()
            return resp.content
        return super().download(status)

    def _usage_cost(self, it: Any) -> float:
        """Actual cost from ``usage`` (priced by ``costs.cost_from_omni_usage``)."""
        from ... import costs

        return costs.cost_from_omni_usage(it.usage, str(it.model))

    @staticmethod
    def _video_seconds(it: Any) -> float | None:
        from ... import costs

        usage = it.usage
        if usage is None:
            return None
        video_tokens = sum(m.tokens or 0 for m in (usage.output_tokens_by_modality or []) if str(m.modality) == "video")
        return video_tokens / costs.token_rule("omni_flash_output_tokens_per_second_720p") if video_tokens else None

    @staticmethod
    def _call(fn):
        from google.genai import _interactions_errors as ierr

        try:
            return fn()
        except ierr.APIStatusError as exc:
            if exc.status_code == 429:
                raise RateLimited(retry_after_seconds(exc.response.headers), str(exc)) from exc
            raise
