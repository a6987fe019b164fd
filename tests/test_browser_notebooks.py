"""What a learner sees: every notebook opened in JupyterLab 4 in Debian's Chromium (headless), as
committed (untrusted, not run) and after "Run All".

For each ``notebooks/NN_*.ipynb`` the page must show no typeset maths (MathJax elements: dollar amounts
are text), no stderr output box (pink: warnings, progress bars, errors), no widget error, and no
console error other than a failed network load of an external resource (the Colab badge, offline).
After Run All, every ``<video>`` and ``<audio>`` element has a source the browser can play, every video
has a still beside it (an image output, shown even untrusted), and in notebook 02 the microphone
widget, started after Run All, streams to the kernel (the clean-up cell left it connected).

One JupyterLab server and one browser serve all notebooks, one after another, from a copy of
``notebooks/`` (Run All's autosave must not touch the repository). A control notebook with real
maths checks that MathJax does typeset here, so "no maths found" means something. Screenshots go to
``tests/artifacts/notebooks/`` (gitignored): the top of each notebook before and after running, and
the outputs the checks are about (cost tables, video stills, players, tables, widgets).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "notebooks"
TOKEN = "notebooks-test-token"
RUN_ALL_TIMEOUT_S = 420

pytestmark = [pytest.mark.browser]

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  "--autoplay-policy=no-user-gesture-required"]

# What the page shows, read in the browser. A video's still is an image output in the same cell.
INSPECT_JS = """() => {
  const q = (s, root) => Array.from((root || document).querySelectorAll(s));
  const cellText = (e) => { const c = e.closest('.jp-Cell'); return c ? c.innerText.slice(0, 160) : ''; };
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook') || document;
  const media = (tag) => q(tag, nb).map((m) => {
    const source = m.querySelector('source');
    const cell = m.closest('.jp-Cell');
    return {src: (m.currentSrc || m.src || (source && source.getAttribute('src')) || '').slice(0, 40),
            ready: m.readyState, network: m.networkState, error: m.error ? m.error.code : null,
            duration: Number.isFinite(m.duration) ? m.duration : null,
            still: cell ? q('.jp-OutputArea-output img', cell).length : 0, cell: cellText(m)};
  });
  return {
    cells: q('.jp-Cell', nb).length,
    math: q('mjx-container, .MathJax, .MathJax_Display, .MathJax_Preview', nb).map(cellText),
    stderr: q('[data-mime-type="application/vnd.jupyter.stderr"]', nb).map((e) => e.innerText.slice(0, 300)),
    widget_errors: q('.jp-OutputArea-output', nb)
      .filter((e) => /Error displaying widget|Error rendering widget|model not found|Failed to load model class/i.test(e.innerText))
      .map((e) => e.innerText.slice(0, 200)),
    videos: media('video'), audios: media('audio'),
    running: q('.jp-InputPrompt', nb).filter((e) => e.innerText.includes('*')).length,
  };
}"""

KERNEL_IDLE_JS = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!(k && k.status === 'idle' && w.content && w.content.widgets.length > 0);
}"""

