#!/usr/bin/env python3
"""The Colab copy: run every notebook as a learner would in Colab, in a copy of Colab's runtime.

    python scripts/colab_copy.py                                   (every notebooks/NN_*.ipynb)
    python scripts/colab_copy.py notebooks/03_video_understanding.ipynb

What it builds, cached between runs in ~/.cache/realtime-video-lab/colab-<hash of the pins and the stand-in>:
a Python 3.13 virtualenv with Colab's preinstalled versions (tests/colab/colab-pins.txt, which names its
source and date) and a stand-in ``google.colab`` (tests/colab/standin/: ``userdata.get`` raises
``SecretNotFoundError``; ``output.enable_custom_widget_manager()`` exists), imported at kernel start as in
Colab. Then, for each notebook, as Colab gives each notebook its own runtime:

* a fresh runtime (a hard-linked copy of the cached virtualenv, so nothing a notebook installs stays);
* an empty working directory (Colab's ``/content``: no repository files), a PATH without espeak-ng and
  Chromium, no API keys and no ``COURSE_*`` settings in the environment;
* the committed ``.ipynb`` executed top to bottom with nbclient, its install cell included: the cell's
  ``pip install git+https://github.com/realtime-video-lab/realtime-video-lab@vX.Y.Z`` reaches, through git's
  ``url.<base>.insteadOf`` (in a temporary ``GIT_CONFIG_GLOBAL``), a temporary repository holding this
  checkout's files as they are now (uncommitted changes included), tagged vX.Y.Z.

Cells marked ``NBVAL_SKIP`` need a browser (the microphone) and are skipped, as in scripts/run_notebooks.py.
It prints a table (notebook, seconds, install cell seconds, result) and the install cell's output; it exits
non-zero when a notebook fails, or when the install cell prints more than one line, prints ERROR or takes
60 s or more. Without Python 3.13 it says so in one line and skips (exit 0), except under CI=true (exit 1).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "tests" / "colab" / "colab-pins.txt"
STANDIN = ROOT / "tests" / "colab" / "standin"
REPO_URL = "https://github.com/realtime-video-lab/realtime-video-lab"
PYTHON_313 = [Path.home() / ".pyenv" / "versions" / "3.13.0" / "bin" / "python"]
HIDDEN_PROGRAMS = re.compile(r"^(espeak.*|chromium.*|chrome.*|google-chrome.*|chromedriver)$")
KEY_PATTERN = re.compile(r"(API_KEY|_SECRET|_TOKEN|ACCESS_KEY|SECRET_KEY|CREDENTIALS|^FAL_KEY$|^COURSE_)")
INSTALL_LIMIT_S = 60
CELL_TIMEOUT_S = 600
NOTEBOOK_TIMEOUT_S = 1800


# -- the runtime -----------------------------------------------------------------------------------
def find_python() -> Path | None:
    for candidate in [os.environ.get("COLAB_COPY_PYTHON"), *PYTHON_313, shutil.which("python3.13")]:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def cache_key(python: Path) -> str:
    digest = hashlib.sha256(PINS.read_bytes())
    for path in sorted(STANDIN.rglob("*.py")):
        digest.update(path.relative_to(STANDIN).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(str(python).encode())
    return digest.hexdigest()[:16]


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3.*/site-packages"))


def build_runtime(python: Path) -> tuple[Path, bool, float]:
    """The cached virtualenv with Colab's packages: (path, built now?, seconds it took)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "realtime-video-lab"
    venv = cache / f"colab-{cache_key(python)}"
    if (venv / "ready").is_file():
        return venv, False, 0.0
    start = time.monotonic()
    shutil.rmtree(venv, ignore_errors=True)
    for old in cache.glob("colab-*"):  # an older pins file's runtime
        shutil.rmtree(old, ignore_errors=True)
    run([str(python), "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    run(pip + ["--upgrade", "pip"])
    run(pip + ["--no-deps", "-r", str(PINS)])
    shutil.copytree(STANDIN / "google" / "colab", site_packages(venv) / "google" / "colab")
    # Fill pip's download cache with the course's dependencies once, as Colab's fast link to PyPI would make
    # them quick to fetch: the install cell's time then measures the install, not this machine's network.
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    with tempfile.TemporaryDirectory() as downloads:
        run([str(venv / "bin" / "python"), "-m", "pip", "download", "-q", "--disable-pip-version-check", "-d", downloads,
             "setuptools>=68", *deps])
    (venv / "ready").write_text(PINS.read_text())
    return venv, True, time.monotonic() - start


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, **kwargs)
    if done.returncode:
        lines = [ln for ln in done.stderr.splitlines() if not ln.startswith("WARNING: Location")]
        raise SystemExit(f"colab copy: `{' '.join(cmd[:6])} ...` failed: " + " | ".join(lines[-5:]))
    return done


def local_release(tmp: Path) -> tuple[Path, str]:
    """A git repository of this checkout's files as they are now, tagged v<version>: what the install cell gets."""
    version = re.search(r'^__version__ = "([^"]+)"', (ROOT / "course_utils" / "__init__.py").read_text(), re.M).group(1)
    repo = tmp / "release"
    listed = run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT).stdout.split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / rel)
    git = ["git", "-c", "user.name=colab-copy", "-c", "user.email=colab-copy@localhost", "-c", "init.defaultBranch=main"]
    run(git + ["init", "-q"], cwd=repo)
    run(git + ["add", "-A"], cwd=repo)
    run(git + ["commit", "-q", "-m", "this checkout, for the Colab copy"], cwd=repo)
    run(git + ["tag", f"v{version}"], cwd=repo)
    return repo, version


