"""Gemini video understanding end to end through the real google-genai client and the local stand-in;
the traditional methods through the real openai client and the OpenAI REST stand-in; scoring; errors."""
from __future__ import annotations

import io
import json
import math
import shutil
from pathlib import Path

import httpx
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types
from openai.types.audio import Transcription
from openai.types.chat import ChatCompletion

import course_utils
from course_utils import clients, costs
from course_utils import fixtures as fx
from course_utils.clients import openai_client
from course_utils.errors import JobFailed, OperationTimeout, VideoFormatError
from course_utils.secrets import find_secrets
from course_utils.standins import gemini as G
from course_utils.standins import gemini_fixtures as GF
from course_utils.video import analysis, scoring, traditional
from course_utils.video import clips as C
from course_utils.video import frames as F
from course_utils.video import understand as U

ROOT = Path(__file__).resolve().parent.parent
VIDEO = ROOT / "data" / "video" / "product_demo.mp4"
GT = json.loads((ROOT / "data" / "video" / "product_demo.ground_truth.json").read_text())
ON = "2026-11-25"  # prices as of the fixtures
AUDIO_TPS = costs.token_rule("gemini_audio_tokens_per_second")
TPF = costs.gemini_video_tokens_per_frame("gemini-3.8-flash", "default")


@pytest.fixture(scope="module")
def standin():
    with G.GeminiStandin(processing_polls=2) as s:
        yield s


@pytest.fixture(scope="module")
def client(standin):
    return genai.Client(api_key="replay-mode-no-key", http_options=types.HttpOptions(base_url=standin.url, timeout=30_000))


@pytest.fixture(scope="module")
def demo_file(client):
    return U.upload_video(client, VIDEO, poll_s=0.01, progress=False)


# -- fixtures follow the SDKs' types ------------------------------------------------------------------
def test_every_fixture_has_provenance_and_valid_bodies():
    names = fx.list_fixtures("gemini_video")
    assert {"file_active", "file_failed", "key_features", "chapter_prompt", "inline_clip"} <= set(names)
    for name in names:
        manifest = fx.load_manifest("gemini_video", name)
        folder = fx.fixture_dir("gemini_video", name)
        if manifest["kind"] == "generate_content":
            body = json.loads((folder / "response.json").read_text())
            types.GenerateContentResponse.model_validate(body)  # extra="forbid": unknown wire keys fail
        else:
            types.File.model_validate({k: v for k, v in json.loads((folder / "file.json").read_text()).items()
                                       if k not in ("name", "sizeBytes")})
    for name in fx.list_fixtures("openai_vision_demo"):
        fx.load_manifest("openai_vision_demo", name)
        for ex in json.loads((fx.fixture_dir("openai_vision_demo", name) / "exchanges.json").read_text()):
            if ex["path"] == "/v1/chat/completions":
                completion = ChatCompletion.model_validate(ex["json"])
                analysis.KeyFeatures.model_validate_json(completion.choices[0].message.content)
            else:
                Transcription.model_validate(ex["json"])


def test_fixtures_hold_no_secret():
    for path in list((fx.FIXTURES_DIR / "gemini_video").rglob("*.json")) + list((fx.FIXTURES_DIR / "openai_vision_demo").rglob("*.json")):
        assert find_secrets(path.read_text()) == [], path


def test_synthetic_answers_agree_with_the_ground_truth():
    body = json.loads((fx.fixture_dir("gemini_video", "key_features") / "response.json").read_text())
    parsed = analysis.KeyFeatures.model_validate_json(body["candidates"][0]["content"]["parts"][0]["text"])
    score = scoring.score_features(parsed.features, GT, "fixture")
    assert score.found == 6 and score.mean_start_error_s == 0
    for f, truth in zip(parsed.features, GT["features"]):
        assert scoring.parse_mmss(f.end) == truth["end_s"]


