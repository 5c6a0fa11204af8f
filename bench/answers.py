"""Answer quality and latency on the valid splits, with the plain "quote the top passage" baseline in the same run.

    python bench/answers.py [--data ../shared/data] [--facqa-index DIR] [--idkmrc-index DIR]
                            [--llm local] [--llm-limit 100] [--llm-evidence-chars 450 ...] [--limit N]

Rows: baseline (top passage quoted, never refuses), extractive (the default LLM-free answer), and, with --llm,
generative (the LLM phrases the top sentences; verified; fallback when verification fails), one row per
`--llm-evidence-chars` budget (how much evidence the LLM reads; 100000 = always the top 4 sentences).
Columns: gold inside the answer or its cited quotes, inside the lead (first line), inside the short answer;
share of FacQA refused; IDK-MRC valid refusal precision/recall (and on 200 of its questions in English,
bench/data/idkmrc_valid_en.jsonl); latency p50/p95 (warm; first token for the LLM).
News rows: the hand-written questions over CLICK-ID articles (bench/data/newsqa_valid.jsonl, a fifth of them
unanswerable), asked of those articles among 400 others: real news, several sentences per story, with an outlet
and a date on every source (which FacQA and IDK-MRC lack, so only these rows pay for them in the LLM's prompt).
Latency is measured per question end to end (retrieval included), after one warm-up question.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import Answer, Citation, NewsQA  # noqa: E402
from rag.evaluation import answer_metrics, passages_as_articles, read_jsonl  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from answer_data import news_question_sets, open_news_index  # noqa: E402


def baseline_answer(qa: NewsQA, question: str) -> Answer:
    """The plain baseline: quote the top fused passage whole, cite it, never refuse."""
    hits = qa.search(question, k=1)
    if not hits:
        return Answer(question, "", refused=True)
    h = hits[0]
    text = f"According to [1]: “{h.text}”"
    c = Citation(1, h.article_id, h.title, h.date, h.source, h.url, h.text, h.start, h.end, h.chunk_id)
    return Answer(question, text, refused=False, citations=[c], lead=text)


def timed(fn):
    """Wrap ask-like fn to record per-call latency and, for generative answers, when things appeared: the
    model's first token, the sources (the quotes it reads), the first verified sentence."""
    times: list[float] = []
    moments: dict[str, list[float]] = {"first_token": [], "sources": [], "first_shown": []}

    def call(q: str) -> Answer:
        t = time.perf_counter()
        ans = fn(q)
        times.append(time.perf_counter() - t)
        for key, values in moments.items():
            if key in ans.timings:
                values.append(ans.timings[key])
        return ans

    return call, times, moments


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run(name: str, fn, sets: dict[str, list[dict]]) -> dict:
    row = {"mode": name}
    all_times: list[float] = []
    all_moments: dict[str, list[float]] = {}
    for set_name, questions in sets.items():
        call, times, moments = timed(fn)
        row[set_name] = answer_metrics(questions, call)
        all_times += times
        for key, values in moments.items():
            all_moments.setdefault(key, []).extend(values)
    row["p50"], row["p95"] = pct(all_times, 0.5), pct(all_times, 0.95)
    row["first_p50"], row["first_p95"] = pct(all_moments["first_token"], 0.5), pct(all_moments["first_token"], 0.95)
    row["sources_p50"], row["shown_p50"] = pct(all_moments["sources"], 0.5), pct(all_moments["first_shown"], 0.5)
    row["shown_n"] = len(all_moments["first_shown"])
    return row


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--facqa-index", default="/work/cache/facqa")
    p.add_argument("--idkmrc-index", default="/work/cache/idkmrc")
    p.add_argument("--news-index", default="/work/cache/newsqa/index",
                   help="index of the CLICK-ID articles the hand-written news questions are about (built once)")
    p.add_argument("--limit", type=int, help="first N questions of each set")
    p.add_argument("--llm", choices=["local", "openai"], help="also measure generative mode")
    p.add_argument("--llm-limit", type=int, default=100, help="questions per set in generative mode (slow)")
    p.add_argument("--llm-evidence-chars", type=int, nargs="+", default=[None],
                   help="generative rows for these evidence budgets (default: the config's)")
    args = p.parse_args()
    data = Path(args.data)
    fq = NewsQA(args.facqa_index)
    fq.add(passages_as_articles(data / "passages_facqa.jsonl"))
    iq = NewsQA(args.idkmrc_index)
    iq.add(passages_as_articles(data / "passages_idkmrc.jsonl"))
    facqa = list(read_jsonl(data / "qa_facqa_valid.jsonl", args.limit))
    facqa_en = list(read_jsonl(ROOT / "tests" / "fixtures" / "facqa_valid_en.jsonl", args.limit))
    idk = list(read_jsonl(data / "qa_idkmrc_valid.jsonl", args.limit))
    idk_en = list(read_jsonl(ROOT / "bench" / "data" / "idkmrc_valid_en.jsonl", args.limit))
    nq = open_news_index(args.news_index, data)
    news = news_question_sets()["newsqa_valid"][:args.limit]
    news_sets = {"news": [q for q in news if q["language"] == "id"],
                 "news_en": [q for q in news if q["language"] != "id"]}
    fq.ask("warm up"), iq.ask("warm up"), nq.ask("warm up")
    print(f"# bench/answers.py  {time.strftime('%Y-%m-%d %H:%M')}  FacQA valid {len(facqa)}, FacQA valid en "
          f"{len(facqa_en)}, IDK-MRC valid {len(idk)}, IDK-MRC valid en {len(idk_en)}, news valid "
          f"{len(news_sets['news'])} + en {len(news_sets['news_en'])}", flush=True)
    rows = []
    for name, make in (("baseline: quote top passage", lambda qa: (lambda q: baseline_answer(qa, q))),
                       ("extractive (no LLM)", lambda qa: (lambda q: qa.ask(q, generate=False)))):
        rows.append(_both(name, make, fq, iq, facqa, facqa_en, idk, idk_en))
        rows[-1]["news_row"] = run(name, make(nq), news_sets)
        _print(rows[-1])
    for budget in args.llm_evidence_chars if args.llm else []:
        budget_kw = {"llm_evidence_chars": budget} if budget else {}
        gq = NewsQA(args.facqa_index, llm=args.llm, **budget_kw)
        gi = NewsQA(args.idkmrc_index, llm=args.llm, **budget_kw)
        gq.answerer.warm(), gi.answerer.warm()
        n = args.llm_limit
        name = f"generative ({args.llm}, evidence <= {gq.config.llm_evidence_chars} characters)"
        rows.append(_both(name, lambda qa: qa.ask, gq, gi, facqa[:n], facqa_en[:n], idk[:n], idk_en[:n]))
        del gq, gi  # one model in memory at a time
        gn = NewsQA(args.news_index, llm=args.llm, **budget_kw)
        gn.answerer.warm()
        rows[-1]["news_row"] = run(name, gn.ask, {k: v[:n] for k, v in news_sets.items()})
        _print(rows[-1])
        del gn


