"""Every provider's replayed job flow through its real client (google-genai, runwayml, httpx+JWT,
fal-client) against its local stand-in: success, refusal, failure, 429 with Retry-After, timeout."""
from __future__ import annotations

import json

import pytest

import course_utils
from course_utils.errors import JobFailed, OperationTimeout
from course_utils.fixtures import FIXTURES_DIR, load_manifest
from course_utils.standins.fal_queue import FalQueueStandin
from course_utils.standins.gemini_interactions import GeminiInteractionsStandin
from course_utils.standins.kling import KlingStandin
from course_utils.standins.runway import RunwayStandin
from course_utils.standins.vertex_veo import VertexVeoStandin
from course_utils.video.frames import probe
from course_utils.video.generate import FalAdapter, KlingAdapter, OmniAdapter, RunwayAdapter, VeoAdapter, VideoRequest, run_job

FRAME = (FIXTURES_DIR / "videogen" / "media" / "first_frame.png").read_bytes()

# name -> (stand-in class, adapter class, model, seconds, image-to-video?)
PROVIDERS = {
    "omni": (GeminiInteractionsStandin, OmniAdapter, "gemini-omni-1.1-flash", 6, False),
    "veo": (VertexVeoStandin, VeoAdapter, "veo-3.1-fast-generate-001", 8, False),
    "runway": (RunwayStandin, RunwayAdapter, "gen4_turbo", 5, True),
    "kling": (KlingStandin, KlingAdapter, "kling-v3", 5, False),
    "pika": (FalQueueStandin, FalAdapter, "pika-2.2", 5, False),
    "seedance": (FalQueueStandin, FalAdapter, "seedance-2.0-fast", 6, True),
}


@pytest.fixture(params=list(PROVIDERS))
def provider(request):
    standin_cls, adapter_cls, model, seconds, image = PROVIDERS[request.param]
    with standin_cls() as standin:
        yield request.param, standin, adapter_cls(standin=standin), model, seconds, image


def _request(seconds: int, image: bool, prompt: str = "A paper boat drifting on a pond") -> VideoRequest:
    return VideoRequest(prompt, seconds=seconds, image=FRAME if image else None)


def _scenario(standin, name: str) -> dict:
    return standin.book.scenarios[name]


def test_success_downloads_the_clip_and_settles_the_ledger(provider, tmp_path):
    name, standin, adapter, model, seconds, image = provider
    cfg = course_utils.get_config()
    before = len(cfg.ledger.entries)
    result = run_job(adapter, _request(seconds, image), model, progress=False, out_dir=tmp_path)
    info = probe(result.path)
    assert info.streams[0]["type"] == "video"
    assert info.container_duration_s >= seconds - 0.1  # the stand-in serves a placeholder at least as long as asked
    states = [e.state for e in result.events]
    assert states[0] == "submitted" and states[-1] == "succeeded"
    assert "running" in states
    entry = cfg.ledger.entries[before]
    assert entry.status == "settled" and entry.model == model
    assert entry.actual_usd == pytest.approx(result.actual_usd) and result.actual_usd > 0
    assert sum(result.time_in_states().values()) > 0
    assert all(status == 200 for _, _, status in standin.served)
    assert len(standin.requests) >= 3  # submit + at least two polls (+ download)


def test_refusal_raises_with_the_providers_words(provider, tmp_path):
    name, standin, adapter, model, seconds, image = provider
    spec = _scenario(standin, "refusal")
    said = spec.get("message") or spec["rai_reasons"][0]
    with pytest.raises(JobFailed) as info:
        run_job(adapter, _request(seconds, image, "A famous singer on stage"), model, progress=False, out_dir=tmp_path)
    err = info.value
    assert err.state == "refused"
    assert said in err.provider_message
    assert "What to do" in str(err) and "\n" not in str(err)
    entry = course_utils.get_config().ledger.entries[-1]
    assert entry.status in ("cancelled", "settled")
    if entry.status == "settled":  # Omni bills the prompt it read before declining
        assert entry.actual_usd < 0.01


def test_failure_raises_with_the_providers_words(provider, tmp_path):
    name, standin, adapter, model, seconds, image = provider
    standin.force_next("failure")
    with pytest.raises(JobFailed) as info:
        run_job(adapter, _request(seconds, image), model, progress=False, out_dir=tmp_path)
    assert info.value.state == "failed"
    assert _scenario(standin, "failure")["message"] in info.value.provider_message
    assert course_utils.get_config().ledger.entries[-1].status == "cancelled"