# -- the Files API flow ------------------------------------------------------------------------------
def test_upload_uses_the_resumable_protocol_and_waits_until_active(standin, client):
    before = len(standin.requests)
    file = U.upload_video(client, VIDEO, display_name="demo", poll_s=0.01, progress=False)
    assert file.state == types.FileState.ACTIVE and file.mime_type == "video/mp4"
    assert file.size_bytes == VIDEO.stat().st_size and file.display_name == "demo"
    assert file.video_metadata == {"videoDuration": "300s"}
    log = [(r.method, r.path, r.query.get("upload_protocol")) for r in standin.requests[before:]]
    assert log[0][:2] == ("POST", "/upload/v1/files") and log[1][2] == "resumable"
    gets = [entry for entry in log if entry[0] == "GET"]
    assert len(gets) == 3  # PROCESSING, PROCESSING, ACTIVE
    start = standin.requests[before]
    assert start.headers.get("x-goog-api-key") == "<redacted>"  # the log never keeps a key


def test_a_file_that_fails_processing_raises_job_failed(client):
    bad = client.files.upload(file=io.BytesIO(b"\x00definitely not a video" * 50),
                              config={"mime_type": "video/mp4", "display_name": "broken.mp4"})
    assert bad.state == types.FileState.PROCESSING
    with pytest.raises(JobFailed, match="could not process") as err:
        U.wait_until_active(client, bad, poll_s=0.01, progress=False)
    assert err.value.provider == "google" and "could not be decoded" in err.value.provider_message


def test_waiting_times_out(client):
    with G.GeminiStandin(processing_polls=10_000) as slow:
        c = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=slow.url))
        f = c.files.upload(file=str(VIDEO), config={"mime_type": "video/mp4"})
        with pytest.raises(OperationTimeout, match="still PROCESSING"):
            U.wait_until_active(c, f, timeout_s=0.2, poll_s=0.02, progress=False)


# -- generateContent / countTokens -----------------------------------------------------------------
def _expected_tokens(seconds: float, fps: float = 1.0, tpf: float = TPF, prompt: str = "") -> int:
    return math.ceil(seconds * fps) * int(tpf) + round(seconds * AUDIO_TPS) + math.ceil(len(prompt) / 4)


def test_key_features_structured_output_priced_before_and_after(client, demo_file):
    ledger = course_utils.get_config().ledger
    n = len(ledger.entries)
    result = U.key_features(client, demo_file, on=ON)
    assert isinstance(result.parsed, analysis.KeyFeatures) and len(result.parsed.features) == 6
    expected = _expected_tokens(300, prompt=U.KEY_FEATURES_PROMPT)
    assert result.counted_tokens == expected == result.prompt_tokens
    assert result.tokens_by_modality() == {"TEXT": math.ceil(len(U.KEY_FEATURES_PROMPT) / 4), "VIDEO": 21000, "AUDIO": 9600}
    assert result.estimate.total_usd > result.actual.total_usd > 0  # estimate assumes 1000 output tokens
    entry = ledger.entries[n]
    assert entry.status == "settled" and entry.provider == "google" and entry.actual_usd == pytest.approx(result.actual.total_usd)
    assert scoring.score_features(result.parsed.features, GT).found == 6


def test_media_resolution_changes_tokens_by_the_gemini3_rule(client, demo_file):
    default = U.key_features(client, demo_file, on=ON).tokens_by_modality()["VIDEO"]
    low = U.key_features(client, demo_file, media_resolution="low", on=ON).tokens_by_modality()["VIDEO"]
    high = U.key_features(client, demo_file, media_resolution="high", on=ON).tokens_by_modality()["VIDEO"]
    assert default == low == 300 * 70 and high == 300 * 280


def test_clipping_and_fps_go_through_video_metadata(client, demo_file):
    cap = next(c for c in U.CAPABILITIES if c.name == "Action Recognition")
    result = U.analyze_video(client, demo_file, cap.prompt, start_s=cap.start_s, end_s=cap.end_s, fps=cap.fps, on=ON)
    assert result.tokens_by_modality()["VIDEO"] == math.ceil(39 * 5) * 70
    assert result.tokens_by_modality()["AUDIO"] == round(39 * AUDIO_TPS)
    assert "Wednesday" in result.text


