#!/usr/bin/env python3
"""Render the course's 5-minute synthetic "product demo" video and its ground truth.

The video tours six features of *Tasklane*, a fictional task app: a title card per feature, then a
simple animated UI (cursor, typing, drag and drop, a board, a timer, a chart, an offline badge),
narrated with espeak-ng. Everything is drawn here, so every fact about the video is known exactly:
``data/video/product_demo.ground_truth.json`` lists each feature's start/end, its on-screen text,
its spoken lines, the facts only the picture shows and the facts only the narration says, and
every scene cut. Notebook 03 scores the "traditional methods" and Gemini against it.

Choices (all deliberate, see the bench note in ``bench/bench_frames.py``):

* 640x360, 10 fps, H.264 without B-frames, **a keyframe every 1 s** (``keyint=10``, no scene-cut
  keyframes), CRF 30, x264 ``tune=fastdecode`` (no CABAC, no deblocking: cheaper to decode, 4%
  bigger): small enough to commit, and a sampler that seeks to the keyframe before each requested
  time decodes at most 10 frames per sample (exactly one when sampling on whole seconds).
* Narration: espeak-ng (en-us, 150 wpm), mono AAC 32 kb/s at 22.05 kHz.
* A 12-bit frame counter (white = 1, MSB first) in the bottom-right corner, so tests can check that
  a sampler returns exactly the frame shown at a requested time.

Run:  python scripts/make_demo_video.py     (about a minute; needs espeak-ng, PyAV, Pillow)
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course_utils.voice import espeak  # noqa: E402

OUT_DIR = ROOT / "data" / "video"

W, H, FPS = 640, 360, 10
DURATION_S = 300
KEYINT = 10  # frames between keyframes (1 s at 10 fps)
AUDIO_RATE = 22050
VOICE, WPM = "en-us", 150
PRODUCT = "Tasklane"

# frame counter: 12 blocks of 8x8 px, bottom right
CODE_BITS, CODE_BLOCK = 12, 8
CODE_X, CODE_Y = W - 8 - CODE_BITS * CODE_BLOCK, H - 12

_FONT_DIR = Path(__import__("matplotlib").get_data_path()) / "fonts" / "ttf"


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (bundled with matplotlib, so the same glyphs everywhere)."""
    return ImageFont.truetype(str(_FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


F_TITLE, F_BIG, F_MED, F_SMALL, F_TINY = font(40, True), font(28, True), font(18), font(14), font(12)
F_MED_B, F_SMALL_B = font(18, True), font(14, True)

# -- the script of the video ---------------------------------------------------------------------
INTRO_END = 16
FEATURE_LEN = 44
TITLE_LEN = 5
OUTRO_START = INTRO_END + 6 * FEATURE_LEN  # 280


@dataclass
class Feature:
    key: str
    name: str
    subtitle: str
    nav: str  # the sidebar item the demo highlights
    color: tuple[int, int, int]
    lines: list[tuple[float, str]]  # (offset from the feature's start, spoken text)
    on_screen_text: list[str]
    visual_only: list[tuple[str, list[str]]]  # (fact, key phrases an answer must contain)
    audio_only: list[tuple[str, list[str]]]
    events: list[tuple[float, float, str]] = field(default_factory=list)  # (offset start, offset end, what)


FEATURES: list[Feature] = [
    Feature(
        "capture", "Quick Capture", "Add a task from anywhere", "Inbox", (37, 99, 235),
        [(1.0, "Feature one, quick capture. Add a task from anywhere, without leaving what you are doing."),
         (20.0, "Captured tasks land in your inbox. You can also forward an email to your inbox address "
                "to turn it into a task.")],
        ["1 · Quick Capture", "Add a task from anywhere", "Ctrl + K", "Book venue for team offsite",
         "Added to Inbox"],
        [("the capture shortcut is Ctrl + K", ["ctrl + k"]),
         ("the captured task is 'Book venue for team offsite'", ["book venue for team offsite"])],
        [("emails forwarded to the inbox address become tasks", ["email", "inbox address"])],
        [(8, 16, "shortcut hint 'Ctrl + K' shown"), (9, 16, "capture box opens and the task is typed"),
         (16, 18, "toast 'Added to Inbox'")],
    ),
    Feature(
        "schedule", "Smart Scheduling", "Drop a task on your week", "Calendar", (5, 150, 105),
        [(1.0, "Feature two, smart scheduling. Drag a task onto your week, and Tasklane suggests the first "
               "free slot."),
         (24.0, "It reads your connected calendars, so meetings are never double booked.")],
        ["2 · Smart Scheduling", "Drop a task on your week", "Suggested: Wed 10:00", "Book venue"],
        [("the suggested slot is Wednesday 10:00", ["wed", "10:00"]),
         ("the week already holds Standup meetings", ["standup"])],
        [("scheduling reads the connected calendars to avoid double booking", ["double book"])],
        [(10, 16, "cursor drags the 'Book venue' chip onto the calendar"),
         (16, 30, "green 'Suggested: Wed 10:00' slot")],
    ),
    Feature(
        "board", "Team Board", "See who is doing what", "Board", (217, 119, 6),
        [(1.0, "Feature three, the team board. Every task moves from to do, to doing, to done."),
         (27.0, "Boards update live for everyone on the team, with no refresh needed.")],
        ["3 · Team Board", "See who is doing what", "To do", "Doing", "Done", "Draft launch email", "MK"],
        [("the card 'Draft launch email' is assigned to MK", ["draft launch email", "mk"]),
         ("the Done column count goes from 2 to 3", ["done", "3"])],
        [("boards update live for the whole team without a refresh", ["refresh"])],
        [(11, 13, "card 'Draft launch email' moves To do -> Doing"),
         (24, 26, "card moves Doing -> Done")],
    ),
    Feature(
        "focus", "Focus Timer", "25-minute focus sessions", "Focus", (124, 58, 237),
        [(1.0, "Feature four, the focus timer. Start a session, and notifications pause until it ends."),
         (24.0, "After four sessions, Tasklane suggests a longer break.")],
        ["4 · Focus Timer", "25-minute focus sessions", "25:00", "Do not disturb: ON", "Session 1 of 4"],
        [("the timer starts at 25:00", ["25:00"]),
         ("a 'Do not disturb: ON' badge shows during the session", ["do not disturb"])],
        [("after four sessions a longer break is suggested", ["longer break"])],
        [(8, 9, "the Start button is clicked"), (9, 39, "the timer counts down (fast-forwarded)")],
    ),
    Feature(
        "insights", "Insights", "Your week at a glance", "Insights", (220, 38, 38),
        [(1.0, "Feature five, insights. A weekly chart shows how much your team finished."),
         (22.0, "Managers can export the report as a PDF every Friday.")],
        ["5 · Insights", "Your week at a glance", "Tasks done this week: 23", "+15% vs last week"],
        [("23 tasks were done this week", ["23"]), ("that is 15% more than last week", ["15%"])],
        [("the report can be exported as a PDF every Friday", ["pdf"])],
        [(6, 12, "bars of the weekly chart grow"), (12, 39, "totals shown")],
    ),
    Feature(
        "offline", "Offline Sync", "Keep working without a connection", "Settings", (8, 145, 178),
        [(1.0, "Feature six, offline sync. Keep working on a plane or a train."),
         (22.0, "Changes are stored on your device for up to thirty days, and merge automatically.")],
        ["6 · Offline Sync", "Keep working without a connection", "Offline", "3 changes waiting",
         "Synced 3 changes"],
        [("the badge says '3 changes waiting' while offline", ["3 changes waiting"]),
         ("a toast 'Synced 3 changes' shows for 2 s", ["synced 3 changes"])],
        [("changes are kept on the device for up to thirty days", ["thirty days|30 days"])],
        [(9, 26, "connection drops: red 'Offline' badge, edits queue up"),
         (26, 28, "back online: toast 'Synced 3 changes' for 2 s")],
    ),
]

INTRO_LINE = (1.0, "Welcome to Tasklane, the task app for small teams. This five minute tour shows six features.")
OUTRO_LINE = (1.0, "That was Tasklane: capture, schedule, share, focus, measure, and sync. Thanks for watching.")
NAV = ["Inbox", "Calendar", "Board", "Focus", "Insights", "Settings"]


def feature_start(i: int) -> int:
    return INTRO_END + i * FEATURE_LEN


def segments() -> list[dict]:
    """Every shot of the video, in order (each boundary is a scene cut)."""
    segs = [{"kind": "intro", "start_s": 0, "end_s": INTRO_END, "feature": None}]
    for i, f in enumerate(FEATURES):
        s = feature_start(i)
        segs.append({"kind": "title_card", "start_s": s, "end_s": s + TITLE_LEN, "feature": f.key})
        segs.append({"kind": "demo", "start_s": s + TITLE_LEN, "end_s": s + FEATURE_LEN, "feature": f.key})
    segs.append({"kind": "outro", "start_s": OUTRO_START, "end_s": DURATION_S, "feature": None})
    return segs


# -- drawing ------------------------------------------------------------------------------------
BG_APP, WHITE, INK, MUTED, LINE = (241, 245, 249), (255, 255, 255), (15, 23, 42), (100, 116, 139), (226, 232, 240)


def text_center(d: ImageDraw.ImageDraw, xy: tuple[float, float], s: str, f, fill) -> None:
    d.text(xy, s, font=f, fill=fill, anchor="mm")


def cursor(d: ImageDraw.ImageDraw, x: float, y: float) -> None:
    pts = [(x, y), (x, y + 18), (x + 5, y + 14), (x + 9, y + 22), (x + 12, y + 20), (x + 8, y + 13), (x + 14, y + 13)]
    d.polygon(pts, fill=(0, 0, 0), outline=WHITE)


def lerp(a: float, b: float, u: float) -> float:
    u = min(1.0, max(0.0, u))
    u = u * u * (3 - 2 * u)  # ease in-out
    return a + (b - a) * u


def toast(d: ImageDraw.ImageDraw, s: str, color=(22, 163, 74)) -> None:
    d.rounded_rectangle((400, 300, 620, 334), 8, fill=color)
    text_center(d, (510, 317), s, F_SMALL_B, WHITE)


def app_frame(feature: Feature) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """The app window every demo shares: top bar, sidebar with the feature's item highlighted."""
    img = Image.new("RGB", (W, H), BG_APP)
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, W, 36), fill=INK)
    d.text((14, 18), PRODUCT, font=F_MED_B, fill=WHITE, anchor="lm")
    d.text((W - 14, 18), feature.name, font=F_SMALL, fill=(203, 213, 225), anchor="rm")
    d.rectangle((0, 36, 120, H), fill=WHITE)
    d.line((120, 36, 120, H), fill=LINE)
    for k, item in enumerate(NAV):
        y = 56 + k * 30
        if item == feature.nav:
            d.rounded_rectangle((8, y - 11, 112, y + 11), 6, fill=feature.color)
            d.text((18, y), item, font=F_SMALL_B, fill=WHITE, anchor="lm")
        else:
            d.text((18, y), item, font=F_SMALL, fill=MUTED, anchor="lm")
    return img, d