def test_429_waits_what_retry_after_says(provider, tmp_path):
    name, standin, adapter, model, seconds, image = provider
    rule = _scenario(standin, "rate_limited")["rate_limit"]
    result = run_job(adapter, _request(seconds, image, "Rush hour traffic, timelapse"), model, progress=False,
                     out_dir=tmp_path)
    limited = [s for s in standin.served if s[2] == 429]
    assert len(limited) == 1
    after = standin.served[standin.served.index(limited[0]) + 1]
    assert after[:2] == limited[0][:2] and after[2] == 200  # the same poll, asked again, answered
    waits = [e for e in result.events if e.state == "rate limited"]
    if name in ("pika", "seedance"):
        assert waits == []  # fal-client retried the 429 itself (it does not read Retry-After)
    else:
        assert len(waits) == 1 and f"waiting {rule['retry_after']:g} s (Retry-After)" in waits[0].note
        assert result.time_in_states()["rate limited"] >= rule["retry_after"] * 0.9


def test_timeout_raises_and_keeps_the_reservation(provider, tmp_path):
    name, standin, adapter, model, seconds, image = provider
    standin.force_next("stuck")
    with pytest.raises(OperationTimeout, match="still running after 150 s"):
        run_job(adapter, _request(seconds, image), model, progress=False, timeout_s=150, out_dir=tmp_path)
    entry = course_utils.get_config().ledger.entries[-1]
    assert entry.status == "settled" and "may still finish" in entry.detail["note"]


def test_keys_never_reach_the_request_log(provider, tmp_path):
    name, standin, adapter, model, seconds, image = provider
    run_job(adapter, _request(seconds, image), model, progress=False, out_dir=tmp_path)
    logged = json.dumps([r.headers for r in standin.requests])
    assert "replay-mode-no-key" not in logged
    assert "eyJ" not in logged  # Kling's JWT is scrubbed like any bearer token


def test_omni_edit_continues_the_previous_interaction(tmp_path):
    with GeminiInteractionsStandin() as standin:
        adapter = OmniAdapter(standin=standin)
        first = run_job(adapter, VideoRequest("A paper boat on a pond"), progress=False, out_dir=tmp_path)
        edit = run_job(adapter, VideoRequest("Make it dusk", previous=first), progress=False, out_dir=tmp_path)
        assert edit.request.mode == "edit"
        assert standin.book.jobs[edit.job_id].info["previous"] == first.job_id
        # an edit of an interaction the service never made is rejected at submit, in Google's words
        ghost = first.__class__(**{**first.__dict__, "job_id": "v1_interaction-9999"})
        with pytest.raises(JobFailed, match="not found") as info:
            run_job(adapter, VideoRequest("Make it dusk", previous=ghost), progress=False, out_dir=tmp_path)
        assert info.value.state == "rejected"


def test_omni_image_to_video_sends_the_frame_as_an_image_block(tmp_path):
    with GeminiInteractionsStandin() as standin:
        seen = []
        original = standin.server._dispatch

        def spy(req):
            if req.method == "POST":
                seen.append(req.json())
            return original(req)

        standin.server._dispatch = spy
        result = run_job(OmniAdapter(standin=standin), VideoRequest("The boat sets sail", image=FRAME), progress=False,
                         out_dir=tmp_path)
    step = seen[0]["input"][0]  # google-genai wraps content blocks in a user_input step
    assert step["type"] == "user_input"
    assert [b["type"] for b in step["content"]] == ["text", "image"] and step["content"][1]["mime_type"] == "image/png"
    assert standin.book.jobs[result.job_id].info["prompt"] == "The boat sets sail"
    assert seen[0]["background"] is True and seen[0]["response_format"]["type"] == "video"
    assert result.seconds == 6  # Omni 1.1 picked the length; the ledger was settled from usage
    assert result.actual_usd < result.estimate_usd


def test_veo_sends_first_and_last_frame(tmp_path):
    last = (FIXTURES_DIR / "videogen" / "media" / "last_frame.png").read_bytes()
    with VertexVeoStandin() as standin:
        seen = []
        original = standin.server._dispatch

        def spy(req):
            if req.path.endswith(":predictLongRunning"):
                seen.append(req.json())
            return original(req)

        standin.server._dispatch = spy
        run_job(VeoAdapter(standin=standin), VideoRequest("The boat sails off", seconds=4, image=FRAME, last_frame=last),
                progress=False, out_dir=tmp_path)
    body = seen[0]
    assert body["instances"][0]["image"]["mimeType"] == "image/png"
    assert "lastFrame" in body["instances"][0] and body["parameters"]["durationSeconds"] == 4


def test_fixture_manifests_say_how_they_were_made():
    for name in ("gemini_interactions", "vertex_veo", "runway", "kling", "fal_queue", "media"):
        manifest = load_manifest("videogen", name)
        assert "not model output" in manifest["provenance"].lower()
        assert "synthetic" in manifest["provenance"]