@pytest.mark.parametrize("cap", U.CAPABILITIES, ids=lambda c: c.name)
def test_each_capability_has_a_replayed_answer(client, demo_file, cap):
    result = U.analyze_video(client, demo_file, cap.prompt, start_s=cap.start_s, end_s=cap.end_s, fps=cap.fps, on=ON)
    assert result.text and result.actual.total_usd > 0


def test_inline_clip(client):
    clip = C.cut_clip(VIDEO, 148, 192)
    result = U.analyze_video(client, clip, U.INLINE_CLIP_PROMPT, on=ON)
    assert "Focus Timer" in result.text
    assert result.prompt_tokens == _expected_tokens(44, prompt=U.INLINE_CLIP_PROMPT)


def test_plain_sdk_call_with_the_chapter_prompt(client, demo_file):
    response = client.models.generate_content(model=U.DEFAULT_MODEL, contents=[demo_file, U.CHAPTER_PROMPT])
    assert "Tasklane" in response.text and response.usage_metadata.prompt_token_count > 30000
    assert response.model_version == U.DEFAULT_MODEL


def test_shut_down_models_get_404(client):
    with pytest.raises(genai_errors.ClientError) as err:
        client.models.generate_content(model="gemini-2.0-flash-exp", contents=["hello"])
    assert err.value.code == 404 and "not found" in str(err.value)


def test_a_prompt_nobody_recorded_gets_a_clear_404(client, demo_file):
    with pytest.raises(genai_errors.ClientError, match="no recorded answer"):
        client.models.generate_content(model=U.DEFAULT_MODEL, contents=[demo_file, "Write a poem about it."])


def test_requests_without_a_key_are_refused(standin):
    r = httpx.post(f"{standin.url}/v1beta/models/{U.DEFAULT_MODEL}:countTokens", json={"contents": []})
    assert r.status_code == 403 and r.json()["error"]["status"] == "PERMISSION_DENIED"


def test_count_tokens_matches_the_cost_module_estimate(client, demo_file):
    counted = U.count_video_tokens(client, U.DEFAULT_MODEL, [demo_file, "x" * 40])
    est = costs.estimate_video_understanding(U.DEFAULT_MODEL, 300, prompt_tokens=10, output_tokens=0, on=ON)
    assert counted == sum(line.quantity for line in est.lines)


# -- limits and argument errors ----------------------------------------------------------------------
def test_check_video_file_errors(tmp_path):
    with pytest.raises(VideoFormatError, match="No video file"):
        U.check_video_file(tmp_path / "missing.mp4")
    mkv = tmp_path / "demo.mkv"
    shutil.copy(VIDEO, mkv)
    with pytest.raises(VideoFormatError, match=r"does not take \.mkv.*ffmpeg"):
        U.check_video_file(mkv)
    big = tmp_path / "big.mp4"
    with open(big, "wb") as f:  # sparse: no disk used
        f.truncate(U.INLINE_LIMIT_BYTES + 1)
    with pytest.raises(VideoFormatError, match="inline request limit.*upload_video"):
        U.check_video_file(big, how="inline")
    with pytest.raises(VideoFormatError, match="per-file limit"):
        U.check_video_file(big, how="upload", upload_limit=U.INLINE_LIMIT_BYTES)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"nope" * 1000)
    with pytest.raises(VideoFormatError, match="not a readable video"):
        U.check_video_file(garbage)
    assert U.check_video_file(VIDEO)[1:] == ("video/mp4", VIDEO.stat().st_size)


def test_video_part_arguments_are_checked(demo_file):
    with pytest.raises(VideoFormatError, match="fps"):
        U.video_part(demo_file, fps=30)
    with pytest.raises(VideoFormatError, match="after start_s"):
        U.video_part(demo_file, start_s=10, end_s=5)
    with pytest.raises(VideoFormatError, match="media_resolution"):
        U.video_part(demo_file, media_resolution="ultra")
    part = U.video_part(demo_file, start_s=60, end_s=104, fps=2, media_resolution="high")
    assert part.video_metadata.start_offset == "60s" and part.video_metadata.fps == 2
    assert part.media_resolution.level == types.PartMediaResolutionLevel.MEDIA_RESOLUTION_HIGH