def draw_intro(t: float) -> Image.Image:
    img = Image.new("RGB", (W, H), INK)
    d = ImageDraw.Draw(img)
    text_center(d, (W / 2, 140), PRODUCT, font(56, True), WHITE)
    text_center(d, (W / 2, 200), "Product tour · 6 features · 5 minutes", F_MED, (148, 163, 184))
    for k, f in enumerate(FEATURES):  # six dots fade in
        if t > 3 + k * 0.8:
            d.ellipse((W / 2 - 95 + k * 36, 240, W / 2 - 83 + k * 36, 252), fill=f.color)
    return img


def draw_outro(t: float) -> Image.Image:
    img = Image.new("RGB", (W, H), INK)
    d = ImageDraw.Draw(img)
    text_center(d, (W / 2, 50), "Tasklane in six features", F_BIG, WHITE)
    for k, f in enumerate(FEATURES):
        y = 100 + k * 30
        d.ellipse((130, y - 6, 142, y + 6), fill=f.color)
        d.text((154, y), f"{f.name}: {f.subtitle}", font=F_MED, fill=(226, 232, 240), anchor="lm")
    text_center(d, (W / 2, 310), "Try it free at tasklane.example", F_MED_B, (148, 163, 184))
    return img


def draw_title(f: Feature, i: int, t: float) -> Image.Image:
    img = Image.new("RGB", (W, H), f.color)
    d = ImageDraw.Draw(img)
    text_center(d, (W / 2, 150), f"{i + 1} · {f.name}", F_TITLE, WHITE)
    text_center(d, (W / 2, 205), f.subtitle, F_MED, WHITE)
    d.rectangle((W / 2 - 60, 235, W / 2 - 60 + 120 * min(1.0, t / TITLE_LEN), 239), fill=WHITE)
    return img


