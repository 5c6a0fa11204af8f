#!/usr/bin/env bash
# Create .venv (once) and install the pinned requirements, every other package held to constraints.txt (the tested
# versions). Idempotent: a second run installs nothing.
# Usage: bash scripts/setup.sh [requirements file]   (default requirements.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
req="${1:-requirements.txt}"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=".venv/.installed-$(cat requirements*.txt constraints.txt | sha256sum | cut -c1-16)-$(basename "$req")"
if [ ! -f "$stamp" ]; then
  echo "installing $req into .venv (first time: a few minutes; log in .venv/pip.log)..."
  if ! .venv/bin/python -m pip install --disable-pip-version-check -r "$req" -c constraints.txt > .venv/pip.log 2>&1; then
    tail -n 30 .venv/pip.log
    echo "pip install failed; full log: .venv/pip.log" >&2
    exit 1
  fi
  touch "$stamp"
fi