# -- scoring --------------------------------------------------------------------------------------
def test_parse_mmss():
    assert scoring.parse_mmss("01:15") == 75 and scoring.parse_mmss("1:02:03") == 3723 and scoring.parse_mmss("") is None
    with pytest.raises(VideoFormatError):
        scoring.parse_mmss("soon")


def test_score_features_counts_found_missed_extra_and_errors():
    preds = [{"name": "Quick capture (Ctrl+K)", "start": "00:20"}, {"name": "Team board", "start": "01:40"},
             {"name": "Dark mode", "start": "02:00"}, {"name": "Insight", "start": ""}]
    score = scoring.score_features(preds, GT, "test")
    assert score.found == 3 and score.extra == ["Dark mode"]
    assert set(score.missed) == {"Smart Scheduling", "Focus Timer", "Offline Sync"}
    errors = {r["feature"]: r["start_error_s"] for r in score.rows}
    assert errors["Quick Capture"] == 4 and errors["Team Board"] == 4 and errors["Insights"] is None
    assert "found 3/6" in score.summary() and "<table>" in score._repr_html_()


def test_facts_covered_needs_every_key_phrase():
    facts = [{"fact": "shortcut", "keys": ["ctrl + k"]}, {"fact": "slot", "keys": ["wed", "10:00"]},
             {"fact": "retention", "keys": ["thirty days|30 days"]}]
    assert scoring.facts_covered("Press CTRL + K; suggested Wednesday 10:00; kept 30 days", facts) == [True, True, True]
    assert scoring.facts_covered("ctrl+k on Tuesday 10:00", facts) == [False, False, False]


# -- traditional methods through the OpenAI stand-in -------------------------------------------------
def test_sampled_frames_to_a_vision_model():
    oc = openai_client(fixtures=[("openai_vision_demo", "frames_to_vision")])
    frames = F.sample_frames(VIDEO, count=20)
    result = traditional.ask_about_frames(oc, frames, on=ON)
    score = scoring.score_features(result.parsed.features, GT, "frames")
    assert score.found == 6 and score.mean_start_error_s == pytest.approx(4.0)
    audio_facts = [f for x in GT["features"] for f in x["audio_only"]]
    assert not any(scoring.facts_covered(result.text, audio_facts))
    assert result.prompt_tokens > 20 * costs.openai_image_tokens(640, 360, "high")


def test_transcript_method(tmp_path):
    oc = openai_client(fixtures=[("openai_vision_demo", "transcript")])
    audio = C.extract_audio(VIDEO, tmp_path / "track.mp3")
    text, cost = traditional.transcribe(oc, audio, on=ON)
    assert text.startswith("Welcome to Tasklane")
    assert cost.total_usd == pytest.approx(5 * costs.price("gpt-transcribe", "audio_minute", ON))
    result = traditional.features_from_transcript(oc, text, on=ON)
    score = scoring.score_features(result.parsed.features, GT, "transcript")
    assert score.found == 6 and score.mean_start_error_s is None
    visual = [f for x in GT["features"] for f in x["visual_only"]]
    assert not any(scoring.facts_covered(text + result.text, visual))


# -- modes and record -------------------------------------------------------------------------------
def test_gemini_client_per_mode(fake_keys):
    course_utils.setup(mode="replay", quiet=True)
    replay = clients.gemini_client()
    assert replay._api_client._http_options.base_url.startswith("http://127.0.0.1:")
    course_utils.setup(mode="live", quiet=True)
    live = clients.gemini_client()
    assert "127.0.0.1" not in (live._api_client._http_options.base_url or "")
    assert live._api_client.api_key == fake_keys["GEMINI_API_KEY"]
    course_utils.setup(mode="record", quiet=True)
    rec = clients.gemini_client()
    assert rec._api_client._http_options.client_args["event_hooks"]["response"][0].__self__ is clients.gemini_recorder()


