"""Video generation under faults: 429 storms end with a clear error after a bounded number of retries (not
a loop until the deadline), and downloads cut short end with a clear error and leave no file that looks
complete. The job model runs through the real runwayml SDK / httpx against stand-ins that misbehave.

(Already covered elsewhere, so not repeated here: an upload that never becomes ACTIVE and one that
FAILED - tests/test_video_understand.py; a job that fails or is refused, a single 429 with Retry-After,
a job still running at the timeout - tests/test_videogen_providers.py.)
"""
from __future__ import annotations

import socketserver
import threading
import time
from pathlib import Path

import pytest
from _reliability import count, register

import course_utils
from course_utils.errors import JobFailed, OperationTimeout
from course_utils.fixtures import FIXTURES_DIR
from course_utils.standins.http import json_response
from course_utils.standins.kling import KlingStandin
from course_utils.standins.runway import RunwayStandin
from course_utils.video import frames
from course_utils.video.generate import KlingAdapter, RunwayAdapter, VideoRequest, adapter, run_job

FRAME = (FIXTURES_DIR / "videogen" / "media" / "first_frame.png").read_bytes()
CLIP = (FIXTURES_DIR / "videogen" / "media" / "placeholder_05s.mp4").read_bytes()
BOUND_S = 20.0  # wall seconds: no fault may take longer to surface
STALL_S = 60.0  # how long the stalling media server holds the line (longer than any bound here)


@pytest.fixture(scope="module", autouse=True)
def _counts(request):
    register(request.config)


def _runway_job(standin, tmp_path, **kw):
    return run_job(RunwayAdapter(standin=standin), VideoRequest("A paper boat", seconds=5, image=FRAME), "gen4_turbo",
                   progress=False, out_dir=tmp_path, **kw)


# -- 429 storms --------------------------------------------------------------------------------------------
class PollStorm(RunwayStandin):
    """Accepts the job, then answers every status request with HTTP 429."""

    retry_after: str | None = "0"

    def _retrieve(self, req):
        headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
        return json_response({"error": "Too many requests."}, 429, headers)


class SubmitStorm(RunwayStandin):
    """Never accepts the job: every submit is HTTP 429 without a Retry-After (the job model backs off)."""

    def _create(self, req, models):
        return json_response({"error": "Too many requests."}, 429)


@pytest.mark.parametrize("retry_after", ["0", "1", None], ids=["Retry-After 0", "Retry-After 1", "no Retry-After"])
def test_a_429_storm_while_polling_gives_up_after_the_retry_budget(tmp_path, retry_after):
    ledger = course_utils.get_config().ledger
    with PollStorm() as standin:
        standin.retry_after = retry_after
        t0 = time.monotonic()
        with pytest.raises(OperationTimeout, match=r"rate limited \(HTTP 429\) 9 times in a row") as info:
            _runway_job(standin, tmp_path)
        took = time.monotonic() - t0
        limited = [s for s in standin.served if s[2] == 429]
    assert len(limited) == 9  # 1 + the default budget of 8 retries, not a loop until the 900 s timeout
    assert took < BOUND_S and "\n" not in str(info.value)
    assert ledger.entries[-1].status == "settled"  # accepted: it may still run and be billed
    assert list(tmp_path.iterdir()) == []
    count("video faults injected (429 storms)")


def test_a_429_storm_at_submit_gives_up_and_releases_the_reservation(tmp_path):
    ledger = course_utils.get_config().ledger
    with SubmitStorm() as standin:
        with pytest.raises(OperationTimeout, match="4 times in a row"):
            _runway_job(standin, tmp_path, max_rate_limited=3)
        assert [s[2] for s in standin.served] == [429] * 4 and standin.book.jobs == {}
    assert ledger.entries[-1].status == "cancelled"  # never accepted: nothing to pay
    count("video faults injected (429 storms)")


