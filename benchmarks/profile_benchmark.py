"""Benchmark of koubei's targeting: next products, target users for a product, and the rating a user gives.

Data: ../shared/data/amazon_reviews_en relative to the repository, or --data DIR (see its SOURCE.md): 5,504 reviews
with user id, product id, category, rating, time and text. Results record the data path relative to the
repository, never an absolute one.

Split (made before any tuning, seed 20261202): a random 20% of the reviews is the *test* part, touched once, by the
final run (`--part test`); the other 80% is *train*. A random 20% of train is the *validation* part, on which the
defaults of `RecommenderConfig` and `RatingConfig` were chosen (fitting on the remaining 64%). Each part's fitting
rows go through `koubei ingest reviews --recipe amazon_reviews_en` into a fresh SQLite store, and every figure
comes from the pipeline functions the CLI calls, with their defaults (`koubei.pipelines.targeting`):
- next product: each held-out review of a known user and a known product the user has not reviewed is a query;
  `next_for_user` ranks every product the user has not reviewed; hit@10 and MRR, against popularity;
- targeting: for each product with such held-out reviewers, `product_targets(store, product, 100)` (the default
  command: holdout 0.1, seed 0) lists 100 users to approach; recall@100 of its held-out reviewers, mean over
  products, against the 100 most active users who have not reviewed it (also the interest ranking alone,
  without the holdout: `Recommender.user_scores`, users who reviewed the product left out);
- rating: `predict_ratings` on each held-out review of a known user; MAE against the user's mean rating, and
  against the constant 5 stars (the median rating: a strong baseline for MAE on skewed ratings);
- cost: seconds of `product_targets` per product with the fitted models loaded, and of fitting them.

Run (once for the final figures; writes benchmarks/results/profile_benchmark.{json,md}):
    flock /tmp/koubei-heavy.lock .venv/bin/python benchmarks/profile_benchmark.py --part test
Development runs use `--part validation` (prints, writes nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path("..") / "shared" / "data" / "amazon_reviews_en"
SEED = 20261202
BUDGET = 100


def split(rows: list[dict[str, Any]], seed: int = SEED) -> dict[str, list[dict[str, Any]]]:
    """test = random 20% of the rows; validation = random 20% of the rest; fit = the remaining 64%."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(rows))
    n_test = int(0.2 * len(rows))
    test = [rows[i] for i in perm[:n_test]]
    train = [rows[i] for i in perm[n_test:]]
    perm2 = rng.permutation(len(train))
    n_val = int(0.2 * len(train))
    return {
        "test": test,
        "train": train,
        "validation": [train[i] for i in perm2[:n_val]],
        "fit": [train[i] for i in perm2[n_val:]],
    }


def _store_of(rows: list[dict[str, Any]], folder: Path) -> Any:
    from koubei.pipelines.ingest import ingest_file
    from koubei.store import Store

    path = folder / "reviews.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    store = Store.open(f"sqlite:///{folder / 'koubei.db'}")
    summary = ingest_file(store, path, "reviews", recipe="amazon_reviews_en", quarantine=folder)
    return store, summary


