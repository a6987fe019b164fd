"""Cost first: the budget guard refuses a job before any request leaves; bad requests and unpriced
models are refused locally too. Also: the stand-ins' answers validate against the SDKs' own types,
and record mode saves a scrubbed status sequence."""
from __future__ import annotations

import json

import httpx
import pytest
from pydantic import TypeAdapter

import course_utils
from course_utils.errors import BudgetExceeded, CourseError
from course_utils.standins.fal_queue import FalQueueStandin
from course_utils.standins.gemini_interactions import GeminiInteractionsStandin
from course_utils.standins.kling import KlingStandin
from course_utils.standins.runway import RunwayStandin
from course_utils.standins.vertex_veo import VertexVeoStandin
from course_utils.video.generate import (
    FalAdapter,
    InvalidVideoRequest,
    KlingAdapter,
    OmniAdapter,
    RunwayAdapter,
    VeoAdapter,
    VideoRequest,
    run_job,
)
from course_utils.video.generate.kling import kling_token

CASES = [
    (GeminiInteractionsStandin, OmniAdapter, "gemini-omni-1.1-flash", 6),
    (VertexVeoStandin, VeoAdapter, "veo-3.1-generate-001", 8),
    (RunwayStandin, RunwayAdapter, "gen4_turbo", 10),
    (KlingStandin, KlingAdapter, "kling-v3", 10),
    (FalQueueStandin, FalAdapter, "seedance-2.0-fast", 10),
]


@pytest.mark.parametrize("standin_cls, adapter_cls, model, seconds", CASES, ids=[c[2] for c in CASES])
def test_budget_guard_refuses_before_any_request(fake_keys, standin_cls, adapter_cls, model, seconds):
    cfg = course_utils.setup(mode="live", budget_usd=0.05, quiet=True)
    with standin_cls() as standin:
        adapter = adapter_cls(standin=standin)
        image = b"\x89PNG fake" if model == "gen4_turbo" else None
        with pytest.raises(BudgetExceeded, match="budget"):
            run_job(adapter, VideoRequest("A paper boat", seconds=seconds, image=image), model, progress=False)
        assert standin.requests == []  # nothing left the client
    assert cfg.ledger.entries == []  # and nothing was reserved


def test_budget_guard_lets_a_job_that_fits_through_and_charges_it(fake_keys, tmp_path):
    cfg = course_utils.setup(mode="live", budget_usd=1.00, quiet=True)
    with FalQueueStandin() as standin:
        result = run_job(FalAdapter(standin=standin), VideoRequest("A paper boat", seconds=5), progress=False,
                         out_dir=tmp_path)
    assert cfg.ledger.spent_usd == pytest.approx(result.actual_usd) == pytest.approx(0.20)
    assert cfg.ledger.remaining_usd == pytest.approx(0.80)


def test_bad_requests_are_refused_locally():
    with VertexVeoStandin() as veo, RunwayStandin() as runway:
        with pytest.raises(InvalidVideoRequest, match="4, 6, 8 s"):
            run_job(VeoAdapter(standin=veo), VideoRequest("x", seconds=5), progress=False)
        with pytest.raises(InvalidVideoRequest, match="does not do text-to-video"):
            run_job(RunwayAdapter(standin=runway), VideoRequest("x", seconds=5), "gen4_turbo", progress=False)
        with pytest.raises(InvalidVideoRequest, match="aspect ratios"):
            run_job(VeoAdapter(standin=veo), VideoRequest("x", seconds=4, aspect_ratio="1:1"), progress=False)
        with pytest.raises(InvalidVideoRequest, match="last-frame"):
            run_job(RunwayAdapter(standin=runway), VideoRequest("x", image=b"i", last_frame=b"l"), progress=False)
        assert veo.requests == [] and runway.requests == []


