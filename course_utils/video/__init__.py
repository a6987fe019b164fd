"""Video: the local toolkit (``frames``, ``clips``) and Gemini video understanding (``understand``).

Names are imported lazily, so ``import course_utils.video`` stays light and never pulls in the
generation side (``course_utils.video.generate`` / ``compose``), which lives apart.

>>> from course_utils.video import probe, sample_frames, contact_sheet
"""
from __future__ import annotations

import importlib

_FRAMES = ("Frame", "VideoInfo", "probe", "keyframe_times", "sample_times", "sample_frames", "iter_frames",
           "frames_at", "frame_differences", "scene_changes", "contact_sheet", "mmss")
_CLIPS = ("cut_clip", "extract_audio")
_ANALYSIS = ("KeyFeature", "KeyFeatures", "VideoAnalysis")
_SCORING = ("FeatureScore", "score_features", "facts_covered", "parse_mmss")
_TRADITIONAL = ("frames_to_content", "ask_about_frames", "transcribe", "features_from_transcript")
_UNDERSTAND = ("Capability", "CAPABILITIES", "CHAPTER_PROMPT", "KEY_FEATURES_PROMPT", "INLINE_CLIP_PROMPT",
               "check_video_file", "upload_video", "wait_until_active", "video_part", "analyze_video",
               "count_video_tokens", "estimate_call", "key_features", "DEFAULT_MODEL", "CHEAP_MODEL",
               "INLINE_LIMIT_BYTES", "UPLOAD_LIMIT_BYTES", "GEMINI_VIDEO_MIME")
# each public name and the one module it lives in (imported on first use)
_HOMES = {name: module for module, names in ((".frames", _FRAMES), (".clips", _CLIPS), (".analysis", _ANALYSIS),
                                             (".scoring", _SCORING), (".traditional", _TRADITIONAL),
                                             (".understand", _UNDERSTAND)) for name in names}

__all__ = [*_FRAMES, *_CLIPS, *_ANALYSIS, *_SCORING, *_TRADITIONAL, *_UNDERSTAND]


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
