"""End to end in a real browser: JupyterLab 4 in Debian's Chromium (headless), a fake microphone fed
from a WAV, the microphone and speaker widgets, and the local Realtime server.

What it shows: the speech reaches the server through the widget (its VAD fires ``speech_started`` /
``speech_stopped``), the reply plays in the speaker widget (the browser reports the played position),
and a second utterance during the reply stops playback and truncates the item at what was heard.

The fake microphone plays ``barge_in``'s two user clips with a pause between them (Chromium's
``--use-file-for-fake-audio-capture``); no browser download: Playwright drives /usr/bin/chromium.
A screenshot of the running widgets is saved to tests/artifacts/browser_e2e.png (gitignored).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import numpy as np
import pytest
import soundfile as sf

from course_utils.voice.audio import load_audio
from course_utils.voice.conversation import load_conversation
from course_utils.voice.formats import SAMPLE_RATE, resample

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TOKEN = "e2e-test-token"
FIXTURE = "barge_in"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)"),
    pytest.mark.timeout(150),
]
playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]

# The notebook the browser runs. Every kernel-side fact the test checks is written to OUT as JSON.
NOTEBOOK_CELLS = [
    """import json, os, time
import course_utils
from course_utils.realtime.client import RealtimeClient
from course_utils.widgets import Microphone, Speaker

cfg = course_utils.setup()
OUT = os.environ["RVL_E2E_OUT"]
mic, speaker = Microphone(), Speaker()
rt = RealtimeClient(fixture="%s", speed=1.0, sink=speaker)
await rt.connect()
seen = []

def dump(event=None):
    if event is not None:
        seen.append({"type": event["type"], "t": time.monotonic(), "item_id": event.get("item_id"),
                     "status": (event.get("response") or {}).get("status")})
    state = {"events": seen, "mic": {"state": mic.state, "chunks": mic.chunks_received, "device": mic.device,
                                     "error": str(mic.error) if mic.error else None},
             "speaker": {k: vars(v) for k, v in speaker.items().items()}, "audio_state": speaker.audio_state,
             "flushes": speaker.flushes, "truncations": rt.truncations,
             "results": [{"status": r.status, "audio_ms": r.audio_ms, "transcript": r.transcript} for r in rt.results]}
    with open(OUT + ".tmp", "w") as f:
        json.dump(state, f)
    os.replace(OUT + ".tmp", OUT)

for kind in ("input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped", "input_audio_buffer.committed",
             "response.created", "response.done", "conversation.item.truncated", "error"):
    rt.on(kind, dump)""" % FIXTURE,
    "display(mic, speaker)",
    """import asyncio

captured = bytearray()
mic.on_chunk(captured.extend)           # a copy of what the browser sent, for the test to compare

async def report_playback():           # the kernel's view of the browser's play clock, 5 times a second
    while True:
        dump()
        with open(OUT + ".pcm.tmp", "wb") as f:
            f.write(captured)
        os.replace(OUT + ".pcm.tmp", OUT + ".pcm")
        await asyncio.sleep(0.2)

