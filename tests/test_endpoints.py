"""The one mode switch (course_utils.endpoints): route() for every surface in every mode, the clients and
video adapters that use it, the public pace knob of the REST stand-in, and a grep that keeps mode tests
out of every other module."""
from __future__ import annotations

import re
import time
import warnings
from pathlib import Path

import httpx
import pytest

import course_utils
from course_utils import clients, endpoints
from course_utils.config import PROVIDER_KEYS, REPLAY_KEY
from course_utils.endpoints import SURFACES, Route, Surface, current_mode, register_surface, route
from course_utils.errors import CourseError, MissingKeyError
from course_utils.video.generate import adapter_classes
from course_utils.video.generate.adapter import _REGISTRY, VideoAdapter

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "course_utils"

#: Where the mode may be tested: the config that holds it and the switch that answers for it.
MODE_HOMES = {"config.py", "endpoints.py"}
#: Modules of other work in progress that still test the mode themselves. It may only shrink; it is
#: empty now (the voice clients went over to route() too), and a file listed here must still have one.
TODO: set[str] = set()
MODE_TEST = re.compile(r"\.is_(?:replay|live|record)\b|\b(?:cfg|config|get_config\(\))\.mode\b")

adapter_classes()  # the video providers register their surfaces on import


class _Standin:
    """Something with a ``url``, as every kernel stand-in has."""

    time_scale = 0.01

    def __init__(self, url: str = "http://127.0.0.1:9/v1"):
        self.url = url
        self.made = 0


def _factory(standin: _Standin):
    def make():
        standin.made += 1
        return standin
    return make


# -- the grep ------------------------------------------------------------------------------------------------
def _mode_tests() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in MODE_HOMES:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if MODE_TEST.search(line.split("#", 1)[0]):
                found.setdefault(rel, []).append(f"{n}: {line.strip()}")
    return found


def test_no_module_but_the_switch_tests_the_mode():
    found = _mode_tests()
    outside = {rel: lines for rel, lines in found.items() if rel not in TODO}
    assert not outside, ("these modules test the mode themselves; ask course_utils.endpoints.route() (URL, key, "
                         f"stand-in, speed) or use endpoints.current_mode() for a label: {outside}")
    done = TODO - set(found)
    assert not done, f"{sorted(done)} no longer test the mode: take them off TODO in this test"


# -- route(): every surface in every mode ---------------------------------------------------------------
KERNEL = sorted(k for k, s in SURFACES.items() if s.standin == "kernel")
SESSION = sorted(k for k, s in SURFACES.items() if s.standin == "session")


def test_the_video_providers_registered_their_surfaces():
    for key, cls in adapter_classes().items():
        assert (cls.provider, cls.surface) in SURFACES, key
    assert {("runway", "rest"), ("kling", "rest"), ("fal", "rest"), ("vertex", "rest"),
            ("google", "interactions")} <= set(KERNEL)


@pytest.mark.parametrize("provider,surface", KERNEL)
def test_replay_kernel_surface_is_its_standin(provider, surface):
    course_utils.setup(mode="replay", quiet=True)
    standin = _Standin()
    r = route(provider, surface, standin=_factory(standin))
    assert (r.base_url, r.standin, r.api_key, r.replay, r.live, r.record) == (standin.url, standin, REPLAY_KEY,
                                                                             True, False, False)
    assert standin.made == 1 and not r.needs_local_server


@pytest.mark.parametrize("provider,surface", KERNEL)
@pytest.mark.parametrize("mode", ["live", "record"])
def test_live_kernel_surface_is_the_real_endpoint(provider, surface, mode, fake_keys):
    course_utils.setup(mode=mode, quiet=True)
    standin = _Standin()
    r = route(provider, surface, standin=_factory(standin))
    assert r.base_url == SURFACES[(provider, surface)].live_url   # None: the SDK's own default
    assert r.standin is None and standin.made == 0                # the stand-in is not even started
    assert r.api_key == fake_keys[PROVIDER_KEYS[provider][0]]
    assert r.live and r.record == (mode == "record") and not r.replay


def test_kling_live_is_its_documented_host(fake_keys):
    course_utils.setup(mode="live", quiet=True)
    assert route("kling", standin=_Standin).base_url == "https://api-singapore.klingai.com"


