#!/usr/bin/env python3
"""Frame sampling: course_utils.video.sample_frames against the read-every-frame loop and the ffmpeg CLI.

Two jobs on the 5-minute demo video (300 s, 10 fps, 3,000 frames): one frame per second (300
frames) and 20 evenly spaced frames. Baselines, measured in the same run:

* **read-every-frame loop**: decode every frame and convert each to an RGB array, keeping the ones
  at the sample times (what a ``cv2.VideoCapture.read()`` loop does);
* **ffmpeg CLI**: ``ffmpeg -vf fps=1 -f rawvideo -pix_fmt rgb24 -`` for 1 fps; for 20 frames, one
  ``ffmpeg -ss T -i ... -frames:v 1`` process per frame (input seeking).

Each figure is the best of ``--repeat`` interleaved runs; ratios use CPU time (this process plus
finished ffmpeg children), which other jobs on a shared machine disturb far less than wall-clock time
(printed beside it). Then the same sampler on copies of the video re-encoded with a keyframe every
5 s and every 10 s shows what the keyframe interval does.

Run:  python bench/bench_frames.py
"""
from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course_utils.video import frames as F  # noqa: E402

VIDEO = ROOT / "data" / "video" / "product_demo.mp4"


def _cpu() -> float:
    """CPU seconds used by this process and its finished children (ffmpeg) so far."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass
class Timing:
    wall: float = float("inf")
    cpu: float = float("inf")


def measure(fns: dict, repeat: int) -> tuple[dict[str, Timing], dict[str, object]]:
    """Best wall-clock and CPU time of each function, runs interleaved so load spikes hit all alike."""
    timings, results = {k: Timing() for k in fns}, {}
    for _ in range(repeat):
        for name, fn in fns.items():
            w0, c0 = time.perf_counter(), _cpu()
            results[name] = fn()
            timings[name].wall = min(timings[name].wall, time.perf_counter() - w0)
            timings[name].cpu = min(timings[name].cpu, _cpu() - c0)
    return timings, results


def read_every_frame(path: Path, times: list[float]) -> list[np.ndarray]:
    """The usual loop: every frame decoded and converted to RGB; keep the one shown at each time."""
    wanted, out, last = list(times), [], None
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            rgb = frame.to_ndarray(format="rgb24")
            while wanted and frame.time > wanted[0] + 1e-6:
                out.append(last)
                wanted.pop(0)
            last = rgb
            if not wanted:
                break
    out.extend(last for _ in wanted)
    return out


def ffmpeg_fps(path: Path, fps: float, w: int, h: int) -> list[np.ndarray]:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-vf", f"fps={fps}", "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    return list(np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3))


def ffmpeg_seek_each(path: Path, times: list[float], w: int, h: int) -> list[np.ndarray]:
    out = []
    for t in times:
        raw = subprocess.run(["ffmpeg", "-v", "error", "-ss", f"{t:.3f}", "-i", str(path), "-frames:v", "1",
                              "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
        out.append(np.frombuffer(raw, np.uint8).reshape(h, w, 3))
    return out


def reencode(src: Path, dst: Path, keyint_frames: int) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-c:v", "libx264", "-preset", "slow", "-crf", "30",
                    "-tune", "fastdecode", "-x264-params", f"keyint={keyint_frames}:min-keyint={keyint_frames}:"
                    "scenecut=0:bframes=0", "-c:a", "copy", str(dst)], check=True)
    return dst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--video", type=Path, default=VIDEO)
    args = parser.parse_args()
    info = F.probe(args.video)
    print(f"video: {info}")
    print("times: best of", args.repeat, "interleaved runs; ratios on CPU time (robust to other load on a shared "
          "machine), wall clock in brackets")
    jobs = {"1 frame per second": F.sample_times(info, every_s=1.0), "20 evenly spaced frames": F.sample_times(info, count=20)}
    has_ffmpeg = shutil.which("ffmpeg") is not None
    for name, times in jobs.items():
        fns = {"loop": lambda times=times: read_every_frame(args.video, times),
               "ours": lambda times=times: list(F.iter_frames(args.video, times))}
        if has_ffmpeg:
            fns["ffmpeg"] = ((lambda: ffmpeg_fps(args.video, 1.0, info.width, info.height)) if name.startswith("1 frame")
                             else (lambda times=times: ffmpeg_seek_each(args.video, times, info.width, info.height)))
        t, res = measure(fns, args.repeat)
        same = all(np.array_equal(a.image, b) for a, b in zip(res["ours"], res["loop"]))
        print(f"\n{name} ({len(times)} frames)")
        print(f"  read-every-frame loop (baseline)  {t['loop'].cpu * 1000:7.0f} ms CPU ({t['loop'].wall * 1000:5.0f} ms)")
        print(f"  sample_frames                     {t['ours'].cpu * 1000:7.0f} ms CPU ({t['ours'].wall * 1000:5.0f} ms)"
              f"   {t['loop'].cpu / t['ours'].cpu:5.1f}x faster than the loop ({t['loop'].wall / t['ours'].wall:.1f}x wall);"
              f" same pixels: {same}")
        if has_ffmpeg:
            how = "ffmpeg -vf fps=1, one process" if name.startswith("1 frame") else "ffmpeg -ss T, a process per frame"
            print(f"  {how:<33} {t['ffmpeg'].cpu * 1000:7.0f} ms CPU ({t['ffmpeg'].wall * 1000:5.0f} ms)"
                  f"   sample_frames: {t['ffmpeg'].cpu / t['ours'].cpu:5.1f}x less CPU than the CLI "
                  f"({t['ffmpeg'].wall / t['ours'].wall:.1f}x wall)")

    if has_ffmpeg:
        print("\nkeyframe interval (the same video re-encoded; CPU time, and the ratio to the loop on that file):")
        with tempfile.TemporaryDirectory() as tmp:
            variants = [("1 s (committed file)", args.video)]
            for seconds in (5, 10):
                variants.append((f"{seconds} s", reencode(args.video, Path(tmp) / f"gop{seconds}.mp4",
                                                          int(seconds * info.fps))))
            for label, path in variants:
                row = [f"  keyframe every {label:<21} {path.stat().st_size / 1e6:5.2f} MB"]
                for name, times in jobs.items():
                    t, _ = measure({"loop": lambda path=path, times=times: read_every_frame(path, times),
                                    "ours": lambda path=path, times=times: list(F.iter_frames(path, times))}, max(2, args.repeat // 2))
                    row.append(f"{name.split()[0]:>2}: {t['ours'].cpu * 1000:5.0f} ms ({t['loop'].cpu / t['ours'].cpu:5.1f}x)")
                print("   ".join(row))
    print("""
What the keyframe interval does: decoding can only start at a keyframe, so the interval (GOP) bounds
the work per sample. With a keyframe every second, a frame on a whole second IS a keyframe: one
frame decoded, one converted. With 5 or 10 s between keyframes, one frame per second means decoding
every frame anyway (only the RGB conversion of 9 frames in 10 is saved), so the gain over the loop
shrinks to what conversion costs; 20 frames 15 s apart still skip most of the file, but each one
costs up to a GOP of decoding. Short GOPs cost file size: keyframes take most of the bits (compare
the MB column). The committed demo keeps a 1 s GOP (and x264 tune=fastdecode) for fast, exact sampling.""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
