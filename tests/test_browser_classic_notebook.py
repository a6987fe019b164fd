"""The microphone and speaker widgets in the frontend closest to Colab's that runs here: a classic
Jupyter Notebook 6.5 page with ipywidgets 7.7.1 and anywidget 0.9.21 (Colab's widget versions), in
Debian's Chromium (headless), with a fake microphone fed from a WAV.

Colab's own frontend cannot be reached from a test; this checks the same widget code on the widget
protocol Colab speaks (ipywidgets 7, anywidget 0.9's frontend): the widgets load, the speech reaches
the local Realtime server through the microphone widget (its VAD fires), and the reply plays in the
speaker widget (the browser reports the played position).

The Notebook 6.5 environment is a separate virtualenv, built once and cached in
``~/.cache/realtime-video-lab/nb65-venv`` (Python 3.11 or 3.13 from ~/.pyenv, or ``RVL_NB65_PYTHON``);
its kernel imports this checkout's ``course_utils`` through ``PYTHONPATH``. If it cannot be built (no
such Python, no package index), the test is skipped with a one-line reason. A screenshot is saved to
``tests/artifacts/classic_notebook_widgets.png``.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TOKEN = "classic-e2e-token"
VENV = Path(os.environ.get("RVL_NB65_VENV", Path.home() / ".cache" / "realtime-video-lab" / "nb65-venv"))
# Colab's widget versions, the last classic Notebook, and what the kernel needs of course_utils' dependencies
PINS = ["notebook==6.5.7", "ipywidgets==7.7.1", "anywidget==0.9.21", "ipykernel>=6.29,<7", "websockets>=14,<16",
        "openai[realtime]>=3.57,<4", "httpx>=0.28,<1", "pydantic>=2.7,<3", "numpy>=1.26,<3", "soundfile>=0.12,<1",
        "matplotlib>=3.8,<4", "pillow>=10,<14", "cryptography>=42", "pyjwt>=2.8,<3", "tqdm>=4.66,<5"]
BUILD_TIMEOUT_S = 600

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)"),
    pytest.mark.timeout(BUILD_TIMEOUT_S + 240),
]
playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")

from test_browser_e2e import (  # noqa: E402  (the JupyterLab test's notebook, fake microphone and waits)
    CHROMIUM_FLAGS,
    FIXTURE,
    NOTEBOOK_CELLS,
    event_types,
    fake_microphone_wav,
    free_port,
    wait_state,
)


def base_python() -> str | None:
    """Python 3.11 or 3.13 for the venv: RVL_NB65_PYTHON, else ~/.pyenv's newest 3.11.x / 3.13.x."""
    if os.environ.get("RVL_NB65_PYTHON"):
        return os.environ["RVL_NB65_PYTHON"]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for minor in ("3.11", "3.13"):
        found = sorted(glob.glob(str(pyenv / f"{minor}.*" / "bin" / "python3")))
        if found:
            return found[-1]
    return None


def build_venv() -> Path:
    """The cached Notebook 6.5 venv (rebuilt when the pins change); pytest.skip if it cannot be built."""
    stamp = VENV / "rvl-pins.json"
    wanted = {"pins": PINS}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted and (VENV / "bin" / "jupyter-notebook").exists():
        return VENV
    python = base_python()
    if python is None:
        pytest.skip("no Python 3.11 or 3.13 under ~/.pyenv/versions (set RVL_NB65_PYTHON) to build the Notebook 6.5 venv")
    shutil.rmtree(VENV, ignore_errors=True)
    VENV.parent.mkdir(parents=True, exist_ok=True)
    log = VENV.parent / "nb65-venv-build.log"
    try:
        with open(log, "w") as out:
            subprocess.run([python, "-m", "venv", str(VENV)], check=True, stdout=out, stderr=subprocess.STDOUT, timeout=120)
            subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", *PINS], check=True,
                           stdout=out, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT_S)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        shutil.rmtree(VENV, ignore_errors=True)
        pytest.skip(f"could not build the Notebook 6.5 venv ({type(exc).__name__}; see {log})")
    stamp.write_text(json.dumps(wanted))
    return VENV


