"""Command line: python -m rag (index | search | ask | status | eval | serve).

A thin door over `NewsQA`; no retrieval logic lives here.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

DEFAULT_DATA = Path("../shared/data")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # an IndexProblem and friends: a message, not a traceback
        from .store import IndexProblem

        if isinstance(exc, IndexProblem):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


def _open(args: argparse.Namespace):  # -> NewsQA (import deferred: `--help` stays instant)
    from . import NewsQA

    llm = getattr(args, "llm", None)
    return NewsQA(args.index, **({"llm": llm} if llm else {}))


def _filters(args: argparse.Namespace) -> dict[str, str]:
    return {k: v for k, v in {"source": args.source, "date_from": args.date_from,
                              "date_to": args.date_to}.items() if v}


def cmd_index(args: argparse.Namespace) -> int:
    from . import NewsQA

    if not Path(args.path).exists():  # before --fresh deletes anything, and before an index folder is created
        raise FileNotFoundError(f"corpus folder not found: {args.path}")
    qa = NewsQA(args.index) if not args.fresh else _fresh(args.index)
    report = qa.rebuild(args.path, show_progress=not args.quiet)
    for path, reason in report.failed:
        print(f"failed: {path}: {reason}", file=sys.stderr)
    for path, note in report.warnings:
        print(f"warning: {path}: {note}", file=sys.stderr)
    status = qa.status()
    print(f"{report.summary()}  ->  {status['articles']} articles, {status['chunks']} chunks in {args.index}")
    return 0


def _fresh(index: str):
    """Delete the folder first: NewsQA.reset() would refuse an index built by another embedder, the very case
    --fresh exists for."""
    import shutil

    from . import NewsQA
    from .config import Config
    from .store import IndexStore

    folder = Path(index)
    if folder.exists():
        try:  # with a Chroma server the vectors live there: drop the index's collection too
            IndexStore(folder, Config.from_env().with_(index_dir=folder)).drop()
        except Exception as exc:  # noqa: BLE001 - a broken index is exactly what --fresh must still clear
            print(f"warning: could not drop the old vectors cleanly ({exc}); deleting the folder", file=sys.stderr)
    shutil.rmtree(index, ignore_errors=True)
    return NewsQA(index)


def cmd_search(args: argparse.Namespace) -> int:
    qa = _open(args)
    hits = qa.search(args.query, k=args.k, filters=_filters(args), mode=args.mode)
    if args.json:
        print(json.dumps([asdict(h) for h in hits], ensure_ascii=False, indent=1))
        return 0
    if not hits:
        print("no results")
    for n, h in enumerate(hits, 1):
        where = ", ".join(x for x in (h.source, h.date) if x)
        print(f"[{n}] {h.title or h.article_id}" + (f"  ({where})" if where else "") + f"  score {h.score:.3f}")
        print(f"    {h.text}")
        if h.url:
            print(f"    {h.url}")
    return 0


def _iso_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a yyyy-mm-dd date: {value!r}") from None


def cmd_ask(args: argparse.Namespace) -> int:
    qa = _open(args)
    if args.json:
        ans = qa.ask(args.question, filters=_filters(args), asked_on=args.asked_on)
        out = asdict(ans)
        out.pop("hits")
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    stream = qa.ask_stream(args.question, filters=_filters(args), asked_on=args.asked_on)
    for piece in stream:
        print(piece, end="", flush=True)
    print()
    ans = stream.answer
    if ans.citations:
        print("\nSources:")
    for c in ans.citations:
        where = ", ".join(x for x in (c.source, c.date) if x)
        span = "  byline" if c.kind == "byline" else f"  chars {c.start}-{c.end}"
        print(f"[{c.number}] {c.title or c.article_id}" + (f" ({where})" if where else "")
              + span + (f"  {c.url}" if c.url else ""))
        print(f"    “{c.quote}”")
    if ans.mode in ("generative", "fallback"):
        print(f"\n({ans.mode}; verified: {ans.verified})", file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    print(json.dumps(_open(args).status(), indent=1, ensure_ascii=False))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    import tempfile

    from . import NewsQA
    from .evaluation import news_as_articles, passages_as_articles, read_jsonl, retrieval_metrics

    questions = list(read_jsonl(args.questions, args.limit))
    index = args.index if args.index != _default_index() else tempfile.mkdtemp(prefix="rag-eval-")
    qa = NewsQA(index, **({"llm": args.llm} if args.llm else {}))
    articles = passages_as_articles(args.passages)
    if args.distractors:
        articles += news_as_articles(args.distractors, args.distractor_limit)
    report = qa.add(articles, show_progress=True)
    print(f"indexed: {report.summary()}", file=sys.stderr)
    if args.what == "answers":
        return _eval_answers(qa, questions, args.json)
    modes = ["bm25", "dense", "hybrid"] if args.mode == "all" else [args.mode]
    results = {}
    for mode in modes:
        results[mode] = retrieval_metrics(questions, lambda q, k, m=mode: qa.search(q, k=k, mode=m))
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print(f"{len(questions)} questions, {qa.status()['articles']} passages/articles in the index")
        for mode, r in results.items():
            print(f"{mode:>7}: R@1 {r['R@1']:.3f}  R@5 {r['R@5']:.3f}  R@20 {r['R@20']:.3f}  MRR {r['MRR']:.3f}  "
                  f"AR@5 {r['AR@5']:.3f}")
    return 0


def _eval_answers(qa, questions: list[dict], as_json: bool) -> int:
    import time

    from .evaluation import answer_metrics

    t = time.perf_counter()
    r = answer_metrics(questions, qa.ask)
    r["seconds_per_question"] = (time.perf_counter() - t) / max(len(questions), 1)
    if as_json:
        print(json.dumps(r, indent=1))
        return 0
    print(f"{int(r['n'])} questions ({int(r['answerable'])} answerable), {qa.status()['articles']} articles indexed")
    print(f"gold inside the answer or its cited quotes: {r['in_answer_or_quotes']:.3f}")
    print(f"gold inside the answer's lead (first line):  {r['in_lead']:.3f}")
    print(f"gold inside the short answer alone:          {r['in_short']:.3f}")
    print(f"answers led by a short answer / it right:    {r['short_shown']:.3f} / {r['short_right']:.3f}")
    print(f"answerable questions refused:                {r['refused_answerable']:.3f}")
    print(f"refusal precision / recall:                  {r['refusal_precision']:.3f} / {r['refusal_recall']:.3f}")
    print(f"generated answers verified:                  {r['verified']:.3f}")
    print(f"answerable questions answered with doubt:    {r['tentative_answerable']:.3f}")
    print(f"unanswerable questions answered without it:  {r['stated_unanswerable']:.3f}")
    print(f"seconds per question:                        {r['seconds_per_question']:.3f}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import runpy

    sys.argv = ["app.py", "--index", args.index, "--host", args.host, "--port", str(args.port)]
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "app.py"), run_name="__main__")
    return 0


def _default_index() -> str:
    return os.environ.get("RAG_INDEX_DIR", "index")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m rag", description="News-article QA: index, search and ask.")
    p.add_argument("--index", default=_default_index(), help="index folder (env RAG_INDEX_DIR; default ./index)")
    # `--index DIR` may also follow the subcommand (`python -m rag search ... --index DIR`)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", default=argparse.SUPPRESS, help="index folder (same as before the command)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("index", parents=[common],
                       help="sync the index with a folder of articles (only changes are embedded)")
    s.add_argument("path", help="folder (or file) of .txt/.md/.html/.json/.jsonl articles")
    s.add_argument("--fresh", action="store_true", help="delete the index first (e.g. after changing embedder)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_index)

    s = sub.add_parser("search", parents=[common], help="hybrid search in English or Indonesian")
    s.add_argument("query")
    s.add_argument("-k", type=int, default=5)
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.add_argument("--source", help="only this outlet, e.g. kompas.tv")
    s.add_argument("--date-from", help="yyyy-mm-dd")
    s.add_argument("--date-to", help="yyyy-mm-dd")
    s.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    s.set_defaults(func=cmd_search)

    s = sub.add_parser("ask", parents=[common], help="a cited answer (or a refusal) in the question's language")
    s.add_argument("question")
    s.add_argument("--llm", choices=["none", "local", "openai"], help="override RAG_LLM")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.add_argument("--source", help="only this outlet, e.g. kompas.tv")
    s.add_argument("--date-from", help="yyyy-mm-dd")
    s.add_argument("--date-to", help="yyyy-mm-dd")
    s.add_argument("--asked-on", type=_iso_day, metavar="YYYY-MM-DD",
                   help="the day the question's 'kemarin' / 'yesterday' are read against (default: today)")
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("status", parents=[common], help="articles, chunks, last rebuild, embedder")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("eval", parents=[common], help="metrics on a QA set (../shared/data formats)")
    s.add_argument("what", choices=["retrieval", "answers"])
    s.add_argument("--questions", default=str(DEFAULT_DATA / "qa_facqa_valid.jsonl"))
    s.add_argument("--passages", default=str(DEFAULT_DATA / "passages_facqa.jsonl"))
    s.add_argument("--distractors", help="a news corpus .jsonl(.gz) added to the index as distractors")
    s.add_argument("--distractor-limit", type=int)
    s.add_argument("--limit", type=int, help="only the first N questions")
    s.add_argument("--mode", choices=["hybrid", "dense", "bm25", "all"], default="all")
    s.add_argument("--llm", choices=["none", "local", "openai"], help="answers: override RAG_LLM")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("serve", parents=[common], help="start the web chat (same as python app.py)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=7860)
    s.set_defaults(func=cmd_serve)
    return p


if __name__ == "__main__":
    sys.exit(main())
