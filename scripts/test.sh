#!/usr/bin/env bash
# Set up (first time only) and run the test suite. Fast tests by default; `--all` adds the slow ones, which
# need the local LLM (requirements-llm.txt: llama-cpp-python compiles once, ~10 min on 2 cores; pip caches it).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements-dev.txt
if [ "${1:-}" = "--all" ]; then
  shift
  bash scripts/setup.sh requirements-llm.txt
  exec .venv/bin/python -m pytest -m "" "$@"
fi
exec .venv/bin/python -m pytest "$@"
