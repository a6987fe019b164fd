"""What every video-generation provider shares: the request and model types, the seven job states,
the errors an adapter raises, the adapter base class, the finished result, and the registry of adapters.

Adapters register themselves: a :class:`VideoAdapter` subclass with a ``key`` is listed by
:func:`adapter_classes` (which imports every provider module of this package) and registers its surface
(``provider``, ``live_url``, ``credentials``) with :mod:`course_utils.endpoints`, so adding a provider is its
adapter module, its stand-in, its price rows and its test. ``order`` sorts it among the others;
``plan_models`` puts models in the shot planner's default candidates (``compose.CANDIDATES``) and
``cost_table_models`` in the cost lab's generation table (``cost_lab.video_generation_table``).
"""
from __future__ import annotations

import base64
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from ...endpoints import Route, Surface, register_surface, route
from ...errors import CourseError, JobFailed
from ...ledger import LedgerEntry

State = Literal["queued", "running", "succeeded", "refused", "rejected", "failed", "cancelled"]
STATES: tuple[str, ...] = ("queued", "running", "succeeded", "refused", "rejected", "failed", "cancelled")
TERMINAL = frozenset({"succeeded", "refused", "failed", "cancelled", "rejected"})
DOWNLOAD_READ_TIMEOUT_S = 30.0  # a clip download that sends nothing for this long is abandoned (JobFailed)

#: What to tell a learner, by final state.
ADVICE = {
    "refused": ("rephrase the prompt or change the input image (no real people, brands, logos or unsafe "
                "content), then submit again"),
    "failed": "submit again later, or on another provider (compose.generate_shots retries once on a fallback)",
    "cancelled": "the job was cancelled; submit it again if you still want it",
    "rejected": "fix the request (model, length, aspect ratio, resolution) as the provider's message says",
}


class InvalidVideoRequest(CourseError, ValueError):
    """The request does not fit the model (clip length, aspect ratio, resolution, mode) - caught before any call."""


class RateLimited(Exception):
    """Raised by an adapter when its provider answered HTTP 429; ``retry_after`` from the header (seconds) or None."""

    def __init__(self, retry_after: float | None, message: str = "rate limited"):
        self.retry_after = retry_after
        super().__init__(message)


class JobRejected(Exception):
    """Raised by an adapter's ``submit`` when the provider refuses the job outright (content policy:
    ``state="refused"``; bad parameters: ``state="rejected"``), with the provider's own words."""

    def __init__(self, state: str, message: str, code: str | None = None):
        self.state, self.message, self.code = state, message, code
        super().__init__(message)


