"""course_utils.video.frames on the committed demo video: probing, exact sampling, scene cuts, audio, errors.

The demo video stamps its frame index in a 12-bit block code (scripts/make_demo_video.py), so these
tests check that a sampler returns *the* frame shown at a time, not just a frame near it.
"""
from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_utils.errors import CourseError, VideoFormatError
from course_utils.video import clips as C
from course_utils.video import frames as F

ROOT = Path(__file__).resolve().parent.parent
VIDEO = ROOT / "data" / "video" / "product_demo.mp4"
GT = json.loads((ROOT / "data" / "video" / "product_demo.ground_truth.json").read_text())
CODE = GT["frame_code"]


def frame_index(rgb: np.ndarray) -> int:
    """Read the frame counter the demo video stamps (white block = 1, MSB first)."""
    value, b, x0, y0 = 0, CODE["block_px"], CODE["x"], CODE["y"]
    for k in range(CODE["bits"]):
        block = rgb[y0 + 2:y0 + b - 2, x0 + k * b + 2:x0 + (k + 1) * b - 2]
        value = (value << 1) | int(block.mean() > 128)
    return value


def shown_at(t: float) -> int:
    """Index of the frame shown at t (10 fps, frames at k/10 s)."""
    return min(int(math.floor(t * GT["fps"] + 1e-6)), GT["duration_s"] * GT["fps"] - 1)


# -- the data ------------------------------------------------------------------------------------
def test_ground_truth_is_consistent_with_the_video():
    assert GT["provenance"].startswith("synthetic")
    import hashlib
    assert hashlib.sha256(VIDEO.read_bytes()).hexdigest() == GT["sha256"], "re-run scripts/make_demo_video.py"
    assert VIDEO.stat().st_size < 10_000_000
    segs = GT["segments"]
    assert segs[0]["start_s"] == 0 and segs[-1]["end_s"] == GT["duration_s"]
    assert all(a["end_s"] == b["start_s"] for a, b in zip(segs, segs[1:]))
    assert GT["cuts_s"] == [s["start_s"] for s in segs[1:]]
    assert len(GT["features"]) == 6
    for f in GT["features"]:
        assert f["spoken_lines"] and f["on_screen_text"] and f["visual_only"] and f["audio_only"]
        for line in f["spoken_lines"]:
            assert f["start_s"] <= line["start_s"] < line["end_s"] <= f["end_s"]
    lines = GT["narration"]
    assert all(a["end_s"] < b["start_s"] for a, b in zip(lines, lines[1:]))


# -- probe ---------------------------------------------------------------------------------------
def test_probe_reports_the_file():
    info = F.probe(VIDEO)
    assert (info.width, info.height, info.fps, info.n_frames) == (640, 360, 10.0, 3000)
    assert info.duration_s == pytest.approx(300.0, abs=0.01)
    assert info.video_codec == "h264" and info.audio_codec == "aac" and info.has_audio
    assert info.audio_sample_rate == 22050 and info.audio_channels == 1
    assert info.keyframe_interval_s == pytest.approx(1.0)
    assert "640x360" in str(info) and "keyframe every 1 s" in str(info)
    assert "<table>" in info._repr_html_()


def test_keyframes_are_read_from_packets():
    kf = F.keyframe_times(VIDEO)
    assert kf == pytest.approx([float(k) for k in range(300)])


# -- sampling ------------------------------------------------------------------------------------
def test_one_frame_per_second_returns_the_frame_shown_at_each_second():
    frames = F.sample_frames(VIDEO, every_s=1.0)
    assert len(frames) == 300
    for k, (t, rgb) in enumerate(frames):
        assert rgb.dtype == np.uint8 and rgb.shape == (360, 640, 3)
        assert t == pytest.approx(k)
        assert frame_index(rgb) == k * 10


