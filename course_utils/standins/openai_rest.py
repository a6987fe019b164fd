"""A local stand-in for OpenAI's REST endpoints, replaying recorded exchanges.

Fixture folders ``data/fixtures/<area>/<name>/`` hold ``manifest.json`` (with ``provenance``) and
``exchanges.json``: a list of exchanges, each ``{"method", "path", "match": {...}, "status",
"headers", "json" | "body_file" + "content_type", "latency_ms"}``. A request is answered by the first
exchange whose method and path equal the request's and whose ``match`` holds:
``model`` (the request's model field), ``contains`` (a substring of the request body, or a list of
substrings that must all appear). ``latency_ms`` delays the answer (replayed timing), divided by the
``speed`` of the base URL the client was given (:meth:`OpenAIRestStandin.scoped_base_url`).
Requests nothing matches get OpenAI's error shape (404 with a message naming the fixture areas), so a
learner who changes a replayed prompt sees why nothing was found instead of a silent wrong answer.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass

from ..errors import FixtureError
from ..fixtures import fixture_dir, load_manifest
from .http import LocalHTTPServer, Request, Response, json_response

_PATHS = ("/v1/chat/completions", "/v1/responses", "/v1/audio/transcriptions", "/v1/audio/speech",
          "/v1/audio/translations", "/v1/models")


@dataclass
class Exchange:
    fixture: str
    method: str
    path: str
    match: dict
    status: int
    headers: dict
    body: bytes
    content_type: str
    latency_ms: float

    def matches(self, req: Request, path: str) -> bool:
        if req.method != self.method or path != self.path:
            return False
        if "model" in self.match:
            model = None
            if req.header("content-type", "").startswith("application/json"):
                try:
                    model = (req.json() or {}).get("model")
                except ValueError:
                    model = None
            else:  # multipart (transcriptions): the model is a form field
                model = self.match["model"] if f'name="model"\r\n\r\n{self.match["model"]}'.encode() in req.body else None
            if model != self.match["model"]:
                return False
        needles = self.match.get("contains", [])
        for needle in [needles] if isinstance(needles, str) else needles:
            if needle.encode() not in req.body:
                return False
        return True


def load_exchanges(area: str, name: str) -> list[Exchange]:
    """Exchanges of one fixture folder (its manifest must carry provenance)."""
    load_manifest(area, name)
    folder = fixture_dir(area, name)
    try:
        raw = json.loads((folder / "exchanges.json").read_text())
    except (OSError, ValueError) as exc:
        raise FixtureError(f"Fixture {area}/{name} needs a readable exchanges.json ({exc}).") from exc
    out = []
    for ex in raw:
        if "body_file" in ex:
            body, ctype = (folder / ex["body_file"]).read_bytes(), ex.get("content_type", "application/octet-stream")
        else:
            body, ctype = json.dumps(ex.get("json", {})).encode(), "application/json"
        out.append(Exchange(f"{area}/{name}", ex.get("method", "POST").upper(), ex["path"], ex.get("match", {}),
                            int(ex.get("status", 200)), ex.get("headers", {}), body, ctype, float(ex.get("latency_ms", 0))))
    return out


class OpenAIRestStandin:
    """``with OpenAIRestStandin([("cascade", "support_turn")]) as s: OpenAI(base_url=s.base_url, api_key=...)``

    ``base_url`` answers from every loaded fixture, at ``speed``. ``scoped_base_url(fixtures, speed=)``
    answers only from those fixtures, with their recorded latencies run ``speed`` times faster: clients
    made for different lessons in one kernel never get each other's answers or each other's pace.
    """

    def __init__(self, fixtures: list[tuple[str, str]], speed: float = 1.0):
        if speed <= 0:
            raise FixtureError(f"speed must be positive (got {speed}); 1.0 replays the recorded latencies as they are.")
        self.exchanges: list[Exchange] = [ex for area, name in fixtures for ex in load_exchanges(area, name)]
        self.fixtures = list(fixtures)
        self.speed = float(speed)
        self.server = LocalHTTPServer("openai-rest-standin")
        self._scopes: dict[str, tuple[list[str], float]] = {}
        for path in _PATHS:
            pattern = r"(?:/s/(?P<scope>[0-9a-f]{10}))?" + path
            self.server.route("GET", pattern, self._answer)
            self.server.route("POST", pattern, self._answer)

    def add_fixture(self, area: str, name: str) -> None:
        if (area, name) not in self.fixtures:
            self.exchanges.extend(load_exchanges(area, name))
            self.fixtures.append((area, name))

    def scoped_base_url(self, fixtures: list[tuple[str, str]], speed: float = 1.0) -> str:
        """A base URL under which only ``fixtures`` answer (they are loaded if needed), their recorded
        latencies divided by ``speed`` (4: four times faster; the URL of another speed is another scope)."""
        if speed <= 0:
            raise FixtureError(f"speed must be positive (got {speed}); 1.0 replays the recorded latencies as they are.")
        for area, name in fixtures:
            self.add_fixture(area, name)
        names = sorted(f"{a}/{n}" for a, n in fixtures)
        scope = hashlib.sha1(("\n".join(names) + f"\nspeed={float(speed)!r}").encode()).hexdigest()[:10]
        self._scopes[scope] = (names, float(speed))
        return f"{self.server.url}/s/{scope}/v1"

    def _answer(self, req: Request) -> Response:
        scope = req.params.get("scope")
        path = req.path[len(f"/s/{scope}"):] if scope else req.path
        allowed, speed = self._scopes.get(scope, (None, self.speed)) if scope else (None, self.speed)
        if scope and allowed is None:
            return json_response({"error": {"message": f"replay: unknown fixture scope {scope}", "type": "invalid_request_error",
                                            "param": None, "code": "replay_no_match"}}, 404)
        for ex in self.exchanges:
            if allowed is not None and ex.fixture not in allowed:
                continue
            if ex.matches(req, path):
                if ex.latency_ms:
                    time.sleep(ex.latency_ms / speed / 1000)
                return Response(ex.status, ex.body, {"Content-Type": ex.content_type, **ex.headers})
        names = ", ".join(allowed if allowed is not None else [f"{a}/{n}" for a, n in self.fixtures]) or "none"
        return json_response({"error": {
            "message": f"replay: no recorded exchange for {req.method} {req.path} with this request "
                       f"(fixtures: {names}); replay mode answers only what was recorded - use live mode for new prompts.",
            "type": "invalid_request_error", "param": None, "code": "replay_no_match"}}, 404)

    @property
    def base_url(self) -> str:
        """What an OpenAI client takes as ``base_url``: every loaded fixture answers, at the stand-in's ``speed``."""
        return self.server.url + "/v1"

    url = base_url  # the name course_utils.endpoints.route reads

    @property
    def requests(self) -> list[Request]:
        """Requests received, with their API path (the client's fixture scope taken off)."""
        return [Request(r.method, re.sub(r"^/s/[0-9a-f]{10}(?=/v1/)", "", r.path), r.query, r.headers, r.body, r.params)
                for r in self.server.requests]

    def start(self) -> "OpenAIRestStandin":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> "OpenAIRestStandin":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