def evaluate(fit_rows: list[dict[str, Any]], held: list[dict[str, Any]], folder: Path) -> dict[str, Any]:
    from koubei.pipelines.targeting import load_models, next_for_user, predict_ratings, product_targets

    store, ingested = _store_of(fit_rows, folder)
    started = time.perf_counter()
    models = load_models(store, model_dir=folder / "models")
    fit_seconds = time.perf_counter() - started
    rec = models.recommender
    n_items = len(rec.item_ids_)
    seen = {(u, p) for u, p in zip(*np.nonzero(rec.x_.toarray()), strict=True)}
    queries = []
    for row in held:
        u, p = rec.user_position(row["user_id"]), rec.item_position(row["product_id"])
        if u is not None and p is not None and (u, p) not in seen:
            queries.append((row, u, p))
    popularity = rec.popularity_
    pop_order = np.argsort(-popularity, kind="stable")

    # next product
    hits = mrr = base_hits = base_mrr = 0.0
    ranked_cache: dict[int, dict[str, int]] = {}
    for row, u, _p in queries:
        if u not in ranked_cache:
            products = next_for_user(models, row["user_id"], k=n_items).products
            ranked_cache[u] = {x["product_id"]: r for r, x in enumerate(products, 1)}
        rank = ranked_cache[u][row["product_id"]]
        hits += rank <= 10
        mrr += 1.0 / rank
        mine = set(rec.seen_items(u).tolist())
        base = [i for i in pop_order if i not in mine]
        base_rank = base.index(rec.item_position(row["product_id"])) + 1
        base_hits += base_rank <= 10
        base_mrr += 1.0 / base_rank
    nq = max(len(queries), 1)

    # targeting
    by_product: dict[int, set[str]] = defaultdict(set)
    for row, _u, p in queries:
        by_product[p].add(row["user_id"])
    activity_order = np.argsort(-rec.activity_, kind="stable")
    recalls, recalls_no_holdout, base_recalls, seconds = [], [], [], []
    for p, reviewers in sorted(by_product.items()):
        product_id = rec.item_ids_[p]
        t0 = time.perf_counter()
        targets = product_targets(store, product_id, BUDGET, models=models)
        seconds.append(time.perf_counter() - t0)
        listed = {u.user_id for u in targets.users}
        recalls.append(len(reviewers & listed) / len(reviewers))
        already = set(rec.seen_users(p).tolist())
        # The interest ranking alone, without the holdout draw (what the holdout costs in recall).
        interest = rec.user_scores(p)
        interest[list(already)] = -np.inf
        plain = [rec.user_ids_[i] for i in np.argsort(-interest, kind="stable")[:BUDGET]]
        recalls_no_holdout.append(len(reviewers & set(plain)) / len(reviewers))
        top = [rec.user_ids_[i] for i in activity_order if i not in already][:BUDGET]
        base_recalls.append(len(reviewers & set(top)) / len(reviewers))

    # rating
    rated = [(row, u) for row, u, _p in queries if row.get("rating") is not None]
    rated_all = [row for row in held if rec.user_position(row["user_id"]) is not None and row.get("rating")]
    by_user: dict[str, list[int]] = defaultdict(list)
    for row in fit_rows:
        if row.get("rating") is not None:
            by_user[row["user_id"]].append(int(row["rating"]))
    global_mean = statistics.fmean(r for v in by_user.values() for r in v)
    predictions = predict_ratings(models, [(r["user_id"], r["product_id"]) for r in rated_all])
    truth = np.array([int(r["rating"]) for r in rated_all], dtype=np.float64)
    koubei_mae = float(np.mean(np.abs(np.array([p.rating for p in predictions]) - truth)))
    user_mean = np.array(
        [statistics.fmean(by_user[r["user_id"]]) if by_user[r["user_id"]] else global_mean for r in rated_all]
    )
    store.close()
    return {
        "fit_reviews_ingested": ingested.stored,
        "fit_users": len(rec.user_ids_),
        "fit_products": n_items,
        "held_out_reviews": len(held),
        "next_product": {
            "queries": len(queries),
            "users": len({u for _r, u, _p in queries}),
            "koubei": {"hit@10": hits / nq, "mrr": mrr / nq},
            "popularity": {"hit@10": base_hits / nq, "mrr": base_mrr / nq},
        },
        "targeting": {
            "products": len(by_product),
            "budget": BUDGET,
            "koubei_recall@100": float(np.mean(recalls)) if recalls else None,
            "koubei_recall@100_without_holdout": float(np.mean(recalls_no_holdout)) if recalls else None,
            "most_active_users_recall@100": float(np.mean(base_recalls)) if base_recalls else None,
            "seconds_per_product": {
                "median": statistics.median(seconds) if seconds else None,
                "max": max(seconds) if seconds else None,
            },
        },
        "rating": {
            "reviews": len(rated_all),
            "koubei_mae": koubei_mae,
            "user_mean_mae": float(np.mean(np.abs(user_mean - truth))),
            "constant_5_mae": float(np.mean(np.abs(5.0 - truth))),
            "predicted": dict(Counter(int(p.rating) for p in predictions)),
        },
        "fit_seconds": fit_seconds,
        "_rated_queries": len(rated),
    }


