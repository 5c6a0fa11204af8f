"""Which answerability trees judge an archive of k articles better: the collection trees (rag/answerability.json)
or the small-archive trees (rag/answerability_small.json, which also read the archive's size)?

    python bench/archive_size.py --articles 3 10 30 100 300 --split valid --questions 400

An archive is a question's passage and its k-1 nearest other passages (from the full index's hits): IDK-MRC
(answerable and minimal edits, `--questions` passages' worth) and FacQA (`--questions` questions, asked of gold + k-1
neighbours, and of the k nearest non-gold passages: refuse). Each archive is a real index built in a temporary
folder (bench/answer_data.small_archive_hits, cached). The small-archive trees are trained on such archives of
train questions (bench/train_answering.py answerability --regime small, which prints this comparison on valid too),
so `--split train` is in-sample for them. "Doubted": answered below CONFIDENT_AT, framed as uncertain;
"confident": answered at or above it, stated as fact (for an unanswerable question, the worst outcome).
"""
from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from answer_data import (DEPTH, cached_hits, memoised, open_index, question_sets,  # noqa: E402
                         remember_stored_vectors, small_archive_hits)
from train_answering import answerability_rows, refusal_curve, set_lexicon_features  # noqa: E402

from rag import NewsQA  # noqa: E402
from rag.answerability import CONFIDENT_AT, DEFAULT_MODEL, SMALL_ARCHIVE_MODEL, TreeEnsemble  # noqa: E402
from rag.background import BackgroundIdf  # noqa: E402
from rag.bm25 import Tokenizer  # noqa: E402
from rag.evaluation import passages_as_articles  # noqa: E402
from rag.evidence import SentenceScorer  # noqa: E402


def nearest(hits, exclude: set[str], k: int) -> list[str]:
    """The first k distinct article ids of `hits` not in `exclude`."""
    out: list[str] = []
    for h in hits:
        if h.article_id not in exclude and h.article_id not in out:
            out.append(h.article_id)
        if len(out) == k:
            break
    return out


@dataclass
class Sources:
    """What every archive size reads, opened once: the question sets, the two full indexes (their hits give each
    passage's neighbours), the passages, and one embedder whose vectors are remembered across archives and sizes."""

    sets: dict
    facqa: NewsQA
    idkmrc: NewsQA
    articles: dict
    embedder: object
    tokenizer: Tokenizer
    scorer: SentenceScorer
    background: BackgroundIdf | None = None  # for trees that read BACKGROUND_FEATURES

    @classmethod
    def open(cls, args) -> Sources:
        data = Path(args.data)
        fq = open_index(args.facqa_index, data, "passages_facqa.jsonl")
        iq = open_index(args.idkmrc_index, data, "passages_idkmrc.jsonl")
        tokenizer = Tokenizer()
        return cls.of(question_sets(data), fq, iq, data, tokenizer, SentenceScorer.load(),
                      BackgroundIdf.load(tokenizer=tokenizer.version))

    @classmethod
    def of(cls, sets: dict, fq: NewsQA, iq: NewsQA, data: Path, tokenizer: Tokenizer,
           scorer: SentenceScorer, background: BackgroundIdf | None = None) -> Sources:
        """From indexes already open: reads the passages and gives the embedder the vectors the indexes hold."""
        articles = {a.id: a for f in ("passages_facqa.jsonl", "passages_idkmrc.jsonl")
                    for a in passages_as_articles(data / f)}
        embedder = memoised(fq.embedder)
        remember_stored_vectors(embedder, [fq, iq], list(articles.values()))
        return cls(sets, fq, iq, articles, embedder, tokenizer, scorer, background)


def neighbour_hits(qa: NewsQA, name: str, questions: list[dict], chosen: list[int], k: int) -> list[list]:
    """The hits of questions[i] for i in `chosen`, deep enough to name k distinct articles besides the question's
    own passage: from the cached top DEPTH hits of the whole set while they suffice, else a deeper search for the
    chosen questions only."""
    depth = max(DEPTH, 2 * k + 10)
    if depth == DEPTH:
        every = cached_hits(qa, name, questions)
        return [every[i] for i in chosen]
    return cached_hits(qa, f"{name}_deep{len(chosen)}", [questions[i] for i in chosen], depth=depth)


