"""The loops the video notebooks write out in their cells behave like the package functions they introduce.

Notebook 04 writes the job loop (``my_run_job``: reserve, submit, poll with backoff / Retry-After / a
timeout, settle, download) before it uses ``course_utils.video.generate.run_job``; notebook 05 writes the
support call's orchestration (``support_call``) before it uses ``support_case.run_call``. Each notebook
calls the package's function "the same, with the edge cases handled". Here the cells are read from the
notebook sources (jupytext), executed, and run next to the package's function on the same local stand-ins:
same clip, same ledger entry, same handling of a 429 and of a job that outlasts the timeout; for the call,
the same transcript, tool calls, conversation and cost.
"""
from __future__ import annotations

import asyncio
import contextlib
import io
import re
import sys
from pathlib import Path

import pytest

from course_utils.config import get_config
from course_utils.errors import JobFailed, OperationTimeout
from course_utils.ledger import Ledger

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import run_notebooks  # noqa: E402


def cells_defining(notebook: str, *names: str) -> str:
    """The source of the notebook's code cells that define any of ``names`` (functions), in order."""
    nb = run_notebooks.read_source(ROOT / "notebooks" / notebook)
    found = [c.source for c in nb.cells if c.cell_type == "code"
             and any(re.search(rf"^(async )?def {n}\(", c.source, re.M) for n in names)]
    assert found, f"{notebook} has no cell defining {', '.join(names)}"
    return "\n\n".join(found)


def load(notebook: str, *names: str, **namespace) -> dict:
    namespace.setdefault("cfg", get_config())
    code = cells_defining(notebook, *names)
    exec(compile(code, f"<{notebook} cells>", "exec"), namespace)
    for name in names:
        assert callable(namespace.get(name)), f"{notebook}: {name} is not defined by its cells"
    return namespace


# -- notebook 04: the job loop ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def nb04():
    return load("04_video_generation.py", "my_run_job")


@pytest.fixture(scope="module")
def omni():
    from course_utils.standins.gemini_interactions import GeminiInteractionsStandin
    from course_utils.video.generate import OmniAdapter

    with GeminiInteractionsStandin() as standin:
        yield OmniAdapter(standin=standin)


@pytest.fixture(scope="module")
def runway():
    from course_utils.standins.runway import RunwayStandin
    from course_utils.video.generate import RunwayAdapter

    with RunwayStandin() as standin:
        yield RunwayAdapter(standin=standin)


def _request(adapter, prompt="A paper boat on a pond"):
    from course_utils.fixtures import FIXTURES_DIR
    from course_utils.video.generate import VideoRequest

    image = (FIXTURES_DIR / "videogen" / "media" / "first_frame.png").read_bytes() if adapter.provider == "runway" else None
    return VideoRequest(prompt, seconds=5, image=image)


def _model(adapter):
    return "gen4_turbo" if adapter.provider == "runway" else None


def _both(nb04, adapter, scenario, **kwargs):
    """Run the notebook's loop and run_job on one scenario each; return (outcome, outcome, printed)."""
    from course_utils.video.generate import run_job

    out = []
    printed = io.StringIO()
    for which in ("notebook", "package"):
        ledger = Ledger(100.0, enforce=False)
        adapter.standin.force_next(scenario)
        served = len(adapter.standin.served)
        try:
            with contextlib.redirect_stdout(printed):
                if which == "notebook":
                    path, entry = nb04["my_run_job"](adapter, _request(adapter), _model(adapter), ledger=ledger, **kwargs)
                else:
                    result = run_job(adapter, _request(adapter), _model(adapter), ledger=ledger, progress=False, **kwargs)
                    path, entry = result.path, result.entry
            ending = ("clip", path.read_bytes())
        except (OperationTimeout, JobFailed) as exc:
            ending = (type(exc).__name__, None)
        rate_limited = sum(1 for *_, status in adapter.standin.served[served:] if status == 429)
        (entry,) = ledger.entries
        out.append({"ending": ending, "status": entry.status, "estimate": entry.estimate_usd,
                    "actual": entry.actual_usd, "429s": rate_limited})
    return out[0], out[1], printed.getvalue()


