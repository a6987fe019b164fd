"""The ``gemini_video`` fixture format, both ways: read (what the Gemini stand-in answers from) and
written (:class:`GeminiRecorder`, from a live client's traffic in record mode).

A fixture folder ``data/fixtures/gemini_video/<name>/`` holds ``manifest.json`` (``kind:
generate_content``, ``provenance``, ``match``, ``usage``) and ``response.json`` as it came over the wire.
``match`` says which requests it answers: ``models``, ``contains`` (words of the prompt), ``video``
(``inline`` or ``file``), ``media_resolution``, ``clip`` (offsets and fps, or ``false``), ``schema``.
The recorder writes the same shape, so a recorded exchange replays next time. The request helpers
here read a ``generateContent`` body the way both sides need it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..config import get_config
from ..errors import FixtureError
from ..fixtures import fixture_dir, list_fixtures, load_manifest, save_fixture

AREA = "gemini_video"


def parse_duration(value) -> float | None:
    """Protobuf JSON durations (``"60s"``, ``"1.5s"``) or numbers, to seconds."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*s?\s*", str(value))
    if not m:
        raise ValueError(f"not a duration: {value!r}")
    return float(m.group(1))


# -- request helpers ------------------------------------------------------------------------------
def request_parts(request: dict) -> list[dict]:
    return [p for c in request.get("contents") or [] for p in (c.get("parts") or [])]


def is_video_part(part: dict) -> bool:
    blob = part.get("inlineData") or part.get("inline_data") or part.get("fileData") or part.get("file_data") or {}
    mime = blob.get("mimeType") or blob.get("mime_type") or ""
    return mime.startswith("video/") or bool(part.get("fileData") or part.get("file_data"))


def video_parts(request: dict) -> list[dict]:
    return [p for p in request_parts(request) if is_video_part(p)]


def video_metadata(part: dict) -> dict:
    meta = part.get("videoMetadata") or part.get("video_metadata") or {}
    return {"startOffset": meta.get("startOffset", meta.get("start_offset")),
            "endOffset": meta.get("endOffset", meta.get("end_offset")),
            "fps": meta.get("fps")} if meta else {}


def prompt_text(request: dict) -> str:
    return "\n".join(p["text"] for p in request_parts(request) if isinstance(p.get("text"), str))


# -- fixtures -------------------------------------------------------------------------------------
@dataclass
class GenerateFixture:
    """One recorded or synthetic generateContent answer and the requests it answers."""

    name: str
    match: dict
    response: dict
    usage: str  # "computed" (by the token rules) or "recorded"
    provenance: str

    def specificity(self) -> int:
        return sum(len(v) if isinstance(v, list) else 1 for v in self.match.values())

    def matches(self, model: str, request: dict, prompt_text: str) -> bool:
        m = self.match
        if "models" in m and model not in m["models"]:
            return False
        for needle in m.get("contains", []):
            if needle.lower() not in prompt_text.lower():
                return False
        video = video_parts(request)
        if "video" in m:
            kinds = {"inline" if "inlineData" in p or "inline_data" in p else "file" for p in video}
            if m["video"] not in kinds:
                return False
        gen = request.get("generationConfig") or {}
        if "media_resolution" in m:
            res = gen.get("mediaResolution") or next(
                (((p.get("mediaResolution") or {}).get("level")) for p in video if p.get("mediaResolution")), None)
            if (res or "MEDIA_RESOLUTION_UNSPECIFIED") != m["media_resolution"]:
                return False
        if "clip" in m:
            meta = next((video_metadata(p) for p in video), {})
            want = m["clip"]
            if want is False and meta:
                return False
            if isinstance(want, dict):
                for k in ("start_s", "end_s", "fps"):
                    if k in want:
                        got = parse_duration(meta.get({"start_s": "startOffset", "end_s": "endOffset", "fps": "fps"}[k]))
                        if got is None or abs(got - want[k]) > 1e-6:
                            return False
        if "schema" in m:
            has = bool(gen.get("responseSchema") or gen.get("responseJsonSchema"))
            if has != bool(m["schema"]):
                return False
        return True


def load_generate_fixtures(area: str = AREA) -> list[GenerateFixture]:
    out = []
    for name in list_fixtures(area):
        manifest = load_manifest(area, name)
        if manifest.get("kind") != "generate_content":
            continue
        path = fixture_dir(area, name) / "response.json"
        try:
            response = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise FixtureError(f"Fixture {area}/{name} needs a readable response.json ({exc}).") from exc
        out.append(GenerateFixture(name, manifest.get("match", {}), response, manifest.get("usage", "computed"),
                                   manifest["provenance"]))
    # most specific first, then by name: a general fixture never shadows a specific one
    return sorted(out, key=lambda f: (-f.specificity(), f.name))


def file_fixture(area: str, name: str) -> dict:
    manifest = load_manifest(area, name)
    return {**manifest, "file": json.loads((fixture_dir(area, name) / "file.json").read_text())}


# -- record mode ----------------------------------------------------------------------------------
class GeminiRecorder:
    """Captures generateContent exchanges of a live client (httpx event hook) and saves them as fixtures.

    Only request text, generation config and video metadata are kept (inline video bytes are
    dropped); the response is saved as it came over the wire. Keys are scrubbed by ``save_fixture``.
    """

    def __init__(self, area: str = AREA, prefix: str = "recorded"):
        self.area, self.prefix = area, prefix
        self.exchanges: list[dict] = []

    def hook(self, response) -> None:  # httpx response event hook
        request = response.request
        if not str(request.url.path).endswith(":generateContent"):
            return
        response.read()
        try:
            body = json.loads(request.content or b"{}")
            answer = response.json()
        except ValueError:
            return
        for part in request_parts(body):
            for key in ("inlineData", "inline_data"):
                if key in part:
                    part[key] = {**part[key], "data": f"<{len(part[key].get('data', ''))} base64 chars dropped>"}
        self.exchanges.append({"model": str(request.url.path).split("models/")[-1].split(":")[0],
                               "status": response.status_code, "request": body, "response": answer})

    def save(self, note: str = "", root: Path | None = None) -> list[Path]:
        """One fixture folder per successful exchange; its match is the model and the prompt's first line."""
        import google.genai

        cfg = get_config()
        folders = []
        for k, ex in enumerate(e for e in self.exchanges if e["status"] == 200):
            first_line = prompt_text(ex["request"]).strip().splitlines()[0][:120] if prompt_text(ex["request"]).strip() else ""
            manifest = {
                "kind": "generate_content",
                "provenance": (f"recorded from the live Gemini API (model {ex['model']}) with google-genai "
                               f"{google.genai.__version__} by course_utils.standins.gemini_fixtures.GeminiRecorder; key scrubbed"
                               + (f"; {note}" if note else "")),
                "usage": "recorded",
                "match": {"models": [ex["model"]], "contains": [first_line] if first_line else []},
                "request": ex["request"],
            }
            folders.append(save_fixture(self.area, f"{self.prefix}_{k:02d}", manifest,
                                        {"response.json": json.dumps(ex["response"], indent=2)},
                                        secrets=cfg.secrets(), root=root))
        return folders
