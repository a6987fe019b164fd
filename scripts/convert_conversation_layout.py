#!/usr/bin/env python3
"""Convert conversation fixtures written as a Realtime turn script to the one conversation layout.

The old Realtime layout kept the user's clips in ``manifest.json`` (``user_turns``, ``tools``,
``tool_results``) and the assistant's side in ``conversation.json`` as ``{"first_delta_ms", "turns"}``.
The one layout (:mod:`course_utils.voice.conversation`, the ``live`` fixtures' layout) has both sides in
``conversation.json`` (``user`` and ``assistant``; a reply's tool call carries its description,
parameters, expected result and follow-up). The audio files stay where they are (other fixtures use
them in place); the manifest's provenance gains a line saying the layout was converted, and when.

    .venv/bin/python scripts/convert_conversation_layout.py              # every fixture in data/fixtures/realtime
    .venv/bin/python scripts/convert_conversation_layout.py short_qa     # one

A fixture already in the one layout is left alone.
"""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course_utils.voice.conversation import layout_from_turns, realtime_user_entries  # noqa: E402

AREA = ROOT / "data" / "fixtures" / "realtime"


def convert(folder: Path, today: str | None = None) -> bool:
    """Rewrite one fixture folder in the one layout; False when it already is."""
    script = json.loads((folder / "conversation.json").read_text())
    if "turns" not in script:
        return False
    manifest = json.loads((folder / "manifest.json").read_text())
    think = float(script.get("first_delta_ms", 300))
    layout = layout_from_turns(script["turns"], realtime_user_entries(manifest.pop("user_turns", [])), think,
                               manifest.pop("tools", []), manifest.pop("tool_results", {}))
    when = today or date.today().isoformat()
    manifest["provenance"] += (f" Layout converted on {when} by scripts/convert_conversation_layout.py from the "
                               f"Realtime turn script (first_delta_ms {think:g}, turns; user_turns, tools and "
                               f"tool_results in the manifest) to the one conversation layout (user and assistant "
                               f"in conversation.json, think_ms {think:g} on every reply); audio files unchanged.")
    manifest["layout_converted_on"] = when
    (folder / "conversation.json").write_text(json.dumps(layout, indent=2, ensure_ascii=False) + "\n")
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return True


def main(names: list[str]) -> None:
    folders = [AREA / n for n in names] if names else sorted(p for p in AREA.iterdir() if (p / "conversation.json").exists())
    for folder in folders:
        print(f"{folder.name}: {'converted' if convert(folder) else 'already in the one layout'}")


if __name__ == "__main__":
    main(sys.argv[1:])