def test_recorder_saves_scrubbed_fixtures_that_replay(standin, tmp_path, monkeypatch):
    key = "AIza" + "x" * 35
    recorder = GF.GeminiRecorder(prefix="rec")
    c = genai.Client(api_key=key, http_options=types.HttpOptions(
        base_url=standin.url, client_args={"event_hooks": {"response": [recorder.hook]}}))
    clip = C.cut_clip(VIDEO, 148, 192)
    c.models.generate_content(model=U.DEFAULT_MODEL, contents=[types.Part.from_bytes(data=clip, mime_type="video/mp4"),
                                                               U.INLINE_CLIP_PROMPT])
    assert len(recorder.exchanges) == 1
    part = recorder.exchanges[0]["request"]["contents"][0]["parts"][0]
    assert "dropped" in part["inlineData"]["data"]
    monkeypatch.setenv("GEMINI_API_KEY", key)
    folders = recorder.save(root=tmp_path)
    text = "".join(p.read_text() for p in folders[0].iterdir())
    assert key not in text and find_secrets(text) == []
    manifest = json.loads((folders[0] / "manifest.json").read_text())
    assert manifest["usage"] == "recorded" and manifest["provenance"].startswith("recorded from the live Gemini API")
    # the recorded fixture replays with its own usage
    for name in ("file_active", "file_failed"):
        shutil.copytree(fx.fixture_dir("gemini_video", name), tmp_path / "gemini_video" / name)
    monkeypatch.setattr(fx, "FIXTURES_DIR", tmp_path)
    with G.GeminiStandin() as again:
        c2 = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=again.url))
        r = c2.models.generate_content(model=U.DEFAULT_MODEL, contents=[types.Part.from_bytes(data=clip, mime_type="video/mp4"),
                                                                        U.INLINE_CLIP_PROMPT])
    recorded = json.loads((folders[0] / "response.json").read_text())
    assert r.text == recorded["candidates"][0]["content"]["parts"][0]["text"]
    assert r.usage_metadata.prompt_token_count == recorded["usageMetadata"]["promptTokenCount"]


def test_served_bodies_validate_against_the_sdk_types(standin, demo_file):
    """What the stand-in sends on the wire (not only the fixtures) fits google-genai's pydantic types."""
    headers = {"x-goog-api-key": "k"}
    file_id = demo_file.name.split("/")[-1]
    got = httpx.get(f"{standin.url}/v1beta/files/{file_id}", headers=headers).json()
    types.File.model_validate(got)
    request = {"contents": [{"role": "user", "parts": [{"fileData": {"fileUri": demo_file.uri, "mimeType": "video/mp4"}},
                                                       {"text": U.CHAPTER_PROMPT}]}]}
    counted = httpx.post(f"{standin.url}/v1beta/models/{U.DEFAULT_MODEL}:countTokens", json=request, headers=headers).json()
    types.CountTokensResponse.model_validate(counted)
    answer = httpx.post(f"{standin.url}/v1beta/models/{U.DEFAULT_MODEL}:generateContent", json=request, headers=headers).json()
    parsed = types.GenerateContentResponse.model_validate(answer)
    assert parsed.usage_metadata.prompt_token_count == counted["totalTokens"]
    assert {d.modality.value for d in parsed.usage_metadata.prompt_tokens_details} == {"TEXT", "VIDEO", "AUDIO"}


def test_importing_course_utils_video_stays_light():
    import subprocess
    import sys
    code = ("import sys, course_utils.video as v; v.probe; v.score_features; v.analyze_video; "
            "print(sorted(m for m in sys.modules if m.startswith('course_utils.video')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "generate" not in out and "compose" not in out
    assert "course_utils.video.scoring" in out and "course_utils.video.understand" in out  # each name from its home
