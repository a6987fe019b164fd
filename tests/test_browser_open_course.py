"""README's first command opens the course: ``scripts/open_course.sh`` leaves JupyterLab serving.

The script is run as README runs it (plus ``--no-browser``, a free port, a token and private Jupyter
directories), and the test waits for ``/api`` and ``/api/contents`` to answer, then stops the server.
It runs as whoever runs the tests (root in CI, where ``jupyter lab`` alone refuses to start) and, when
that is root, once more as the unprivileged user ``nobody`` (with ``setpriv``), so both paths are seen.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "open_course.sh"
TOKEN = "open-course-test"

pytestmark = [pytest.mark.timeout(120),
              pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "jupyter").exists(),
                                 reason="no .venv/bin/jupyter (run bash scripts/install.sh)")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_and_poll(prefix: list[str], home: Path) -> dict:
    """Start the script (behind ``prefix``), wait up to 60 s for /api, return what it answered."""
    port = free_port()
    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_DIR=str(home / "cfg"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), IPYTHONDIR=str(home / "ipython"))
    log_path = home / "jupyterlab.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [*prefix, "bash", str(SCRIPT), "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             f"--ServerApp.token={TOKEN}", "--LabApp.news_url=", f"--LabApp.workspaces_dir={home / 'ws'}"],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api?token={TOKEN}", timeout=2) as r:
                        version = json.loads(r.read())
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token={TOKEN}", timeout=5) as r:
                        listing = json.loads(r.read())
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={TOKEN}", timeout=10) as r:
                        lab_page = r.read().decode("utf-8", "replace")
                    return {"version": version, "names": [c["name"] for c in listing["content"]], "lab": lab_page}
                except OSError:
                    if proc.poll() is not None:
                        pytest.fail(f"open_course.sh exited with {proc.returncode}: {log_path.read_text()[-1500:]}")
                    if time.monotonic() > deadline:
                        pytest.fail(f"JupyterLab did not answer within 60 s: {log_path.read_text()[-1500:]}")
                    time.sleep(0.3)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(5)


def check(answer: dict) -> None:
    assert "version" in answer["version"]
    assert any(n.startswith("01_") and n.endswith(".ipynb") for n in answer["names"]), answer["names"]
    assert "JupyterLab" in answer["lab"]


def test_readme_first_command_serves_the_course(tmp_path):
    readme = (ROOT / "README.md").read_text()
    assert "scripts/open_course.sh" in readme, "README's first command should call scripts/open_course.sh"
    check(serve_and_poll([], tmp_path))


@pytest.mark.skipif(os.geteuid() != 0, reason="running as a normal user already (the root path needs root)")
def test_as_a_normal_user_too():
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is not installed")
    as_nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    probe = subprocess.run([*as_nobody, "bash", "-c", f"{ROOT / '.venv' / 'bin' / 'jupyter'} --version"], capture_output=True,
                           timeout=60, cwd=tempfile.gettempdir())
    if probe.returncode != 0:
        pytest.skip(f"user nobody cannot run .venv/bin/python ({os.path.realpath(ROOT / '.venv' / 'bin' / 'python')} "
                    f"is not readable by other users)")
    home = Path(tempfile.mkdtemp(prefix="rvl-open-course-"))
    try:
        home.chmod(0o777)
        check(serve_and_poll(as_nobody, home))
    finally:
        shutil.rmtree(home, ignore_errors=True)