@pytest.fixture
def classic(tmp_path):
    """Jupyter Notebook 6.5 (ipywidgets 7.7.1, anywidget 0.9.21) on 127.0.0.1 serving tmp_path/work."""
    venv = build_venv()
    root = tmp_path / "work"
    root.mkdir()
    out = tmp_path / "kernel_state.json"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "VIRTUAL_ENV"))}
    env.update(RVL_E2E_OUT=str(out), COURSE_MODE="replay", PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1",
               JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_DATA_DIR=str(tmp_path / "data"), PATH=f"{venv / 'bin'}:{env.get('PATH', '')}")
    log_path = tmp_path / "notebook.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [str(venv / "bin" / "jupyter-notebook"), "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--allow-root",
         f"--NotebookApp.token={TOKEN}", f"--NotebookApp.notebook_dir={root}"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"Notebook 6.5 did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.3)
        versions = subprocess.run([str(venv / "bin" / "python"), "-c", "import notebook, ipywidgets, anywidget; "
                                   "print(notebook.__version__, ipywidgets.__version__, anywidget.__version__)"],
                                  capture_output=True, text=True, timeout=60, env=env).stdout.split()
        yield {"port": port, "root": root, "out": out, "tmp": tmp_path, "versions": versions, "log": log_path}
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_widgets_in_classic_notebook_65_with_ipywidgets_7(classic):
    assert classic["versions"] == ["6.5.7", "7.7.1", "0.9.21"], classic["versions"]
    wav = classic["tmp"] / "fake_mic.wav"
    fake_microphone_wav(wav)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, classic["root"] / "e2e.ipynb")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "classic_notebook_widgets.png"
    console: list[str] = []

    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(classic["tmp"] / "chromium-profile"), executable_path=CHROMIUM, viewport={"width": 1100, "height": 900},
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-audio-capture={wav}%noloop"])
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda exc: console.append(f"error: page error {exc}"))
            page.goto(f"http://127.0.0.1:{classic['port']}/notebooks/e2e.ipynb?token={TOKEN}", timeout=60_000)
            page.wait_for_function("""() => window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded
                && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()
                && Jupyter.notebook.kernel.comm_manager.targets['jupyter.widget']""", timeout=90_000)
            # the widget manager registers its comm target when the kernel is ready; cells run before it would
            # open widget comms nobody answers (the widgets then never show), so wait a moment more
            page.wait_for_timeout(1000)
            page.evaluate("Jupyter.notebook.execute_all_cells()")
            page.wait_for_selector(".rvl-mic .rvl-start:not([disabled])", timeout=90_000)
            page.wait_for_selector(".rvl-speaker", timeout=10_000)
            wait_state(page, classic["out"], lambda s: "mic" in s, "the notebook's cells to run", timeout=60)

            page.click(".rvl-mic .rvl-start")
            state = wait_state(page, classic["out"], lambda s: s["mic"]["state"] == "recording" and s["mic"]["chunks"] > 10,
                               "microphone chunks to reach the kernel")
            assert state["mic"]["error"] is None
            # the widget knows a kernel task receives its audio: it says "Listening", not "Disconnected"
            assert "Listening:" in page.inner_text(".rvl-mic"), page.inner_text(".rvl-mic")

            state = wait_state(page, classic["out"],
                               lambda s: "input_audio_buffer.speech_stopped" in event_types(s)
                               and "response.created" in event_types(s), "speech_started/speech_stopped")
            assert event_types(state).index("input_audio_buffer.speech_started") < \
                event_types(state).index("input_audio_buffer.speech_stopped")

            state = wait_state(page, classic["out"],
                               lambda s: any(v["reported_ms"] >= 600 for v in s["speaker"].values()),
                               "the reply to play in the speaker widget")
            assert state["audio_state"] == "running"
            assert "Playing" in page.inner_text(".rvl-speaker")
            page.locator(".rvl-speaker").scroll_into_view_if_needed()
            page.screenshot(path=str(shot))
        except BaseException:
            page.screenshot(path=str(ARTIFACTS / "classic_notebook_failed.png"))
            noise = ("log", "debug")
            print(f"\nconsole: {[c for c in console if not c.startswith(noise)][-20:]}\n"
                  f"server log: {classic['log'].read_text()[-3000:]}")
            raise
        finally:
            browser.close()
    errors = [c for c in console if c.startswith("error") and ("rvl" in c.lower() or "widget" in c.lower()
                                                                or "anywidget" in c.lower())]
    assert not errors, errors
    print(f"\nclassic Notebook {classic['versions'][0]}, ipywidgets {classic['versions'][1]}, anywidget "
          f"{classic['versions'][2]}: {state['mic']['chunks']} mic chunks, events {event_types(state)[:6]}...; "
          f"fixture {FIXTURE}; screenshot {shot}")