def demo_capture(f: Feature, t: float) -> Image.Image:
    img, d = app_frame(f)
    d.text((140, 60), "Inbox", font=F_BIG, fill=INK, anchor="lm")
    tasks = ["Review Q3 roadmap", "Reply to design feedback", "Order team lunch"]
    task = "Book venue for team offsite"
    added = t >= 16
    rows = ([task] if added else []) + tasks
    for k, s in enumerate(rows):
        y = 100 + k * 40
        hi = added and k == 0 and t < 20
        d.rounded_rectangle((140, y, 620, y + 32), 6, fill=(219, 234, 254) if hi else WHITE, outline=LINE)
        d.ellipse((150, y + 9, 164, y + 23), outline=MUTED, width=2)
        d.text((176, y + 16), s, font=F_SMALL, fill=INK, anchor="lm")
    if 9 <= t < 16:  # the capture box opens and the task is typed
        d.rectangle((120, 36, W, H), fill=(218, 224, 232))  # a light dim behind the dialog
        d.rounded_rectangle((170, 120, 590, 200), 10, fill=WHITE, outline=(148, 163, 184), width=2)
        d.text((190, 140), "New task", font=F_SMALL_B, fill=MUTED, anchor="lm")
        n = int(len(task) * min(1.0, max(0.0, (t - 10) / 5)))
        caret = "|" if int(t * 2) % 2 == 0 else ""
        d.text((190, 172), task[:n] + caret, font=F_MED, fill=INK, anchor="lm")
    if 8 <= t < 16:  # the shortcut hint stays on top of the dialog
        d.rounded_rectangle((470, 48, 620, 74), 6, fill=INK)
        text_center(d, (545, 61), "Ctrl + K", F_SMALL_B, WHITE)
    if 16 <= t < 18:
        toast(d, "Added to Inbox")
    cx, cy = (lerp(300, 560, (t - 2) / 5), lerp(300, 61, (t - 2) / 5)) if t < 9 else (400, 250)
    cursor(d, cx, cy)
    return img


