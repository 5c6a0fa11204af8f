"""How often is the short answer the LLM-free answer leads with right? Measured per answer type, and the trainer
of rag/short_confidence_<type>.json: when a what/which or where short answer is too likely wrong, the answer leads
with its quote instead.

The whole pipeline (retrieval, sentence scorer, answerability) runs over the *train* questions (FacQA, its English
versions, the hand-written news questions); for every answered question the shown short answer of its best
sentence is compared with the gold (right: a gold answer inside it, or it inside a gold answer and at least half
as long). A logistic model over the candidate's origin (a name, a phrase after the question's words, a
parenthesis, ...), its extractor score and its lead over the runner-up is fitted on all train records; 5-fold
out-of-fold probabilities report how it does on rows it never saw, and choose nothing: the threshold is fixed in
advance (a short answer is shown when it is more likely right than wrong, P >= 0.5). Valid questions are only
reported.

    python bench/short_confidence.py [--data ../shared/data] [--kind other|where|who|when|number] [--languages id,en]
                                     [--write]
    # shipped: --kind other --write; --kind where --write; --kind who --languages id --write

(--write stores the model of --kind; models ship for the types in rag.short_confidence.KINDS. Whole-pipeline
records are cached in /work/cache/short_confidence: delete it after any change to retrieval, scorer or extractor.)
"""
from __future__ import annotations

import argparse
import collections
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from answer_data import news_question_sets, open_index, open_news_index, question_sets  # noqa: E402

from rag.extraction import short_answers  # noqa: E402
from rag.query import detect_language  # noqa: E402
from rag.short_confidence import FEATURES, KINDS, ShortConfidence, model_path, short_features  # noqa: E402

CACHE = Path("/work/cache/short_confidence")


def right(short: str, golds: list[str]) -> bool:
    s = " ".join(short.lower().split())
    for g in golds:
        g = " ".join(g.lower().split())
        if g and (g in s or (s in g and len(s) >= len(g) / 2)):
            return True
    return False


def collect(name: str, qa, rows: list[dict]) -> list[dict]:
    """One record per answered answerable question whose best sentence has a short answer candidate (of any type):
    its features and label."""
    path = CACHE / f"{name}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    answerer = qa.answerer
    out = []
    t0 = time.perf_counter()
    for q in rows:
        golds = q.get("answers") or []
        if q.get("is_impossible") or not golds or (q.get("answerable") is False):
            continue
        ev = answerer.gather(q["question"])
        if not ev.hits or not ev.decision.answerable:
            continue
        best = answerer._quotes(ev.sentences)[0]
        # the candidate the answer would weigh (None: why/purpose/definition questions, off-category phrases) ...
        if answerer._short_answer(ev, best)[1] is None:
            continue
        # ... and its runner-ups (the same memoised call)
        found = short_answers(q["question"], best.text, best.context, best.hit.date, glossary=ev.language != "id")
        out.append({"question": q["question"], "golds": golds, "short": found[0].text, "kind": found[0].kind,
                    "source": found[0].source, "x": short_features(found), "right": right(found[0].text, golds),
                    "quote_right": any(" ".join(g.lower().split()) in " ".join(best.text.lower().split())
                                       for g in golds if g.strip())})
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(out))
    print(f"{name}: {len(out)} short answers from {len(rows)} questions, {time.perf_counter() - t0:.0f} s",
          file=sys.stderr)
    return out


def fit(x: np.ndarray, y: np.ndarray, c: float = 1.0) -> ShortConfidence:
    from sklearn.linear_model import LogisticRegression

    mean, std = x.mean(0), x.std(0)
    scale = np.where(std > 0, std, 1.0)  # a constant column (no locative what/which answer) stays harmless
    m = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
    return ShortConfidence(m.coef_[0], float(m.intercept_[0]), mean, scale)


