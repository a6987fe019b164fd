#!/usr/bin/env bash
# Open the course in JupyterLab (replay mode by default: no key, no cost), serving notebooks/.
# Works as a normal user and as root (Docker images, CI runners, many cloud notebooks run as root,
# where `jupyter lab` refuses to start without --allow-root). Extra arguments go to `jupyter lab`,
# e.g. `bash scripts/open_course.sh --no-browser --port=8899`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/jupyter ]; then
  echo "no .venv/bin/jupyter: run 'bash scripts/install.sh' first" >&2
  exit 1
fi
extra=()
if [ "$(id -u)" = "0" ]; then
  extra+=(--allow-root)
fi
exec .venv/bin/jupyter lab "${extra[@]}" "$@" notebooks/
