#!/usr/bin/env python3
"""Render the support call's "shared screens" (data/screens/*.png) and their ground truth.

Three screenshots of one made-up desktop app ("CloudBox Sync") on a made-up desktop, drawn with PIL
and the DejaVu fonts that ship with matplotlib (so the pixels are the same on every machine):

* ``sync_error.png``        the app's error dialog: "Sync failed: certificate expired (code 0x80072F8F)";
                            the taskbar clock shows 14/03/2019, which is the real cause
* ``datetime_settings.png`` the system's date & time settings: "Set time automatically" is Off and
                            the date is 14 March 2019
* ``sync_ok.png``           after the fix: automatic time On, the app says every file is up to date

``data/screens/ground_truth.json`` says what each shows (the problem, the visible text, the cause) and
how it was made. Nothing here is a capture of a real product or a real screen.

    /work/venv/bin/python scripts/make_support_screens.py
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "screens"
W, H = 800, 500          # 2 x 1 tiles of 512 px for OpenAI's image tokens (85 + 2 x 170 = 425 at high detail)
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"

BG, WINDOW, TITLE, TEXT, MUTED = "#2b5797", "#ffffff", "#e8eaed", "#202124", "#5f6368"
RED, GREEN, BLUE, GREY = "#d93025", "#188038", "#1a73e8", "#9aa0a6"


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def desktop(clock_time: str, clock_date: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A plain desktop with a taskbar whose clock shows ``clock_time`` / ``clock_date``."""
    img = Image.new("RGB", (W, H), BG)
    d = ImageDraw.Draw(img)
    d.rectangle([0, H - 36, W, H], fill="#1f1f1f")
    d.rectangle([8, H - 30, 32, H - 6], fill=BLUE)  # start button
    for i, colour in enumerate(("#f9ab00", "#34a853", "#4285f4")):
        d.rectangle([48 + 34 * i, H - 30, 72 + 34 * i, H - 6], fill=colour)
    d.text((W - 12, H - 28), clock_time, font=font(11), fill="white", anchor="ra")
    d.text((W - 12, H - 15), clock_date, font=font(11), fill="white", anchor="ra")
    return img, d


def window(d: ImageDraw.ImageDraw, box: tuple[int, int, int, int], title: str) -> None:
    x0, y0, x1, y1 = box
    d.rectangle([x0 + 4, y0 + 4, x1 + 4, y1 + 4], fill="#1c3d6e")  # shadow
    d.rectangle(box, fill=WINDOW, outline="#c4c7c5")
    d.rectangle([x0, y0, x1, y0 + 30], fill=TITLE)
    d.text((x0 + 12, y0 + 8), title, font=font(13, bold=True), fill=TEXT)
    for i, glyph in enumerate(("x", "□", "–")):
        d.text((x1 - 18 - 28 * i, y0 + 7), glyph, font=font(13), fill=MUTED, anchor="ma")