def demo_schedule(f: Feature, t: float) -> Image.Image:
    img, d = app_frame(f)
    days = ["Mon", "Tue", "Wed", "Thu", "Fri"]
    x0, y0, cw, rh = 190, 70, 86, 34
    for k, day in enumerate(days):
        text_center(d, (x0 + k * cw + cw / 2, 56), day, F_SMALL_B, INK)
    for r in range(8):
        y = y0 + r * rh
        d.text((150, y + 4), f"{9 + r}:00", font=F_TINY, fill=MUTED)
        for k in range(5):
            d.rectangle((x0 + k * cw, y, x0 + (k + 1) * cw, y + rh), fill=WHITE, outline=LINE)
    for day, hour, title in [(0, 9, "Standup"), (0, 13, "1:1 Ana"), (1, 9, "Standup"), (1, 10, "Design sync")]:
        y = y0 + (hour - 9) * rh
        d.rounded_rectangle((x0 + day * cw + 3, y + 3, x0 + (day + 1) * cw - 3, y + rh - 3), 4, fill=(203, 213, 225))
        d.text((x0 + day * cw + 8, y + rh / 2), title, font=F_TINY, fill=INK, anchor="lm")
    target = (x0 + 2 * cw + 3, y0 + 1 * rh + 3)  # Wed 10:00
    start = (140, 320)
    u = (t - 10) / 6
    cx, cy = lerp(start[0], target[0], u), lerp(start[1], target[1], u)
    if t >= 16:
        cx, cy = target
    if t >= 16 and t < 30:
        d.rounded_rectangle((x0 + 2 * cw - 2, y0 + rh - 2, x0 + 3 * cw + 2, y0 + 2 * rh + 2), 6, outline=(22, 163, 74), width=3)
        d.rounded_rectangle((380, 320, 620, 348), 6, fill=(22, 163, 74))
        text_center(d, (500, 334), "Suggested: Wed 10:00", F_SMALL_B, WHITE)
    d.rounded_rectangle((cx, cy, cx + 80, cy + rh - 6), 4, fill=f.color)
    d.text((cx + 6, cy + (rh - 6) / 2), "Book venue", font=F_TINY, fill=WHITE, anchor="lm")
    cursor(d, cx + 40, cy + 12)
    return img