@pytest.mark.parametrize("provider,surface", SESSION)
def test_replay_session_surface_needs_its_local_server(provider, surface):
    course_utils.setup(mode="replay", quiet=True)
    if (provider, surface) == ("openai", "realtime"):
        r = route(provider, surface)
        assert r.needs_local_server and r.base_url is None   # RealtimeClient starts one from its fixture
        return
    with pytest.raises(CourseError, match="local server") as err:
        route(provider, surface)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("mode", ["replay", "live", "record"])
@pytest.mark.parametrize("provider,surface", KERNEL + SESSION)
def test_url_wins_in_every_mode(provider, surface, mode, fake_keys):
    course_utils.setup(mode=mode, quiet=True)
    standin = _Standin("http://127.0.0.1:8/")
    r = route(provider, surface, url="ws://127.0.0.1:7/v1", speed=3, standin=standin)
    assert r.base_url == "ws://127.0.0.1:7/v1" and r.speed == 3 and not r.needs_local_server
    assert r.standin is standin   # a stand-in object passed with its url is the one serving the route


def test_speed_is_replays_only():
    course_utils.setup(mode="replay", quiet=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert route("openai", speed=4, standin=_Standin).speed == 4
        assert route("openai", "realtime", speed=4).speed == 4


@pytest.mark.parametrize("mode", ["live", "record"])
def test_speed_is_forced_to_real_time_with_a_warning_live(mode, fake_keys):
    course_utils.setup(mode=mode, quiet=True)
    with pytest.warns(UserWarning, match="real time"):
        r = route("openai", "realtime", speed=4)
    assert r.speed == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert route("openai", speed=1).speed == 1.0   # nothing to say at real speed


def test_bad_speed_and_unknown_surface_are_one_line_errors():
    for call, words in ((lambda: route("openai", speed=0), "speed must be positive"),
                        (lambda: route("sora", "rest"), "No surface sora/rest; known:"),
                        (lambda: route("runway"), "needs its stand-in")):
        with pytest.raises(CourseError, match=words) as err:
            call()
        assert "\n" not in str(err.value)


@pytest.mark.parametrize("provider", sorted({p for p, _ in KERNEL}))
def test_missing_key_live_is_one_line_naming_the_variable(provider, fake_keys, monkeypatch):
    variable = PROVIDER_KEYS[provider][0]
    monkeypatch.delenv(variable)
    course_utils.setup(mode="live", quiet=True)
    surface = next(s for p, s in KERNEL if p == provider)
    with pytest.raises(MissingKeyError, match=variable) as err:
        route(provider, surface, standin=_Standin)
    assert "\n" not in str(err.value) and "setup(mode='replay')" in str(err.value)


@pytest.mark.parametrize("mode", ["replay", "live", "record"])
def test_route_repr_never_shows_a_key(mode, fake_keys):
    course_utils.setup(mode=mode, quiet=True)
    for provider, surface in KERNEL:
        r = route(provider, surface, standin=_Standin)
        text = repr(r) + str(r)
        assert r.api_key not in text and "key=<set," in text
        for value in fake_keys.values():
            assert value not in text


def test_current_mode_is_for_labels():
    assert current_mode() == "replay"
    course_utils.setup(mode="record", quiet=True)
    assert current_mode() == "record"


# -- self-registration: a new provider adds no line outside its own files -------------------------------------
def test_a_new_video_provider_registers_its_surface_and_key(monkeypatch):
    surfaces, keys, registry = dict(SURFACES), dict(PROVIDER_KEYS), dict(_REGISTRY)
    try:
        class AcmeAdapter(VideoAdapter):
            key, provider, credentials = "acme", "acme", ("ACME_API_KEY",)
            live_url = "https://api.acme.example"

            @staticmethod
            def replay_standin():
                return _Standin("http://127.0.0.1:6")

            @staticmethod
            def _make_client(r: Route):
                return ("acme client", r.base_url, r.api_key)

            def submit(self, request, spec):
                raise NotImplementedError

            def poll(self, handle):
                raise NotImplementedError

        assert adapter_classes()["acme"] is AcmeAdapter and PROVIDER_KEYS["acme"] == ("ACME_API_KEY",)
        assert AcmeAdapter().client == ("acme client", "http://127.0.0.1:6", REPLAY_KEY)
        monkeypatch.setenv("ACME_API_KEY", "test-acme-0123456789")
        course_utils.setup(mode="live", quiet=True)
        assert AcmeAdapter().client == ("acme client", "https://api.acme.example", "test-acme-0123456789")
        monkeypatch.delenv("ACME_API_KEY")
        with pytest.raises(MissingKeyError, match="ACME_API_KEY"):
            AcmeAdapter()
        with pytest.raises(CourseError, match="already registered differently"):
            register_surface(Surface("acme", "rest", "https://elsewhere.example", "kernel"))
        with pytest.raises(CourseError, match="no credentials"):
            register_surface(Surface("nobody", "rest", None, "kernel"))
    finally:
        for table, saved in ((SURFACES, surfaces), (PROVIDER_KEYS, keys), (_REGISTRY, registry)):
            table.clear()
            table.update(saved)


# -- the clients and adapters ask route() -----------------------------------------------------------------
@pytest.mark.parametrize("mode", ["replay", "live", "record"])
def test_every_video_adapter_goes_where_route_says(mode, fake_keys):
    course_utils.setup(mode=mode, quiet=True)
    for key, cls in adapter_classes().items():
        adapter = cls()
        assert isinstance(adapter.route, Route) and adapter.route.mode == mode, key
        if mode == "replay":
            assert adapter.standin is not None and adapter.route.base_url == adapter.standin.url, key
            assert adapter.time_scale < 1, key
        else:
            assert adapter.standin is None and adapter.route.base_url == cls.live_url, key
            assert adapter.time_scale == 1.0, key
        assert adapter.route.api_key not in repr(adapter) or adapter.route.api_key == REPLAY_KEY


def test_an_adapter_given_a_standin_talks_to_it_in_live_mode(fake_keys):
    from course_utils.standins.runway import RunwayStandin
    from course_utils.video.generate import RunwayAdapter

    course_utils.setup(mode="record", quiet=True)
    with RunwayStandin() as standin:
        adapter = RunwayAdapter(standin=standin)
        assert adapter.route.base_url == standin.url and adapter.standin is standin and adapter.route.record
        assert str(adapter.client.base_url).startswith(standin.url)


@pytest.mark.parametrize("mode", ["replay", "live", "record"])
def test_openai_clients_per_mode(mode, fake_keys):
    course_utils.setup(mode=mode, quiet=True)
    for make in (clients.openai_client, clients.async_openai_client):
        client = make(fixtures=[("cascade", "support_turn")])
        if mode == "replay":
            assert str(client.base_url).startswith("http://127.0.0.1:") and "/s/" in str(client.base_url)
            assert client.api_key == REPLAY_KEY and client.max_retries == 0
        else:
            assert str(client.base_url).startswith("https://api.openai.com/")
            assert client.api_key == fake_keys["OPENAI_API_KEY"]


@pytest.mark.parametrize("mode", ["replay", "live", "record"])
def test_gemini_client_per_mode(mode, fake_keys):
    course_utils.setup(mode=mode, quiet=True)
    client = clients.gemini_client()
    options = client._api_client._http_options
    if mode == "replay":
        assert options.base_url.startswith("http://127.0.0.1:")
    else:
        assert "127.0.0.1" not in (options.base_url or "")
    hooks = (options.client_args or {}).get("event_hooks", {}).get("response", [])
    assert bool(hooks) == (mode == "record")


def test_a_clients_speed_paces_its_own_replayed_latencies():
    """The REST stand-in's public pace knob: each client's fixtures answer at that client's speed."""
    body = {"model": "gpt-6-luna", "messages": [{"role": "user", "content": "Can you tell me"}]}

    def took(speed: float) -> float:
        client = clients.openai_client(fixtures=[("cascade", "support_turn")], speed=speed)
        t0 = time.perf_counter()
        answer = httpx.post(f"{client.base_url}chat/completions", json=body, timeout=10,
                            headers={"Authorization": "Bearer x"})
        assert answer.status_code == 200, answer.text
        return time.perf_counter() - t0

    slow, fast = took(1.0), took(10.0)
    assert slow >= 0.5 and fast < 0.35   # the exchange's latency_ms is 500
    assert took(1.0) >= 0.5              # the fast client changed nothing for the others


def test_the_switch_is_at_the_bottom():
    """endpoints imports only the bottom modules (config, errors, secrets): nothing upward."""
    text = (PACKAGE / "endpoints.py").read_text()
    imported = set(re.findall(r"^from \.(\w+) import", text, re.M))
    assert imported <= {"config", "errors", "secrets"}, imported
    assert endpoints.route is route
