#!/usr/bin/env bash
# Set up the course on this machine: Debian packages (when run as root with apt-get), a virtual
# environment in .venv, the Python requirements and course_utils (editable). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES="espeak-ng ffmpeg chromium chromium-driver"
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  missing=""
  for pkg in $DEBIAN_PACKAGES; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
  done
  if [ -n "$missing" ]; then
    echo "installing Debian packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
else
  for tool in espeak-ng ffmpeg; do
    command -v "$tool" >/dev/null 2>&1 || echo "note: $tool not found; install it with your package manager (needed to regenerate fixtures and for offline narration)."
  done
fi

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.txt -c constraints.txt
.venv/bin/python -m pip install -q --no-deps -e .
.venv/bin/python -c "import course_utils; print('course_utils', course_utils.__version__, 'installed in .venv')"