def demo_board(f: Feature, t: float) -> Image.Image:
    img, d = app_frame(f)
    cols = ["To do", "Doing", "Done"]
    base = {"To do": ["Update pricing page", "Plan webinar"], "Doing": ["Fix login bug"],
            "Done": ["Hire designer", "Set up CI"]}
    stage = 0 if t < 11 else (1 if t < 24 else 2)
    moving = "Draft launch email"
    x0, cw = 140, 160
    for k, c in enumerate(cols):
        x = x0 + k * cw
        d.rounded_rectangle((x, 50, x + cw - 12, 350), 8, fill=(226, 232, 240))
        n = len(base[c]) + (1 if stage == k else 0)
        d.text((x + 10, 66), f"{c}  ({n})", font=F_SMALL_B, fill=INK, anchor="lm")
        for r, title in enumerate(base[c]):
            y = 84 + r * 56
            d.rounded_rectangle((x + 8, y, x + cw - 20, y + 48), 6, fill=WHITE)
            d.text((x + 16, y + 16), title, font=F_TINY, fill=INK, anchor="lm")
    # the moving card: animate between columns during the move windows
    def slot(col: int) -> tuple[float, float]:
        return x0 + col * cw + 8, 84 + len(base[cols[col]]) * 56

    if t < 11:
        pos = slot(0)
    elif t < 13:
        a, b = slot(0), slot(1)
        pos = (lerp(a[0], b[0], (t - 11) / 2), lerp(a[1], b[1], (t - 11) / 2))
    elif t < 24:
        pos = slot(1)
    elif t < 26:
        a, b = slot(1), slot(2)
        pos = (lerp(a[0], b[0], (t - 24) / 2), lerp(a[1], b[1], (t - 24) / 2))
    else:
        pos = slot(2)
    x, y = pos
    d.rounded_rectangle((x, y, x + cw - 28, y + 48), 6, fill=WHITE, outline=f.color, width=2)
    d.text((x + 8, y + 16), moving, font=F_TINY, fill=INK, anchor="lm")
    d.ellipse((x + cw - 58, y + 26, x + cw - 38, y + 46), fill=f.color)
    text_center(d, (x + cw - 48, y + 36), "MK", font(9, True), WHITE)
    cursor(d, x + 60, y + 30)
    return img