def program_dir(tmp: Path) -> Path:
    """A directory of links to every program on PATH except espeak-ng and Chromium (Colab has neither)."""
    out = tmp / "bin"
    out.mkdir()
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if not entry or not Path(entry).is_dir() or "/.venv/" in entry + "/":
            continue
        for prog in Path(entry).iterdir():
            if not HIDDEN_PROGRAMS.match(prog.name) and not (out / prog.name).exists() and os.access(prog, os.X_OK):
                (out / prog.name).symlink_to(prog)
    return out


def colab_env(tmp: Path, venv: Path, programs: Path, repo: Path) -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    from course_utils import credential_variables

    keys = credential_variables()
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "MPLBACKEND", "IPYTHONDIR", "PYTHONHOME", "JUPYTER_PATH", "JUPYTER_CONFIG_DIR"}
    env = {k: v for k, v in os.environ.items() if k not in keys and k not in drop and not KEY_PATTERN.search(k)}
    gitconfig = tmp / "gitconfig"
    gitconfig.write_text(f'[url "file://{repo}"]\n\tinsteadOf = {REPO_URL}\n')
    ipython = tmp / "ipython"
    (ipython / "profile_default" / "startup").mkdir(parents=True)
    (ipython / "profile_default" / "startup" / "00-colab.py").write_text("import google.colab  # as Colab's kernel does\n")
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{programs}", GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1",
               IPYTHONDIR=str(ipython), PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


# -- one notebook, executed inside the runtime ---------------------------------------------------
def execute(notebook: Path, workdir: Path, out: Path) -> None:
    """Run inside the Colab copy's Python: execute ``notebook`` in ``workdir``, write a JSON report to ``out``."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(notebook, as_version=4)
    install = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and 'COURSE_VERSION = "' in c.source), None)
    skipped = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith("# NBVAL_SKIP"):
            cell.metadata.setdefault("tags", []).append("skip-execution")
            skipped += 1
    started: dict[int, float] = {}
    seconds: dict[int, float] = {}
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(workdir)}},
                            on_cell_execute=lambda cell, cell_index: started.__setitem__(cell_index, time.monotonic()),
                            on_cell_executed=lambda cell, cell_index, execute_reply: seconds.__setitem__(
                                cell_index, time.monotonic() - started[cell_index]))
    report: dict = {"skipped_cells": skipped, "error": None}
    start = time.monotonic()
    try:
        client.execute()
    except CellExecutionError as exc:
        lines = [ln for ln in str(exc).splitlines() if ln.strip()]
        report["error"] = f"cell {max(started, default='?')}: " + (lines[-1] if lines else "error")
    except Exception as exc:  # a kernel that died or a cell past its timeout
        report["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
    report["seconds"] = time.monotonic() - start
    if install is not None:
        text = "".join(o.get("text", "") for o in nb.cells[install].get("outputs", []) if o.get("output_type") == "stream")
        errors = [o for o in nb.cells[install].get("outputs", []) if o.get("output_type") == "error"]
        report["install"] = {"seconds": seconds.get(install), "lines": text.splitlines(), "error": bool(errors)}
    out.write_text(json.dumps(report))


# -- the whole check -------------------------------------------------------------------------------
def with_clone_cells(notebook: Path, tmp: Path) -> Path:
    """The notebook with two cells first: clone the repository (from GitHub, i.e. the local release) and cd into it."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    nb.cells[:0] = [nbformat.v4.new_code_cell(f"!git clone -q {REPO_URL}"), nbformat.v4.new_code_cell("%cd realtime-video-lab")]
    out = tmp / f"clone-{notebook.name}"
    nbformat.write(nb, out)
    return out


def built_from_source(notebook: Path, tmp: Path) -> Path:
    """The notebook as its jupytext source describes it (no outputs), written to ``tmp``."""
    import nbformat

    sys.path.insert(0, str(ROOT / "scripts"))
    import run_notebooks

    out = tmp / notebook.with_suffix(".ipynb").name
    nbformat.write(run_notebooks.read_source(notebook.with_suffix(".py")), out)
    return out