# Run All finished: kernel idle, no cell queued or running, and every code cell with source has run
# (or one stopped with an error, after which Run All runs nothing more).
RUN_STATE_JS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  const cells = w.content.widgets.filter((c) => c.model.type === 'code' && c.model.sharedModel.getSource().trim());
  const pending = cells.filter((c) => c.model.executionCount === null).length;
  const queued = Array.from(w.content.node.querySelectorAll('.jp-InputPrompt')).filter((e) => e.innerText.includes('*')).length;
  const errors = cells.filter((c) => { const o = c.model.outputs; for (let i = 0; i < o.length; i++) {
      if (o.get(i).type === 'error') return true; } return false; }).length;
  return {idle: !!k && k.status === 'idle', pending, queued, errors, total: cells.length};
}"""

# Scroll every output into view once, so lazily loaded media start loading.
SCROLL_ALL_JS = """async () => {
  const outs = Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output'));
  for (const o of outs) { o.scrollIntoView({block: 'center'}); await new Promise((r) => setTimeout(r, 15)); }
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def control_notebook(path: Path) -> None:
    """A notebook that does ask for maths: MathJax must typeset it (else the checks prove nothing)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Maths on purpose: $E = mc^2$ and $$a^2+b^2=c^2$$")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One JupyterLab 4 server (windowing off, so every cell is in the page) over a copy of notebooks/."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "work"
    root.mkdir()
    for nb in NOTEBOOKS:
        shutil.copy2(nb, root / nb.name)
    control_notebook(root / "zz_maths_control.ipynb")
    settings = tmp / "settings" / "@jupyterlab"
    (settings / "apputils-extension").mkdir(parents=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port = free_port()
    env = dict(os.environ, COURSE_MODE="replay", JUPYTER_CONFIG_DIR=str(tmp / "cfg"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), PYTHONUNBUFFERED="1", MPLBACKEND="module://matplotlib_inline.backend_inline")
    log_path = tmp / "jupyterlab.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--allow-root",
         f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
         "--LabApp.news_url=", f"--LabApp.user_settings_dir={tmp / 'settings'}",
         f"--LabApp.workspaces_dir={tmp / 'workspaces'}"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.3)
        yield {"port": port, "root": root, "tmp": tmp, "log": log_path}
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(lab["tmp"] / "chromium-profile"), executable_path=CHROMIUM, viewport={"width": 1280, "height": 900},
            args=CHROMIUM_FLAGS)
        try:
            yield context
        finally:
            context.close()


def is_external_load_failure(msg) -> bool:
    """A failed load of something outside the local server (e.g. the Colab badge image, offline)."""
    url = (msg.location or {}).get("url", "") if hasattr(msg, "location") else ""
    text = msg.text
    if "Failed to load resource" not in text and "ERR_" not in text:
        return False
    return bool(url) and not url.startswith(("http://127.0.0.1", "http://localhost"))


def open_notebook(context, lab, name: str):
    page = context.new_page()
    console: list[str] = []

    def on_console(msg):
        if msg.type == "error" and not is_external_load_failure(msg):
            console.append(f"{msg.text[:300]} @ {(msg.location or {}).get('url', '')}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: console.append(f"page error: {exc}"))
    # a fresh workspace per notebook: only this notebook open, file browser folded (a ~1000-px column)
    workspace = re.sub(r"[^a-z0-9]", "", Path(name).stem.lower())
    page.goto(f"http://127.0.0.1:{lab['port']}/lab/workspaces/{workspace}/tree/{name}?reset&token={TOKEN}",
              timeout=60_000)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=90_000)
    page.evaluate("window.jupyterapp.shell.collapseLeft()")
    settle(page)
    return page, console


def settle(page, seconds: float = 2.0) -> None:
    """Let MathJax and the output renderers finish (MathJax loads on first use)."""
    page.evaluate(SCROLL_ALL_JS)
    page.wait_for_timeout(int(seconds * 1000))


def shoot(page, path: Path, selector: str | None = None, limit: int = 3) -> list[str]:
    """The viewport at the top of the notebook, or up to ``limit`` elements matching ``selector``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if selector is None:
        page.evaluate("() => { const n = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');"
                      " if (n) n.scrollTop = 0; }")
        page.wait_for_timeout(200)
        page.screenshot(path=str(path))
        return [str(path)]
    saved = []
    for i, el in enumerate(page.locator(selector).all()[:limit]):
        target = path.with_name(f"{path.stem}_{i + 1}.png")
        try:
            el.scroll_into_view_if_needed(timeout=5_000)
            el.screenshot(path=str(target), timeout=10_000)
            saved.append(str(target))
        except Exception as exc:  # a shot that cannot be taken is not a failure of the notebook
            print(f"screenshot {target.name} skipped: {exc}")
    return saved


# Outputs worth a picture, per kind (the selectors work before and after running).
_PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden) "
SHOTS = {
    "tables": _PANEL + ".jp-OutputArea-output .mathjax_ignore",
    "video": _PANEL + ".jp-Cell:has(video) .jp-Cell-outputWrapper",
    "audio": _PANEL + ".jp-Cell:has(audio) .jp-Cell-outputWrapper",
    "widgets": _PANEL + ".jp-Cell:has(.rvl-widget) .jp-Cell-outputWrapper",
    "first_markdown": _PANEL + ".jp-MarkdownCell",
}