def test_an_unpriced_model_is_not_called():
    with RunwayStandin() as runway:
        with pytest.raises(CourseError, match="not confirmed"):
            run_job(RunwayAdapter(standin=runway), VideoRequest("x", seconds=5), "gen4.5", progress=False)
        assert runway.requests == []


def test_provider_side_validation_comes_back_as_rejected():
    with KlingStandin() as kling:
        adapter = KlingAdapter(standin=kling)
        adapter.models = {**adapter.models, "kling-v3": adapter.models["kling-v3"].__class__(
            **{**adapter.models["kling-v3"].__dict__, "durations": (5, 7, 10)})}  # pretend 7 s were allowed
        with pytest.raises(course_utils.JobFailed, match="duration") as info:
            run_job(adapter, VideoRequest("x", seconds=7), progress=False)
        assert info.value.state == "rejected"


def test_kling_stand_in_checks_the_jwt():
    with KlingStandin() as kling:
        url = f"{kling.url}/v1/videos/text2video"
        body = {"model_name": "kling-v3", "prompt": "x", "duration": "5"}
        assert httpx.post(url, json=body).json()["code"] == 1001
        bad = kling_token("replay-mode-no-key", "wrong-secret-wrong-secret-wrong-secret")
        assert httpx.post(url, json=body, headers={"Authorization": f"Bearer {bad}"}).json()["code"] == 1002
        expired = kling_token("replay-mode-no-key", "replay-mode-no-key", ttl_s=-60)
        assert httpx.post(url, json=body, headers={"Authorization": f"Bearer {expired}"}).json()["code"] == 1004
        good = kling_token("replay-mode-no-key", "replay-mode-no-key")
        assert httpx.post(url, json=body, headers={"Authorization": f"Bearer {good}"}).json()["code"] == 0


def _poll_until(get, done, limit=400):
    seen = []
    for _ in range(limit):
        body = get()
        seen.append(body)
        if done(body):
            return seen
    raise AssertionError("the stand-in job never finished")


def test_runway_answers_validate_against_runwayml_types():
    from runwayml.types.task_retrieve_response import TaskRetrieveResponse

    adapter = TypeAdapter(TaskRetrieveResponse)
    headers = {"Authorization": "Bearer k", "X-Runway-Version": "2024-11-06"}
    with RunwayStandin() as s, httpx.Client(base_url=s.url, headers=headers) as http:
        for scenario in ("success", "refusal", "failure"):
            s.force_next(scenario)
            task = http.post("/v1/image_to_video", json={"model": "gen4_turbo", "promptImage": "data:image/png;base64,AA",
                                                         "ratio": "1280:720", "duration": 5}).json()
            seen = _poll_until(lambda task=task: http.get(f"/v1/tasks/{task['id']}").json(),
                               lambda b: b["status"] in ("SUCCEEDED", "FAILED"), limit=2000)
            statuses = [adapter.validate_python(b).status for b in seen]  # raises if a shape is wrong
            assert statuses[-1] == ("SUCCEEDED" if scenario == "success" else "FAILED")
            if scenario == "success":  # 45 simulated seconds of running: many polls see it
                assert "PENDING" in statuses and "RUNNING" in statuses


def test_interactions_answers_validate_against_google_genai_types():
    from google.genai.interactions import Interaction

    with GeminiInteractionsStandin(time_scale=0.01) as s:
        for scenario, want in (("success", "completed"), ("refusal", "completed"), ("failure", "failed")):
            s.force_next(scenario)
            created = httpx.post(f"{s.url}/v1beta/interactions", headers={"x-goog-api-key": "k"},
                                 json={"model": "gemini-omni-1.1-flash", "input": "x", "background": True}).json()
            Interaction.model_validate(created)
            seen = _poll_until(lambda created=created: httpx.get(f"{s.url}/v1beta/interactions/{created['id']}",
                                                 headers={"x-goog-api-key": "k"}).json(),
                               lambda b: b["status"] in ("completed", "failed"))
            final = Interaction.model_validate(seen[-1])
            assert final.status == want
            assert (final.output_video is not None) == (scenario == "success")


