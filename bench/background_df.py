"""Count stem document frequencies over the CLICK-ID news corpus -> rag/background_df.json.gz (rag/background.py).

    python bench/background_df.py [--data ../shared/data] [--min-df 2] [--write]
"""
from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.background import BACKGROUND_DF, BackgroundIdf  # noqa: E402
from rag.bm25 import Tokenizer  # noqa: E402
from rag.evaluation import news_as_articles  # noqa: E402


def count(data: Path, tokenizer: Tokenizer, min_df: int) -> BackgroundIdf:
    articles = news_as_articles(data / "corpus_clickid.jsonl.gz")
    df: collections.Counter[str] = collections.Counter()
    for a in tqdm(articles, desc="articles", unit="art"):
        df.update(set(tokenizer(f"{a.title}\n{a.text}")))
    return BackgroundIdf(len(articles), {t: n for t, n in df.items() if n >= min_df}, tokenizer.version, min_df)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--min-df", type=int, default=2)
    p.add_argument("--write", action="store_true", help=f"write {BACKGROUND_DF.relative_to(ROOT)}")
    args = p.parse_args()
    t0 = time.time()
    table = count(Path(args.data), Tokenizer(), args.min_df)
    print(f"{table.documents} articles, {len(table.df)} stems held by >= {args.min_df} articles "
          f"({time.time() - t0:.0f} s)")
    for word in ("tentara", "hadiah", "kirim", "yang", "presiden", "krivoruchko"):
        print(f"  idf({word}) = {table.idf(word):.2f}")
    if args.write:
        table.save()
        print(f"wrote {BACKGROUND_DF.relative_to(ROOT)} ({BACKGROUND_DF.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
