"""setup(): modes, keys, the network guard, the budget guard and the ledger."""
from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

import course_utils
from course_utils.errors import BudgetExceeded, CourseError, MissingKeyError, ReplayNetworkBlocked

ROOT = Path(__file__).resolve().parent.parent


def test_replay_is_the_default_and_prints_no_key(capsys, monkeypatch):
    monkeypatch.delenv("COURSE_MODE", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk" + "-proj-" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    cfg = course_utils.setup()
    out = capsys.readouterr().out
    assert cfg.mode == "replay" and "mode: replay" in out
    assert "openai: yes" in out
    assert "sk-proj" not in out and "sk-proj" not in repr(cfg)
    assert cfg.key("openai") == "replay-mode-no-key"  # replay never hands out the real key


def test_mode_from_environment_and_bad_mode(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "record")
    assert course_utils.setup(quiet=True).is_record
    with pytest.raises(CourseError, match="Unknown mode 'cloud'"):
        course_utils.setup(mode="cloud")


def test_live_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("RUNWAYML_API_SECRET", raising=False)
    cfg = course_utils.setup(mode="live", quiet=True)
    with pytest.raises(MissingKeyError) as info:
        cfg.key("runway")
    message = str(info.value)
    assert "RUNWAYML_API_SECRET" in message and "\n" not in message


def test_live_reads_key_and_alias(monkeypatch):
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.setenv("GOOGLE_API_KEY", "test-google-key-123456")
    cfg = course_utils.setup(mode="live", quiet=True)
    assert cfg.key("google") == "test-google-key-123456"
    assert "test-google-key" not in repr(cfg)


def test_replay_blocks_non_loopback_network():
    course_utils.setup(mode="replay", quiet=True)
    with pytest.raises(ReplayNetworkBlocked, match="127.0.0.1"):
        socket.create_connection(("example.com", 443), timeout=1)
    with pytest.raises(ReplayNetworkBlocked):
        s = socket.socket()
        try:
            s.connect(("93.184.216.34", 80))
        finally:
            s.close()
    # loopback still works
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=1)
    client.close()
    server.close()


def test_budget_refuses_before_the_call_and_says_why(monkeypatch):
    cfg = course_utils.setup(mode="live", budget_usd=0.10, quiet=True)
    first = cfg.ledger.reserve("openai", "gpt-realtime-2.1", "turn 1", 0.06)
    with pytest.raises(BudgetExceeded) as info:
        cfg.ledger.reserve("openai", "gpt-realtime-2.1", "turn 2", 0.05)
    msg = str(info.value)
    assert "$0.0500" in msg and "$0.0400" in msg and "reserved $0.0600" in msg
    first.settle(0.02)
    assert cfg.ledger.spent_usd == pytest.approx(0.02)
    cfg.ledger.reserve("openai", "gpt-realtime-2.1", "turn 2", 0.05).settle(0.05)
    assert cfg.ledger.remaining_usd == pytest.approx(0.03)
    rows = cfg.ledger.rows()
    assert [r["estimate_usd"] for r in rows] == [0.06, 0.05] and [r["actual_usd"] for r in rows] == [0.02, 0.05]


def test_concurrent_reservations_cannot_jointly_overspend():
    cfg = course_utils.setup(mode="live", budget_usd=1.00, quiet=True)
    accepted, refused = [], []
    barrier = threading.Barrier(20)

    def worker():
        barrier.wait()
        try:
            accepted.append(cfg.ledger.reserve("fal", "pika", "clip", 0.15))
        except BudgetExceeded:
            refused.append(1)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert len(accepted) == 6 and len(refused) == 14  # 6 x 0.15 = 0.90 <= 1.00 < 7 x 0.15
    assert cfg.ledger.reserved_usd <= cfg.ledger.budget_usd


def test_replay_ledger_records_but_never_refuses():
    cfg = course_utils.setup(mode="replay", budget_usd=0.0, quiet=True)
    entry = cfg.ledger.reserve("google", "gemini-omni-1.1-flash", "clip", 5.0)
    entry.settle(4.0)
    assert cfg.ledger.spent_usd == 0.0 and "not charged" in cfg.ledger.rows()[0]["status"]


def test_failed_call_releases_its_reservation():
    cfg = course_utils.setup(mode="live", budget_usd=0.10, quiet=True)
    with pytest.raises(RuntimeError):
        with cfg.ledger.reserve("runway", "gen4_turbo", "clip", 0.08):
            raise RuntimeError("job failed")
    assert cfg.ledger.remaining_usd == pytest.approx(0.10)


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci_lines = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines() if ln.startswith("bash scripts/install.sh")]
    assert len(ci_lines) == 1 and f"```bash\n{ci_lines[0]}\n```" in readme


def test_package_dependencies_match_requirements():
    """What Colab's install cell pulls in (pyproject) is what the tests ran with (requirements.txt)."""
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    reqs = {ln.split("#")[0].strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()} - {""}
    assert deps and set(deps) <= reqs, set(deps) - reqs


def test_constraints_pin_every_requirement_inside_its_range():
    """constraints.txt (what install.sh installs with) pins each requirement at a version its range allows."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = {}
    for ln in (ROOT / "constraints.txt").read_text().splitlines():
        ln = ln.split("#")[0].strip()
        if ln:
            name, _, version = ln.partition("==")
            assert version, f"constraints.txt line {ln!r} is not an exact pin (name==version)"
            pins[canonicalize_name(name)] = version
    for ln in (ROOT / "requirements.txt").read_text().splitlines():
        ln = ln.split("#")[0].strip()
        if not ln:
            continue
        req = Requirement(ln)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} has no pin in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), f"{req.name}=={pins[name]} is outside {req.specifier}"


def test_installed_versions_are_the_pinned_ones():
    """The environment running the tests is the one constraints.txt describes (else nbval's outputs can differ)."""
    from importlib.metadata import version

    for name in ("openai", "google-genai", "websockets", "pydantic", "ipywidgets", "nbval"):
        pinned = next(ln.split("==")[1] for ln in (ROOT / "constraints.txt").read_text().splitlines()
                      if ln.lower().startswith(name + "=="))
        assert version(name) == pinned, (
            f"{name} {version(name)} is installed but constraints.txt pins {pinned}: run bash scripts/install.sh")


def test_credential_variables_include_every_adapters_keys():
    """The test set-up and the notebook runners remove these: a provider's own variables must be among them."""
    from course_utils import credential_variables
    from course_utils.config import PROVIDER_KEYS
    from course_utils.video.generate import adapter_classes

    names = credential_variables()
    for cls in adapter_classes().values():
        assert set(PROVIDER_KEYS[cls.provider]) <= names, cls.provider
    assert {"OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "FAL_KEY", "KLING_SECRET_KEY"} <= names