def test_vertex_answers_parse_as_generate_videos_operations():
    from google.genai import types
    from google.genai.models import _GenerateVideosOperation_from_vertex

    with VertexVeoStandin(time_scale=0.01) as s:
        prefix = f"{s.url}/v1/projects/p/locations/us-central1/publishers/google/models/veo-3.1-generate-001"
        auth = {"Authorization": "Bearer t"}
        for scenario in ("success", "refusal"):
            s.force_next(scenario)
            name = httpx.post(f"{prefix}:predictLongRunning", headers=auth,
                              json={"instances": [{"prompt": "x"}], "parameters": {"durationSeconds": 4}}).json()["name"]
            seen = _poll_until(lambda name=name: httpx.post(f"{prefix}:fetchPredictOperation", headers=auth,
                                                  json={"operationName": name}).json(), lambda b: b["done"])
            op = types.GenerateVideosOperation._from_response(response=_GenerateVideosOperation_from_vertex(seen[-1]),
                                                              kwargs={})
            videos = op.response.generated_videos or []
            assert (len(videos) == 1) == (scenario == "success")
            if scenario == "refusal":
                assert op.response.rai_media_filtered_count == 1


def test_fal_answers_parse_as_fal_client_statuses():
    import fal_client
    from fal_client.client import _BaseRequestHandle

    parse = _BaseRequestHandle("r", "u", "s", "c")._parse_status
    with FalQueueStandin(time_scale=0.01) as s:
        auth = {"Authorization": "Key k"}
        sub = httpx.post(f"{s.url}/fal-ai/pika/v2.2/text-to-video", headers=auth, json={"prompt": "x"}).json()
        seen = _poll_until(lambda: httpx.get(sub["status_url"], headers=auth).json(), lambda b: b["status"] == "COMPLETED")
        kinds = {type(parse(b)) for b in seen}
        assert fal_client.Completed in kinds and fal_client.InProgress in kinds
        assert httpx.get(sub["response_url"], headers=auth).json()["video"]["url"].endswith(".mp4")


def test_record_mode_saves_a_scrubbed_status_sequence(fake_keys, tmp_path, monkeypatch):
    import course_utils.fixtures as fixtures

    course_utils.setup(mode="record", budget_usd=1.0, quiet=True)
    with RunwayStandin() as standin:  # loads its scenarios before the fixtures folder moves
        monkeypatch.setattr(fixtures, "FIXTURES_DIR", tmp_path)
        run_job(RunwayAdapter(standin=standin), VideoRequest("A paper boat", seconds=5, image=b"png"), "gen4_turbo",
                progress=False, out_dir=tmp_path / "out")
    saved = list((tmp_path / "videogen" / "recorded").glob("runway-*/manifest.json"))
    assert len(saved) == 1
    manifest = json.loads(saved[0].read_text())
    assert manifest["provenance"].startswith("recorded: a live Runway gen4_turbo job")
    events = json.loads((saved[0].parent / "events.json").read_text())
    assert [e["state"] for e in events][-1] == "succeeded"
    text = saved[0].read_text() + (saved[0].parent / "events.json").read_text()
    assert not any(key in text for key in fake_keys.values())


def test_an_sdk_error_becomes_one_actionable_line():
    with RunwayStandin() as runway:
        adapter = RunwayAdapter(standin=runway)
        runway.stop()  # the server is gone: the SDK raises a connection error
        with pytest.raises(course_utils.JobFailed, match="the call failed .*What to do: check the network") as info:
            run_job(adapter, VideoRequest("x", seconds=5, image=b"png"), "gen4_turbo", progress=False)
        assert "\n" not in str(info.value) and info.value.state == "error"
    assert course_utils.get_config().ledger.entries[-1].status == "cancelled"
