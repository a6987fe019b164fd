"""Keys never leak: record mode scrubs every key form before anything is written (through the Realtime
recorder and two HTTP recorders), and keys never appear in the reprs, error messages, warnings or
tracebacks the package produces, even when a provider echoes the key back.

Every fake key here is built by concatenation at run time and looks like the real thing (the repo-wide
scan in test_foundation_secrets.py must not find key-shaped strings in this file's source).
(Already covered elsewhere: scrub() per key form and save_fixture - test_foundation_secrets.py.)
"""
from __future__ import annotations

import asyncio
import json
import traceback
import warnings
from pathlib import Path

import httpx
import pytest
from _reliability import count, register

import course_utils
from course_utils.errors import BudgetExceeded, JobFailed, MissingKeyError, ProtocolError, ServerErrorEvent
from course_utils.secrets import find_secrets
from course_utils.standins.http import LocalHTTPServer, json_response

# -- realistic fake credentials (split so that no literal in this file looks like a key) ---------------------
OPENAI = "sk-" + "proj-" + "Q9x7Lm2Vb8Nc4Rt6Yp0Ws3Ek5Jh1Gfa8Zd2XcT4"
GOOGLE = "AI" + "za" + "SyD4k9Lm2Nb7Vc5Xz1Qw8Er6Ty3Ui0Op4As"
RUNWAY = "key" + "_" + "3f9a" * 16
KLING_AK = "AKq7" + "Hq2Lm9Pz4Vb8Nc6Rt1Yw3Xe5Ud"          # no known prefix: only the exact value can catch it
KLING_SK = "SKf2" + "Jd8Kl3Mn7Bv1Cx9Za4Sq6We0Rt"
FAL = "6f1c2d3e-" + "4a5b-4c6d-8e7f-0a1b2c3d4e5f" + ":" + "9e8d7c6b5a4f3e2d" * 2
JWT = "ey" + "JhbGciOiJIUzI1NiJ9" + "." + "eyJpc3MiOiJ1c2VyLTQyIn0" + "." + "Zm9vYmFyYmF6cXV4cXV1eA"
SIGNATURE = "8c1f" * 16
SIGNED_URL = ("https://storage.example.com/out/clip.mp4?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Expires=900"
              "&X-Goog-" + "Signature=" + SIGNATURE)
QUERY_KEY_URL = "https://generativelanguage.example.com/v1beta/files?" + "key=" + GOOGLE + "&alt=json"
EPHEMERAL = "ek" + "_68a1b2c3d4e5f6a7b8c9d0e1f2"

ENV = {"OPENAI_API_KEY": OPENAI, "GEMINI_API_KEY": GOOGLE, "RUNWAYML_API_SECRET": RUNWAY,
       "KLING_ACCESS_KEY": KLING_AK, "KLING_SECRET_KEY": KLING_SK, "FAL_KEY": FAL}
VALUES = [OPENAI, GOOGLE, RUNWAY, KLING_AK, KLING_SK, FAL, JWT, SIGNATURE, EPHEMERAL]

#: Every key form, as it may turn up in text that gets recorded.
FORMS = "\n".join([
    "Authorization: Bearer " + OPENAI,
    '{"Authorization": "Bearer ' + EPHEMERAL + '"}',
    "api-key: " + OPENAI,
    "x-goog-api-key: " + GOOGLE,
    "X-Fal-Key: Key " + FAL,
    "query key " + QUERY_KEY_URL,
    "signed url " + SIGNED_URL,
    "jwt " + JWT,
    "kling " + KLING_AK + " / " + KLING_SK,
    "runway " + RUNWAY,
])


@pytest.fixture(scope="module", autouse=True)
def _counts(request):
    register(request.config)