def test_a_429_storm_on_the_httpx_adapter(tmp_path):
    class KlingStorm(KlingStandin):
        def _query(self, req, kind):
            return json_response({"code": 1302, "message": "Too many requests", "request_id": "r"}, 429,
                                 {"Retry-After": "2"})

    with KlingStorm() as standin:
        with pytest.raises(OperationTimeout, match="6 times in a row"):
            run_job(KlingAdapter(standin=standin), VideoRequest("A paper boat", seconds=5), "kling-v3",
                    progress=False, out_dir=tmp_path, max_rate_limited=5)
        assert sum(1 for s in standin.served if s[2] == 429) == 6
    count("video faults injected (429 storms)")


# -- downloads cut short ------------------------------------------------------------------------------------
class CrookedMedia:
    """A raw HTTP/1.1 server on 127.0.0.1 serving ``body`` in one of several broken ways:

    * ``short``: Content-Length says the whole clip, half is sent, then the connection closes;
    * ``chunked_cut``: chunked transfer, the last chunk and terminator never come;
    * ``lying_length``: Content-Length *is* half the clip and half is sent: valid HTTP, a truncated MP4;
    * ``stall``: Content-Length says the whole clip, half is sent, then nothing more (the line stays open);
    * ``ok``: the whole clip.
    """

    def __init__(self, body: bytes, mode: str):
        self.body, self.mode = body, mode
        self.release = threading.Event()  # ends a stall when the test is done
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    got = self.request.recv(4096)
                    if not got:
                        return
                    data += got
                self.request.sendall(outer.response())
                if outer.mode == "stall":
                    outer.release.wait(STALL_S)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def response(self) -> bytes:
        body, half = self.body, self.body[: len(self.body) // 2]
        head = "HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nConnection: close\r\n"
        if self.mode in ("short", "stall"):
            return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + half
        if self.mode == "chunked_cut":
            return f"{head}Transfer-Encoding: chunked\r\n\r\n".encode() + f"{len(half):x}\r\n".encode() + half + b"\r\n"
        if self.mode == "lying_length":
            return f"{head}Content-Length: {len(half)}\r\n\r\n".encode() + half
        return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class RunwayCrookedDownloads(RunwayStandin):
    """Runway whose SUCCEEDED tasks point at a media server that misbehaves."""

    media_base = ""

    def media_url(self, name: str) -> str:
        return f"{self.media_base}/media/{name}"


@pytest.mark.parametrize("mode", ["short", "chunked_cut", "lying_length", "stall"])
def test_a_download_cut_short_is_a_clear_error_and_leaves_no_file(tmp_path, mode, monkeypatch):
    monkeypatch.setattr(adapter, "DOWNLOAD_READ_TIMEOUT_S", 1.0)  # a stalled download is given up after 1 s here
    ledger = course_utils.get_config().ledger
    with CrookedMedia(CLIP, mode) as media, RunwayCrookedDownloads() as standin:
        standin.media_base = media.url
        t0 = time.monotonic()
        with pytest.raises(JobFailed, match="succeeded, but its clip could not be downloaded whole") as info:
            _runway_job(standin, tmp_path)
        assert time.monotonic() - t0 < BOUND_S
    err = info.value
    assert "\n" not in str(err) and "nothing was saved" in str(err) and err.state == "download failed"
    assert err.video_url and err.video_url.startswith(media.url)  # to fetch it again
    assert list(tmp_path.iterdir()) == []  # no clip, and no temporary file, left behind
    assert ledger.entries[-1].status == "settled"  # the provider billed the job: the ledger says so
    count("video faults injected (downloads cut short)")


def test_the_clip_only_appears_at_its_path_once_it_is_whole(tmp_path, monkeypatch):
    """The check runs on a temporary name: the final path does not exist until the clip is verified."""
    seen = []
    original = frames.readable_duration

    def probe(path: Path):
        seen.append((path.name, any(p.suffix == ".mp4" for p in tmp_path.iterdir())))
        return original(path)

    monkeypatch.setattr(frames, "readable_duration", probe)
    with CrookedMedia(CLIP, "ok") as media, RunwayCrookedDownloads() as standin:
        standin.media_base = media.url
        result = _runway_job(standin, tmp_path)
    assert seen and all(name.endswith(".mp4.part") and not final_exists for name, final_exists in seen)
    assert [p.name for p in tmp_path.iterdir()] == [result.path.name] and result.seconds == 5
    assert result.path.read_bytes() == CLIP
