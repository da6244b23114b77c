"""Ingest throughput on the full online_shopping_10_cats file, SQLite vs PostgreSQL, measured side by side.

Usage:  flock /tmp/koubei-heavy.lock python benchmarks/ingest_benchmark.py [--quick] [--postgres URL] [--file PATH]
            [--out benchmarks/results]

Each store starts empty (a new SQLite file; a new PostgreSQL schema), then the file is ingested twice: the first run
inserts everything, the second finds every row unchanged (the idempotent re-ingest path). `--quick` skips the
100,000-row SQLite run. The data is read from `../shared/data` relative to the repository unless `--file` says
otherwise; results record the file's path relative to the repository. Prints a table and JSON, and writes the JSON to
`--out` (ingest_benchmark.json, or ingest_benchmark-quick.json).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from koubei.pipelines.ingest import ingest_file
from koubei.store import Store

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FILE = Path("../shared/data/online_shopping_10_cats/online_shopping_10_cats.csv")


def _repo_path(path: Path) -> Path:
    """A relative path is relative to the repository (not to where the script is started from)."""
    return path if path.is_absolute() else REPO / path


def _relative(path: Path) -> str:
    """How results name a file: relative to the repository, never this machine's absolute path."""
    return os.path.relpath(
        os.path.abspath(_repo_path(path)), REPO
    )  # abspath: a symlinked data folder keeps its name


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
    parser.add_argument(
        "--file", type=Path, default=DEFAULT_FILE, help="relative paths are from the repository"
    )
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-row SQLite run")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args()
    source = _repo_path(args.file)
    results: dict[str, object] = {"file": _relative(args.file), "quick": args.quick}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = _measure(f"sqlite:///{tmp}/bench.db", source)
        if not args.quick:
            big = _hundred_thousand(source, Path(tmp) / "100k.csv")
            started = time.perf_counter()
            with Store.open(f"sqlite:///{tmp}/big.db") as store:
                summary = ingest_file(store, big, "reviews")
            results["sqlite_100k"] = {
                "read": summary.read,
                "stored": summary.stored,
                "seconds": round(time.perf_counter() - started, 2),
            }
    schema = f"koubei_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.postgres, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        results["postgresql"] = _measure(f"{args.postgres}?options=-csearch_path%3D{schema}", source)
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    print(f"{'store':<12}{'rows':>8}{'first s':>10}{'rows/s':>10}{'re-ingest s':>13}{'rows/s':>10}")
    for name in ("sqlite", "postgresql"):
        r: Any = results[name]
        print(
            f"{name:<12}{r['read']:>8}{r['first_seconds']:>10}{r['first_rows_per_s']:>10}"
            f"{r['again_seconds']:>13}{r['again_rows_per_s']:>10}"
        )
    big_run: Any = results.get("sqlite_100k")
    if big_run:
        print(f"100,000 reviews on SQLite: {big_run['seconds']} s ({big_run['stored']} stored)")
    print(json.dumps(results, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    name = "ingest_benchmark-quick.json" if args.quick else "ingest_benchmark.json"
    (args.out / name).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
