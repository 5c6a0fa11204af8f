"""Relative dates ("kemarin", "Kamis", "Kamis lalu", "bulan lalu") resolved against the article date
(rag.dates.find_relative_dates), checked on real news where the writer also gave the explicit date.

CLICK-ID articles often write a relative phrase right before its explicit date: "Kamis (18/7)", "kemarin
(18/7)", "Rabu lalu (17/7)". The explicit date is ground truth for what the phrase alone would have been resolved
to: each such phrase is resolved from the text up to its end (so the explicit date is not seen) and compared with
the explicit date. Day-granularity phrases only (the explicit dates are days). A proxy: a writer who adds the date
may do so more often for days further from the publication day than for bare mentions.

    python bench/dates.py [--data ../shared/data] [--limit N] [--show N]
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import gzip
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.dates import WEEKDAYS, find_dates, find_relative_dates  # noqa: E402


def kind_of(phrase: str) -> str:
    low = phrase.lower()
    if re.search(r"\b(lalu|kemarin|last)$", low) and " " in low:
        return "weekday + lalu/kemarin"
    if re.search(r" (depan|mendatang|besok|lusa)$", low) or low.startswith("next "):
        return "weekday + depan/besok"
    if low.split()[0] in ("kemarin", "hari", "besok", "lusa", "yesterday", "today", "tomorrow"):
        return low
    return "weekday alone"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--show", type=int, default=0, help="print N disagreements")
    args = p.parse_args()
    t0 = time.time()
    right: collections.Counter = collections.Counter()
    total: collections.Counter = collections.Counter()
    wrong: list[str] = []
    articles = 0
    inconsistent = 0
    with gzip.open(Path(args.data) / "corpus_clickid.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            try:
                reference = dt.date.fromisoformat((row.get("date") or "")[:10])
            except ValueError:
                continue
            articles += 1
            text = row["text"]
            for e in find_dates(text, reference):
                # the phrase before the explicit date: a weekday inside the mention ("Kamis (18/7)") or a relative
                # phrase ending right before it ("kemarin (18/7)", "Rabu lalu (17/7)")
                head = re.match(r"[A-Za-z']+", e.text)
                cut = e.start + head.end() if head and not e.text[0].isdigit() else e.start
                prefix = text[:cut].rstrip(" ,(")
                found = find_relative_dates(prefix, reference)
                if not found or found[-1].end < len(prefix) or found[-1].granularity != "day":
                    continue
                r = found[-1]
                k = kind_of(r.text)
                written = WEEKDAYS.get(r.text.split()[-1].lower()) if k.startswith("weekday") else None
                written = written if written is not None else WEEKDAYS.get(r.text.split()[0].lower())
                if written is not None and dt.date.fromisoformat(e.iso).weekday() != written:
                    inconsistent += 1  # the writer's weekday and date disagree: no ground truth
                    continue
                total[k] += 1
                total["all"] += 1
                ok = r.value == e.iso
                right[k] += ok
                right["all"] += ok
                if not ok and len(wrong) < args.show:
                    wrong.append(f"{row['date'][:10]} {r.text!r} -> {r.value}, written {e.text!r} = {e.iso}: "
                                 f"…{text[max(0, r.start - 80):e.end + 20]!r}")
            if args.limit and articles >= args.limit:
                break
    print(f"# bench/dates.py  {time.strftime('%Y-%m-%d %H:%M')}  CLICK-ID articles with a date: {articles}\n")
    print("| phrase before an explicit date | n | resolved = explicit |")
    print("| --- | --- | --- |")
    for k, n in sorted(total.items(), key=lambda x: (x[0] == "all", -x[1])):
        print(f"| {k} | {n} | {right[k] / n:.3f} |")
    print(f"\n(left out: {inconsistent} explicit dates whose weekday name and date disagree)")
    for w in wrong:
        print(w)
    print(f"\n({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