def retry_after_seconds(headers: Any) -> float | None:
    """The ``Retry-After`` header (seconds form, or an HTTP date) as seconds, or None."""
    if not headers:
        return None
    value = None
    for k in headers.keys():
        if str(k).lower() == "retry-after":
            value = headers[k]
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        from email.utils import parsedate_to_datetime
        try:
            return max((parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds(), 0.0)
        except (TypeError, ValueError):
            return None


# -- what a learner asks for ---------------------------------------------------------------------
@dataclass
class VideoRequest:
    """One clip to generate. ``image`` makes it image-to-video; ``previous`` an edit of an earlier result."""

    prompt: str
    seconds: int = 5
    resolution: str = "720p"
    aspect_ratio: str = "16:9"
    image: bytes | None = field(default=None, repr=False)  # first frame (PNG/JPEG bytes)
    image_mime: str = "image/png"
    last_frame: bytes | None = field(default=None, repr=False)  # Veo: first/last-frame control
    previous: "VideoResult | None" = field(default=None, repr=False)  # Omni: conversational edit
    seed: int | None = None
    negative_prompt: str | None = None

    @property
    def mode(self) -> str:
        if self.previous is not None:
            return "edit"
        return "image-to-video" if self.image is not None else "text-to-video"

    def image_data_uri(self) -> str:
        if self.image is None:
            raise InvalidVideoRequest("This request has no image; pass image=open('frame.png','rb').read().")
        return f"data:{self.image_mime};base64,{base64.b64encode(self.image).decode()}"


@dataclass(frozen=True)
class ModelSpec:
    """What one model accepts, and how it is priced and how long it usually takes."""

    model: str
    durations: tuple[int, ...]
    aspect_ratios: tuple[str, ...]
    resolutions: tuple[str, ...]
    modes: frozenset[str]
    price_model: str | None = None  # the model id of its row in data/pricing/prices.csv (default: model)
    price_provider: str | None = None
    typical_wait_s: float = 120.0  # rough wall time of one job; see wait_note
    wait_note: str = "assumption, not measured"
    model_picks_duration: bool = False  # the model chooses the length (Omni 1.1): estimate the longest
    extras: tuple[str, ...] = ()  # controls beyond the prompt: first/last frame, reference images, seed, ...
    note: str = ""


@dataclass
class JobStatus:
    """One provider answer, normalised."""

    state: str
    progress: float | None = None  # 0..1 when the provider reports it
    message: str | None = None  # the provider's own words (failure, refusal)
    code: str | None = None
    video_url: str | None = None
    video_bytes: bytes | None = field(default=None, repr=False)
    actual_usd: float | None = None  # what the provider reports it charged (credits, usage)
    seconds: float | None = None  # clip length when the provider says
    raw: Any = field(default=None, repr=False)


@dataclass
class JobEvent:
    """A change seen while polling, at ``t`` simulated seconds after submit."""

    t: float
    state: str
    progress: float | None = None
    note: str = ""


# -- adapters --------------------------------------------------------------------------------------
class VideoAdapter(ABC):
    """One provider. Subclasses set the class attributes and implement submit / poll (and maybe download)."""

    key: str = ""  # registry name (compose's adapter key): omni, veo, runway, kling, fal; "" = not registered
    order: int = 100  # where it sorts among the registered adapters
    plan_models: tuple[str, ...] = ()  # models the shot planner considers by default (compose.CANDIDATES)
    cost_table_models: tuple[str, ...] = ()  # models in cost_lab.video_generation_table
    provider: str = ""  # config/ledger name: google, vertex, runway, kling, fal
    surface: str = "rest"  # its surface in course_utils.endpoints (registered from the three lines below)
    live_url: str | None = None  # the real endpoint; None: the SDK's default
    credentials: tuple[str, ...] = ()  # env variables of a provider config.PROVIDER_KEYS does not list yet
    label: str = ""
    models: dict[str, ModelSpec] = {}
    default_model: str = ""
    time_scale: float = 1.0  # replay: the stand-in's clock scale
    standin: Any = None
    route: Route | None = None  # where this adapter's traffic goes (course_utils.endpoints.route)

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("key"):
            _REGISTRY[cls.key] = cls
            register_surface(Surface(cls.provider, cls.surface, cls.live_url, "kernel"), cls.credentials)

    def __init__(self, client: Any = None, *, standin: Any = None, **client_options: Any):
        """``client``: a ready SDK client; else ``_make_client`` makes one for :func:`~course_utils.endpoints.route`'s
        answer (replay: the kernel's stand-in; ``standin=``: that local stand-in, in any mode)."""
        self.route = route(self.provider, self.surface, url=None if standin is None else standin.url,
                           standin=self.replay_standin if standin is None else standin)
        self.client = client if client is not None else self._make_client(self.route, **client_options)
        self.standin = self.route.standin
        self.time_scale = self.standin.time_scale if self.standin is not None else 1.0

    @staticmethod
    @abstractmethod
    def replay_standin() -> Any:
        """The kernel's running stand-in of this provider (``XStandin.shared()``), for replay."""

    @staticmethod
    @abstractmethod
    def _make_client(r: Route, **options: Any) -> Any:
        """The SDK client for route ``r`` (``r.base_url`` None: the real API)."""

    def spec(self, model: str | None = None) -> ModelSpec:
        model = model or self.default_model
        if model not in self.models:
            raise InvalidVideoRequest(f"{self.label} has no model {model!r} here; use one of {', '.join(self.models)}.")
        return self.models[model]

    def check(self, request: VideoRequest, spec: ModelSpec) -> None:
        """Refuse, before any call, a request the model cannot do (one line that says what fits)."""
        if request.mode not in spec.modes:
            raise InvalidVideoRequest(f"{self.label} {spec.model} does not do {request.mode}; it does "
                                      f"{', '.join(sorted(spec.modes))}.")
        if not spec.model_picks_duration and request.seconds not in spec.durations:
            raise InvalidVideoRequest(f"{self.label} {spec.model} makes clips of {_durations(spec.durations)} s, not "
                                      f"{request.seconds} s; pass seconds= one of those.")
        if request.aspect_ratio not in spec.aspect_ratios:
            raise InvalidVideoRequest(f"{self.label} {spec.model} takes aspect ratios {', '.join(spec.aspect_ratios)}, "
                                      f"not {request.aspect_ratio}.")
        if request.resolution not in spec.resolutions:
            raise InvalidVideoRequest(f"{self.label} {spec.model} renders {', '.join(spec.resolutions)}, "
                                      f"not {request.resolution}.")
        if request.last_frame is not None and "last frame" not in spec.extras:
            raise InvalidVideoRequest(f"{self.label} {spec.model} has no last-frame control; use Veo 3.1 for that.")

    def billed_seconds(self, request: VideoRequest, spec: ModelSpec) -> float:
        return float(max(spec.durations)) if spec.model_picks_duration else float(request.seconds)

    def estimate(self, request: VideoRequest, spec: ModelSpec):
        """The cost estimate (a ``CostBreakdown``) from data/pricing, before anything is sent."""
        from ...costs import estimate_video_generation

        result = estimate_video_generation(spec.price_provider or self.provider, spec.price_model or spec.model,
                                                 self.billed_seconds(request, spec), request.resolution)
        if spec.model_picks_duration:
            result.notes.append(f"{spec.model} chooses the clip length: reserved for the longest "
                                f"({max(spec.durations)} s), settled from usage")
        return result

    @abstractmethod
    def submit(self, request: VideoRequest, spec: ModelSpec) -> Any:
        """Start the job; return a handle for :meth:`poll`. Raise :class:`RateLimited` on HTTP 429."""

    @abstractmethod
    def poll(self, handle: Any) -> JobStatus:
        """The job's status now. Raise :class:`RateLimited` on HTTP 429."""

    def job_id(self, handle: Any) -> str:
        return str(handle)

    def download(self, status: JobStatus) -> bytes:
        """The MP4: inline bytes, or a GET of the (pre-signed) output URL."""
        if status.video_bytes is not None:
            return status.video_bytes
        if not status.video_url:
            raise JobFailed(f"{self.label} reported success but no video; submit the job again.",
                            provider=self.provider)
        import httpx

        resp = httpx.get(status.video_url, timeout=httpx.Timeout(DOWNLOAD_READ_TIMEOUT_S, connect=10.0),
                         follow_redirects=True)
        resp.raise_for_status()
        return resp.content

    def __repr__(self) -> str:
        where = f"replay stand-in, time x{self.time_scale:g}" if self.standin is not None else "live API"
        return f"<{type(self).__name__} {self.label}: {', '.join(self.models)} ({where})>"


def _durations(values: tuple[int, ...]) -> str:
    values = tuple(sorted(values))
    if len(values) > 3 and values == tuple(range(values[0], values[-1] + 1)):
        return f"{values[0]}–{values[-1]}"
    return ", ".join(str(v) for v in values)


# -- results ---------------------------------------------------------------------------------------
@dataclass
class VideoResult:
    """A finished job: the clip on disk, what it cost, and what happened when."""

    provider: str
    label: str
    model: str
    request: VideoRequest
    job_id: str
    path: Path
    estimate_usd: float
    actual_usd: float
    events: list[JobEvent]
    time_scale: float = 1.0
    seconds: float | None = None  # length of the clip received
    entry: LedgerEntry | None = field(default=None, repr=False)
    raw: Any = field(default=None, repr=False)

    def time_in_states(self) -> dict[str, float]:
        """Simulated (provider) seconds spent in each state, from the polling events."""
        return time_in_states(self.events)

    def video(self, width: int = 320):
        """A still of the clip and an inline player (embedded so the notebook carries it); the still
        shows even where the player does not (an untrusted notebook, GitHub's viewer)."""
        from ..display import VideoWithStill

        return VideoWithStill(self.path, width, html_attributes="controls muted loop")

    def show(self, width: int = 320) -> None:
        from IPython.display import display

        display(self.video(width))

    def summary(self) -> str:
        length = f"{self.seconds:g} s" if self.seconds else f"{self.request.seconds} s asked"
        return (f"{self.label} {self.model}: {self.request.mode}, {length}, {self.request.resolution} "
                f"{self.request.aspect_ratio} -> {self.path.name}; estimate ${self.estimate_usd:.4f}, "
                f"actual ${self.actual_usd:.4f}")

    def __repr__(self) -> str:
        return f"<VideoResult {self.summary()}>"


def time_in_states(events: list[JobEvent]) -> dict[str, float]:
    """Seconds per state between consecutive events ("submitted": accepted, first status not seen yet)."""
    out: dict[str, float] = {}
    for a, b in zip(events, events[1:]):
        if a.state in TERMINAL or a.state == "timed out":
            continue
        out[a.state] = out.get(a.state, 0.0) + max(b.t - a.t, 0.0)
    return out


# -- the registry ------------------------------------------------------------------------------------
_REGISTRY: dict[str, type[VideoAdapter]] = {}
_NOT_PROVIDERS = frozenset({"adapter", "jobs"})


def adapter_classes() -> dict[str, type[VideoAdapter]]:
    """Every provider adapter class by its ``key``, in ``order``: imports each provider module of this
    package once (a module registers its adapter by defining it)."""
    import importlib
    import pkgutil

    package = __name__.rsplit(".", 1)[0]
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if info.name not in _NOT_PROVIDERS and not info.name.startswith("_"):
            importlib.import_module(f"{package}.{info.name}")
    return dict(sorted(_REGISTRY.items(), key=lambda kv: (kv[1].order, kv[0])))


def plan_candidates() -> list[tuple[str, str]]:
    """``(adapter key, model)`` pairs the shot planner considers by default, from each adapter's ``plan_models``."""
    return [(key, model) for key, cls in adapter_classes().items() for model in cls.plan_models]


def cost_table_models() -> list[tuple[str, str]]:
    """``(price provider, price model)`` of each adapter's ``cost_table_models``, for the cost lab's table."""
    rows = []
    for cls in adapter_classes().values():
        for name in cls.cost_table_models:
            spec = cls.models[name]
            rows.append((spec.price_provider or cls.provider, spec.price_model or spec.model))
    return rows