def demo_focus(f: Feature, t: float) -> Image.Image:
    img, d = app_frame(f)
    running = t >= 9
    # fast-forward: 30 s of video show 25 minutes
    remaining = 25 * 60 - (max(0.0, t - 9) / 30 * 25 * 60 if running else 0)
    remaining = max(0, int(remaining))
    cx, cy, r = 380, 170, 90
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=LINE, width=12)
    if running:
        frac = 1 - remaining / (25 * 60)
        d.arc((cx - r, cy - r, cx + r, cy + r), -90, -90 + 360 * frac, fill=f.color, width=12)
    text_center(d, (cx, cy - 8), f"{remaining // 60:02d}:{remaining % 60:02d}", font(44, True), INK)
    text_center(d, (cx, cy + 36), "Session 1 of 4", F_SMALL, MUTED)
    btn = (cx - 60, 290, cx + 60, 324)
    d.rounded_rectangle(btn, 8, fill=MUTED if running else f.color)
    text_center(d, (cx, 307), "Pause" if running else "Start", F_MED_B, WHITE)
    if running:
        d.rounded_rectangle((470, 48, 630, 74), 6, fill=INK)
        text_center(d, (550, 61), "Do not disturb: ON", F_TINY, WHITE)
    cursor(d, lerp(560, cx, (t - 3) / 5), lerp(330, 307, (t - 3) / 5))
    return img


def demo_insights(f: Feature, t: float) -> Image.Image:
    img, d = app_frame(f)
    d.text((140, 60), "This week", font=F_BIG, fill=INK, anchor="lm")
    values = [3, 6, 4, 7, 3]  # 23 in total
    grow = min(1.0, max(0.0, (t - 6) / 6))
    base_y, bw = 320, 50
    for k, (day, v) in enumerate(zip(["Mon", "Tue", "Wed", "Thu", "Fri"], values)):
        x = 170 + k * 70
        h = v * 26 * grow
        d.rectangle((x, base_y - h, x + bw, base_y), fill=f.color)
        text_center(d, (x + bw / 2, base_y + 14), day, F_SMALL, MUTED)
        if grow >= 1:
            text_center(d, (x + bw / 2, base_y - h - 10), str(v), F_SMALL_B, INK)
    if t >= 12:
        d.rounded_rectangle((500, 90, 632, 170), 8, fill=WHITE, outline=LINE)
        d.text((510, 106), "Tasks done", font=F_TINY, fill=MUTED, anchor="lm")
        d.text((510, 124), "this week: 23", font=F_SMALL_B, fill=INK, anchor="lm")
        d.text((510, 152), "+15% vs last week", font=F_TINY, fill=(22, 163, 74), anchor="lm")
    cursor(d, lerp(600, 540, (t - 12) / 3), lerp(330, 130, (t - 12) / 3))
    return img


def demo_offline(f: Feature, t: float) -> Image.Image:
    img, d = app_frame(f)
    offline = 9 <= t < 26
    d.text((140, 60), "Project: Launch", font=F_BIG, fill=INK, anchor="lm")
    tasks = ["Write release notes", "Record demo video", "Email beta users", "Update FAQ"]
    edits = min(3, max(0, int((t - 12) / 3) + 1)) if offline and t >= 12 else (3 if t >= 26 else 0)
    for k, s in enumerate(tasks):
        y = 100 + k * 44
        done = k < edits
        d.rounded_rectangle((140, y, 620, y + 36), 6, fill=WHITE, outline=LINE)
        d.ellipse((150, y + 11, 164, y + 25), fill=(22, 163, 74) if done else None, outline=MUTED, width=2)
        d.text((176, y + 18), s, font=F_SMALL, fill=INK, anchor="lm")
        if done and offline:
            d.text((600, y + 18), "pending", font=F_TINY, fill=(217, 119, 6), anchor="rm")
    if offline:
        d.rounded_rectangle((520, 46, 630, 76), 6, fill=(220, 38, 38))
        text_center(d, (575, 61), "Offline", F_SMALL_B, WHITE)
        if edits:
            d.rounded_rectangle((140, 290, 330, 318), 6, fill=(254, 243, 199))
            text_center(d, (235, 304), f"{edits} change{'s' if edits > 1 else ''} waiting", F_SMALL_B, (146, 64, 14))
    else:
        d.rounded_rectangle((520, 46, 630, 76), 6, fill=(22, 163, 74))
        text_center(d, (575, 61), "Online", F_SMALL_B, WHITE)
    if 26 <= t < 28:
        toast(d, "Synced 3 changes")
    k = min(edits, 3)
    cursor(d, 158, 100 + max(0, k - 1) * 44 + 14 if offline else 320)
    return img