@pytest.fixture
def real_looking_keys(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    yield ENV
    course_utils.setup(mode="replay", quiet=True)


def assert_clean(text: str, where: str = "") -> None:
    leaked = [v[:6] + "…" for v in VALUES if v in text]
    assert not leaked, f"{where}: key values leaked: {leaked}"
    assert not find_secrets(text), f"{where}: key-shaped strings: {find_secrets(text)}"
    count("secret checks (texts scanned for every key value and key form)")


def _all_text(folder: Path) -> str:
    return "".join(p.read_bytes().decode("latin-1") for p in sorted(folder.rglob("*")) if p.is_file())


def _traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


# -- record mode scrubs before anything is written ----------------------------------------------------------
def test_realtime_record_mode_scrubs_every_key_form(tmp_path, real_looking_keys):
    from course_utils.realtime import LocalRealtimeServer, RealtimeClient
    from course_utils.voice import VirtualClockSink

    course_utils.setup(mode="record", budget_usd=1.0, quiet=True)

    async def go():
        async with LocalRealtimeServer(fixture="short_qa", speed=25) as server:
            rt = RealtimeClient(url=server.url, speed=25, sink=VirtualClockSink(speed=25), record_as="leaky",
                                record_root=tmp_path)
            async with rt:
                await rt.update_session(instructions="Keys the learner pasted:\n" + FORMS)
                await rt.send_text("Please remember " + FORMS)
                await rt.ask("And this one: " + SIGNED_URL)
                recorded = json.dumps(rt._recorded)
                assert OPENAI in recorded and SIGNATURE in recorded and JWT in recorded  # the keys were in the traffic
            return rt
    rt = asyncio.run(asyncio.wait_for(go(), 60))
    folder = tmp_path / "realtime" / "leaky"
    assert (folder / "events.jsonl").exists() and (folder / "manifest.json").exists()
    assert_clean(_all_text(folder), "realtime fixture")
    assert "<redacted>" in (folder / "events.jsonl").read_text()
    assert_clean(repr(rt), "RealtimeClient repr")


def test_gemini_http_recorder_scrubs_every_key_form(tmp_path, real_looking_keys):
    from google import genai
    from google.genai import types

    from course_utils.standins import gemini as G
    from course_utils.standins import gemini_fixtures as GF
    from course_utils.video import clips as C
    from course_utils.video import understand as U

    video = Path(__file__).resolve().parent.parent / "data" / "video" / "product_demo.mp4"
    course_utils.setup(mode="record", budget_usd=1.0, quiet=True)
    recorder = GF.GeminiRecorder(prefix="leaky")
    with G.GeminiStandin() as standin:
        client = genai.Client(api_key=GOOGLE, http_options=types.HttpOptions(
            base_url=standin.url, client_args={"event_hooks": {"response": [recorder.hook]}}))
        clip = C.cut_clip(video, 148, 160)
        client.models.generate_content(model=U.DEFAULT_MODEL, contents=[
            types.Part.from_bytes(data=clip, mime_type="video/mp4"), U.INLINE_CLIP_PROMPT + "\n" + FORMS])
        assert_clean(repr(standin.requests), "Gemini stand-in request log")
    assert len(recorder.exchanges) == 1 and OPENAI in json.dumps(recorder.exchanges)
    folders = recorder.save(root=tmp_path)
    assert folders
    assert_clean("".join(_all_text(f) for f in folders), "Gemini fixture")


def test_video_job_record_mode_scrubs_prompt_and_provider_words(tmp_path, real_looking_keys, monkeypatch):
    import course_utils.fixtures as fixtures
    from course_utils.standins.runway import RunwayStandin
    from course_utils.video.generate import RunwayAdapter, VideoRequest, run_job

    course_utils.setup(mode="record", budget_usd=1.0, quiet=True)

    class EchoingFailure(RunwayStandin):
        def _retrieve(self, req):
            return json_response({"id": req.params["id"], "createdAt": "2026-11-25T00:00:00Z", "status": "FAILED",
                                  "failure": "Task failed for " + req.header("Authorization") + " at " + SIGNED_URL,
                                  "failureCode": "INTERNAL.BAD_OUTPUT", "cost": {"credits": 0}})

    with EchoingFailure() as standin:
        monkeypatch.setattr(fixtures, "FIXTURES_DIR", tmp_path)
        with pytest.raises(JobFailed) as info:
            run_job(RunwayAdapter(standin=standin), VideoRequest("A boat. " + FORMS, seconds=5, image=b"png"),
                    "gen4_turbo", progress=False, out_dir=tmp_path / "out")
        assert_clean(repr(standin.requests), "Runway stand-in request log")
    assert_clean(str(info.value) + _traceback(info.value) + repr(info.value.provider_message), "JobFailed (failed job)")
    saved = list((tmp_path / "videogen" / "recorded").glob("runway-*"))
    assert len(saved) == 1
    assert_clean(_all_text(saved[0]), "video job fixture")


def test_http_standin_log_scrubs_headers_query_and_path():
    with LocalHTTPServer("echo") as server:
        server.route("GET", r"/v1/(?P<rest>.*)", lambda r: json_response({"ok": True}))
        httpx.get(server.url + "/v1/files/" + JWT, params={"key": GOOGLE, "alt": "json", "X-Goog-Signature": SIGNATURE},
                  headers={"Authorization": "Bearer " + OPENAI, "api-key": OPENAI, "x-goog-api-key": GOOGLE,
                           "X-Fal-Key": "Key " + FAL, "Cookie": "session=" + EPHEMERAL}, timeout=10)
        (logged,) = server.requests
    assert logged.query["alt"] == "json" and logged.query["key"] == "<redacted>"
    assert_clean(repr(server.requests), "LocalHTTPServer request log")


# -- errors, warnings, tracebacks and reprs -------------------------------------------------------------------
def test_job_failed_from_a_provider_error_that_echoes_the_key(tmp_path, real_looking_keys):
    """A 401 whose body repeats the Authorization header: the message, the provider's words kept on the error,
    and the whole traceback (no chained SDK exception) are free of it."""
    from course_utils.standins.runway import RunwayStandin
    from course_utils.video.generate import RunwayAdapter, VideoRequest, run_job

    course_utils.setup(mode="live", budget_usd=1.0, quiet=True)

    class EchoingRunway(RunwayStandin):
        def _create(self, req, models):
            return json_response({"error": "Invalid API key: " + req.header("Authorization")[7:]}, 401)

    with EchoingRunway() as standin:
        with pytest.raises(JobFailed, match="check the runway key") as info:
            run_job(RunwayAdapter(standin=standin), VideoRequest("A boat", seconds=5, image=b"png"), "gen4_turbo",
                    progress=False, out_dir=tmp_path)
    err = info.value
    assert "Invalid API key" in str(err)  # the provider's words are kept...
    assert_clean(str(err) + repr(err) + str(err.provider_message) + _traceback(err), "JobFailed (401)")  # ...not its key


def test_job_failed_never_shows_a_key_without_a_known_prefix(tmp_path, real_looking_keys):
    """Kling access keys have no recognisable shape: only the configured value can find them."""
    from course_utils.standins.kling import KlingStandin
    from course_utils.video.generate import KlingAdapter, VideoRequest, run_job

    course_utils.setup(mode="live", budget_usd=1.0, quiet=True)

    class EchoingKling(KlingStandin):
        def _create(self, req, kind):
            return json_response({"code": 1002, "message": f"Access key {KLING_AK} is not authorized", "request_id": "r"},
                                 401)

    with EchoingKling(secret_key=KLING_SK, access_key=KLING_AK) as standin:
        with pytest.raises(JobFailed, match="not authorized") as info:
            run_job(KlingAdapter(standin=standin), VideoRequest("A boat", seconds=5), "kling-v3", progress=False,
                    out_dir=tmp_path)
    err = info.value
    assert_clean(str(err) + repr(err) + str(err.provider_message) + _traceback(err), "JobFailed (Kling 401)")


def _misbehaving_realtime(handler):
    from websockets.asyncio.server import serve

    return serve(handler, "127.0.0.1", 0, compression=None)


def test_realtime_server_error_event_that_echoes_the_key(real_looking_keys):
    """The real API's 'Incorrect API key provided: ...' comes back as ServerErrorEvent, a warning (on_error=
    "warn") and a traceback, none of which repeat the key."""
    from course_utils.realtime import RealtimeClient
    from course_utils.realtime.protocol import default_session

    course_utils.setup(mode="live", budget_usd=1.0, quiet=True)

    async def echo_key(ws):
        key = ws.request.headers["Authorization"][7:]
        await ws.send(json.dumps({"type": "session.created", "event_id": "e1",
                                  "session": default_session("gpt-realtime-2.1")}))
        async for raw in ws:
            event = json.loads(raw)
            await ws.send(json.dumps({"type": "error", "event_id": "e2", "error": {
                "type": "invalid_request_error", "code": "invalid_api_key", "param": None,
                "event_id": event.get("event_id"),
                "message": f"Incorrect API key provided: {key}. You can find your API key at ... (" + JWT + ")"}}))

    async def go():
        async with _misbehaving_realtime(echo_key) as server:
            url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1/realtime"
            rt = RealtimeClient(url=url, timeout=2)
            assert_clean(repr(rt), "RealtimeClient repr before connect")
            async with rt:
                assert_clean(repr(rt), "RealtimeClient repr connected")
                await rt.clear_audio()
                with pytest.raises(ServerErrorEvent, match="Incorrect API key provided") as info:
                    await rt.wait_for(lambda: False, timeout=2, what="the error")
                err = info.value
                assert_clean(str(err) + repr(err) + _traceback(err), "ServerErrorEvent")
            warn = RealtimeClient(url=url, timeout=2, on_error="warn")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                async with warn:
                    await warn.clear_audio()
                    await warn.wait_for(lambda: bool(warn.errors), timeout=2, what="the error")
            assert caught and all(OPENAI not in str(w.message) for w in caught)
            assert_clean(" ".join(str(w.message) for w in caught), "warnings")
            assert_clean(repr(rt) + repr(warn) + repr(warn.errors), "RealtimeClient reprs after close")
    asyncio.run(asyncio.wait_for(go(), 30))


def test_realtime_handshake_refusal_that_echoes_the_key(real_looking_keys):
    from websockets.datastructures import Headers
    from websockets.http11 import Response

    from course_utils.realtime import RealtimeClient

    course_utils.setup(mode="live", budget_usd=1.0, quiet=True)

    def refuse(connection, request):
        body = json.dumps({"error": {"message": "Incorrect API key provided: " + request.headers["Authorization"][7:],
                                     "type": "invalid_request_error", "code": "invalid_api_key"}}).encode()
        return Response(401, "Unauthorized", Headers([("Content-Type", "application/json"),
                                                      ("Content-Length", str(len(body)))]), body)

    async def never(ws):
        pass

    async def go():
        from websockets.asyncio.server import serve

        async with serve(never, "127.0.0.1", 0, process_request=refuse) as server:
            url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1/realtime"
            with pytest.raises(ProtocolError, match="HTTP 401.*Incorrect API key provided") as info:
                await RealtimeClient(url=url, timeout=2).connect()
            assert_clean(str(info.value) + _traceback(info.value), "ProtocolError (401)")
        entry = course_utils.get_config().ledger.entries[-1]
        assert entry.status == "cancelled"
    asyncio.run(asyncio.wait_for(go(), 30))


def test_missing_key_and_budget_errors_name_variables_never_values(real_looking_keys, monkeypatch):
    monkeypatch.delenv("KLING_SECRET_KEY")
    cfg = course_utils.setup(mode="live", budget_usd=0.01, quiet=True)
    with pytest.raises(MissingKeyError, match="KLING_SECRET_KEY") as missing:
        cfg.key("kling", "KLING_SECRET_KEY")
    with pytest.raises(BudgetExceeded) as budget:
        cfg.ledger.reserve("openai", "gpt-realtime-2.1", "a long session", 5.0)
    for err in (missing.value, budget.value):
        assert_clean(str(err) + repr(err) + _traceback(err), type(err).__name__)


def test_config_ledger_client_and_adapter_reprs(real_looking_keys, capsys):
    from course_utils.clients import async_openai_client, openai_client
    from course_utils.live.openai_client import LiveClient
    from course_utils.realtime import RealtimeClient
    from course_utils.standins.runway import RunwayStandin
    from course_utils.video.generate import FalAdapter, KlingAdapter, RunwayAdapter

    cfg = course_utils.setup(mode="live", budget_usd=1.0)  # prints the mode and which keys are set
    printed = capsys.readouterr().out
    entry = cfg.ledger.reserve("openai", "gpt-realtime-2.1", "a session", 0.10)
    texts = [printed, repr(cfg), str(cfg), cfg.describe(), repr(cfg.ledger), cfg.ledger._repr_html_(), repr(entry),
             repr(RealtimeClient()), repr(RealtimeClient(api_key=OPENAI)), repr(LiveClient()),
             repr(openai_client()), repr(async_openai_client())]
    with RunwayStandin() as standin:
        texts += [repr(RunwayAdapter(standin=standin)), repr(KlingAdapter(standin=standin)),
                  repr(FalAdapter(standin=standin))]
    for text in texts:
        assert_clean(text, text[:40])


def test_committed_notebooks_fixtures_and_logs_hold_no_key():
    """Belt and braces next to the git-listed scan: every notebook (with its outputs), fixture and text
    artifact on disk (committed or not yet) is scanned for every key form."""
    root = Path(__file__).resolve().parent.parent
    paths = [p for pattern in ("notebooks/*.ipynb", "data/fixtures/**/*.json", "data/fixtures/**/*.jsonl",
                               "data/fixtures/**/*.txt", "*.md", "bench/*.py", "tests/artifacts/*.txt")
             for p in root.glob(pattern) if p.is_file() and p.stat().st_size < 20_000_000]
    assert len(paths) > 20
    for path in paths:
        text = path.read_bytes().decode("latin-1")
        assert not find_secrets(text), (path, find_secrets(text))
    count("files scanned for key forms", len(paths))
