"""Video generation: one job model (:mod:`.jobs`) over one small adapter per provider.

>>> from course_utils.video.generate import run_job, VideoRequest, OmniAdapter
>>> result = run_job(OmniAdapter(), VideoRequest("A paper boat on a pond", seconds=6))

Adapters (none imports another): :class:`OmniAdapter` (Gemini Omni Flash, Interactions API),
:class:`VeoAdapter` (Veo 3.1 on Vertex AI), :class:`RunwayAdapter` (runwayml), :class:`KlingAdapter`
(REST + JWT), :class:`FalAdapter` (fal-client queue: Pika, Seedance). Each is imported on first use.
"""
from __future__ import annotations

import importlib

from .jobs import (
    STATES,
    InvalidVideoRequest,
    JobEvent,
    JobRejected,
    JobStatus,
    ModelSpec,
    RateLimited,
    VideoAdapter,
    VideoRequest,
    VideoResult,
    plot_lifecycle,
    run_job,
    time_in_states,
)

_ADAPTERS = {"OmniAdapter": ".google_omni", "VeoAdapter": ".google_veo", "RunwayAdapter": ".runway",
             "KlingAdapter": ".kling", "FalAdapter": ".fal"}

__all__ = ["run_job", "VideoRequest", "VideoResult", "VideoAdapter", "ModelSpec", "JobStatus", "JobEvent",
           "JobRejected", "RateLimited", "InvalidVideoRequest", "STATES", "time_in_states", "plot_lifecycle",
           *_ADAPTERS]


def __getattr__(name: str):
    if name in _ADAPTERS:
        return getattr(importlib.import_module(_ADAPTERS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
