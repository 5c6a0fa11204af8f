"""Questions about the seed article, asked of the bundled corpus and of the test archive, with a verdict each.

    python bench/seed_questions.py [--questions bench/data/seed_fresh_s26.jsonl]

The two archives the tests use (tests/test_e2e_answers.py): the bundled corpus (the seed article alone: the
small-archive trees decide) and the seed article among 300 FacQA passages and 30 CLICK-ID articles
(tests/fixtures; the collection trees decide). Questions: JSON lines {question, answerable, answers?}. An answer is
right when its lead holds one of `answers` (the short answer when there is one, else the lead's quote). Verdicts:
right / wrong, stated or doubted (the "may not answer" frame), refused. For fresh questions written before a run:
asking them again after a change turns them into tuning data; `--counts-only` prints the verdict counts alone, so
a sealed set can be asked before and after a session's changes without anyone reading its questions' answers.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import NewsQA  # noqa: E402
from rag.evaluation import news_as_articles, passages_as_articles  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def verdict(ans, q: dict) -> str:
    if ans.refused:
        return "refused"
    lead = ans.lead.split("[1]")[0] if ans.short_answer else ans.lead
    right = q["answerable"] and any(a.lower() in lead.lower() for a in q["answers"])
    return f"{'doubted' if ans.tentative else 'stated'} {'right' if right else 'wrong'}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--questions", default=str(ROOT / "bench" / "data" / "seed_fresh_s26.jsonl"))
    p.add_argument("--counts-only", action="store_true", help="print only the verdict counts (a sealed set)")
    args = p.parse_args()
    questions = [json.loads(line) for line in Path(args.questions).read_text().splitlines() if line.strip()]
    folder = Path(tempfile.mkdtemp(prefix="seed-questions-"))
    bundled = NewsQA(folder / "bundled", llm="none")
    bundled.rebuild(ROOT / "corpus", show_progress=False)
    archive = NewsQA(folder / "archive", embedder=bundled.embedder, llm="none")
    archive.rebuild(ROOT / "corpus", show_progress=False)
    archive.add(passages_as_articles(FIXTURES / "facqa_slice_passages.jsonl")
                + news_as_articles(FIXTURES / "clickid_slice.jsonl"), show_progress=False)
    for name, qa in (("bundled corpus", bundled), ("test archive", archive)):
        counts: collections.Counter = collections.Counter()
        print(f"\n## {name}\n")
        for q in questions:
            ans = qa.ask(q["question"])
            v = verdict(ans, q)
            counts[("answerable" if q["answerable"] else "unanswerable", v)] += 1
            if not args.counts_only:
                print(f"- {'A' if q['answerable'] else 'U'} {v:13s} P {ans.answerable:.2f}  {q['question']} -> "
                      f"{ans.short_answer!r}{'  (' + ans.note + ')' if ans.note else ''}")
        print()
        for (label, v), n in sorted(counts.items()):
            print(f"{label}: {v} {n}")


if __name__ == "__main__":
    main()