DEMOS = {"capture": demo_capture, "schedule": demo_schedule, "board": demo_board, "focus": demo_focus,
         "insights": demo_insights, "offline": demo_offline}


def stamp_frame_code(img: Image.Image, index: int) -> None:
    d = ImageDraw.Draw(img)
    d.rectangle((CODE_X - 2, CODE_Y - 2, CODE_X + CODE_BITS * CODE_BLOCK + 1, CODE_Y + CODE_BLOCK + 1), fill=(128, 128, 128))
    for b in range(CODE_BITS):
        bit = (index >> (CODE_BITS - 1 - b)) & 1
        x = CODE_X + b * CODE_BLOCK
        d.rectangle((x, CODE_Y, x + CODE_BLOCK - 1, CODE_Y + CODE_BLOCK - 1), fill=(255, 255, 255) if bit else (0, 0, 0))


def read_frame_code(rgb: np.ndarray) -> int:
    """The frame index stamped by :func:`stamp_frame_code` (tests use the same rule)."""
    value = 0
    for b in range(CODE_BITS):
        x = CODE_X + b * CODE_BLOCK
        block = rgb[CODE_Y + 2:CODE_Y + CODE_BLOCK - 2, x + 2:x + CODE_BLOCK - 2]
        value = (value << 1) | int(block.mean() > 128)
    return value