def archive_rows(args, src: Sources, k: int) -> dict[str, tuple]:
    """part -> (features without lexicon, missing stems, answerable labels, chunks per archive, questions).

    A FacQA question's two archives hold the same number of articles (gold + k-1 neighbours; k neighbours), else
    the archive's size would tell them apart; a question whose hits name too few neighbours is left out."""
    sets, fq, iq = src.sets, src.facqa, src.idkmrc
    parts: dict[str, tuple[list, list]] = {}
    split = args.split
    _, iqs = sets[f"idkmrc_{split}"]
    by_passage: dict[str, list[int]] = {}  # passage id -> indexes of its questions in iqs
    for i, q in enumerate(iqs):
        by_passage.setdefault(q["passage_id"], []).append(i)
    chosen_passages = sorted(random.Random(0).sample(sorted(by_passage), min(args.questions, len(by_passage))))
    # a passage's neighbours: those its first question retrieves
    passage_hits = neighbour_hits(iq, f"idkmrc_{split}", iqs, [by_passage[pid][0] for pid in chosen_passages], k)
    qs, archives = [], []
    for pid, hits in zip(chosen_passages, passage_hits):
        archive = tuple([pid] + nearest(hits, {pid}, k - 1))
        for i in by_passage[pid]:
            qs.append(iqs[i])
            archives.append(archive)
    parts[f"idkmrc_{split}_k{k}_{args.questions}"] = (qs, archives)
    _, fqs = sets[f"facqa_{split}"]
    chosen = sorted(random.Random(1).sample(range(len(fqs)), min(args.questions, len(fqs))))
    fhits = neighbour_hits(fq, f"facqa_{split}", fqs, chosen, k)
    qs, with_gold, without_gold = [], [], []
    for i, hits in zip(chosen, fhits):
        gold = fqs[i]["passage_id"]
        others = nearest(hits, {gold}, k)
        if len(others) < k:
            continue
        qs.append(fqs[i])
        with_gold.append(tuple([gold] + others[:k - 1]))
        without_gold.append(tuple(others))
    if len(qs) < len(chosen):
        print(f"  k={k}: {len(chosen) - len(qs)} FacQA questions left out (too few neighbours in their hits)")
    parts[f"facqa_{split}_fac_k{k}_{args.questions}"] = (qs, with_gold)
    parts[f"facqa_{split}_fac_nogold_k{k}_{args.questions}"] = (qs, without_gold)
    out = {}
    for (name, (qs, archives)), label in zip(parts.items(), ("idk", "fac", "fac_nogold")):
        got = small_archive_hits(name, qs, archives, src.articles, src.embedder)
        x, missing = answerability_rows(None, qs, [h for h, _ in got], src.tokenizer, src.scorer, False,
                                        [t for _, t in got], src.background)
        y = np.array([not q.get("is_impossible", False) for q in qs]) if label != "fac_nogold" else np.zeros(len(qs))
        out[label] = (x, missing, y.astype(bool), [t.num_docs for _, t in got], qs)
    return out


def main() -> None:
    from sklearn.metrics import roc_auc_score

    p = argparse.ArgumentParser()
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--facqa-index", default="/work/cache/facqa")
    p.add_argument("--idkmrc-index", default="/work/cache/idkmrc")
    p.add_argument("--articles", type=int, nargs="+", default=[3, 10, 30, 100, 300])
    p.add_argument("--questions", type=int, help="IDK-MRC passages and FacQA questions per size (default: as "
                                                 "bench/train_answering.py reads them, 300 train, 400 valid)")
    p.add_argument("--split", choices=["train", "valid"], default="valid")
    args = p.parse_args()
    args.questions = args.questions or (400 if args.split == "valid" else 300)
    models = {"collection trees": TreeEnsemble.load(DEFAULT_MODEL),
              "small-archive trees": TreeEnsemble.load(SMALL_ARCHIVE_MODEL)}
    print(f"{'articles':>8}{'chunks (median)':>16}  {'trees':<20}{'AUC IDK':>8}{'AUC FacQA':>10}"
          f"{'IDK P/R at threshold':>22}{'FacQA refused':>14}{'gold removed refused':>21}{'FacQA doubted':>14}"
          f"{'IDK unanswerable confident':>27}")
    src = Sources.open(args)
    for k in args.articles:
        rows = archive_rows(args, src, k)
        median_chunks = np.median(np.concatenate([rows[part][3] for part in rows]))
        for name, m in models.items():
            if m.reads_cross_encoder:  # these rows carry no cross-encoder logits (bench/cross_encoder.py has none)
                print(f"{k:>8}{median_chunks:>16.0f}  {name:<20}skipped: reads the cross-encoder")
                continue
            p_ = {part: m.probability(set_lexicon_features(x, missing, m.lexicon), chunks)
                  for part, (x, missing, _, chunks, _) in rows.items()}
            y_idk = rows["idk"][2]
            auc_idk = roc_auc_score(y_idk, p_["idk"])
            auc_fac = roc_auc_score(np.r_[np.ones(len(p_["fac"])), np.zeros(len(p_["fac_nogold"]))],
                                    np.r_[p_["fac"], p_["fac_nogold"]])
            _, prec, rec, _ = refusal_curve(p_["idk"], ~y_idk, [m.threshold])[0]
            doubted = ((p_["fac"] >= m.threshold) & (p_["fac"] < CONFIDENT_AT)).mean()
            print(f"{k:>8}{median_chunks:>16.0f}  {name:<20}{auc_idk:>8.3f}{auc_fac:>10.3f}"
                  f"{f'{prec:.3f} / {rec:.3f}':>22}"
                  f"{(p_['fac'] < m.threshold).mean():>14.3f}{(p_['fac_nogold'] < m.threshold).mean():>21.3f}"
                  f"{doubted:>14.3f}{(p_['idk'][~y_idk] >= CONFIDENT_AT).mean():>27.3f}")


if __name__ == "__main__":
    main()
