#!/usr/bin/env bash
# Set up (first time only) and run the test suite. Fast tests by default; `--all` adds the slow ones.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements-dev.txt
if [ "${1:-}" = "--all" ]; then
  shift
  exec .venv/bin/python -m pytest -m "" "$@"
fi
exec .venv/bin/python -m pytest "$@"