def render(index: int) -> Image.Image:
    t = index / FPS
    if t < INTRO_END:
        img = draw_intro(t)
    elif t >= OUTRO_START:
        img = draw_outro(t - OUTRO_START)
    else:
        i = int((t - INTRO_END) // FEATURE_LEN)
        f = FEATURES[i]
        local = t - feature_start(i)
        img = draw_title(f, i, local) if local < TITLE_LEN else DEMOS[f.key](f, local - TITLE_LEN)
    stamp_frame_code(img, index)
    return img


# -- narration ----------------------------------------------------------------------------------
def speak(text: str) -> np.ndarray:
    """espeak-ng speech as float32 mono at AUDIO_RATE."""
    samples, rate = espeak.render(text, VOICE, WPM)
    assert rate == AUDIO_RATE
    return samples.astype(np.float32) / 32768


def narration_plan() -> list[dict]:
    plan = [{"start_s": INTRO_LINE[0], "text": INTRO_LINE[1], "segment": "intro"}]
    for i, f in enumerate(FEATURES):
        for off, text in f.lines:
            plan.append({"start_s": feature_start(i) + off, "text": text, "segment": f.key})
    plan.append({"start_s": OUTRO_START + OUTRO_LINE[0], "text": OUTRO_LINE[1], "segment": "outro"})
    return plan


def build_audio() -> tuple[np.ndarray, list[dict]]:
    track = np.zeros(DURATION_S * AUDIO_RATE, dtype=np.float32)
    lines = []
    for item in narration_plan():
        pcm = speak(item["text"])
        # trim espeak's trailing silence so end_s is when speech stops
        loud = np.nonzero(np.abs(pcm) > 0.01)[0]
        pcm = pcm[: loud[-1] + 1] if len(loud) else pcm
        start = int(item["start_s"] * AUDIO_RATE)
        end = start + len(pcm)
        if end > len(track) or np.any(track[start:end]):
            raise SystemExit(f"narration overlaps or runs past the end: {item['text'][:40]}...")
        track[start:end] = pcm * 0.9
        lines.append({**item, "end_s": round(end / AUDIO_RATE, 2)})
    return track, lines


# -- encoding -----------------------------------------------------------------------------------
def encode(path: Path, audio: np.ndarray, crf: int) -> None:
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        out.metadata["title"] = "Tasklane product tour (synthetic demo video)"
        out.metadata["comment"] = "synthetic: rendered by scripts/make_demo_video.py; narration by espeak-ng"
        vs = out.add_stream("libx264", rate=FPS, options={
            "crf": str(crf), "preset": "slow", "tune": "fastdecode",
            "x264-params": f"keyint={KEYINT}:min-keyint={KEYINT}:scenecut=0:bframes=0:threads=1"})
        vs.width, vs.height, vs.pix_fmt = W, H, "yuv420p"
        aus = out.add_stream("aac", rate=AUDIO_RATE, layout="mono")
        aus.bit_rate = 32000
        # interleave roughly: one second of video, then that second of audio
        pcm16 = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
        a_pos, a_chunk = 0, 1024
        for index in range(DURATION_S * FPS):
            frame = av.VideoFrame.from_image(render(index))
            frame.pts = index
            frame.time_base = Fraction(1, FPS)
            for packet in vs.encode(frame):
                out.mux(packet)
            while a_pos < min(len(pcm16), (index + 1) * AUDIO_RATE // FPS):
                chunk = pcm16[a_pos:a_pos + a_chunk]
                af = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
                af.sample_rate, af.pts = AUDIO_RATE, a_pos
                af.time_base = Fraction(1, AUDIO_RATE)
                for packet in aus.encode(af):
                    out.mux(packet)
                a_pos += len(chunk)
        for packet in vs.encode():
            out.mux(packet)
        for packet in aus.encode():
            out.mux(packet)


def ground_truth(lines: list[dict], video_path: Path) -> dict:
    feats = []
    for i, f in enumerate(FEATURES):
        s = feature_start(i)
        feats.append({
            "id": i + 1, "key": f.key, "name": f.name, "subtitle": f.subtitle,
            "start_s": s, "end_s": s + FEATURE_LEN,
            "title_card": {"start_s": s, "end_s": s + TITLE_LEN},
            "demo": {"start_s": s + TITLE_LEN, "end_s": s + FEATURE_LEN},
            "on_screen_text": f.on_screen_text,
            "spoken_lines": [ln for ln in lines if ln["segment"] == f.key],
            "visual_only": [{"fact": fact, "keys": keys} for fact, keys in f.visual_only],
            "audio_only": [{"fact": fact, "keys": keys} for fact, keys in f.audio_only],
            "events": [{"start_s": s + TITLE_LEN + a, "end_s": s + TITLE_LEN + b, "what": w} for a, b, w in f.events],
        })
    segs = segments()
    return {
        "provenance": ("synthetic: every frame drawn and every line spoken (espeak-ng "
                       f"{VOICE}, {WPM} wpm) by scripts/make_demo_video.py; the product Tasklane is fictional"),
        "video": video_path.name,
        "sha256": hashlib.sha256(video_path.read_bytes()).hexdigest(),
        "product": PRODUCT,
        "duration_s": DURATION_S, "fps": FPS, "width": W, "height": H,
        "keyframe_interval_s": KEYINT / FPS,
        "codecs": {"video": "h264 (no B-frames, keyframe every 1 s, no scene-cut keyframes)",
                   "audio": f"aac mono {AUDIO_RATE} Hz 32 kb/s"},
        "features": feats,
        "segments": segs,
        "cuts_s": [seg["start_s"] for seg in segs[1:]],
        "narration": lines,
        "frame_code": {"bits": CODE_BITS, "x": CODE_X, "y": CODE_Y, "block_px": CODE_BLOCK,
                       "what": "frame index, MSB first, white block = 1 (for tests of exact frame sampling)"},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR / "product_demo.mp4")
    parser.add_argument("--crf", type=int, default=30)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    audio, lines = build_audio()
    encode(args.out, audio, args.crf)
    gt = ground_truth(lines, args.out)
    gt_path = args.out.with_name(args.out.stem + ".ground_truth.json")
    gt_path.write_text(json.dumps(gt, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out} "
          f"({args.out.stat().st_size / 1e6:.2f} MB) and {gt_path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
