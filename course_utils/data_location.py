"""Where the course's data is: the pricing tables, fixtures, demo video and screens (about 9 MB).

* In a checkout (the repository on ``sys.path``, or its editable install) it is the checkout's own
  top-level ``data/``, so an edited fixture is used at once, with no reinstall.
* In an installed wheel (Colab's install cell, ``pip install realtime-video-lab``) the same files ship
  inside the package as ``course_utils/_data`` (``setup.py`` maps the top-level ``data/`` there).

This module is the only place that derives a data path from where the code lives; everything else
asks it (``DATA_DIR``, :func:`data_dir`).
"""
from __future__ import annotations

from pathlib import Path

from .errors import CourseError

_PACKAGE = Path(__file__).resolve().parent
#: A checkout is recognised by these beside the package: the project file and the data folder.
_CHECKOUT_MARKERS = ("pyproject.toml", "data/pricing/prices.csv")
#: Where a wheel carries the data (``setup.py``'s package_dir mapping).
SHIPPED = _PACKAGE / "_data"


def checkout_root(package: Path = _PACKAGE) -> Path | None:
    """The repository this package sits in, or ``None`` for an installed copy."""
    root = package.parent
    return root if all((root / marker).is_file() for marker in _CHECKOUT_MARKERS) else None


def locate(package: Path = _PACKAGE) -> tuple[Path, str]:
    """``(data folder, "checkout" | "installed package")`` for the package at ``package``."""
    root = checkout_root(package)
    if root is not None:
        return root / "data", "checkout"
    shipped = package / "_data"
    if (shipped / "pricing" / "prices.csv").is_file():
        return shipped, "installed package"
    raise CourseError(f"course_utils at {package} has no data (neither a checkout's data/ nor {shipped}); "
                      "reinstall it with the notebook's install cell or `pip install realtime-video-lab`.")


DATA_DIR, SOURCE = locate()


def data_dir() -> Path:
    """The data folder in use (see the module doc)."""
    return DATA_DIR
