"""Short-answer extraction benchmark (rag/extraction.py) on FacQA, and the trainer of its weights.

Sections (--sections, comma-separated; default "eval"):

  lexicon  casing statistics from the CLICK-ID news corpus (how often a word is written in lower case
           mid-sentence, how often a capitalised word follows "di/ke/dari", how often it names a speaker);
           written into rag/extraction.json with --write. No FacQA text is used.
  train    candidate features on FacQA *train*, per-answer-type softmax regression over each question's
           candidates; the L2 strength is chosen by 5-fold cross-validation on train (never on valid).
           Prints the cross-validated train numbers; --write stores the weights in rag/extraction.json.
  eval     per split (train, valid) and answer type: coverage (share of questions with an answer), gold inside
           the short answer (normalised substring), exact-ish match (equal after dropping punctuation and case),
           token F1, and the ceiling (share of gold answers longer than 8 words). Two settings: "sentence" (the
           passage sentence holding the gold answer start is given) and "passage" (every sentence of the passage
           is scored and the best (sentence, span) is kept). English questions (hand translations of FacQA train
           and valid questions) are reported as extra rows.

    python bench/extraction.py [--data ../shared/data] [--sections eval] [--splits train,valid] [--write]
                               [--show N]   # print N wrong train examples per type (error analysis)
"""
from __future__ import annotations

import argparse
import collections
import functools
import gzip
import json
import random
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import extraction  # noqa: E402
from rag.chunking import sentence_spans  # noqa: E402
from rag.extraction import FEATURES, KINDS, MAX_WORDS, candidates, extract_short_answer, question_focus  # noqa: E402

MODEL_PATH = ROOT / "rag" / "extraction.json"


# ---------------------------------------------------------------------------------------------------------------
# data and metrics
# ---------------------------------------------------------------------------------------------------------------

def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def norm(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .,;:!?\"'()")