@pytest.mark.parametrize("adapter_name", ["omni", "runway"])
def test_job_loop_meets_a_429_and_finishes_like_run_job(nb04, adapter_name, request):
    adapter = request.getfixturevalue(adapter_name)
    mine, package, printed = _both(nb04, adapter, "rate_limited")
    assert mine["ending"][0] == "clip" and mine["ending"] == package["ending"]  # the same placeholder clip
    assert mine["status"] == package["status"] == "settled"
    assert mine["actual"] == pytest.approx(package["actual"]) and mine["estimate"] == pytest.approx(package["estimate"])
    assert mine["429s"] == package["429s"] == 1
    retry_after = adapter.standin.book.scenarios["rate_limited"]["rate_limit"]["retry_after"]
    assert f"HTTP 429: waiting {retry_after:g} s (Retry-After)" in printed


def test_job_loop_times_out_like_run_job_and_keeps_the_reservation(nb04, omni):
    mine, package, _ = _both(nb04, omni, "stuck", timeout_s=60)
    assert mine["ending"] == package["ending"] == ("OperationTimeout", None)
    assert mine["status"] == package["status"] == "settled"
    assert mine["actual"] == pytest.approx(mine["estimate"]) and package["actual"] == pytest.approx(package["estimate"])


def test_a_job_that_finishes_after_the_timeout_times_out_in_both(nb04, runway):
    # Runway's success schedule ends at 50 s: a 20 s timeout comes first, a 120 s one does not
    mine, package, _ = _both(nb04, runway, "success", timeout_s=20)
    assert mine["ending"] == package["ending"] == ("OperationTimeout", None)
    assert mine["status"] == package["status"] == "settled"
    mine, package, _ = _both(nb04, runway, "success", timeout_s=120)
    assert mine["ending"][0] == package["ending"][0] == "clip"
    assert mine["actual"] == pytest.approx(package["actual"])


def test_a_refused_job_fails_and_costs_the_same_in_both(nb04, runway):
    mine, package, _ = _both(nb04, runway, "refusal")
    assert mine["ending"] == package["ending"] == ("JobFailed", None)
    assert mine["status"] == package["status"]
    assert (mine["actual"] or 0.0) == pytest.approx(package["actual"] or 0.0)


# -- notebook 05: the support call --------------------------------------------------------------------
@pytest.fixture(scope="module")
def nb05():
    from course_utils import support_case as sc

    return load("05_video_customer_service.py", "speech_in", "screen_in", "answer_out", "support_call", sc=sc)


def _calls(nb05, mode):
    from course_utils import support_case as sc
    from course_utils.voice import VirtualClockSink

    speed = 8
    nb05["cfg"] = get_config()  # the notebook's cfg: setup() of this test (each test starts a fresh one)

    async def go():
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            mine = await nb05["support_call"](mode, speed=speed, sink=VirtualClockSink(speed=speed))
        package = await sc.run_call(mode, speed=speed, sink=VirtualClockSink(speed=speed))
        return mine, package, printed.getvalue()

    return asyncio.run(asyncio.wait_for(go(), 120))


def _tool_calls(call):
    return [(c.name, c.raw_arguments) for r in call.responses for c in r.tool_calls]


@pytest.mark.parametrize("mode", ["describe", "image"])
def test_support_call_written_out_matches_run_call(nb05, mode):
    mine, package, printed = _calls(nb05, mode)
    assert mine.transcript() == package.transcript()
    assert mine.conversation() == package.conversation()
    assert _tool_calls(mine) == _tool_calls(package) == [("lookup_error_code", '{"code": "0x80072F8F"}')]
    assert [r.transcript for r in mine.responses] == [r.transcript for r in package.responses]
    assert mine.realtime_cost().total_usd == pytest.approx(package.realtime_cost().total_usd)
    assert mine.cost().total_usd == pytest.approx(package.cost().total_usd)
    assert [line.what for line in mine.cost().lines] == [line.what for line in package.cost().lines]
    assert mine.knowledge() == package.knowledge()
    assert [e.status for e in mine.ledger_entries] == [e.status for e in package.ledger_entries]
    assert mine.ledger_total() == pytest.approx(package.ledger_total())
    # every step is shown as it happens
    screen = "gpt-6-luna: An error dialog" if mode == "describe" else "conversation.item.create (input_image)"
    for shown in ("speaks: Hi. My files", "end of speech", "shares sync_error.png", screen, "response.create",
                  "lookup_error_code({\"code\": \"0x80072F8F\"})", "says: Great, it is syncing again"):
        assert shown in printed, f"the notebook's loop does not show {shown!r}"
