"""Ingest throughput on the full online_shopping_10_cats file, SQLite vs PostgreSQL, measured side by side.

Usage:  python benchmarks/ingest_benchmark.py [--postgres URL] [--file PATH]

Each store starts empty (a new SQLite file; a new PostgreSQL schema), then the file is ingested twice: the first run
inserts everything, the second finds every row unchanged (the idempotent re-ingest path). Prints a table and JSON.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from koubei.pipelines.ingest import ingest_file
from koubei.store import Store

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "shared/data/online_shopping_10_cats/online_shopping_10_cats.csv"


def _measure(url: str, path: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    with Store.open(url) as store:
        for run in ("first", "again"):
            started = time.perf_counter()
            summary = ingest_file(store, path, "reviews", recipe="online_shopping_10_cats")
            seconds = time.perf_counter() - started
            figures[f"{run}_seconds"] = round(seconds, 2)
            figures[f"{run}_rows_per_s"] = round(summary.read / seconds)
            figures[f"{run}_stored"] = summary.stored
            figures["read"] = summary.read
            figures["rejected"] = summary.rejected
    return figures


def _hundred_thousand(source: Path, target: Path) -> Path:
    """100,000 review rows from the real file (rows repeat with distinct ids), for the '100k well under a minute' check."""
    import csv

    with source.open(encoding="utf-8", newline="") as src:
        rows = list(csv.DictReader(src))
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["review_id", "category", "label", "text"])
        for i in range(100_000):
            row = rows[i % len(rows)]
            writer.writerow([f"b{i}", row["cat"], row["label"], row["review"]])
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = _measure(f"sqlite:///{tmp}/bench.db", args.file)
        big = _hundred_thousand(args.file, Path(tmp) / "100k.csv")
        started = time.perf_counter()
        with Store.open(f"sqlite:///{tmp}/big.db") as store:
            summary = ingest_file(store, big, "reviews")
        results["sqlite_100k"] = {"read": summary.read, "stored": summary.stored,
                                  "seconds": round(time.perf_counter() - started, 2)}
    schema = f"koubei_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.postgres, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        results["postgresql"] = _measure(f"{args.postgres}?options=-csearch_path%3D{schema}", args.file)
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    print(f"{'store':<12}{'rows':>8}{'first s':>10}{'rows/s':>10}{'re-ingest s':>13}{'rows/s':>10}")
    for name, r in results.items():
        if name == "sqlite_100k":
            continue
        print(f"{name:<12}{r['read']:>8}{r['first_seconds']:>10}{r['first_rows_per_s']:>10}"
              f"{r['again_seconds']:>13}{r['again_rows_per_s']:>10}")
    big_run = results["sqlite_100k"]
    print(f"100,000 reviews on SQLite: {big_run['seconds']} s ({big_run['stored']} stored)")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
