"""Which answerability trees judge an archive of k articles better: the collection trees (rag/answerability.json)
or the one-article-archive trees (rag/answerability_single.json)? Decides answerability.SMALL_ARCHIVE_CHUNKS.

    python bench/archive_size.py --articles 3 10 --questions 300
    python bench/archive_size.py --articles 3 10 30 --split valid --questions 400  # reported only

Train questions decide (`--split train`, the default): both tree sets were fitted on these questions, each in
its own regime (the whole collection; a one-article archive), so both are partly in-sample here, the small-archive
trees more so the smaller the archive. An archive is a question's passage and its k-1 nearest other passages (from
the full index's hits): IDK-MRC (answerable and minimal edits, `--questions` passages' worth) and FacQA
(`--questions` questions, asked of gold + k-1 neighbours, and of the k nearest non-gold passages: refuse). Each
archive is a real index built in a temporary folder (bench/answer_data.small_archive_hits, cached).
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

from answer_data import cached_hits, memoised, open_index, question_sets, small_archive_hits  # noqa: E402
from train_answering import answerability_rows, refusal_curve, set_lexicon_features  # noqa: E402

from rag import NewsQA  # noqa: E402
from rag.answerability import DEFAULT_MODEL, SINGLE_ARCHIVE_MODEL, TreeEnsemble  # noqa: E402
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

    @classmethod
    def open(cls, args) -> Sources:
        data = Path(args.data)
        fq = open_index(args.facqa_index, data, "passages_facqa.jsonl")
        iq = open_index(args.idkmrc_index, data, "passages_idkmrc.jsonl")
        articles = {a.id: a for f in ("passages_facqa.jsonl", "passages_idkmrc.jsonl")
                    for a in passages_as_articles(data / f)}
        return cls(question_sets(data), fq, iq, articles, memoised(fq.embedder), Tokenizer(), SentenceScorer.load())


def archive_rows(args, src: Sources, k: int) -> dict[str, tuple]:
    """part -> (features without lexicon, missing stems, answerable labels, chunks per archive)."""
    sets, fq, iq = src.sets, src.facqa, src.idkmrc
    parts: dict[str, tuple[list, list]] = {}
    split = args.split
    _, iqs = sets[f"idkmrc_{split}"]
    by_passage: dict[str, list] = {}
    for q, h in zip(iqs, cached_hits(iq, f"idkmrc_{split}", iqs)):
        by_passage.setdefault(q["passage_id"], []).append((q, h))
    qs, archives = [], []
    for pid in sorted(random.Random(0).sample(sorted(by_passage), min(args.questions, len(by_passage)))):
        archive = tuple([pid] + nearest(by_passage[pid][0][1], {pid}, k - 1))
        for q, _ in by_passage[pid]:
            qs.append(q)
            archives.append(archive)
    parts[f"idkmrc_{split}_k{k}_{args.questions}"] = (qs, archives)
    _, fqs = sets[f"facqa_{split}"]
    fhits = cached_hits(fq, f"facqa_{split}", fqs)
    chosen = sorted(random.Random(1).sample(range(len(fqs)), min(args.questions, len(fqs))))
    qs = [fqs[i] for i in chosen]
    parts[f"facqa_{split}_fac_k{k}_{args.questions}"] = (
        qs, [tuple([fqs[i]["passage_id"]] + nearest(fhits[i], {fqs[i]["passage_id"]}, k - 1)) for i in chosen])
    parts[f"facqa_{split}_fac_nogold_k{k}_{args.questions}"] = (
        qs, [tuple(nearest(fhits[i], {fqs[i]["passage_id"]}, k)) for i in chosen])
    out = {}
    for (name, (qs, archives)), label in zip(parts.items(), ("idk", "fac", "fac_nogold")):
        got = small_archive_hits(name, qs, archives, src.articles, src.embedder)
        x, missing = answerability_rows(None, qs, [h for h, _ in got], src.tokenizer, src.scorer, False,
                                        [t for _, t in got])
        y = np.array([not q.get("is_impossible", False) for q in qs]) if label != "fac_nogold" else np.zeros(len(qs))
        out[label] = (x, missing, y.astype(bool), [t.num_docs for _, t in got])
    return out


def main() -> None:
    from sklearn.metrics import roc_auc_score

    p = argparse.ArgumentParser()
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--facqa-index", default="/work/cache/facqa")
    p.add_argument("--idkmrc-index", default="/work/cache/idkmrc")
    p.add_argument("--articles", type=int, nargs="+", default=[3, 10])
    p.add_argument("--questions", type=int, default=300, help="IDK-MRC passages and FacQA questions per size")
    p.add_argument("--split", choices=["train", "valid"], default="train")
    args = p.parse_args()
    models = {"collection trees": TreeEnsemble.load(DEFAULT_MODEL),
              "small-archive trees": TreeEnsemble.load(SINGLE_ARCHIVE_MODEL)}
    print(f"{'articles':>8}{'chunks (median)':>16}  {'trees':<20}{'AUC IDK':>8}{'AUC FacQA':>10}"
          f"{'IDK P/R at threshold':>22}{'FacQA refused':>14}{'gold removed refused':>21}")
    src = Sources.open(args)
    for k in args.articles:
        rows = archive_rows(args, src, k)
        chunks = np.median(np.concatenate([rows[part][3] for part in rows]))
        for name, m in models.items():
            p_ = {part: m.probability(set_lexicon_features(x, missing, m.lexicon))
                  for part, (x, missing, _, _) in rows.items()}
            y_idk = rows["idk"][2]
            auc_idk = roc_auc_score(y_idk, p_["idk"])
            auc_fac = roc_auc_score(np.r_[np.ones(len(p_["fac"])), np.zeros(len(p_["fac_nogold"]))],
                                    np.r_[p_["fac"], p_["fac_nogold"]])
            _, prec, rec, _ = refusal_curve(p_["idk"], ~y_idk, [m.threshold])[0]
            print(f"{k:>8}{chunks:>16.0f}  {name:<20}{auc_idk:>8.3f}{auc_fac:>10.3f}{f'{prec:.3f} / {rec:.3f}':>22}"
                  f"{(p_['fac'] < m.threshold).mean():>14.3f}{(p_['fac_nogold'] < m.threshold).mean():>21.3f}")


if __name__ == "__main__":
    main()
