"""Retrieval metrics on the shared QA sets (FacQA, IDK-MRC formats; see ../shared/data/README.md).

The passages of a QA set are indexed as title-less articles whose id is the passage id, so a hit is correct
when its article id is the question's gold `passage_id`.
"""
from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .records import Article, Hit


def read_jsonl(path: str | Path, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Rows of a .jsonl or .jsonl.gz file."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:  # type: ignore[operator]
        for n, line in enumerate(f):
            if limit is not None and n >= limit:
                return
            if line.strip():
                yield json.loads(line)


def passages_as_articles(path: str | Path) -> list[Article]:
    """QA passages {id, text} -> Articles (no title, date or source: FacQA passages have none)."""
    return [Article(id=row["id"], title=row.get("title") or "", text=row["text"], source=row.get("source"))
            for row in read_jsonl(path)]


def news_as_articles(path: str | Path, limit: int | None = None) -> list[Article]:
    """CLICK-ID-style article rows {id, title, date, source, url, text, ...} -> Articles."""
    keep = {"id", "title", "date", "source", "url", "text"}
    return [Article(id=r["id"], title=r["title"] or "", text=r["text"], date=r.get("date"), source=r.get("source"),
                    url=r.get("url"), metadata={k: v for k, v in r.items() if k not in keep})
            for r in read_jsonl(path, limit) if (r.get("text") or "").strip()]


def retrieval_metrics(questions: Sequence[dict[str, Any]], search: Callable[[str, int], list[Hit]],
                      ks: Sequence[int] = (1, 5, 20)) -> dict[str, float]:
    """recall@k (gold passage among the top k distinct articles), MRR over the top max(ks), and AR@5: a passage
    among the top 5 articles holds a gold answer string (the DPR-style "top-k accuracy").

    Why both: in a large archive another article often answers the question too (a newer story names the same
    airport), which passage recall counts as a miss; AR@5 counts it, but also counts a short answer ("2015")
    that occurs by chance, so it is reported next to R@5, never instead of it."""
    depth = max(ks)
    hits_at = {k: 0 for k in ks}
    answer_hits = 0
    rr = 0.0
    for q in questions:
        hits = search(q["question"], depth * 3)
        ranked = _distinct_articles(hits)[:depth]
        rank = ranked.index(q["passage_id"]) + 1 if q["passage_id"] in ranked else None
        if rank:
            rr += 1.0 / rank
            for k in ks:
                hits_at[k] += rank <= k
        answer_hits += holds_answer(_first_articles(hits, 5), q.get("answers", []))
    n = max(len(questions), 1)
    out = {f"R@{k}": hits_at[k] / n for k in ks}
    out["MRR"] = rr / n
    out["AR@5"] = answer_hits / n
    out["n"] = float(len(questions))
    return out


def holds_answer(hits: Sequence[Hit], answers: Sequence[str]) -> bool:
    """Does one of the hits' texts contain one of the gold answers (case and spacing ignored)?"""
    golds = [normalise(a) for a in answers if a.strip()]
    return any(g in normalise(h.text) for h in hits for g in golds)


def _first_articles(hits: list[Hit], n: int) -> list[Hit]:
    """The hits, best first, that come before the (n+1)-th distinct article: what a reader of the top n sees."""
    seen: set[str] = set()
    out = []
    for h in hits:
        if h.article_id not in seen and len(seen) == n:
            break
        seen.add(h.article_id)
        out.append(h)
    return out


def _distinct_articles(hits: list[Hit]) -> list[str]:
    seen: list[str] = []
    for h in hits:
        if h.article_id not in seen:
            seen.append(h.article_id)
    return seen


def normalise(text: str) -> str:
    """Lower case, single spaces: how "gold answer inside the answer" is compared."""
    return " ".join(text.lower().split())


def answer_metrics(questions: Sequence[dict[str, Any]], ask: Callable[[str], Any]) -> dict[str, float]:
    """Answer quality on a QA set (rows with answers[] and optionally is_impossible).

    - in_answer_or_quotes: a gold answer occurs in the answer text or in one of its cited quotes (answerable
      questions; a refusal counts as a miss);
    - in_lead: ... in the answer's first line; in_short: ... in the extracted short answer alone;
    - short_shown / short_right: share of answered answerable questions led by a short answer, and the share of
      those short answers that hold a gold answer (how far a reader can trust the headline);
    - refused_answerable: share of answerable questions refused;
    - refusal_precision / refusal_recall: refusals that were right / unanswerable questions refused;
    - verified: share of generated answers whose every shown sentence passed verification (generative mode);
    - tentative_answerable: share of answerable questions answered with the "may not answer this" frame;
    - stated_unanswerable: share of unanswerable questions answered without that frame (the worst outcome: a
      wrong answer in a confident tone).
    """
    counts = {"in_answer_or_quotes": 0, "in_lead": 0, "in_short": 0, "refused_answerable": 0,
              "tentative_answerable": 0}
    refused_right = refused_total = impossible = generated = verified = stated_impossible = 0
    answered = short_shown = short_right = 0
    answerable = 0
    for q in questions:
        ans = ask(q["question"])
        is_impossible = bool(q.get("is_impossible"))
        impossible += is_impossible
        refused_total += ans.refused
        refused_right += ans.refused and is_impossible
        if ans.mode in ("generative", "fallback"):
            generated += 1
            verified += ans.mode == "generative" and bool(ans.verified)
        if is_impossible:
            stated_impossible += not ans.refused and not ans.tentative
            continue
        answerable += 1
        if ans.refused:
            counts["refused_answerable"] += 1
            continue
        counts["tentative_answerable"] += ans.tentative
        golds = [normalise(a) for a in q.get("answers", []) if a.strip()]
        texts = [normalise(ans.text)] + [normalise(c.quote) for c in ans.citations]
        counts["in_answer_or_quotes"] += any(g in t for g in golds for t in texts)
        counts["in_lead"] += any(g in normalise(ans.lead) for g in golds)
        in_short = bool(ans.short_answer) and any(g in normalise(ans.short_answer) for g in golds)
        counts["in_short"] += in_short
        answered += 1
        short_shown += bool(ans.short_answer)
        short_right += in_short
    out = {k: v / max(answerable, 1) for k, v in counts.items()}
    out["short_shown"] = short_shown / answered if answered else float("nan")
    out["short_right"] = short_right / short_shown if short_shown else float("nan")
    out["refusal_precision"] = refused_right / refused_total if refused_total else float("nan")
    out["refusal_recall"] = refused_right / impossible if impossible else float("nan")
    out["verified"] = verified / generated if generated else float("nan")
    out["stated_unanswerable"] = stated_impossible / impossible if impossible else float("nan")
    out["n"] = float(len(questions))
    out["answerable"] = float(answerable)
    return out
