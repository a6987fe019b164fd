"""What the video-generation stand-ins share: jobs that follow a scripted schedule, and the placeholder clips.

Each provider stand-in (``gemini_interactions``, ``vertex_veo``, ``runway``, ``kling``, ``fal_queue``)
turns a job's *phase* into that provider's own wire format; this module only keeps the clock.

A scenario (from the stand-in's fixture manifest) is a schedule of states in *simulated* seconds
(``queued`` for 5 s, then ``running`` for 45 s, ...) and a final state (``succeeded``, ``refused``,
``failed`` or none: a job that never ends). The stand-in's ``time_scale`` maps simulated seconds to
wall time (0.01: one simulated second is 10 ms), so replay runs a two-minute job in about a second.
Which scenario a job follows is chosen by the words of its prompt (the manifest's ``match`` lists),
or forced by a test with :meth:`JobBook.force_next`.
"""
from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FixtureError
from ..fixtures import FIXTURES_DIR, load_manifest

AREA = "videogen"
MEDIA_DIR = FIXTURES_DIR / AREA / "media"


def placeholder_clip(seconds: float | None) -> tuple[str, bytes]:
    """The committed placeholder clip for ``seconds`` (the shortest one at least that long)."""
    clips = sorted(MEDIA_DIR.glob("placeholder_*s.mp4"))
    if not clips:
        raise FixtureError("No placeholder clips in data/fixtures/videogen/media; run scripts/make_videogen_fixtures.py.")
    lengths = [(int(p.stem.split("_")[1][:-1]), p) for p in clips]
    want = float(seconds or 5)
    chosen = next((p for s, p in lengths if s >= want), lengths[-1][1])
    return chosen.name, chosen.read_bytes()


def clip_seconds(name: str) -> int:
    return int(Path(name).stem.split("_")[1][:-1])


@dataclass
class Phase:
    """Where a job is now: its state, progress through the running part (0..1), simulated seconds since submit."""

    state: str  # queued | running | succeeded | refused | failed
    progress: float
    elapsed: float


@dataclass
class Job:
    id: str
    scenario: str
    spec: dict
    started: float
    info: dict = field(default_factory=dict)
    polls: int = 0


class JobBook:
    """The jobs of one stand-in and the scenarios they follow."""

    def __init__(self, manifest_name: str, time_scale: float | None = None, id_prefix: str = "job"):
        self.manifest = load_manifest(AREA, manifest_name)
        self.scenarios: dict[str, dict] = self.manifest["scenarios"]
        self.time_scale = float(time_scale if time_scale is not None else self.manifest.get("time_scale", 0.01))
        self.jobs: dict[str, Job] = {}
        self.served: list[tuple[str, str, int]] = []  # (method, path, status) of every answer, for tests
        self._forced: list[str] = []
        self._ids = itertools.count(1)
        self._prefix = id_prefix
        self._lock = threading.Lock()

    def force_next(self, *scenarios: str) -> None:
        """Make the next job(s) follow these scenarios whatever their prompt says (tests)."""
        for s in scenarios:
            if s not in self.scenarios:
                raise FixtureError(f"Unknown scenario {s!r}; this stand-in knows {', '.join(self.scenarios)}.")
        self._forced.extend(scenarios)

    def choose(self, text: str) -> str:
        with self._lock:
            if self._forced:
                return self._forced.pop(0)
        low = (text or "").lower()
        for name, spec in self.scenarios.items():
            if any(word in low for word in spec.get("match", [])):
                return name
        return "success"

    def create(self, text: str, **info) -> Job:
        scenario = self.choose(text)
        with self._lock:
            job_id = f"{self._prefix}-{next(self._ids):04d}"
            job = Job(job_id, scenario, self.scenarios[scenario], time.monotonic(), info)
            self.jobs[job_id] = job
        return job

    def phase(self, job: Job) -> Phase:
        elapsed = (time.monotonic() - job.started) / self.time_scale
        t = 0.0
        for step in job.spec["schedule"]:
            seconds = step["seconds"]
            if seconds is None or elapsed < t + seconds:
                if step["state"] == "running":
                    progress = 0.0 if not seconds else min(max((elapsed - t) / seconds, 0.0), 0.99)
                else:
                    progress = 0.0
                return Phase(step["state"], progress, elapsed)
            t += seconds
        return Phase(job.spec["final"], 1.0, elapsed)

    def rate_limited(self, job: Job, on: str) -> dict | None:
        """The 429 to answer now, if this job's scenario has one for this call (``on`` = submit | poll)."""
        rule = job.spec.get("rate_limit")
        if not rule or rule.get("on") != on or job.info.get("_limited"):
            return None
        if on == "poll" and job.polls != rule.get("nth", 1):
            return None
        job.info["_limited"] = True
        return rule

    def record(self, method: str, path: str, status: int) -> None:
        self.served.append((method, path, status))


class VideoStandin:
    """Base of the five video-generation stand-ins: a :class:`LocalHTTPServer`, a :class:`JobBook`,
    and the placeholder clips under ``/media/``. Subclasses add the provider's routes in ``_routes``."""

    manifest_name = ""
    id_prefix = "job"
    _shared: dict[type, "VideoStandin"] = {}

    def __init__(self, time_scale: float | None = None):
        from .http import LocalHTTPServer

        self.book = JobBook(self.manifest_name, time_scale, self.id_prefix)
        self.server = LocalHTTPServer(f"{self.manifest_name}-standin")
        self.running = False
        self.server.route("GET", r"/media/(?P<name>placeholder_\d+s\.mp4)", self._media)
        self._routes()

    # -- what subclasses provide --------------------------------------------------------------------
    def _routes(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- shared plumbing ---------------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler) -> None:
        """Add a route whose answers are logged in ``self.served`` (method, path, status)."""
        def logged(req):
            resp = handler(req)
            self.book.record(req.method, req.path, resp.status)
            return resp
        self.server.route(method, pattern, logged)

    def _media(self, req):
        from .http import Response

        path = MEDIA_DIR / req.params["name"]
        return Response(200, path.read_bytes(), {"Content-Type": "video/mp4"})

    def media_url(self, name: str) -> str:
        return f"{self.url}/media/{name}"

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def time_scale(self) -> float:
        return self.book.time_scale

    @property
    def requests(self):
        """Every request received (headers scrubbed): empty means nothing left the client."""
        return self.server.requests

    @property
    def served(self) -> list[tuple[str, str, int]]:
        return self.book.served

    def force_next(self, *scenarios: str) -> None:
        self.book.force_next(*scenarios)

    def start(self) -> "VideoStandin":
        self.server.start()
        self.running = True
        return self

    def stop(self) -> None:
        self.server.stop()
        self.running = False

    def __enter__(self) -> "VideoStandin":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @classmethod
    def shared(cls) -> "VideoStandin":
        """One running instance per kernel, started on first use (what the adapters use in replay)."""
        inst = VideoStandin._shared.get(cls)
        if inst is None or not inst.running:
            inst = cls().start()
            VideoStandin._shared[cls] = inst
        return inst

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<{type(self).__name__} {state}, time x{self.time_scale}, {len(self.book.jobs)} jobs>"


def iso_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
