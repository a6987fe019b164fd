#!/usr/bin/env python3
"""Make the video-generation fixtures: placeholder clips, input frames and one manifest per stand-in.

Everything here is synthetic and says so. The clips are rendered locally with PyAV + Pillow (a
title, the words "not model output", a moving bar); the frames are drawn with Pillow; the job
scenarios (timings, the providers' messages) are hand-written from each provider's documented
response shapes. Nothing is captured from a live API: record mode (``run_job`` in
``setup(mode="record")``) writes real status sequences under ``data/fixtures/videogen/recorded/``.

    python scripts/make_videogen_fixtures.py          # rewrite everything (deterministic)
"""
from __future__ import annotations

import io
import json
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "fixtures" / "videogen"
MEDIA = OUT / "media"
SCRIPT = "scripts/make_videogen_fixtures.py"
AS_OF = "2026-11-25"

WIDTH, HEIGHT, FPS = 320, 180, 12
CLIP_SECONDS = (4, 5, 6, 8, 10)


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType
        return ImageFont.load_default()


def placeholder_frame(i: int, n: int, seconds: int, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """One frame of the placeholder: a dark card, the words 'not model output', a moving bar."""
    img = Image.new("RGB", (width, height), (28, 32, 44))
    d = ImageDraw.Draw(img)
    d.text((12, 14), "REPLAY PLACEHOLDER", fill=(240, 200, 80), font=_font(18))
    d.text((12, 44), "not model output", fill=(230, 230, 230), font=_font(14))
    d.text((12, 64), f"rendered locally by {SCRIPT.split('/')[-1]}", fill=(150, 150, 160), font=_font(10))
    t = i / FPS
    d.text((12, height - 44), f"{t:4.1f} s / {seconds} s", fill=(200, 200, 210), font=_font(12))
    x = int((width - 24) * i / max(n - 1, 1))
    d.rectangle((12, height - 22, width - 12, height - 14), outline=(90, 90, 110))
    d.rectangle((12, height - 22, 12 + x, height - 14), fill=(80, 160, 230))
    return np.asarray(img)


def render_placeholder(seconds: int) -> bytes:
    """A small silent H.264 MP4 of ``seconds`` seconds (320x180, 12 fps)."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"crf": "34", "preset": "veryslow", "tune": "stillimage", "threads": "1"}
        stream.codec_context.time_base = Fraction(1, FPS)
        n = seconds * FPS
        for i in range(n):
            frame = av.VideoFrame.from_ndarray(placeholder_frame(i, n, seconds), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def paper_boat(last: bool = False) -> bytes:
    """A simple drawn input frame (a paper boat on water) for image-to-video and first/last-frame control."""
    img = Image.new("RGB", (WIDTH, HEIGHT), (250, 214, 165) if not last else (60, 70, 120))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 120, WIDTH, HEIGHT), fill=(70, 130, 180) if not last else (30, 50, 90))
    x = 110 if not last else 200
    d.polygon([(x, 118), (x + 80, 118), (x + 64, 134), (x + 16, 134)], fill=(245, 245, 245))
    d.polygon([(x + 40, 78), (x + 40, 118), (x + 12, 118)], fill=(235, 235, 235))
    d.text((8, 6), "input frame (drawn, synthetic)", fill=(40, 40, 40) if not last else (220, 220, 220), font=_font(11))
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


COMMON = {
    "schema_version": 1,
    "saved": AS_OF,
    "made_by": SCRIPT,
    "media": "media/placeholder_XXs.mp4 (see media/manifest.json): placeholder clips, not model output",
}

# The timings below are assumptions for replay, in simulated seconds (the stand-in divides wall time
# by time_scale). They are not measurements; a live run records the real ones (record mode).
# Which prompts take which path in replay: the same words for refusals everywhere; a failure word of
# its own per provider (so a shot that fails on one provider can succeed on its fallback).
SCENARIO_KEYS = {
    "refusal": ["celebrity", "famous singer", "logo of"],
    "rate_limited": ["rush hour"],
    "stuck": ["forever"],
}
FAILURE_KEYS = {
    "gemini_interactions": ["glass orchestra"], "vertex_veo": ["erupting volcano"], "runway": ["storm at sea"],
    "kling": ["night market"], "fal_queue": ["stadium crowd"],
}


def scenarios(queued: float, running: float, refusal: dict, failure: dict, rate_limit: dict,
              success_extra: dict | None = None, failure_keys: list[str] = ()) -> dict:
    return {
        "success": {"match": [], "schedule": [{"state": "queued", "seconds": queued},
                                               {"state": "running", "seconds": running}],
                    "final": "succeeded", **(success_extra or {})},
        "refusal": {"match": SCENARIO_KEYS["refusal"], "schedule": [{"state": "queued", "seconds": queued},
                                                                     {"state": "running", "seconds": running / 4}],
                    "final": "refused", **refusal},
        "failure": {"match": list(failure_keys), "schedule": [{"state": "queued", "seconds": queued},
                                                                     {"state": "running", "seconds": running / 2}],
                    "final": "failed", **failure},
        "rate_limited": {"match": SCENARIO_KEYS["rate_limited"],
                         "schedule": [{"state": "queued", "seconds": queued}, {"state": "running", "seconds": running}],
                         "final": "succeeded", "rate_limit": rate_limit},
        "stuck": {"match": SCENARIO_KEYS["stuck"], "schedule": [{"state": "queued", "seconds": queued},
                                                                 {"state": "running", "seconds": None}],
                  "final": None},
    }


def manifests() -> dict[str, dict]:
    prov = ("synthetic: hand-written by {script} from {what}; job timings are assumptions, not "
            "measurements; the served MP4 is a placeholder rendered locally (not model output); "
            "not captured from a live API.")
    return {
        "gemini_interactions": {
            **COMMON,
            "provenance": prov.format(script=SCRIPT, what="the Interaction resource in google-genai 3.6.1 "
                                      "(google/genai/_gaos/types/interactions/interaction.py) and Google's Gemini Omni docs"),
            "provider": "google", "sdk": "google-genai 3.6.1 (client.interactions.create / get)",
            "endpoints": ["POST /{api_version}/interactions", "GET /{api_version}/interactions/{id}"],
            "sources": ["https://ai.google.dev/gemini-api/docs/omni", "https://ai.google.dev/gemini-api/docs/pricing"],
            "time_scale": 0.01,
            "model_picks_seconds": 6,
            "output_video_tokens_per_second_720p": 5792,
            "scenarios": scenarios(
                queued=3, running=30, failure_keys=FAILURE_KEYS["gemini_interactions"],
                refusal={"message": "I can't create a video that depicts a real, identifiable person. "
                                    "Try describing an original character instead.", "how": "completed with text, no video"},
                failure={"code": "internal", "message": "An internal error has occurred. Please retry or report "
                                                        "in https://developers.generativeai.google/guide/troubleshooting"},
                rate_limit={"on": "poll", "nth": 1, "retry_after": 4, "status": 429,
                            "body": {"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).",
                                               "status": "RESOURCE_EXHAUSTED"}}}),
        },
        "vertex_veo": {
            **COMMON,
            "provenance": prov.format(script=SCRIPT, what="google-genai 3.6.1's Vertex path (models.generate_videos -> "
                                      ":predictLongRunning, operations.get -> :fetchPredictOperation) and Vertex AI's Veo docs"),
            "provider": "vertex", "sdk": "google-genai 3.6.1 (vertexai=True)",
            "endpoints": ["POST /{v}/projects/{p}/locations/{l}/publishers/google/models/{model}:predictLongRunning",
                          "POST /{v}/projects/{p}/locations/{l}/publishers/google/models/{model}:fetchPredictOperation"],
            "sources": ["https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/veo-video-generation"],
            "time_scale": 0.01,
            "scenarios": scenarios(
                queued=0, running=70, failure_keys=FAILURE_KEYS["vertex_veo"],
                refusal={"rai_reasons": ["The prompt could not be submitted. This prompt contains sensitive words that "
                                         "violate Google's Responsible AI practices. Try rephrasing the prompt. If you "
                                         "think this was an error, send feedback. Support codes: 17301594"]},
                failure={"code": 13, "message": "Video generation failed due to an internal error. Retry the request."},
                rate_limit={"on": "poll", "nth": 1, "retry_after": 5, "status": 429,
                            "body": {"error": {"code": 429, "message": "Quota exceeded for aiplatform.googleapis.com/"
                                               "online_prediction_requests_per_base_model with base model: veo-3.1.",
                                               "status": "RESOURCE_EXHAUSTED"}}}),
        },
        "runway": {
            **COMMON,
            "provenance": prov.format(script=SCRIPT, what="runwayml 5.24.0's types (NewTaskCreatedResponse, "
                                      "TaskRetrieveResponse) and Runway's API docs"),
            "provider": "runway", "sdk": "runwayml 5.24.0 (text_to_video / image_to_video .create, tasks.retrieve)",
            "endpoints": ["POST /v1/text_to_video", "POST /v1/image_to_video", "GET /v1/tasks/{id}"],
            "sources": ["https://docs.dev.runwayml.com/api/", "https://docs.dev.runwayml.com/errors/task-failures/"],
            "time_scale": 0.01,
            "credits_per_second": {"gen4_turbo": 5, "gen4.5": 12},
            "scenarios": scenarios(
                queued=5, running=45, failure_keys=FAILURE_KEYS["runway"],
                refusal={"code": "SAFETY.INPUT.TEXT", "message": "The prompt was flagged by our content moderation system."},
                failure={"code": "INTERNAL.BAD_OUTPUT.CODE01", "message": "An unexpected error occurred while generating "
                                                                         "the output. Please retry the task."},
                rate_limit={"on": "poll", "nth": 1, "retry_after": 3, "status": 429,
                            "body": {"error": "You have exceeded the rate limit for this endpoint."}}),
        },
        "kling": {
            **COMMON,
            "provenance": prov.format(script=SCRIPT, what="Kling's API reference (General Info: JWT auth, error codes; "
                                      "Text to Video / Image to Video create and query)"),
            "provider": "kling", "sdk": "none (REST over httpx; JWT HS256 signed with PyJWT)",
            "endpoints": ["POST /v1/videos/text2video", "GET /v1/videos/text2video/{task_id}",
                          "POST /v1/videos/image2video", "GET /v1/videos/image2video/{task_id}"],
            "sources": ["https://app.klingai.com/global/dev/document-api/apiReference/commonInfo"],
            "time_scale": 0.01,
            "scenarios": scenarios(
                queued=10, running=110, failure_keys=FAILURE_KEYS["kling"],
                refusal={"how": "submit", "http_status": 400, "code": 1301,
                         "message": "Trigger the content security policy of the platform"},
                failure={"message": "Video generation failed, please try again later."},
                rate_limit={"on": "poll", "nth": 1, "retry_after": 6, "status": 429,
                            "body": {"code": 1302, "message": "API request too fast, please slow down", "request_id": ""}}),
        },
        "fal_queue": {
            **COMMON,
            "provenance": prov.format(script=SCRIPT, what="fal-client 1.0.3's queue protocol (submit -> request_id, "
                                      "status_url, response_url; IN_QUEUE / IN_PROGRESS / COMPLETED) and fal's model pages"),
            "provider": "fal", "sdk": "fal-client 1.0.3 (SyncClient.submit, handle.status, handle.get)",
            "endpoints": ["POST /{app}", "GET /{owner}/{alias}/requests/{id}/status", "GET /{owner}/{alias}/requests/{id}"],
            "sources": ["https://fal.ai/models/fal-ai/pika/v2.2/text-to-video/api",
                        "https://fal.ai/models/bytedance/seedance-2.0/fast/text-to-video/api",
                        "https://docs.fal.ai/model-apis/model-endpoints/queue"],
            "time_scale": 0.01,
            "scenarios": scenarios(
                queued=4, running=35, failure_keys=FAILURE_KEYS["fal_queue"],
                refusal={"http_status": 422, "error_type": "content_policy_violation",
                         "message": "The content could not be processed because it contained material flagged by a "
                                    "content checker."},
                failure={"http_status": 500, "error_type": "generation_error",
                         "message": "Internal error while running the model; the request was not charged."},
                rate_limit={"on": "poll", "nth": 1, "retry_after": 2, "status": 429,
                            "body": {"detail": "Too many requests: rate limit exceeded"}}),
        },
    }


def main() -> int:
    MEDIA.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for s in CLIP_SECONDS:
        data = render_placeholder(s)
        (MEDIA / f"placeholder_{s:02d}s.mp4").write_bytes(data)
        sizes[f"placeholder_{s:02d}s.mp4"] = len(data)
    (MEDIA / "first_frame.png").write_bytes(paper_boat())
    (MEDIA / "last_frame.png").write_bytes(paper_boat(last=True))
    media_manifest = {
        "schema_version": 1, "saved": AS_OF, "made_by": SCRIPT,
        "provenance": (f"synthetic: rendered locally by {SCRIPT} with PyAV (libx264) and Pillow; placeholder "
                       "clips that every video-generation stand-in serves in replay mode; NOT model output. "
                       "first_frame.png / last_frame.png are drawn input frames for image-to-video."),
        "clips": {name: {"seconds": int(name[12:14]), "width": WIDTH, "height": HEIGHT, "fps": FPS,
                         "audio": False} for name in sizes},
    }
    (MEDIA / "manifest.json").write_text(json.dumps(media_manifest, indent=2) + "\n")
    for name, manifest in manifests().items():
        folder = OUT / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {len(sizes)} clips ({sum(sizes.values()) / 1024:.0f} KiB), 2 frames, "
          f"{len(manifests())} manifests; data/fixtures/videogen is {total / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
