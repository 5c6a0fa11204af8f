#!/usr/bin/env bash
# Set up (first time only), build the index from corpus/ if there is none, and start the web chat on
# http://127.0.0.1:7860 . Extra arguments go to app.py (e.g. --port 8000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements.txt
exec .venv/bin/python app.py "$@"