def table(label: str, recs: list[dict], p: np.ndarray, threshold: float) -> None:
    shown = p >= threshold
    y = np.array([r["right"] for r in recs], dtype=bool)
    print(f"| {label} | {len(recs)} | {y.mean():.3f} | {shown.mean():.3f} | {y[shown].mean() if shown.any() else 0:.3f}"
          f" | {y[~shown].mean() if (~shown).any() else 0:.3f} | {(y & ~shown).sum()} | {(~y & ~shown).sum()} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--languages", default="id,en", help="question languages fitted and judged (who: id)")
    ap.add_argument("--kind", default="other", help="the answer type judged: other (what/which), where, who, when, "
                    "number; --write only for the shipped ones (rag.short_confidence.KINDS)")
    args = ap.parse_args()
    data = Path(args.data)
    qs = question_sets(data)
    news = news_question_sets()
    facqa = open_index("/work/cache/facqa", data, "passages_facqa.jsonl")
    news_qa = open_news_index("/work/cache/newsqa/index", data)
    train = {name: collect(name, qa, rows) for name, qa, rows in (
        ("facqa_train", facqa, qs["facqa_train"][1]), ("facqa_train_en", facqa, qs["facqa_train_en"][1]),
        ("news_train", news_qa, news["newsqa_train"]))}
    valid = {name: collect(name, qa, rows) for name, qa, rows in (
        ("facqa_valid", facqa, qs["facqa_valid"][1]), ("facqa_valid_en", facqa, qs["facqa_valid_en"][1]),
        ("news_valid", news_qa, news["newsqa_valid"]))}
    languages = args.languages.split(",")
    train = {k: [r for r in v if r["kind"] == args.kind and detect_language(r["question"]) in languages]
             for k, v in train.items()}
    valid = {k: [r for r in v if r["kind"] == args.kind and detect_language(r["question"]) in languages]
             for k, v in valid.items()}
    recs = [r for v in train.values() for r in v]
    x = np.array([r["x"] for r in recs])
    y = np.array([r["right"] for r in recs], dtype=int)
    print(f"origin of the {args.kind} short answers on train (count, share right, share whose quoted sentence holds "
          "a gold answer):")
    by_source = collections.defaultdict(list)
    for r in recs:
        by_source[r["source"]].append((r["right"], r["quote_right"]))
    for s, v in sorted(by_source.items(), key=lambda kv: -len(kv[1])):
        print(f"  {s:10s} {len(v):5d} {np.mean([a for a, _ in v]):.3f} {np.mean([b for _, b in v]):.3f}")
    # 5-fold CV over the train records (out-of-fold probabilities for the train rows)
    rng = np.random.default_rng(0)
    folds = rng.integers(0, 5, len(recs))
    oof = np.zeros(len(recs))
    for k in range(5):
        m = fit(x[folds != k], y[folds != k])
        oof[folds == k] = m.probability(x[folds == k])
    model = fit(x, y)
    print(f"\nthreshold {args.threshold} (fixed in advance); out of fold on train, final model on valid\n")
    print(f"| set | {args.kind} short answers | right | shown | right when shown | right when withheld |"
          " withheld right | withheld wrong |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    start = 0
    for name, v in train.items():
        if v:
            table(f"{name} (OOF)", v, oof[start:start + len(v)], args.threshold)
        start += len(v)
    for name, v in valid.items():
        if v:
            table(name, v, model.probability(np.array([r["x"] for r in v])), args.threshold)
    print("\nweights: " + ", ".join(f"{f} {w:+.3f}" for f, w in zip(FEATURES, model.weights)))
    if args.write:
        if args.kind not in KINDS:
            sys.exit(f"no {args.kind} model ships (rag.short_confidence.KINDS); measured only")
        model.info = {"trained_by": "bench/short_confidence.py", "kind": args.kind, "threshold": args.threshold,
                      "languages": languages, "rows": len(recs), "date": time.strftime("%Y-%m-%d")}
        model.save(model_path(args.kind))
        print(f"wrote {model_path(args.kind).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