def _markdown(result: dict[str, Any]) -> str:
    t, v = result["test"], result["validation"]

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{100 * x:.1f}%"

    lines = [
        "# Profile benchmark: next products, targets, ratings (amazon_reviews_en)",
        "",
        f"Command: `{result['command']}`  ",
        f"Data: `{result['data']}` ({result['rows']} reviews); split seed {SEED}: test {result['split']['test']}, "
        f"train {result['split']['train']} (validation {result['split']['validation']} + fit {result['split']['fit']}).  ",
        f"Run: {result['started_at']} UTC, {result['machine']}.",
        "",
        "Test part (touched once; models fitted on the whole train part with the default configs):",
        "",
        "| task | baseline | baseline (this split) | koubei | issue target | reference baseline (issue's split) |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| next product hit@10 ({t['next_product']['queries']} queries) | popularity | "
        f"{pct(t['next_product']['popularity']['hit@10'])} | {pct(t['next_product']['koubei']['hit@10'])} | >= 17.5% | 11.6% |",
        f"| next product MRR | popularity | {t['next_product']['popularity']['mrr']:.3f} | "
        f"{t['next_product']['koubei']['mrr']:.3f} | | 0.037 |",
        f"| targeting recall@100 ({t['targeting']['products']} products) | most active users | "
        f"{pct(t['targeting']['most_active_users_recall@100'])} | {pct(t['targeting']['koubei_recall@100'])} | >= 20% | 13.1% |",
        f"| rating MAE ({t['rating']['reviews']} reviews) | user's mean | {t['rating']['user_mean_mae']:.3f} | "
        f"{t['rating']['koubei_mae']:.3f} | <= 0.58 | 0.620 |",
        f"| rating MAE | constant 5 stars | {t['rating']['constant_5_mae']:.3f} | {t['rating']['koubei_mae']:.3f} | | |",
        "",
        f"Targeting recall@100 without the default 10% holdout: {pct(t['targeting']['koubei_recall@100_without_holdout'])}. "
        f"Targets for one product: median {t['targeting']['seconds_per_product']['median']:.3f} s, max "
        f"{t['targeting']['seconds_per_product']['max']:.3f} s (models loaded); fitting both models "
        f"{t['fit_seconds']:.1f} s.",
        "",
        "Validation part (the defaults were chosen here; fit on the other 64%):",
        "",
        f"- next product hit@10 {pct(v['next_product']['koubei']['hit@10'])} (popularity "
        f"{pct(v['next_product']['popularity']['hit@10'])}), MRR {v['next_product']['koubei']['mrr']:.3f} "
        f"({v['next_product']['popularity']['mrr']:.3f})",
        f"- targeting recall@100 {pct(v['targeting']['koubei_recall@100'])} (most active "
        f"{pct(v['targeting']['most_active_users_recall@100'])})",
        f"- rating MAE {v['rating']['koubei_mae']:.3f} (user mean {v['rating']['user_mean_mae']:.3f}, "
        f"constant 5 {v['rating']['constant_5_mae']:.3f})",
        "",
        "No social graph comes with this data set, so word of mouth is not part of these figures (the target lists "
        "say so); the figures measure predicted interest, exclusions and the holdout.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=("validation", "test"), default="validation")
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args(argv)
    os.chdir(REPO)
    data_dir = args.data or DEFAULT_DATA
    path = data_dir / "amazon_reviews_en.jsonl"
    if not path.is_file():
        print(f"data file {path} not found", file=sys.stderr)
        return 2
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    parts = split(rows)
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    result: dict[str, Any] = {
        "command": "flock /tmp/koubei-heavy.lock .venv/bin/python benchmarks/profile_benchmark.py --part test"
        if args.part == "test"
        else "python benchmarks/profile_benchmark.py --part validation",
        "data": os.path.relpath(os.path.abspath(data_dir), REPO) if args.data else str(DEFAULT_DATA),
        "rows": len(rows),
        "split": {k: len(v) for k, v in parts.items()},
        "seed": SEED,
        "started_at": started,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
    }
    with tempfile.TemporaryDirectory(prefix="koubei-profile-bench-") as tmp:
        os.environ["KOUBEI_HOME"] = str(Path(tmp) / "home")
        (Path(tmp) / "validation").mkdir()
        result["validation"] = evaluate(parts["fit"], parts["validation"], Path(tmp) / "validation")
        if args.part == "test":
            (Path(tmp) / "test").mkdir()
            result["test"] = evaluate(parts["train"], parts["test"], Path(tmp) / "test")
    print(json.dumps(result, indent=2))
    if args.part == "test":
        out = REPO / "benchmarks" / "results"
        (out / "profile_benchmark.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        (out / "profile_benchmark.md").write_text(_markdown(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