def test_twenty_evenly_spaced_frames():
    frames = F.sample_frames(VIDEO, count=20)
    assert [t for t, _ in frames] == pytest.approx([15.0 * k for k in range(20)])
    assert [frame_index(img) for _, img in frames] == [150 * k for k in range(20)]
    first = frames[0]
    assert first.t == 0.0 and first.image is first[1]  # a named pair


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.floats(min_value=0, max_value=299.999, allow_nan=False), min_size=1, max_size=6))
def test_any_times_give_the_frame_shown_then(times):
    frames = F.frames_at(VIDEO, times)
    for t, (ft, rgb) in zip(sorted(times), frames):
        assert ft <= t + 1e-6 and t - ft < 0.1 + 1e-6, "within one frame, never after the request"
        assert frame_index(rgb) == shown_at(t)


def test_seeking_and_decoding_straight_through_agree():
    times = [0.0, 0.05, 3.33, 3.35, 17.99, 150.04, 299.95]
    seek = F.frames_at(VIDEO, times)
    straight = F.frames_at(VIDEO, times, seek=False)
    for (t1, a), (t2, b) in zip(seek, straight):
        assert t1 == t2 and np.array_equal(a, b)
    assert [frame_index(img) for _, img in seek] == [0, 0, 33, 33, 179, 1500, 2999]


def test_sampling_a_window_and_scaling():
    frames = F.sample_frames(VIDEO, every_s=2.5, start_s=60, end_s=70, width=320, height=180)
    assert [t for t, _ in frames] == pytest.approx([60.0, 62.5, 65.0, 67.5])
    assert frames[0].image.shape == (180, 320, 3)


@pytest.mark.parametrize("kwargs, fragment", [
    ({}, "exactly one"), ({"every_s": 1, "count": 3}, "exactly one"), ({"every_s": 0}, "positive"),
    ({"count": 0}, "at least 1"), ({"every_s": 1, "start_s": 50, "end_s": 40}, "start_s < end_s"),
])
def test_sampling_arguments_are_checked(kwargs, fragment):
    with pytest.raises(VideoFormatError, match=fragment) as err:
        F.sample_frames(VIDEO, **kwargs)
    assert "\n" not in str(err.value)


# -- scene changes -------------------------------------------------------------------------------
def test_scene_changes_find_every_ground_truth_cut_and_nothing_else():
    cuts = F.scene_changes(VIDEO)
    assert len(cuts) == len(GT["cuts_s"])
    for found, true in zip(cuts, GT["cuts_s"]):
        assert abs(found - true) <= 0.1 + 1e-6  # within one frame


# -- contact sheet, clips, audio -------------------------------------------------------------------
def test_contact_sheet_labels_frames_mm_ss():
    frames = F.sample_frames(VIDEO, count=6)
    fig = F.contact_sheet(frames, cols=3, title="demo", marks=[frames[1].t])
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["00:00", "00:50", "01:40", "02:30", "03:20", "04:10"]
    assert fig.axes[1].title.get_color() == "red"
    with pytest.raises(VideoFormatError):
        F.contact_sheet([])


def test_cut_clip_copies_the_requested_seconds(tmp_path):
    out = C.cut_clip(VIDEO, 148, 192, tmp_path / "clip.mp4")
    info = F.probe(out)
    assert info.duration_s == pytest.approx(44.0, abs=0.05) and info.has_audio
    (t0, first), = F.frames_at(out, [0.0])
    assert frame_index(first) == 1480
    data = C.cut_clip(VIDEO, 10, 12)
    assert isinstance(data, bytes) and len(data) < 100_000