def button(d: ImageDraw.ImageDraw, x: int, y: int, label: str, primary: bool = False) -> None:
    w = 18 + int(d.textlength(label, font=font(12)))
    d.rounded_rectangle([x, y, x + w, y + 28], radius=4, fill=BLUE if primary else WINDOW,
                        outline=BLUE if primary else GREY)
    d.text((x + w // 2, y + 7), label, font=font(12), fill="white" if primary else TEXT, anchor="ma")


def toggle(d: ImageDraw.ImageDraw, x: int, y: int, on: bool) -> None:
    d.rounded_rectangle([x, y, x + 44, y + 22], radius=11, fill=BLUE if on else WINDOW, outline=BLUE if on else MUTED)
    cx = x + 33 if on else x + 11
    d.ellipse([cx - 7, y + 4, cx + 7, y + 18], fill="white" if on else MUTED)
    d.text((x + 54, y + 3), "On" if on else "Off", font=font(13), fill=TEXT)


def app_window(d: ImageDraw.ImageDraw, status: str, status_colour: str, last_sync: str) -> None:
    window(d, (40, 30, 520, 400), "CloudBox Sync")
    d.text((64, 60), "CloudBox", font=font(22, bold=True), fill=BLUE)
    d.text((64, 96), "Account: sam.lee@example.com", font=font(12), fill=MUTED)
    d.text((64, 130), "Status:", font=font(13, bold=True), fill=TEXT)
    d.text((124, 130), status, font=font(13), fill=status_colour)
    d.text((64, 156), f"Last successful sync: {last_sync}", font=font(12), fill=MUTED)
    for i, name in enumerate(("Documents", "Photos", "Invoices 2026")):
        y = 196 + 34 * i
        d.rectangle([64, y, 496, y + 26], outline="#e0e0e0")
        d.text((76, y + 6), f"\u25a0  {name}", font=font(12), fill=TEXT)


def sync_error() -> Image.Image:
    img, d = desktop("09:41", "14/03/2019")
    app_window(d, "Not syncing", RED, "Yesterday, 17:02")
    window(d, (250, 150, 760, 330), "CloudBox Sync - Error")
    d.ellipse([272, 196, 312, 236], fill=RED)
    d.text((292, 203), "!", font=font(24, bold=True), fill="white", anchor="ma")
    d.text((330, 196), "Sync failed: certificate expired", font=font(15, bold=True), fill=TEXT)
    d.text((330, 222), "(code 0x80072F8F)", font=font(13), fill=TEXT)
    d.text((330, 250), "The secure connection to sync.cloudbox.example", font=font(12), fill=MUTED)
    d.text((330, 266), "could not be verified.", font=font(12), fill=MUTED)
    button(d, 570, 290, "Details")
    button(d, 650, 290, "Retry", primary=True)
    return img


def settings_page(automatic: bool) -> Image.Image:
    clock = ("10:05", "25/11/2026") if automatic else ("09:42", "14/03/2019")
    img, d = desktop(*clock)
    window(d, (60, 24, 740, 440), "Settings")
    d.rectangle([61, 55, 230, 439], fill="#f6f8fc")
    for i, (item, active) in enumerate((("System", False), ("Network", False), ("Time & language", True),
                                        ("Privacy", False), ("Updates", False))):
        y = 76 + 36 * i
        if active:
            d.rounded_rectangle([70, y - 6, 222, y + 24], radius=6, fill="#d3e3fd")
        d.text((84, y), item, font=font(13, bold=active), fill=TEXT)
    d.text((256, 70), "Date & time", font=font(22, bold=True), fill=TEXT)
    d.text((256, 112), "Current date and time", font=font(12), fill=MUTED)
    d.text((256, 130), "Wednesday, 25 November 2026, 10:05" if automatic else "Thursday, 14 March 2019, 09:42",
           font=font(16, bold=True), fill=TEXT)
    rows = [("Set time automatically", automatic), ("Set time zone automatically", True)]
    for i, (label, on) in enumerate(rows):
        y = 180 + 52 * i
        d.line([256, y - 10, 716, y - 10], fill="#e0e0e0")
        d.text((256, y + 3), label, font=font(14), fill=TEXT)
        toggle(d, 610, y, on)
    d.line([256, 274, 716, 274], fill="#e0e0e0")
    d.text((256, 288), "Time zone", font=font(14), fill=TEXT)
    d.text((716, 290), "(UTC+00:00) London", font=font(12), fill=MUTED, anchor="ra")
    d.text((256, 330), "Last time sync: never" if not automatic else "Last time sync: today, 10:04",
           font=font(12), fill=RED if not automatic else MUTED)
    button(d, 256, 370, "Sync now", primary=automatic)
    return img


def sync_ok() -> Image.Image:
    img, d = desktop("10:06", "25/11/2026")
    app_window(d, "Up to date", GREEN, "Today, 10:06")
    window(d, (540, 300, 780, 440), "CloudBox Sync")
    d.ellipse([556, 348, 596, 388], fill=GREEN)
    d.line([566, 369, 574, 377, 587, 359], fill="white", width=4)
    d.text((608, 352), "All files are up to date", font=font(12, bold=True), fill=TEXT)
    d.text((608, 372), "Synced just now", font=font(11), fill=MUTED)
    return img


GROUND_TRUTH = {
    "sync_error.png": {
        "shows": "CloudBox Sync's error dialog over the app window; the taskbar clock reads 09:41 14/03/2019",
        "visible_text": ["Sync failed: certificate expired", "(code 0x80072F8F)",
                         "The secure connection to sync.cloudbox.example could not be verified.",
                         "Status: Not syncing", "Last successful sync: Yesterday, 17:02", "14/03/2019"],
        "problem": "file sync fails because the server's certificate cannot be validated (error 0x80072F8F)",
        "cause": "the computer's clock is set to 14 March 2019, so certificate dates look invalid",
        "easy_to_miss": "the wrong date appears only in the small taskbar clock, not in the dialog",
        "key_facts": ["certificate expired", "0x80072F8F", "Not syncing", "14/03/2019"],
    },
    "datetime_settings.png": {
        "shows": "Settings > Time & language > Date & time",
        "visible_text": ["Thursday, 14 March 2019, 09:42", "Set time automatically: Off",
                         "Set time zone automatically: On", "Last time sync: never"],
        "problem": "'Set time automatically' is Off and the date is 14 March 2019 (the wrong toggle)",
        "cause": "the clock is not synchronised with a time server",
        "fix": "switch 'Set time automatically' On (or press Sync now), then retry the sync",
        "key_facts": ["Set time automatically", "Off", "14 March 2019", "never"],
    },
    "sync_ok.png": {
        "shows": "CloudBox Sync after the fix: status Up to date and a notification 'All files are up to date'; clock 25/11/2026",
        "visible_text": ["Status: Up to date", "All files are up to date", "Synced just now",
                         "Last successful sync: Today, 10:06", "25/11/2026"],
        "key_facts": ["Up to date", "All files are up to date", "25/11/2026"],
        "problem": None,
        "cause": None,
    },
}

SCREENS = {"sync_error.png": sync_error, "datetime_settings.png": lambda: settings_page(False),
           "sync_ok.png": sync_ok}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    entries = {}
    for name, draw in SCREENS.items():
        path = OUT / name
        draw().save(path, format="PNG", optimize=True)
        size = path.stat().st_size
        entries[name] = {"width": W, "height": H, "bytes": size, **GROUND_TRUTH[name]}
        print(f"{name}: {W}x{H}, {size / 1024:.1f} KiB")
    truth = {
        "provenance": ("synthetic: drawn with PIL and matplotlib's bundled DejaVu fonts by scripts/make_support_screens.py; "
                       "a made-up app (CloudBox Sync) on a made-up desktop, not a capture of any real product or screen. "
                       "0x80072F8F is the real Windows code for a failed secure-channel check, often caused by a wrong "
                       "system clock; the scenario borrows it."),
        "made_by": "scripts/make_support_screens.py",
        "scenario": "a customer's files stop syncing; the shared screens show the error, the wrong date setting, and the fix",
        "key_facts": "short strings a correct description must contain (checked case-insensitively)",
        "screens": entries,
    }
    (OUT / "ground_truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    sys.exit(main())