def strict(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def token_f1(pred: str, gold: str) -> float:
    p, g = strict(pred).split(), strict(gold).split()
    common = sum((collections.Counter(p) & collections.Counter(g)).values())
    if not common:
        return 0.0
    prec, rec = common / len(p), common / len(g)
    return 2 * prec * rec / (prec + rec)


def judge(pred: str | None, answers: list[str]) -> tuple[bool, bool, float]:
    """(gold inside prediction, exact-ish, token F1), best over the gold answers."""
    if pred is None:
        return False, False, 0.0
    inside = any(norm(a) and norm(a) in norm(pred) for a in answers)
    exact = any(strict(a) == strict(pred) for a in answers)
    f1 = max(token_f1(pred, a) for a in answers)
    return inside, exact, f1


def gold_sentence(row: dict) -> tuple[str, str, list[str]]:
    """(gold sentence, its context (neighbours), all passage sentences)."""
    passage, start = row["passage"], row["answer_starts"][0]
    spans = sentence_spans(passage)
    sents = [passage[a:b] for a, b in spans]
    idx = next((i for i, (a, b) in enumerate(spans) if a <= start < b), None)
    if idx is None:  # the answer starts in whitespace between sentences: take the next sentence
        idx = next((i for i, (a, _) in enumerate(spans) if a >= start), len(spans) - 1)
    context = " ".join(sents[max(0, idx - 1):idx] + sents[idx + 1:idx + 2])
    return sents[idx], context, sents


def load(data: Path) -> dict[str, list[dict]]:
    sets = {"train": read_jsonl(data / "qa_facqa_train.jsonl"), "valid": read_jsonl(data / "qa_facqa_valid.jsonl")}
    by_id = {r["id"]: r for rows in sets.values() for r in rows}
    for name, path in (("train_en", ROOT / "bench" / "data" / "facqa_train_en.jsonl"),
                       ("valid_en", ROOT / "tests" / "fixtures" / "facqa_valid_en.jsonl")):
        if path.exists():
            rows = []
            for r in read_jsonl(path):
                base = by_id.get(r["id"])
                if base:
                    rows.append({**base, "question": r["question"]})
            sets[name] = rows
    sets.update(load_news(data))
    for rows in sets.values():
        for r in rows:
            r["_sent"], r["_ctx"], r["_sents"] = gold_sentence(r)
            r["_kind"] = question_focus(r["question"])[0]
    return sets


def load_news(data: Path) -> dict[str, list[dict]]:
    """The answerable hand-written news questions (bench/data/newsqa_*.jsonl) in FacQA's row shape: the whole
    CLICK-ID article as the passage, the answer's offset found inside its evidence sentence. FacQA has almost no
    "what did X do/say/discuss" questions; these stories do ("news_train" trains, "news_valid" only reports)."""
    from rag.evaluation import news_as_articles

    questions = {split: [q for q in read_jsonl(ROOT / "bench" / "data" / f"newsqa_{split}.jsonl") if q["answerable"]]
                 for split in ("train", "valid")}
    wanted = {q["article_id"] for qs in questions.values() for q in qs}
    texts = {a.id: a.text for a in news_as_articles(data / "corpus_clickid.jsonl.gz") if a.id in wanted}
    out = {}
    for split, qs in questions.items():
        rows = []
        for q in qs:
            text = texts[q["article_id"]]
            at, inside = text.find(q["evidence"]), q["evidence"].find(q["answers"][0])
            if at < 0 or inside < 0:
                continue  # the evidence or answer is not verbatim (none known; kept safe)
            rows.append({"id": q["id"], "question": q["question"], "answers": q["answers"], "passage": text,
                         "answer_starts": [at + inside]})
        out[f"news_{split}"] = rows
    return out


# ---------------------------------------------------------------------------------------------------------------
# eval
# ---------------------------------------------------------------------------------------------------------------

WHAT_DID = re.compile(r"^\W*(?:apa(?:kah)?\s+yang|what\s+(?:did|does|do|will|would|can|could|should|has|have|had))\b",
                      re.IGNORECASE)


def evaluate(rows: list[dict], setting: str) -> dict[str, dict[str, float]]:
    acc: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for r in rows:
        if setting == "sentence":
            ans = extract_short_answer(r["question"], r["_sent"], r["_ctx"])
            pred = ans.text if ans else None
        else:
            best = extraction.best_short_answer(r["question"], r["_sents"])
            pred = best[1].text if best else None
        inside, exact, f1 = judge(pred, r["answers"])
        long_gold = len(r["answers"][0].split()) > MAX_WORDS
        # the "what did X <verb>" questions, by their opening words, also get a row of their own
        for key in (r["_kind"], "all", *(("(what-did)",) if WHAT_DID.match(r["question"]) else ())):
            c = acc[key]
            c["n"] += 1
            c["covered"] += pred is not None
            c["inside"] += inside
            c["exact"] += exact
            c["f1"] += f1
            c["long_gold"] += long_gold
    return {k: {m: (v[m] / v["n"] if m != "n" else v["n"]) for m in ("n", "covered", "inside", "exact", "f1",
                                                                      "long_gold")} for k, v in acc.items()}


def print_table(results: dict[str, dict[str, dict[str, float]]]) -> None:
    print("| split | setting | type | n | coverage | gold inside | exact-ish | token F1 | gold > 8 words |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for (split, setting), res in results.items():
        for kind in (*KINDS, "all", "(what-did)"):
            if kind not in res:
                continue
            m = res[kind]
            name = f"**{kind}**" if kind == "all" else kind
            print(f"| {split} | {setting} | {name} | {m['n']} | {m['covered']:.3f} | {m['inside']:.3f} | "
                  f"{m['exact']:.3f} | {m['f1']:.3f} | {m['long_gold']:.3f} |")


def show_errors(rows: list[dict], n: int, seed: int = 0, kinds: str = "") -> None:
    rng = random.Random(seed)
    by_kind = collections.defaultdict(list)
    for r in rows:
        if kinds and r["_kind"] not in kinds.split(","):
            continue
        ans = extract_short_answer(r["question"], r["_sent"], r["_ctx"])
        pred = ans.text if ans else None
        if not judge(pred, r["answers"])[0]:
            by_kind[r["_kind"]].append((r, pred))
    for kind, items in by_kind.items():
        print(f"\n=== {kind}: {len(items)} without the gold inside")
        for r, pred in rng.sample(items, min(n, len(items))):
            print(f"Q: {r['question']}\n  gold: {r['answers'][0]!r}  pred: {pred!r}\n  S: {r['_sent'][:300]}")


# ---------------------------------------------------------------------------------------------------------------
# lexicon
# ---------------------------------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\S")
_SAID = {"mengatakan", "kata", "ujar", "menjelaskan", "menyatakan", "mengungkapkan", "menuturkan", "menambahkan",
         "menegaskan", "mengaku", "menilai", "berharap", "menyebutkan"}


def build_lexicon(data: Path) -> dict[str, dict[str, str]]:
    low, cap, place, person, runs = (collections.Counter() for _ in range(5))
    for article in read_jsonl(data / "corpus_clickid.jsonl.gz"):
        for sent in re.split(r'(?<=[.!?"”])\s+|\n', article["text"]):
            toks = _WORD.findall(sent)
            i, n = 0, len(toks)
            while i < n:
                w = toks[i]
                if not w[0].isalpha():
                    i += 1
                    continue
                initial = i == 0 or (not toks[i - 1][0].isalnum() and toks[i - 1] != ",")
                if w[0].isupper():
                    j = i
                    while j < n and toks[j][0].isalpha() and toks[j][0].isupper():
                        j += 1
                    if not initial:
                        prev = toks[i - 1].lower()
                        nxt = toks[j].lower() if j < n else ""
                        said = nxt in _SAID or (nxt == "," and j + 1 < n and toks[j + 1].lower() in _SAID) or \
                            prev in ("kata", "ujar")
                        for k in range(i, j):
                            key = toks[k].lower()
                            if not toks[k].isupper():
                                cap[key] += 1
                            runs[key] += 1
                            place[key] += prev in ("di", "ke", "dari")
                            person[key] += said
                    i = j
                else:
                    if not initial and w.islower():
                        low[w] += 1
                    i += 1

    def pack(shares: dict[str, float]) -> dict[str, str]:
        groups: dict[str, list[str]] = collections.defaultdict(list)
        for w, s in sorted(shares.items()):
            groups[f"{s:.1f}"].append(w)
        return {k: " ".join(v) for k, v in sorted(groups.items())}

    lower = {w: round(c / (c + cap[w]), 1) for w, c in low.items()
             if c + cap[w] >= 8 and c / (c + cap[w]) >= 0.05}
    places = {w: round(place[w] / r, 1) for w, r in runs.items() if r >= 8 and place[w] / r >= 0.05}
    persons = {w: round(person[w] / r, 1) for w, r in runs.items() if r >= 8 and person[w] / r >= 0.05}
    lower = {w: max(s, 0.1) for w, s in lower.items()}
    places = {w: max(s, 0.1) for w, s in places.items()}
    persons = {w: max(s, 0.1) for w, s in persons.items()}
    print(f"lexicon: {len(lower)} lower-case shares, {len(places)} place shares, {len(persons)} speaker shares")
    return {"lower_share": pack(lower), "place_share": pack(places), "person_share": pack(persons)}


# ---------------------------------------------------------------------------------------------------------------
# train
# ---------------------------------------------------------------------------------------------------------------

def labels(texts: list[str], answers: list[str], inside_weight: float = 0.3) -> np.ndarray:
    """Target weights over a question's candidates: exact-ish matches get 1, candidates that contain the gold
    and are at most 3 words longer get `inside_weight` (so "gold inside" is learned too); without either, the best
    token-F1 candidates (>= 0.5); all zero when nothing is close (the question then teaches nothing)."""
    exact = np.array([any(strict(t) == strict(a) for a in answers) for t in texts], dtype=float)
    gold_len = min(len(strict(a).split()) for a in answers)
    inside = np.array([any(norm(a) in norm(t) for a in answers) and len(strict(t).split()) <= gold_len + 3
                       for t in texts], dtype=float)
    y = np.maximum(exact, inside_weight * inside) if exact.any() else inside
    if y.any():
        return y
    f1 = np.array([max(token_f1(t, a) for a in answers) for t in texts])
    if f1.max() >= 0.5:
        return (f1 == f1.max()).astype(float)
    return np.zeros(len(texts))


def featurise(rows: list[dict], setting: str) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """Per kind: (feature matrix, target) per question with at least one good candidate."""
    index = {f: i for i, f in enumerate(FEATURES)}
    out: dict[str, list] = collections.defaultdict(list)
    for r in rows:
        found = []
        if setting == "sentence":
            found = candidates(r["question"], r["_sent"], r["_ctx"])
        else:
            sents = r["_sents"]
            for i, s in enumerate(sents):
                ctx = " ".join(sents[max(0, i - 1):i] + sents[i + 1:i + 2])
                found += candidates(r["question"], s, ctx)
        if not found:
            continue
        x = np.zeros((len(found), len(FEATURES)))
        for j, (_, f) in enumerate(found):
            for k, v in f.items():
                x[j, index[k]] = v
        texts = [a.text for a, _ in found]
        out[r["_kind"]].append((x, texts, r["answers"]))
    return out


def fit_softmax(groups: list, l2: float, inside_weight: float, iters: int = 300, lr: float = 0.5,
                base: np.ndarray | None = None, trainable: np.ndarray | None = None) -> np.ndarray:
    """Listwise softmax regression: maximise the probability mass on each question's good candidates. With
    `trainable` (a 0/1 mask), only those weights move from `base`; the rest keep their values."""
    data = [(x, labels(texts, answers, inside_weight)) for x, texts, answers in groups]
    data = [(x, y) for x, y in data if y.sum() > 0]
    w = np.zeros(len(FEATURES)) if base is None else base.astype(float).copy()
    mask = np.ones(len(FEATURES)) if trainable is None else trainable
    if not data:
        return w
    m = np.zeros_like(w)  # Adam on the mean negative log-likelihood
    v = np.zeros_like(w)
    b1, b2, eps = 0.9, 0.999, 1e-8
    xs = np.vstack([x for x, _ in data])
    bounds = np.cumsum([0] + [len(x) for x, _ in data])
    ys = np.concatenate([y / y.sum() for _, y in data])
    seg = bounds[:-1]
    sizes = np.diff(bounds)
    for t in range(1, iters + 1):
        s = xs @ w
        s = s - np.repeat(np.maximum.reduceat(s, seg), sizes)
        e = np.exp(s)
        p = e / np.repeat(np.add.reduceat(e, seg), sizes)
        grad = (xs.T @ (p - ys) / len(data) + l2 * w) * mask
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        w -= lr * 0.1 * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return w


def top1(groups: list, w: np.ndarray) -> tuple[float, float]:
    """(exact-ish, gold inside) of each question's top candidate, as shares of the questions."""
    exact = inside = 0.0
    for x, texts, answers in groups:
        ok_inside, ok_exact, _ = judge(texts[int(np.argmax(x @ w))], answers)
        exact += ok_exact
        inside += ok_inside
    n = max(len(groups), 1)
    return exact / n, inside / n


def train(rows: list[dict], setting: str, folds: int = 5, kinds: Sequence[str] = KINDS,
          only: str = "") -> dict[str, dict[str, float]]:
    """Weights per kind, regularisation chosen by cross-validation. `only` (a regex over feature names): fit just
    the matching weights, every other weight kept at its shipped value, so the scores of candidates without those
    features stay exactly what the downstream models (sentence scorer, answerability trees) were trained on."""
    data = featurise(rows, setting)
    weights = {}
    for kind in kinds:
        groups = data.get(kind, [])
        if not groups:
            continue
        shipped = extraction._weights().get(kind, {})
        base = np.array([shipped.get(f, 0.0) for f in FEATURES]) if only else None
        mask = np.array([float(bool(re.search(only, f))) for f in FEATURES]) if only else None
        fit = functools.partial(fit_softmax, base=base, trainable=mask)
        rng = random.Random(13)
        order = list(range(len(groups)))
        rng.shuffle(order)
        best = None
        for l2 in (0.0001, 0.001, 0.01):
            for iw in (0.0, 0.3, 1.0):
                exact = inside = 0.0
                for f in range(folds):
                    test = [groups[i] for i in order[f::folds]]
                    tr = [groups[i] for k, i in enumerate(order) if k % folds != f]
                    e, i_ = top1(test, fit(tr, l2, iw))
                    exact += e * len(test)
                    inside += i_ * len(test)
                exact, inside = exact / len(groups), inside / len(groups)
                print(f"  {kind:6s} l2={l2:<6} inside_weight={iw}: cv exact {exact:.3f} inside {inside:.3f}")
                key = exact + inside
                if best is None or key > best[0] + 1e-9:
                    best = (key, l2, iw, exact, inside)
        w = fit(groups, best[1], best[2])
        weights[kind] = {f: round(float(v), 4) for f, v in zip(FEATURES, w) if abs(v) > 1e-4}
        print(f"  {kind}: l2={best[1]} inside_weight={best[2]}: cv exact {best[3]:.3f} inside {best[4]:.3f}; "
              f"train exact/inside {top1(groups, w)} (n={len(groups)})")
    return weights


def write_model(update: dict) -> None:
    model = json.loads(MODEL_PATH.read_text(encoding="utf-8")) if MODEL_PATH.exists() else {}
    model.update(update)
    MODEL_PATH.write_text(json.dumps(model, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    for fn in (extraction._model, extraction._lexicon, extraction._weights):
        fn.cache_clear()
    print(f"wrote {MODEL_PATH}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--sections", default="eval")
    p.add_argument("--splits", default="train,valid",
                   help="splits for eval (train, valid, train_en, valid_en, news_train, news_valid)")
    p.add_argument("--settings", default="sentence,passage")
    p.add_argument("--train-setting", default="passage", choices=("sentence", "passage"))
    p.add_argument("--write", action="store_true", help="write the lexicon / weights into rag/extraction.json")
    p.add_argument("--kinds", default="", help="train only these answer types (comma-separated; default all)")
    p.add_argument("--only-features", default="",
                   help="regex: fit only the matching features' weights, the others kept as shipped")
    p.add_argument("--show", type=int, default=0, help="print N wrong train examples per type")
    p.add_argument("--show-kinds", default="", help="only these types (comma-separated) for --show")
    args = p.parse_args()
    data = Path(args.data)
    sections = args.sections.split(",")
    t0 = time.time()
    if "lexicon" in sections:
        lex = build_lexicon(data)
        if args.write:
            write_model({"lexicon": lex})
    sets = load(data)
    if "train" in sections:
        # news rows train the "what" kind only: its "what did X do/say" questions are the ones FacQA lacks (12 in
        # its train split); FacQA has plenty of who/where/when/number questions, in its own register
        rows = sets["train"] + sets.get("train_en", []) + [r for r in sets.get("news_train", [])
                                                           if r["_kind"] == "other"]
        kinds = args.kinds.split(",") if args.kinds else KINDS
        # the kinds not retrained keep their shipped weights
        trained = train(rows, args.train_setting, kinds=kinds, only=args.only_features)
        weights = {**extraction._weights(), **trained}
        if args.write:
            write_model({"weights": weights})
        else:
            extraction._weights.cache_clear()
            extraction._model()["weights"] = weights
    if "eval" in sections:
        results = {}
        for split in args.splits.split(","):
            if split not in sets:
                continue
            for setting in args.settings.split(","):
                results[(split, setting)] = evaluate(sets[split], setting)
        print_table(results)
    if args.show:
        show_errors(sets["train"], args.show, kinds=args.show_kinds)
    print(f"\n({time.time() - t0:.1f} s)")


if __name__ == "__main__":
    main()