def problems(state: dict, console: list[str]) -> list[str]:
    out = []
    if state["math"]:
        out.append(f"typeset maths in {len(state['math'])} place(s), e.g. {state['math'][0]!r}")
    if state["stderr"]:
        out.append(f"{len(state['stderr'])} stderr box(es), e.g. {state['stderr'][0]!r}")
    if state["widget_errors"]:
        out.append(f"widget errors: {state['widget_errors'][:2]}")
    if console:
        out.append(f"console errors: {console[:3]}")
    return out


def test_mathjax_typesets_here(lab, browser):
    """The control: real maths is typeset on this page, so the checks below can see it."""
    page, _ = open_notebook(browser, lab, "zz_maths_control.ipynb")
    try:
        page.wait_for_selector("mjx-container", timeout=30_000)
        assert page.evaluate(INSPECT_JS)["math"]
    finally:
        page.close()
        shut_down_kernels(lab)


@pytest.mark.timeout(RUN_ALL_TIMEOUT_S + 240)
@pytest.mark.parametrize("notebook", [nb.name for nb in NOTEBOOKS], ids=[nb.stem[:2] for nb in NOTEBOOKS])
def test_notebook_reads_right_before_and_after_run_all(lab, browser, notebook):
    stem = Path(notebook).stem
    started = time.monotonic()
    page, console = open_notebook(browser, lab, notebook)
    try:
        # 1. as committed: untrusted, not run
        before = page.evaluate(INSPECT_JS)
        shots = shoot(page, ARTIFACTS / f"{stem}_0_opened.png")
        shots += shoot(page, ARTIFACTS / f"{stem}_0_opened_first_markdown.png", SHOTS["first_markdown"], limit=1)
        for kind in ("tables", "video"):
            shots += shoot(page, ARTIFACTS / f"{stem}_0_opened_{kind}.png", SHOTS[kind], limit=2)
        found = problems(before, console)
        for v in before["videos"]:
            if not v["still"]:
                found.append(f"a video without a still beside it (blank until the notebook runs): {v['cell']!r}")
        assert not found, f"{notebook} as committed: " + "; ".join(found)

        # 2. Run All, from cleared outputs (so "has run" is visible per cell)
        page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        page.wait_for_timeout(300)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        deadline = time.monotonic() + RUN_ALL_TIMEOUT_S
        calm_since = None
        while True:
            run = page.evaluate(RUN_STATE_JS)
            done = run["idle"] and run["queued"] == 0 and (run["pending"] == 0 or run["errors"] > 0)
            if done:
                calm_since = calm_since or time.monotonic()
                if time.monotonic() - calm_since > 1.5:
                    break
            else:
                calm_since = None
            if time.monotonic() > deadline:
                pytest.fail(f"{notebook}: Run All did not finish in {RUN_ALL_TIMEOUT_S} s: {run}")
            page.wait_for_timeout(250)
        run_s = time.monotonic() - started
        settle(page, 3.0)
        page.wait_for_function("""() => Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) video, '
                               + '.jp-NotebookPanel:not(.lm-mod-hidden) audio')).every((m) => m.readyState >= 1 || m.error)""",
                               timeout=20_000)
        after = page.evaluate(INSPECT_JS)
        shots += shoot(page, ARTIFACTS / f"{stem}_1_run.png")
        for kind in SHOTS:
            if kind != "first_markdown":
                shots += shoot(page, ARTIFACTS / f"{stem}_1_run_{kind}.png", SHOTS[kind], limit=10 if kind == "tables" else 3)
        found = problems(after, console)
        if run["errors"]:
            found.append(f"{run['errors']} cell(s) raised")
        for kind in ("videos", "audios"):
            for m in after[kind]:
                if not m["src"] or m["error"] is not None or m["ready"] < 1:
                    found.append(f"a {kind[:-1]} that cannot play (src {m['src']!r}, readyState {m['ready']}, "
                                 f"error {m['error']}): {m['cell']!r}")
        for v in after["videos"]:
            if not v["still"]:
                found.append(f"a video without a still beside it: {v['cell']!r}")
        if stem.startswith("02_"):
            found += microphone_after_run_all(page, ARTIFACTS / f"{stem}_2_microphone.png")
        print(f"\n{notebook}: Run All {run_s:.0f} s; {after['cells']} cells, {len(after['videos'])} videos, "
              f"{len(after['audios'])} audio players; screenshots: {', '.join(Path(s).name for s in shots)}")
        assert not found, f"{notebook} after Run All: " + "; ".join(found)
    except BaseException:
        try:
            page.screenshot(path=str(ARTIFACTS / f"{stem}_failed.png"))
        except Exception:
            pass
        raise
    finally:
        page.close()
        shut_down_kernels(lab)


