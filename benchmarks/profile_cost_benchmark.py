"""Profile cost benchmark (issue 16): 100k users, generated from the real users' statistics, profiled in < 60 s on
2 cores; plus the measured choice of the text embedding.

Run (heavy: a few minutes; always under the shared lock):
    flock /tmp/koubei-heavy.lock taskset -c 0,1 python benchmarks/profile_cost_benchmark.py [--users 100000]

Data: `../shared/data/amazon_reviews_en/amazon_reviews_en.jsonl`, ingested through koubei's own ingest path
(`koubei.pipelines.ingest.ingest_file`, created_at from unix_time) into a temporary SQLite store, aspects by the
default rules (`koubei.pipelines.aspects`), read back with `koubei.store.profiles.read_profile_inputs`.
Generated users: the number of reviews of each is drawn from the real users' review counts; their reviews are real
reviews (with their aspect mentions) copied under new ids (`koubei.analysis.profiles.synthetic`).

Measured (wall clock, the same process):
1. `ProfileModel.fit` + `transform` on all generated users (the compute of `koubei profile build`);
2. `build_profiles` end to end into an empty SQLite store (digests, compute, profile rows written), then a second
   run with no change (incremental: nothing recomputed) and one after 1% of users got a new review;
3. embedding choice, on the real users with >= 2 reviews: hold out each user's last review; rank its product
   among all products by cosine between the user's embedding (the other reviews) and the product's (its reviews
   by others): mean AUC and encode throughput, word LSA (koubei.analysis.profiles.embedding) against the
   character n-gram LSA of `koubei.support.dense.LsaEmbedder`.
Writes `benchmarks/results/profile_cost_benchmark.{json,md}`. Paths are recorded relative to the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = Path("..") / "shared" / "data" / "amazon_reviews_en" / "amazon_reviews_en.jsonl"


def _real_inputs(workdir: Path) -> dict[str, Any]:
    from koubei.pipelines.aspects import aspects_store, build_extractor
    from koubei.pipelines.ingest import ingest_file
    from koubei.store import Store
    from koubei.store.profiles import read_profile_inputs

    store = Store.open(f"sqlite:///{workdir / 'real.db'}")
    ingest_file(store, REPO / DATA, "reviews", mapping={"created_at": ["unix_time"]})
    extractor, name = build_extractor()
    aspects_store(store, extractor, name, aggregates=False)
    inputs = read_profile_inputs(store)
    # the default commands on the real users: `koubei profile build` then `koubei profile segments`
    from koubei.pipelines.profiles import build_profiles, segment_users

    built = build_profiles(store, model_dir=workdir / "real-model")
    seg = segment_users(store)
    inputs["segments"] = {
        "users": built.users,
        "status": built.status,
        "rfm_classes": built.rfm_classes,
        "value_source": built.value_source,
        "k": seg.k,
        "criterion": seg.criterion,
        "silhouettes": seg.silhouettes,
        "segments": [
            {
                "name_en": x["name_en"],
                "name_zh": x["name_zh"],
                "size": x["size"],
                "distinguishing": [(d["feature"], d["effect"]) for d in x["distinguishing"]],
                "top_rfm": next(iter(x["rfm_overlap"])),
                "expected_purchases_mean": x["value"]["expected_purchases_mean"],
            }
            for x in seg.segments
        ],
    }
    store.close()
    return inputs


def _auc(scores: np.ndarray, positive: int) -> float:
    others = np.delete(scores, positive)
    return float((np.sum(others < scores[positive]) + 0.5 * np.sum(others == scores[positive])) / len(others))


def embedding_check(inputs: dict[str, Any]) -> dict[str, Any]:
    from koubei.analysis.profiles.embedding import TextEmbedder
    from koubei.support.dense import LsaEmbedder

    reviews = [r for r in inputs["reviews"] if r["product_id"] and (r["text"] or "").strip()]
    by_user: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(reviews):
        by_user[r["user_id"]].append(i)
    held: dict[str, int] = {}
    for user, idx in by_user.items():
        if len(idx) >= 2:
            held[user] = max(idx, key=lambda i: (str(reviews[i]["created_at"]), reviews[i]["review_id"]))
    held_set = set(held.values())
    train_texts = [r["text"] for i, r in enumerate(reviews) if i not in held_set]
    products = sorted({r["product_id"] for r in reviews})
    p_index = {p: j for j, p in enumerate(products)}
    out: dict[str, Any] = {"users": len(held), "products": len(products)}
    for name, embedder in (("word_lsa", TextEmbedder(dims=32)), ("char_lsa", LsaEmbedder(dims=32))):
        embedder.fit(train_texts)
        started = time.perf_counter()
        vectors = np.asarray(embedder.encode([r["text"] for r in reviews]), dtype=np.float64)
        seconds = time.perf_counter() - started
        aucs = []
        for user, h in held.items():
            mine = [i for i in by_user[user] if i != h]
            u = vectors[mine].mean(axis=0)
            # a product's vector from its reviews by other users and not held out
            sums = np.zeros((len(products), vectors.shape[1]))
            counts = np.zeros(len(products))
            for i, r in enumerate(reviews):
                if r["user_id"] != user and i not in held_set:
                    sums[p_index[r["product_id"]]] += vectors[i]
                    counts[p_index[r["product_id"]]] += 1
            if counts[p_index[reviews[h]["product_id"]]] == 0:
                continue
            prod = sums / np.maximum(counts, 1)[:, None]
            norms = np.linalg.norm(prod, axis=1) * (np.linalg.norm(u) or 1.0)
            scores = np.where(counts > 0, prod @ u / np.where(norms > 0, norms, 1.0), -1.0)
            aucs.append(_auc(scores, p_index[reviews[h]["product_id"]]))
            if len(aucs) >= 400:  # enough for two decimals; the product sums are the slow part
                break
        out[name] = {
            "auc_mean": round(float(np.mean(aucs)), 4),
            "users_scored": len(aucs),
            "encode_reviews_per_s": round(len(reviews) / seconds, 1),
        }
    return out


def cost(inputs: dict[str, Any], n_users: int, workdir: Path) -> dict[str, Any]:
    from koubei.analysis.profiles.activity import UserActivity
    from koubei.analysis.profiles.features import ProfileModel
    from koubei.analysis.profiles.synthetic import generate_rows
    from koubei.pipelines.profiles import build_profiles
    from koubei.store import Store

    counts: dict[str, int] = defaultdict(int)
    for r in inputs["reviews"]:
        counts[r["user_id"]] += 1
    started = time.perf_counter()
    rows = generate_rows(
        inputs["reviews"], inputs["mentions"], n_users=n_users, review_counts=list(counts.values()), seed=1
    )
    activity = UserActivity.from_rows(reviews=rows["reviews"], mentions=rows["mentions"])
    generate_s = time.perf_counter() - started
    out: dict[str, Any] = {
        "users": n_users,
        "reviews": len(rows["reviews"]),
        "aspect_mentions": len(rows["mentions"]),
        "generate_seconds": round(generate_s, 2),
    }
    started = time.perf_counter()
    model = ProfileModel().fit(activity)
    fit_s = time.perf_counter() - started
    started = time.perf_counter()
    built = model.transform(activity)
    transform_s = time.perf_counter() - started
    out["compute"] = {
        "fit_seconds": round(fit_s, 2),
        "transform_seconds": round(transform_s, 2),
        "total_seconds": round(fit_s + transform_s, 2),
        "profiles": len(built.profiles),
    }
    store = Store.open(f"sqlite:///{workdir / 'gen.db'}")
    started = time.perf_counter()
    first = build_profiles(store, model_dir=workdir / "model", refit=True, activity=activity)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    second = build_profiles(store, model_dir=workdir / "model", activity=activity)
    second_s = time.perf_counter() - started
    # 1% of users get one more review
    rng = np.random.default_rng(2)
    extra = [
        dict(rows["reviews"][int(i)]) for i in rng.choice(len(rows["reviews"]), n_users // 100, replace=False)
    ]
    for k, r in enumerate(extra):
        r["review_id"] = f"extra-{k}"
        r["content_hash"] = f"extra-{k}"
    more = UserActivity.from_rows(reviews=rows["reviews"] + extra, mentions=rows["mentions"])
    started = time.perf_counter()
    third = build_profiles(store, model_dir=workdir / "model", activity=more)
    third_s = time.perf_counter() - started
    store.close()
    out["pipeline_sqlite"] = {
        "first_build_seconds": round(first_s, 2),
        "first_recomputed": first.recomputed,
        "unchanged_rebuild_seconds": round(second_s, 2),
        "unchanged_recomputed": second.recomputed,
        "one_percent_new_seconds": round(third_s, 2),
        "one_percent_new_recomputed": third.recomputed,
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--skip-embedding-check", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="koubei-profile-bench-") as tmp:
        workdir = Path(tmp)
        os.environ["KOUBEI_HOME"] = str(workdir / "home")
        started = time.perf_counter()
        inputs = _real_inputs(workdir)
        result: dict[str, Any] = {
            "command": "flock /tmp/koubei-heavy.lock taskset -c 0,1 python benchmarks/profile_cost_benchmark.py "
            + " ".join(sys.argv[1:]),
            "data": str(DATA),
            "real": {
                "reviews": len(inputs["reviews"]),
                "users": len({r["user_id"] for r in inputs["reviews"]}),
                "aspect_mentions": len(inputs["mentions"]),
                "prepare_seconds": round(time.perf_counter() - started, 2),
            },
            "machine": {
                "python": platform.python_version(),
                "cpus_allowed": len(os.sched_getaffinity(0)),
                "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
            },
            "date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        }
        result["real_segments"] = inputs.pop("segments")
        result["cost"] = cost(inputs, args.users, workdir)
        if not args.skip_embedding_check:
            result["embedding_check"] = embedding_check(inputs)
        result["machine"]["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "profile_cost_benchmark.json").write_text(
        json.dumps(result, indent=2) + "\n", encoding="utf-8"
    )
    c = result["cost"]
    lines = [
        "# Profile cost benchmark (issue 16)",
        "",
        f"`{result['command']}` ({result['date_utc']}, {result['machine']['cpus_allowed']} CPUs allowed, load "
        f"{result['machine']['load_avg_at_start']} -> {result['machine']['load_avg_at_end']})",
        "",
        f"Real data: {result['real']['users']:,} users, {result['real']['reviews']:,} reviews ({DATA}).",
        f"Generated: {c['users']:,} users, {c['reviews']:,} reviews, {c['aspect_mentions']:,} aspect mentions "
        "(review counts drawn from the real users').",
        "",
        "| step | seconds | users recomputed |",
        "| --- | ---: | ---: |",
        f"| ProfileModel fit | {c['compute']['fit_seconds']} | |",
        f"| ProfileModel transform (all users) | {c['compute']['transform_seconds']} | {c['compute']['profiles']:,} |",
        f"| build_profiles into SQLite, first | {c['pipeline_sqlite']['first_build_seconds']} | "
        f"{c['pipeline_sqlite']['first_recomputed']:,} |",
        f"| build_profiles, nothing changed | {c['pipeline_sqlite']['unchanged_rebuild_seconds']} | "
        f"{c['pipeline_sqlite']['unchanged_recomputed']:,} |",
        f"| build_profiles, 1% of users with a new review | {c['pipeline_sqlite']['one_percent_new_seconds']} | "
        f"{c['pipeline_sqlite']['one_percent_new_recomputed']:,} |",
    ]
    rs = result["real_segments"]
    lines += [
        "",
        f"Segments of the real users (`koubei profile segments` defaults; {rs['criterion']}; silhouettes "
        f"{rs['silhouettes']}):",
        "",
        "| segment | 分群 | users | distinguishing (effect in std) | main RFM class | exp. purchases / user |",
        "| --- | --- | ---: | --- | --- | ---: |",
    ]
    for x in rs["segments"]:
        dist = ", ".join(f"{f} {e:+.2f}" for f, e in x["distinguishing"])
        lines.append(
            f"| {x['name_en']} | {x['name_zh']} | {x['size']:,} | {dist} | {x['top_rfm']} | "
            f"{x['expected_purchases_mean']} |"
        )
    if "embedding_check" in result:
        e = result["embedding_check"]
        lines += [
            "",
            f"Embedding choice ({e['users_scored'] if 'users_scored' in e else e['word_lsa']['users_scored']} real "
            f"users, held-out last review, its product ranked among {e['products']} by cosine):",
            "",
            "| embedder | AUC | reviews encoded / s |",
            "| --- | ---: | ---: |",
        ]
        for name in ("word_lsa", "char_lsa"):
            lines.append(f"| {name} | {e[name]['auc_mean']} | {e[name]['encode_reviews_per_s']:,} |")
    (args.out / "profile_cost_benchmark.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
