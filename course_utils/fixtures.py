"""Recorded fixtures: one folder per exchange under ``data/fixtures/<area>/<name>/``.

Each folder holds ``manifest.json`` (with a mandatory ``provenance`` saying how it was made) and the
bodies/events/media as they travel on the wire. Record mode writes the same layout through
:func:`save_fixture`, which scrubs every secret before anything touches the disk.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from .data_location import DATA_DIR
from .errors import FixtureError
from .secrets import scrub

FIXTURES_DIR = DATA_DIR / "fixtures"
SCHEMA_VERSION = 1


def fixture_dir(area: str, name: str) -> Path:
    path = FIXTURES_DIR / area / name
    if not path.is_dir():
        known = sorted(p.name for p in (FIXTURES_DIR / area).glob("*") if p.is_dir()) if (FIXTURES_DIR / area).is_dir() else []
        raise FixtureError(f"No fixture {area}/{name}; known {area} fixtures: {', '.join(known) or 'none'}.")
    return path


def list_fixtures(area: str) -> list[str]:
    root = FIXTURES_DIR / area
    return sorted(p.name for p in root.iterdir() if (p / "manifest.json").exists()) if root.is_dir() else []


def load_manifest(area: str, name: str) -> dict:
    """The fixture's manifest; refuses one without a ``provenance``."""
    path = fixture_dir(area, name) / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise FixtureError(f"Fixture {area}/{name} has an unreadable manifest.json ({exc}); re-record or restore it.") from exc
    if not manifest.get("provenance"):
        raise FixtureError(f"Fixture {area}/{name} has no provenance; every fixture must say how it was made.")
    return manifest


def save_fixture(area: str, name: str, manifest: dict, files: dict[str, bytes | str] | None = None,
                 secrets: list[str] | tuple[str, ...] = (), root: Path | None = None) -> Path:
    """Write a fixture folder; text (manifest and text files) is scrubbed of secrets first."""
    if not manifest.get("provenance"):
        raise FixtureError("save_fixture needs manifest['provenance'] saying how the fixture was made.")
    folder = (root or FIXTURES_DIR) / area / name
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"schema_version": SCHEMA_VERSION, "saved": date.today().isoformat(), **manifest}
    (folder / "manifest.json").write_text(scrub(json.dumps(manifest, indent=2, ensure_ascii=False), secrets) + "\n")
    for rel, content in (files or {}).items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(scrub(content, secrets))
        else:
            target.write_bytes(content)
    return folder