def test_extract_audio_finds_the_narration(tmp_path):
    samples, rate = C.extract_audio(VIDEO)
    assert rate == 16000 and samples.dtype == np.float32
    assert len(samples) / rate == pytest.approx(300.0, abs=0.1)

    def rms(a, b):
        seg = samples[int(a * rate):int(b * rate)]
        return float(np.sqrt(np.mean(seg ** 2)))

    line = GT["narration"][1]
    assert rms(line["start_s"] + 0.5, line["end_s"] - 0.5) > 20 * rms(12, 16.5)  # speech vs the pause after the intro
    for suffix in (".wav", ".flac", ".mp3"):
        path = C.extract_audio(VIDEO, tmp_path / f"a{suffix}", sample_rate=16000)
        with av.open(str(path)) as c:
            assert c.streams.audio[0].codec_context.sample_rate == 16000
            assert float(c.duration) / 1e6 == pytest.approx(300.0, abs=0.2)
    with pytest.raises(VideoFormatError, match=".wav, .flac or .mp3"):
        C.extract_audio(VIDEO, tmp_path / "a.ogg")


# -- errors ----------------------------------------------------------------------------------------
def _silent_video(path: Path, seconds: int = 1) -> Path:
    with av.open(str(path), "w") as out:
        s = out.add_stream("mpeg4", rate=5)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for i in range(5 * seconds):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 20, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 5)
            for p in s.encode(frame):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    return path


def _audio_only(path: Path) -> Path:
    with av.open(str(path), "w", format="wav") as out:
        s = out.add_stream("pcm_s16le", rate=8000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 8000), np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        for p in s.encode(frame):
            out.mux(p)
        for p in s.encode():
            out.mux(p)
    return path


def test_missing_file(tmp_path):
    with pytest.raises(VideoFormatError, match="No video file at") as err:
        F.probe(tmp_path / "nope.mp4")
    assert isinstance(err.value, CourseError) and "\n" not in str(err.value)


def test_unreadable_container(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00not a video at all" * 100)
    with pytest.raises(VideoFormatError, match="not a readable video container") as err:
        F.sample_frames(bad, count=2)
    assert "ffmpeg" in str(err.value)


def test_audio_only_file_has_no_video(tmp_path):
    with pytest.raises(VideoFormatError, match="no video stream"):
        F.probe(_audio_only(tmp_path / "speech.wav"))


def test_video_without_audio_track(tmp_path):
    path = _silent_video(tmp_path / "silent.avi")
    assert F.probe(path).has_audio is False
    assert len(F.sample_frames(path, count=2)) == 2
    with pytest.raises(VideoFormatError, match="no audio track"):
        C.extract_audio(path)


def test_mmss():
    assert [F.mmss(x) for x in (0, 59.99, 60, 75.4, 3600)] == ["00:00", "00:59", "01:00", "01:15", "60:00"]


def _reencode_with_b_frames(src: Path, dst: Path, seconds: int = 20) -> Path:
    """The first ``seconds`` of the demo, re-encoded the way cameras and editors do: B-frames, long GOP."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        s = out.add_stream("libx264", rate=10, options={"x264-params": "keyint=37:min-keyint=5:bframes=3:b-pyramid=normal"})
        s.width, s.height, s.pix_fmt = 640, 360, "yuv420p"
        for i, frame in enumerate(inp.decode(video=0)):
            if i >= seconds * 10:
                break
            frame.pts, frame.time_base, frame.pict_type = i, Fraction(1, 10), av.video.frame.PictureType.NONE
            for p in s.encode(frame):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    return dst


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.floats(min_value=0, max_value=19.9, allow_nan=False), min_size=1, max_size=8))
def test_exact_frames_with_b_frames_and_long_gops(b_frame_video, times):
    kf = F.keyframe_times(b_frame_video)
    assert len(kf) < 20 / 3.7 + 2  # a long GOP, keyframes are sparse
    for t, (ft, rgb) in zip(sorted(times), F.frames_at(b_frame_video, times)):
        assert frame_index(rgb) == shown_at(t) and ft <= t + 1e-6


@pytest.fixture(scope="module")
def b_frame_video(tmp_path_factory):
    return _reencode_with_b_frames(VIDEO, tmp_path_factory.mktemp("bframes") / "bframes.mp4")