def _both(name, make, fq, iq, facqa, facqa_en, idk, idk_en) -> dict:
    a = run(name, make(fq), {"facqa": facqa, "facqa_en": facqa_en})
    b = run(name, make(iq), {"idk": idk, "idk_en": idk_en})
    a["idk"], a["idk_en"] = b["idk"], b["idk_en"]
    for k in ("p50", "p95", "first_p50", "first_p95", "sources_p50", "shown_p50", "shown_n"):
        a[k] = (a[k], b[k])
    return a


def _print_set(name: str, m: dict) -> None:
    print(f"| {name} | {m['in_answer_or_quotes']:.3f} | {m['in_lead']:.3f} | {m['in_short']:.3f} | "
          f"{m['short_shown']:.3f} / {m['short_right']:.3f} | "
          f"{m['refused_answerable']:.3f} | {m['refusal_precision']:.3f} / {m['refusal_recall']:.3f} | "
          f"{m['verified']:.3f} | {m['tentative_answerable']:.3f} | {m['stated_unanswerable']:.3f} |")


def _print(r: dict) -> None:
    f, e, i, ie = r["facqa"], r["facqa_en"], r["idk"], r["idk_en"]
    print(f"\n## {r['mode']}")
    print("| set | in answer/quotes | in lead | in short | short shown / right | answerable refused | refusal P / R "
          "| verified | answerable doubted | unanswerable stated |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, m in (("FacQA valid", f), (f"FacQA valid en ({e['n']:.0f})", e), ("IDK-MRC valid", i),
                    (f"IDK-MRC valid en ({ie['n']:.0f})", ie)):
        _print_set(name, m)
    print(f"latency s, FacQA index: p50 {r['p50'][0]:.3f} p95 {r['p95'][0]:.3f}; IDK-MRC index: p50 {r['p50'][1]:.3f} "
          f"p95 {r['p95'][1]:.3f}; first token p50 {r['first_p50'][0]:.3f} p95 {r['first_p95'][0]:.3f}", flush=True)
    nr = r.get("news_row")
    if nr:
        _print_set(f"news valid ({nr['news']['n']:.0f})", nr["news"])
        _print_set(f"news valid en ({nr['news_en']['n']:.0f})", nr["news_en"])
        print(f"news index: latency p50 {nr['p50']:.3f} p95 {nr['p95']:.3f}; first token p50 {nr['first_p50']:.3f} "
              f"p95 {nr['first_p95']:.3f}", flush=True)
    if r["shown_n"][0] or r["shown_n"][1]:  # generative: when the reader saw something, per index
        print(f"sources shown p50 {r['sources_p50'][0]:.3f} / {r['sources_p50'][1]:.3f} s; first verified sentence "
              f"p50 {r['shown_p50'][0]:.3f} / {r['shown_p50'][1]:.3f} s ({r['shown_n'][0]} / {r['shown_n'][1]} "
              f"answers had one)", flush=True)


if __name__ == "__main__":
    main()
