"""Video generation: one job model (:mod:`.jobs`) over one small adapter per provider.

>>> from course_utils.video.generate import run_job, VideoRequest, OmniAdapter
>>> result = run_job(OmniAdapter(), VideoRequest("A paper boat on a pond", seconds=6))

Adapters (none imports another) register themselves (:func:`adapter_classes`, see :mod:`.adapter`):
every module of this package other than ``adapter`` and ``jobs`` is a provider, e.g. ``google_omni``
(Gemini Omni Flash, Interactions API), ``google_veo`` (Veo 3.1 on Vertex AI), ``runway`` (runwayml),
``kling`` (REST + JWT), ``fal`` (fal-client queue: Pika, Seedance). ``from course_utils.video.generate
import KlingAdapter`` finds a class by its name, importing the provider modules on first use.
"""
from __future__ import annotations

from .adapter import (
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
    adapter_classes,
    cost_table_models,
    plan_candidates,
    time_in_states,
)
from .jobs import plot_lifecycle, run_job

__all__ = ["run_job", "VideoRequest", "VideoResult", "VideoAdapter", "ModelSpec", "JobStatus", "JobEvent",
           "JobRejected", "RateLimited", "InvalidVideoRequest", "STATES", "time_in_states", "plot_lifecycle",
           "adapter_classes", "plan_candidates", "cost_table_models"]


def __getattr__(name: str):
    if name.endswith("Adapter"):
        for cls in adapter_classes().values():
            if cls.__name__ == name:
                return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
