"""The pieces of the Colab copy (scripts/colab_copy.py) that can be checked without building it.

The copy itself (a Python 3.13 virtualenv with Colab's versions, every notebook run from an empty
directory) runs in .ci/run after this suite; here: the pins name their source and hold Colab's versions,
the google.colab stand-in behaves like Colab's with no secrets, and the copy's environment has no keys,
no espeak-ng and no Chromium.
"""
from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "tests" / "colab" / "colab-pins.txt"
sys.path.insert(0, str(ROOT / "scripts"))
import colab_copy  # noqa: E402

#: Colab's versions that the course's dependency graph touches (googlecolab/backend-info, 2026-08-19).
COLAB = {"openai": "2.54.0", "google-genai": "2.12.1", "google-adk": "2.7.1", "ipywidgets": "7.7.1",
         "anywidget": "0.9.21", "websockets": "15.0.1", "ipykernel": "6.17.1", "nbclient": "0.10.4"}


def pins() -> dict[str, str]:
    out = {}
    for line in PINS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            out[re.sub(r"[-_.]+", "-", name).lower()] = version
    return out


def test_the_pins_name_their_source_and_hold_colabs_versions():
    header = PINS.read_text().split("\n\n")[0]
    assert "googlecolab/backend-info" in header and "2026-08-19" in header and "Python 3.13" in header
    pinned = pins()
    assert {name: pinned.get(name) for name in COLAB} == COLAB
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", v) for v in pinned.values()), "every line is name==version"


@pytest.fixture
def standin(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "tests" / "colab" / "standin"))
    for name in [m for m in sys.modules if m == "google.colab" or m.startswith("google.colab.")]:
        monkeypatch.delitem(sys.modules, name)
    importlib.invalidate_caches()
    yield importlib.import_module("google.colab")
    for name in [m for m in sys.modules if m == "google.colab" or m.startswith("google.colab.")]:
        sys.modules.pop(name, None)


def test_the_standin_behaves_like_colab_without_secrets(standin, monkeypatch):
    from course_utils import config

    with pytest.raises(standin.userdata.SecretNotFoundError):
        standin.userdata.get("OPENAI_API_KEY")
    standin.output.enable_custom_widget_manager()
    assert standin.output.custom_widget_manager_enabled
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert config._colab_secret("OPENAI_API_KEY") is None  # setup() reports the key as missing, quietly


def test_the_copys_environment_has_no_keys_no_espeak_and_no_chromium(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-pass")
    monkeypatch.setenv("SOME_VENDOR_API_KEY", "nope")
    monkeypatch.setenv("COURSE_MODE", "live")
    programs = colab_copy.program_dir(tmp_path)
    names = {p.name for p in programs.iterdir()}
    assert names and not {n for n in names if n.startswith(("espeak", "chromium", "chromedriver"))}
    (tmp_path / "nb").mkdir()
    env = colab_copy.colab_env(tmp_path / "nb", tmp_path / "venv", programs, tmp_path / "repo")
    assert not {"OPENAI_API_KEY", "SOME_VENDOR_API_KEY", "COURSE_MODE"} & set(env)
    assert env["PATH"].split(":") == [str(tmp_path / "venv" / "bin"), str(programs)]
    gitconfig = Path(env["GIT_CONFIG_GLOBAL"]).read_text()
    assert f"insteadOf = {colab_copy.REPO_URL}" in gitconfig and f"file://{tmp_path / 'repo'}" in gitconfig
    startup = Path(env["IPYTHONDIR"]) / "profile_default" / "startup" / "00-colab.py"
    assert "import google.colab" in startup.read_text()


def test_the_copy_runs_every_notebook_and_judges_the_install_cell():
    good = {"install": {"seconds": 38.0, "lines": ["installed realtime-video-lab 0.2.0 in 38 s; ..."], "error": False}}
    assert colab_copy.install_problems(good) == []
    noisy = {"install": {"seconds": 61.0, "lines": ["a", "ERROR: pip's dependency resolver ..."], "error": False}}
    assert len(colab_copy.install_problems(noisy)) == 3
    assert colab_copy.install_problems({}) == ["no install cell (the code cell with COURSE_VERSION)"]