def shut_down_kernels(lab) -> None:
    """End the notebook's kernel (and its local servers) before the next notebook starts."""
    base = f"http://127.0.0.1:{lab['port']}/api/sessions"
    try:
        with urllib.request.urlopen(f"{base}?token={TOKEN}", timeout=10) as r:
            sessions = json.loads(r.read())
        for s in sessions:
            req = urllib.request.Request(f"{base}/{s['id']}?token={TOKEN}", method="DELETE")
            urllib.request.urlopen(req, timeout=20).read()
    except OSError as exc:
        print(f"could not shut the kernels down: {exc}")


def microphone_after_run_all(page, shot: Path) -> list[str]:
    """After Run All (clean-up cell included), Start streams to the kernel: the widget is not disconnected."""
    if page.locator(".rvl-mic").count() == 0:
        return ["notebook 02 shows no microphone widget after Run All"]
    page.locator(".rvl-mic").first.scroll_into_view_if_needed()
    page.wait_for_selector(".rvl-mic .rvl-start:not([disabled])", timeout=10_000)
    page.click(".rvl-mic .rvl-start")
    try:
        page.wait_for_function("""() => { const m = document.querySelector('.rvl-mic');
            return m && m.dataset.state === 'recording' && /Listening: [1-9]/.test(m.innerText); }""", timeout=20_000)
    except Exception:
        text = page.inner_text(".rvl-mic")
        return [f"the microphone does not stream after Run All: {text!r}"]
    page.wait_for_timeout(500)
    widgets = page.locator(".rvl-mic").first.locator("xpath=ancestor::div[contains(@class,'jp-Cell-outputWrapper')]")
    widgets.screenshot(path=str(shot))
    # hanging up (what the notebook's clean-up cell does once something was said) shows in the widget
    page.evaluate("() => { window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.requestExecute({code: "
                  "'forwarding.cancel()\\nawait talk.close()'}); }")
    try:  # "Disconnected: ..." (amber), or the error that ended the forwarding task (red)
        page.wait_for_function("""() => { const m = document.querySelector('.rvl-mic');
            return m && (m.dataset.state === 'disconnected' || m.dataset.state === 'error')
                && /Disconnected|Forwarding stopped/.test(m.innerText); }""", timeout=30_000)
    except Exception:
        return [f"the microphone still says {page.inner_text('.rvl-mic')!r} after hanging up"]
    widgets.screenshot(path=str(shot.with_name(shot.stem + "_disconnected.png")))
    stop = page.locator(".rvl-mic .rvl-stop:not([disabled])")
    if stop.count():  # once disconnected the widget may already have stopped recording (Stop is then disabled)
        stop.first.click(timeout=5_000)
    return []


# -- without a browser: what the committed notebooks carry ------------------------------------------
_CODE_SPAN = re.compile(r"`[^`\n]*`")


