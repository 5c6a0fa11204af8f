"""Load on the real web chat: 8 concurrent gradio_client sessions × 25 questions through /chat (issue 5).

Zero errors, and no session gets another answer to the same question than the others (no cross-talk between
concurrent requests). Latency numbers are printed here and measured properly by bench/load.py."""
from __future__ import annotations

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from load import run_load  # noqa: E402

pytestmark = pytest.mark.slow


def test_eight_concurrent_sessions_get_answers_without_errors(news_app):
    result = run_load(news_app.url, clients=8, per_client=25)
    print(result.summary())
    assert result.errors == []
    assert result.requests == 200
    differing = {q: sorted(a) for q, a in result.answers.items() if len(a) > 1}
    assert differing == {}, "the same question got different answers in concurrent sessions"
    assert any("Krivoruchko" in a for a in result.answers["Who did Kim meet on 18 July?"])
