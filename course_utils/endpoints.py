"""The one mode switch: where each provider's traffic goes in replay, live and record mode.

For every provider surface this module knows the real endpoint (live and record), how replay reaches a
local stand-in, and which credential it needs. Clients and video adapters ask :func:`route` and use
what it answers; no other module tests the mode to choose a URL, a key or a stand-in.

>>> r = route("runway", standin=RunwayStandin.shared)   # replay: the kernel's stand-in; live: the real API
>>> RunwayML(api_key=r.api_key, base_url=r.base_url)       # base_url None = the SDK's own default

Two kinds of replay stand-in:

* ``kernel``: one per kernel, shared by every call (the REST stand-ins of OpenAI, Gemini, Runway, Kling,
  fal, Vertex). The caller passes its factory (``standin=``); :func:`route` starts it in replay only.
* ``session``: one local server per voice session (Realtime, Live, Gemini Live, translation). A lesson
  starts it (``async with LocalLiveServer(...) as server``) and passes its address as ``url=``; the
  Realtime client starts one itself from its fixture when :attr:`Route.needs_local_server` is true.

``url=`` always wins: a client pointed at a local server talks to it in any mode (tests record against
local servers that way). ``speed`` (replay's time compression) is forced to 1.0 with a warning when the
real API is the other end, because real services answer at real time.

The video providers' surfaces are not listed here: each adapter registers its own
(:func:`register_surface`, from ``VideoAdapter.__init_subclass__``), with its credentials if
``config.PROVIDER_KEYS`` does not know the provider yet. :func:`current_mode` is for labels only
("replayed, not charged"); anything that picks a URL, a key, a stand-in or a speed asks :func:`route`.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .config import PROVIDER_KEYS, get_config
from .errors import CourseError
from .secrets import mask


@dataclass(frozen=True)
class Surface:
    """One API surface of one provider."""

    provider: str             # a key of config.PROVIDER_KEYS (the credential it needs)
    name: str
    live_url: str | None      # None: the official SDK's default endpoint
    standin: str              # "kernel" or "session" (see the module docstring)
    replay_hint: str = ""     # what replay needs, for a session surface without a url
    client_starts_server: bool = False  # session surface whose client starts its own local server


SURFACES: dict[tuple[str, str], Surface] = {}


def register_surface(surface: Surface, keys: tuple[str, ...] = ()) -> Surface:
    """Add a provider surface (a video adapter registers its own when its module is imported).

    ``keys``: the environment variables (or Colab secrets) holding the provider's credentials, for a
    provider :data:`course_utils.config.PROVIDER_KEYS` does not list yet. Registering the same surface
    twice is harmless; registering a different one under the same name is refused.
    """
    if surface.provider not in PROVIDER_KEYS:
        if not keys:
            raise CourseError(f"Provider {surface.provider!r} has no credentials listed: register it with keys=(...).")
        PROVIDER_KEYS[surface.provider] = tuple(keys)
    known = SURFACES.get((surface.provider, surface.name))
    if known is not None and known != surface:
        raise CourseError(f"{surface.provider}/{surface.name} is already registered differently ({known}).")
    SURFACES[(surface.provider, surface.name)] = surface
    return surface


def current_mode() -> str:
    """The mode now (``"replay"``, ``"live"`` or ``"record"``), for labels only ("replayed, not charged");
    to choose a URL, a key, a stand-in or a speed ask :func:`route`."""
    return get_config().mode


for _s in (
    Surface("openai", "rest", None, "kernel"),
    Surface("openai", "realtime", "wss://api.openai.com/v1/realtime", "session",
            "RealtimeClient starts LocalRealtimeServer from its fixture=", client_starts_server=True),
    Surface("openai", "live", None, "session",
            "start LocalLiveServer and pass websocket_base_url=server.websocket_base_url"),
    Surface("openai", "translation", None, "session",
            "start LocalTranslationServer and pass websocket_base_url=server.websocket_base_url"),
    Surface("google", "rest", None, "kernel"),
    Surface("google", "live", None, "session",
            "start LocalGeminiLiveServer and pass http_options=server.http_options()"),
):
    SURFACES[(_s.provider, _s.name)] = _s
# The video providers' surfaces (google/interactions, vertex, runway, kling, fal) are registered by their
# adapters in course_utils.video.generate (VideoAdapter.__init_subclass__), so a new provider adds none here.


@dataclass(frozen=True)
class Route:
    """Where one client sends its traffic, in the current mode. Its repr never shows a key."""

    provider: str
    surface: str
    mode: str
    base_url: str | None            # None: the SDK's default (the real API)
    api_key: str = field(repr=False)
    speed: float = 1.0
    standin: Any = None             # the kernel stand-in serving this route (replay), if any
    needs_local_server: bool = False  # replay, a session surface, no url given: the caller starts one

    @property
    def replay(self) -> bool:
        """True when the other end is one of our local servers (no key, no cost)."""
        return self.mode == "replay"

    @property
    def record(self) -> bool:
        """True when traffic must be saved as fixtures (record mode)."""
        return self.mode == "record"

    @property
    def live(self) -> bool:
        """True when a real service is called (live and record)."""
        return self.mode in ("live", "record")

    def key(self, variable: str | None = None) -> str:
        """Another credential of this provider (e.g. Kling's secret key); replay: the placeholder."""
        return get_config().key(self.provider, variable)

    def __repr__(self) -> str:
        where = self.base_url or "the SDK's default endpoint"
        return (f"Route({self.provider}/{self.surface}, {self.mode}, {where}, key={mask(self.api_key)}, "
                f"speed={self.speed:g})")


def route(provider: str, surface: str = "rest", *, url: str | None = None, speed: float = 1.0,
          standin: Callable[[], Any] | Any = None, api_key: str | None = None) -> Route:
    """Where ``provider``'s ``surface`` is reached now.

    ``url``: an explicit address (a local server), used in any mode. ``standin``: for a kernel surface,
    the stand-in's factory (or the stand-in itself), started and used in replay only. ``speed``: replay's
    time compression; forced to 1.0 (with a warning) when a real service answers. ``api_key``: a key the
    caller was given explicitly, used instead of the configured one (then none need be configured).
    """
    try:
        spec = SURFACES[(provider, surface)]
    except KeyError:
        known = ", ".join(f"{p}/{s}" for p, s in SURFACES)
        raise CourseError(f"No surface {provider}/{surface}; known: {known}.") from None
    if speed <= 0:
        raise CourseError(f"speed must be positive (got {speed}); 1.0 is real time.")
    cfg = get_config()
    base_url, server, needs_local = url, None, False
    if url is None and cfg.is_replay:
        if spec.standin == "kernel":
            if standin is None:
                raise CourseError(f"{provider}/{surface} in replay mode needs its stand-in (pass standin=).")
            server = standin() if callable(standin) else standin
            base_url = server.url
        elif spec.client_starts_server:
            needs_local = True
        else:
            raise CourseError(f"Replay mode talks to a local server: {spec.replay_hint} "
                              f"(or use setup(mode='live') with a key).")
    elif url is None:
        base_url = spec.live_url
    elif standin is not None and not callable(standin):
        server = standin
    if speed != 1.0 and url is None and not cfg.is_replay:
        warnings.warn(f"speed={speed:g} applies to replay only; the real API runs at real time (speed 1).",
                      stacklevel=2)
        speed = 1.0
    key = api_key or cfg.key(provider)
    return Route(provider, surface, cfg.mode, base_url, key, float(speed), server, needs_local)