forwarding = mic.forward(rt.append_audio)   # background task: widget chunks -> input_audio_buffer.append
reporting = asyncio.get_running_loop().create_task(report_playback())
dump()""",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fake_microphone_wav(path: Path, pause_s: float = 2.0, tail_s: float = 8.0) -> dict:
    """The fixture's first question, a pause into the reply, the interruption, then silence (48 kHz WAV).

    Returns the timing and the same audio at 24 kHz (what the widget should deliver)."""
    user = load_conversation(FIXTURE, "realtime").user
    first, second = (load_audio(u.path) for u in user[:2])
    rng = np.random.default_rng(0)
    quiet = lambda s: (rng.normal(0, 15, int(s * SAMPLE_RATE))).astype(np.int16)  # noqa: E731  (about -66 dBFS)
    pcm = np.concatenate([quiet(0.5), first, quiet(pause_s), second, quiet(tail_s)])
    sf.write(path, resample(pcm, SAMPLE_RATE, 48000), 48000, subtype="PCM_16")
    return {"second_starts_s": 0.5 + (len(first) / SAMPLE_RATE) + pause_s, "seconds": len(pcm) / SAMPLE_RATE,
            "pcm": pcm, "first_speech_ms": list(user[0].speech_ms)}


def envelope_db(samples: np.ndarray, frame: int = 240) -> np.ndarray:
    """Energy per 10 ms frame in dBFS (robust to the browser's gain control)."""
    n = len(samples) // frame
    x = samples[: n * frame].astype(np.float64).reshape(n, frame) / 32768.0
    return 10 * np.log10(np.mean(x * x, axis=1) + 1e-10)


def speech_span_s(db: np.ndarray, threshold: float = -45.0) -> float:
    """Length of the first run of speech (frames above threshold, gaps under 0.4 s bridged)."""
    loud = np.flatnonzero(db > threshold)
    if len(loud) == 0:
        return 0.0
    end = loud[0]
    for i in loud[1:]:
        if i - end > 40:
            break
        end = i
    return (end - loud[0] + 1) / 100.0


@pytest.fixture
def lab(tmp_path):
    """JupyterLab 4 on 127.0.0.1 serving tmp_path, with its own settings, workspaces and runtime dirs."""
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    root = tmp_path / "work"
    root.mkdir()
    out = tmp_path / "kernel_state.json"
    port = free_port()
    env = dict(os.environ, RVL_E2E_OUT=str(out), COURSE_MODE="replay", JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), PYTHONUNBUFFERED="1")
    log = open(tmp_path / "jupyterlab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--allow-root",
         f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
         "--LabApp.news_url=", f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
         f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start: {(tmp_path / 'jupyterlab.log').read_text()[-2000:]}")
                time.sleep(0.3)
        yield {"port": port, "root": root, "out": out, "tmp": tmp_path}
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def read_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def wait_state(page, path: Path, condition, what: str, timeout: float = 45.0) -> dict:
    deadline = time.monotonic() + timeout
    state: dict = {}
    while time.monotonic() < deadline:
        state = read_state(path)
        if state and condition(state):
            return state
        page.wait_for_timeout(100)
    pytest.fail(f"timed out waiting for {what}; kernel state: {json.dumps(state)[:1500]}")


def event_types(state: dict) -> list[str]:
    return [e["type"] for e in state.get("events", [])]


def test_widgets_in_jupyterlab_talk_to_the_local_realtime_server(lab):
    wav = lab["tmp"] / "fake_mic.wav"
    timing = fake_microphone_wav(wav)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, lab["root"] / "e2e.ipynb")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "browser_e2e.png"
    console: list[str] = []

    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(   # a fresh profile directory for this run
            str(lab["tmp"] / "chromium-profile"), executable_path=CHROMIUM, viewport={"width": 1100, "height": 760},
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-audio-capture={wav}%noloop"])
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.goto(f"http://127.0.0.1:{lab['port']}/lab/tree/e2e.ipynb?token={TOKEN}", timeout=60_000)
            page.wait_for_function("""() => {
                const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
                return k && k.status === 'idle'; }""", timeout=60_000)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_selector(".rvl-mic .rvl-start:not([disabled])", timeout=60_000)
            page.wait_for_selector(".rvl-speaker", timeout=10_000)
            wait_state(page, lab["out"], lambda s: "mic" in s, "the notebook's cells to run")

            page.click(".rvl-mic .rvl-start")   # a person's click: the browser may now capture and play sound
            state = wait_state(page, lab["out"], lambda s: s["mic"]["state"] == "recording" and s["mic"]["chunks"] > 10,
                               "microphone chunks to reach the kernel")
            assert state["mic"]["error"] is None

            # 1. the question reaches the server, whose VAD finds its start and end
            state = wait_state(page, lab["out"],
                               lambda s: "input_audio_buffer.speech_stopped" in event_types(s)
                               and "response.created" in event_types(s), "speech_started/speech_stopped")
            assert event_types(state).index("input_audio_buffer.speech_started") < \
                event_types(state).index("input_audio_buffer.speech_stopped")

            # 2. the reply plays in the browser: its play clock moves
            state = wait_state(page, lab["out"],
                               lambda s: any(v["reported_ms"] >= 600 for v in s["speaker"].values()),
                               "the reply to play in the speaker widget")
            assert state["audio_state"] == "running"
            page.locator(".rvl-speaker").scroll_into_view_if_needed()
            page.screenshot(path=str(shot))
            text = page.inner_text(".rvl-speaker")
            assert "Playing" in text

            # the widget delivers 24 kHz PCM16: the question's speech lasts as long as in the source
            # (a wrong rate would stretch or squeeze it), and its loudness follows the source's
            got = np.frombuffer((lab["out"].parent / (lab["out"].name + ".pcm")).read_bytes(), "<i2")
            src_db, got_db = envelope_db(timing["pcm"]), envelope_db(got)
            expected_span = (timing["first_speech_ms"][1] - timing["first_speech_ms"][0]) / 1000
            assert abs(speech_span_s(got_db) - expected_span) < 0.25, (speech_span_s(got_db), expected_span)
            n = min(len(src_db), len(got_db), 450)
            lags = range(0, 60)   # the capture may start up to 0.6 s into the file
            best = max(np.corrcoef(src_db[lag:lag + n - 60], got_db[: n - 60])[0, 1] for lag in lags)
            print(f"\nspeech span {speech_span_s(got_db):.2f} s (source {expected_span:.2f} s), envelope correlation {best:.3f}")
            assert best > 0.8, best

            # 3. the second utterance interrupts: playback flushed, item truncated at what was heard
            state = wait_state(page, lab["out"],
                               lambda s: s["truncations"] and s["flushes"] and event_types(s).count(
                                   "input_audio_buffer.speech_started") >= 2, "the barge-in", timeout=30)
            cut = state["truncations"][0]
            first = state["speaker"][cut["item_id"]]
            assert first["state"] == "flushed"
            assert 600 <= cut["audio_end_ms"] < cut["received_ms"]
            # the truncation point comes from the browser's play clock: the browser's own final figure is a little
            # later (audio plays on until the flush message arrives), never much earlier
            browser_ms = state["flushes"][0]["items"][cut["item_id"]]
            assert -150 < browser_ms - cut["audio_end_ms"] < 500
            # it was heard for about as long as the audio ran before the interruption started
            assert cut["audio_end_ms"] < (timing["second_starts_s"] - 0.5) * 1000 + 1000
            page.locator(".rvl-speaker").scroll_into_view_if_needed()
            page.wait_for_function("document.querySelector('.rvl-speaker .rvl-status').textContent.includes('Interrupted')",
                                   timeout=5_000)
            page.screenshot(path=str(ARTIFACTS / "browser_e2e_after_barge_in.png"))

            # 4. the answer to the interruption plays to its end
            state = wait_state(page, lab["out"],
                               lambda s: len(s["results"]) >= 2 and any(
                                   k != cut["item_id"] and v["state"] in ("drained", "done") and v["reported_ms"] > 500
                                   for k, v in s["speaker"].items()), "the second reply to play", timeout=30)
            statuses = [r["status"] for r in state["results"]]
            assert statuses[0] == "cancelled" and "completed" in statuses[1:]
            assert "Played" in page.inner_text(".rvl-speaker")
        finally:
            browser.close()
    errors = [c for c in console if c.startswith("error") and "rvl" in c.lower()]
    assert not errors, errors
    print(f"\nscreenshots: {shot} and {ARTIFACTS / 'browser_e2e_after_barge_in.png'}\n"
          f"barge-in: truncated {cut['item_id']} at {cut['audio_end_ms']} ms of {cut['received_ms']} ms received; "
          f"the browser's own figure {browser_ms} ms; mic chunks {state['mic']['chunks']}; events {event_types(state)}")


def test_permission_denied_shows_a_clear_message(tmp_path):
    """Without a fake UI the headless browser refuses the microphone: the widget says what to do."""
    page_html = tmp_path / "index.html"
    js = (Path(__file__).resolve().parent.parent / "course_utils" / "widgets" / "mic.js").read_text()
    (tmp_path / "mic.js").write_text(js)
    # A minimal host: the anywidget model API (get/on/off/send) in a few lines, no kernel.
    page_html.write_text("""<!doctype html><html><body><div id="root"></div><script type="module">
      import widget from "./mic.js";
      const state = {label: "Microphone", chunk_ms: 40, sample_rate: 24000, echo_cancellation: true,
                     noise_suppression: true, auto_gain_control: true, _instance_id: "t"};
      window.sent = [];
      const model = {get: (k) => state[k], on() {}, off() {}, send: (m) => window.sent.push(m)};
      widget.initialize({model});
      widget.render({model, el: document.getElementById("root")});
      window.ready = true;
    </script></body></html>""")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with playwright_sync.sync_playwright() as p:
            browser = p.chromium.launch_persistent_context(
                str(tmp_path / "profile"), executable_path=CHROMIUM,
                args=[*CHROMIUM_FLAGS[:8], "--deny-permission-prompts"])
            try:
                page = browser.pages[0] if browser.pages else browser.new_page()
                for _ in range(50):
                    try:
                        page.goto(f"http://127.0.0.1:{port}/index.html", timeout=5000)
                        break
                    except playwright_sync.Error:
                        time.sleep(0.2)
                page.wait_for_function("window.ready === true", timeout=10_000)
                page.click(".rvl-start")
                page.wait_for_selector(".rvl-mic[data-state='error']", timeout=15_000)
                text = page.inner_text(".rvl-status")
                sent = page.evaluate("window.sent")
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(10)
    errors = [m for m in sent if m.get("type") == "error"]
    assert errors and errors[0]["code"] in ("permission-denied", "no-microphone")
    assert "press Start again" in text and text == errors[0]["message"]