@pytest.mark.parametrize("notebook", [nb.name for nb in NOTEBOOKS], ids=[nb.stem[:2] for nb in NOTEBOOKS])
def test_committed_notebook_has_no_math_dollars_and_no_stderr(notebook):
    """Fast, without a browser: markdown writes dollars as ``<span>&#36;</span>`` (JupyterLab 4.6 typesets
    ``\\$...\\$`` in one paragraph: its Markdown renderer drops the backslash before MathJax runs, and
    MathJax pairs ``$`` only within one run of text, which the span ends); HTML outputs with ``$`` keep
    them out of MathJax's reach (course_utils.display.no_math); no stderr output is committed."""
    nb = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            text = _CODE_SPAN.sub("", cell.source)
            if "$" in text:
                found.append(f"cell {i}: a $ in markdown (JupyterLab 4 typesets two in one paragraph as maths, "
                             f"escaped or not; write <span>&#36;</span>): {cell.source[:80]!r}")
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                found.append(f"cell {i}: stderr output {out.get('text', '')[:80]!r}")
            data = out.get("data", {})
            html = data.get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            if html.count("$") >= 2 and "mathjax_ignore" not in html:
                found.append(f"cell {i}: HTML output with $ that MathJax would typeset: {html[:80]!r}")
            if "text/markdown" in data and "$" in "".join(data["text/markdown"]):
                found.append(f"cell {i}: Markdown output with $: {''.join(data['text/markdown'])[:80]!r}")
            if "<video" in html and not any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
                found.append(f"cell {i}: a video output with no still (image/png) beside it")
    assert not found, "\n".join(found)


# -- without a browser: the helpers behind the fixes -------------------------------------------------
def test_html_outputs_keep_dollar_amounts_out_of_mathjax():
    from course_utils.display import HTMLTable, no_math
    from course_utils.ledger import Ledger

    ledger = Ledger(1.0, enforce=False)
    ledger.reserve("openai", "gpt-realtime-2.1", "a turn", 0.0123)
    for html in (ledger._repr_html_(), no_math("budget $1.00, spent $0.00"),
                 HTMLTable([{"price": "$5 per 1M", "source": "https://example.com/pricing/page"}])._repr_html_()):
        assert "$" not in html and "&#36;" in html and "mathjax_ignore" in html, html
    table = HTMLTable([{"price": "$5", "source": "https://www.example.com/a/very/long/path"}])
    assert ">example.com</a>" in table._repr_html_()          # sources as short links
    assert "$5" in repr(table) and "https://www.example.com/a/very/long/path" in repr(table)  # text/plain keeps it all


def test_microphone_says_when_nothing_receives_its_audio():
    import asyncio
    import concurrent.futures

    from course_utils.widgets import Microphone

    async def main():
        mic = Microphone()
        seen = [(mic.consumers, mic.disconnect_reason)]
        task = mic.forward(lambda pcm: None)
        await asyncio.sleep(0.02)
        seen.append((mic.consumers, mic.disconnect_reason))
        task.cancel()
        await asyncio.sleep(0.02)
        seen.append((mic.consumers, bool(mic.disconnect_reason)))
        task = mic.forward(lambda pcm: None)   # the forwarding cell run again: connected again
        await asyncio.sleep(0.02)
        seen.append((mic.consumers, mic.disconnect_reason))
        task.cancel()
        return seen

    # in a thread of its own: the browser tests' Playwright loop may still be running in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, main()).result(30) == [(0, ""), (1, ""), (0, True), (1, "")]


def test_video_output_has_a_still_first(tmp_path):
    from course_utils.fixtures import FIXTURES_DIR
    from course_utils.video.display import VideoWithStill

    clip = sorted((FIXTURES_DIR / "videogen" / "media").glob("*.mp4"))[0]
    shown = VideoWithStill(clip, width=320)
    png = shown.still().data
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) < 60_000
    assert "<video" in shown.player()._repr_html_()


def test_hanging_up_is_prompt_even_when_a_send_is_stuck():
    """A stalled connection (a send that never returns) must not keep the widget saying "Listening"."""
    import asyncio
    import concurrent.futures

    from course_utils.widgets import Microphone

    async def main():
        mic = Microphone()

        async def stuck(pcm: bytes) -> None:
            await asyncio.Event().wait()

        task = mic.forward(stuck)
        await asyncio.sleep(0.02)
        mic._fanout.publish(b"\0\0" * 960)
        await asyncio.sleep(0.02)
        task.cancel()
        await asyncio.sleep(0.05)
        return task.done(), mic.consumers, bool(mic.disconnect_reason)

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, main()).result(30) == (True, 0, True)
