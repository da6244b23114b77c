"""PII masker throughput on real reviews (ingest masks every text field, so its rows/s depends on this).

Usage:  python benchmarks/pii_benchmark.py [--file PATH] [--rows 20000] [--repeats 5]

Reads the first `--rows` reviews of online_shopping_10_cats (by default from `../shared/data` relative to the
repository), normalizes them as ingest does, then times `mask_pii` over all of them `--repeats` times and reports the
best run (the least disturbed by other processes) and the median, in texts/s and MB/s, plus how many texts had a span.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from pathlib import Path

from koubei.text import mask_pii, normalize_text

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FILE = Path("../shared/data/online_shopping_10_cats/online_shopping_10_cats.csv")


def _read(path: Path, rows: int) -> list[str]:
    texts: list[str] = []
    with (path if path.is_absolute() else REPO / path).open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = normalize_text(row.get("review") or "")
            if text:
                texts.append(text)
            if len(texts) >= rows:
                break
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    texts = _read(args.file, args.rows)
    chars = sum(len(t) for t in texts)
    seconds: list[float] = []
    masked = 0
    for _ in range(args.repeats):
        started = time.perf_counter()
        masked = sum(1 for t in texts if mask_pii(t).spans)
        seconds.append(time.perf_counter() - started)
    best, median = min(seconds), statistics.median(seconds)
    print(
        json.dumps(
            {
                "file": str(args.file),
                "texts": len(texts),
                "chars": chars,
                "texts_with_pii": masked,
                "best_seconds": round(best, 3),
                "median_seconds": round(median, 3),
                "best_texts_per_s": round(len(texts) / best),
                "median_texts_per_s": round(len(texts) / median),
                "best_mchars_per_s": round(chars / best / 1e6, 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