def install_problems(report: dict) -> list[str]:
    info = report.get("install")
    if info is None:
        return ["no install cell (the code cell with COURSE_VERSION)"]
    problems = []
    if len(info["lines"]) != 1:
        problems.append(f"install cell printed {len(info['lines'])} lines, not one")
    if any("ERROR" in line for line in info["lines"]) or info["error"]:
        problems.append("install cell shows an ERROR")
    if info["seconds"] is not None and info["seconds"] >= INSTALL_LIMIT_S:
        problems.append(f"install cell took {info['seconds']:.0f} s (limit {INSTALL_LIMIT_S} s)")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks (.ipynb); default: every notebooks/NN_*.ipynb")
    parser.add_argument("--from-source", action="store_true",
                        help="run each notebook as built from its notebooks/NN_name.py source, not the committed .ipynb")
    parser.add_argument("--from-clone", action="store_true",
                        help="first `!git clone` the repository and `%%cd` into it, as a learner working from a clone would")
    parser.add_argument("--execute", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.execute:  # inside the runtime
        execute(args.execute, args.workdir, args.report)
        return 0

    started = time.monotonic()
    python = find_python()
    if python is None:
        print("colab copy: skipped, no Python 3.13 (set COLAB_COPY_PYTHON or install ~/.pyenv/versions/3.13.0)")
        return 1 if os.environ.get("CI") == "true" else 0
    notebooks = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    venv, built, build_s = build_runtime(python)
    print(f"colab copy: Python 3.13 runtime with {PINS.relative_to(ROOT)} "
          + (f"built in {build_s:.0f} s" if built else "reused from the cache") + f" ({venv})", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="colab-copy-") as tmp_name:
        tmp = Path(tmp_name)
        repo, version = local_release(tmp)
        programs = program_dir(tmp)
        for notebook in notebooks:
            if args.from_source:
                notebook = built_from_source(notebook, tmp)
            if args.from_clone:
                notebook = with_clone_cells(notebook, tmp)
            runtime, content = tmp / "runtime", tmp / "content"
            subprocess.run(["cp", "-al", str(venv), str(runtime)], check=True, timeout=600)
            content.mkdir()
            (tmp / notebook.stem).mkdir()
            env = colab_env(tmp / notebook.stem, runtime, programs, repo)
            report_path = tmp / f"{notebook.stem}.json"
            try:
                subprocess.run([str(runtime / "bin" / "python"), str(Path(__file__).resolve()), "--execute", str(notebook),
                                "--workdir", str(content), "--report", str(report_path)], cwd=content, env=env,
                               timeout=NOTEBOOK_TIMEOUT_S, check=False)
                report = json.loads(report_path.read_text()) if report_path.exists() else {"error": "no report (the runner died)"}
            except subprocess.TimeoutExpired:
                report = {"error": f"the notebook took over {NOTEBOOK_TIMEOUT_S} s"}
            report["problems"] = ([report["error"]] if report.get("error") else []) + install_problems(report)
            results.append((notebook.stem, report))
            shutil.rmtree(runtime)
            shutil.rmtree(content)
            mark = "passed" if not report["problems"] else "FAILED"
            install_s = (report.get("install") or {}).get("seconds")
            print(f"  {notebook.stem:<34} {mark:<7} {report.get('seconds', 0):6.1f} s   install cell "
                  + (f"{install_s:5.1f} s" if install_s is not None else "  -  ")
                  + ("" if not report["problems"] else "   " + "; ".join(report["problems"])), flush=True)

    print("\n| notebook | result | seconds | install cell (s) |\n|---|---|---:|---:|")
    for name, report in results:
        install_s = (report.get("install") or {}).get("seconds")
        print(f"| {name} | {'passed' if not report['problems'] else 'FAILED'} | {report.get('seconds', 0):.1f} | "
              + (f"{install_s:.1f}" if install_s is not None else "-") + " |")
    said = {name: (r.get("install") or {}).get("lines", []) for name, r in results}
    shapes = {re.sub(r" in \d+ s;", " in N s;", " / ".join(lines)) for lines in said.values()}
    for name, lines in said.items():  # the first notebook's line, then any that differ beyond its seconds
        text = " / ".join(lines)
        if re.sub(r" in \d+ s;", " in N s;", text) in shapes:
            shapes.discard(re.sub(r" in \d+ s;", " in N s;", text))
            print(f"install cell of {name} (v{version}) said: {text}")
    failed = [name for name, report in results if report["problems"]]
    print(f"colab copy: {time.monotonic() - started:.0f} s in all" + (f"; failed: {', '.join(failed)}" if failed else ""))
    print(f"colab: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
