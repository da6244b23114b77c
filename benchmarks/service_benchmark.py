"""Benchmark of koubei's customer-service retrieval and hand-off on Amazon appliances Q&A.

Data: ../shared/data/amazon_qa_appliances relative to the repository, or --data DIR (see its SOURCE.md): 7,208
(product, question, answer) rows. Results record the data path relative to the repository, never an absolute one.
Setup: the index holds every *answer* (as a past-Q&A document without its question, under its product); the
questions are held out and used as queries. A retrieved document is correct when its answer text equals the
query's own answer (after lower-casing and dropping punctuation: the same pair appears under variant products).
Question groups are split 30/70 into dev/test with a fixed seed; fusion settings and the escalation threshold are
chosen on dev, every reported figure is on test.

Reported: hit@1, hit@5, MRR for BM25 alone, dense (all-MiniLM-L6-v2) alone, plain RRF and the dev-chosen fusion,
for global retrieval (whole corpus) and product-scoped retrieval; latency p50/p95 of retrieval + extractive answer
(and of a whole assistant turn) on this machine; escalation precision/recall on a labelled mix of answerable test
questions and the hand-written unanswerable/complaint questions in benchmarks/data/appliances_unanswerable.jsonl.

Run (heavy: encodes ~14k texts with MiniLM on CPU; vectors are cached under runs/service_benchmark/):
    flock /tmp/koubei-heavy.lock python benchmarks/service_benchmark.py [--quick] [--data DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ["HF_HUB_OFFLINE"] = "1"

from koubei.progress import ConsoleProgress
from koubei.support.answer import AnswerConfig, compose_extractive
from koubei.support.assistant import Assistant
from koubei.support.documents import qa_docs
from koubei.support.index import IndexConfig, ServiceIndex

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA_DIR = REPO.parent / "shared" / "data"  # ../shared/data relative to the repository
QA_FILE = Path("amazon_qa_appliances") / "amazon_qa_appliances.jsonl"
UNANSWERABLE = HERE / "data" / "appliances_unanswerable.jsonl"
SEED = 20261128


def norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def load(path: Path, quick: bool) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    rows = [r for r in rows if r.get("question") and r.get("answer")]
    if quick:  # whole products, so product-scoped retrieval still sees each product's full Q&A set
        products = sorted({r["product_id"] for r in rows})
        keep = set(random.Random(SEED).sample(products, 150))
        rows = [r for r in rows if r["product_id"] in keep]
    return rows


def split_queries(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One query per (question, answer) group, groups split 30/70 dev/test with a fixed seed."""
    seen: dict[str, dict[str, Any]] = {}
    for r in rows:
        seen.setdefault(norm(r["question"]) + "|" + norm(r["answer"]), r)
    keys = sorted(seen)
    random.Random(SEED).shuffle(keys)
    cut = int(0.3 * len(keys))
    return [seen[k] for k in keys[:cut]], [seen[k] for k in keys[cut:]]


def evaluate(
    index: ServiceIndex,
    queries: list[dict[str, Any]],
    qvecs: dict[str, np.ndarray],
    mode: str,
    scoped: bool,
    relevant: dict[str, set[str]],
) -> dict[str, float]:
    hit1 = hit5 = 0
    rr = 0.0
    for q in queries:
        hits = index.search(
            q["question"],
            product_id=q["product_id"] if scoped else None,
            k=10,
            mode=mode,
            query_vector=qvecs.get(q["qa_id"]),
        )
        rel = relevant[norm(q["answer"])]
        rank = next((i for i, h in enumerate(hits, start=1) if h.doc.doc_id in rel), None)
        if rank is not None:
            hit1 += rank == 1
            hit5 += rank <= 5
            rr += 1.0 / rank
    n = max(1, len(queries))
    return {
        "hit@1": round(100 * hit1 / n, 2),
        "hit@5": round(100 * hit5 / n, 2),
        "mrr": round(rr / n, 4),
        "n": len(queries),
    }


def encode_queries(
    index: ServiceIndex, queries: list[dict[str, Any]], cache_dir: Path
) -> dict[str, np.ndarray]:
    texts = [q["question"] for q in queries]
    key = hashlib.sha1("\n".join(texts).encode()).hexdigest()[:12]
    path = cache_dir / f"queries_{key}.npy"
    if path.exists():
        vecs = np.load(path)
    else:
        spec = index.dense_for(texts[0])
        assert spec is not None
        embedder = index._embedders[spec]
        vecs = embedder.encode(texts)
        np.save(path, vecs)
    return {q["qa_id"]: v for q, v in zip(queries, vecs, strict=True)}


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(values), p)) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="150 products only (smoke run)")
    parser.add_argument("--out", type=Path, default=Path("runs/service_benchmark"))
    parser.add_argument("--latency-n", type=int, default=300)
    parser.add_argument(
        "--data", type=Path, default=DATA_DIR, help="the shared data folder (default: ../shared/data)"
    )
    args = parser.parse_args()
    data_file = args.data / QA_FILE
    out = args.out / ("quick" if args.quick else "full")
    out.mkdir(parents=True, exist_ok=True)
    import torch

    report: dict[str, Any] = {
        "data": os.path.relpath(os.path.abspath(data_file), REPO),
        "seed": SEED,
        "torch_threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
    }
    rows = load(data_file, args.quick)
    dev, test = split_queries(rows)
    report["rows_indexed"] = len(rows)
    report["queries"] = {"dev": len(dev), "test": len(test)}
    relevant: dict[str, set[str]] = {}
    for r in rows:
        relevant.setdefault(norm(r["answer"]), set()).add(f"qa:{r['qa_id']}")

    # ---- index (answers only; questions held out) -----------------------------------------------------------
    t0 = time.perf_counter()
    index_dir = out / "index"
    index = (
        ServiceIndex.load(index_dir)
        if (index_dir / "index.json").exists()
        else ServiceIndex(IndexConfig(dense="minilm"))
    )
    docs = [
        d
        for r in rows
        for d in qa_docs(
            {"qa_id": r["qa_id"], "product_id": r["product_id"], "answer": r["answer"]},
            include_question=False,
        )
    ]
    counts = index.sync(docs)
    index.build(progress=ConsoleProgress())
    index.save(index_dir)
    report["index"] = {"docs": len(index), "build_s": round(time.perf_counter() - t0, 1), **counts}
    print(f"index: {report['index']}", file=sys.stderr)
    qvecs = encode_queries(index, dev + test, out)

    # ---- fusion settings, chosen on dev ---------------------------------------------------------------------
    candidates: dict[str, dict[str, Any]] = {
        "rrf_k60": {"fusion": "rrf", "rrf_k": 60.0, "weights": (1.0, 1.0)},
        "rrf_k60_w1:2": {"fusion": "rrf", "rrf_k": 60.0, "weights": (1.0, 2.0)},
        "rrf_k60_w1:3": {"fusion": "rrf", "rrf_k": 60.0, "weights": (1.0, 3.0)},
        "rrf_k10_w1:2": {"fusion": "rrf", "rrf_k": 10.0, "weights": (1.0, 2.0)},
        "minmax_w1:1": {"fusion": "weighted", "weights": (1.0, 1.0)},
        "minmax_w1:2": {"fusion": "weighted", "weights": (1.0, 2.0)},
        "minmax_w1:3": {"fusion": "weighted", "weights": (1.0, 3.0)},
        "minmax_w1:5": {"fusion": "weighted", "weights": (1.0, 5.0)},
        "bm25_then_dense_rerank": {"fusion": "rerank"},
    }
    dev_scores = {}
    for name, cfg in candidates.items():
        dev_scores[name] = evaluate(index.with_config(**cfg), dev, qvecs, "fused", False, relevant)
        print(f"dev {name}: {dev_scores[name]}", file=sys.stderr)
    best = max(dev_scores, key=lambda n: (dev_scores[n]["hit@1"], dev_scores[n]["mrr"]))
    report["dev_fusion"] = dev_scores
    report["chosen_fusion"] = {
        "name": best,
        **{k: list(v) if isinstance(v, tuple) else v for k, v in candidates[best].items()},
    }
    tuned = index.with_config(**candidates[best])
    plain = index.with_config(**candidates["rrf_k60"])

    # ---- retrieval on test ----------------------------------------------------------------------------------
    results: dict[str, dict[str, Any]] = {}
    for scope, scoped in (("global", False), ("product", True)):
        results[scope] = {
            "bm25": evaluate(index, test, qvecs, "bm25", scoped, relevant),
            "dense": evaluate(index, test, qvecs, "dense", scoped, relevant),
            "fused_rrf": evaluate(plain, test, qvecs, "fused", scoped, relevant),
            f"fused_{best}": evaluate(tuned, test, qvecs, "fused", scoped, relevant),
        }
        print(f"test {scope}: {results[scope]}", file=sys.stderr)
    report["test"] = results

    # ---- latency: retrieval + extractive answer, one question at a time ------------------------------------
    assistant = Assistant(tuned)
    sample = random.Random(SEED).sample(test, min(args.latency_n, len(test)))
    for q in sample[:5]:  # warm-up (model load, first-call allocations)
        assistant.ask(q["question"])
    answer_ms, turn_ms = [], []
    for q in sample:
        t = time.perf_counter()
        hits = tuned.search(q["question"], k=assistant.top_k)
        compose_extractive(q["question"], hits, assistant.answer_config, tuned.dense_spec_)
        answer_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        assistant.ask(q["question"])
        turn_ms.append((time.perf_counter() - t) * 1000)
    report["latency_ms"] = {
        "retrieval_plus_extractive_answer": {
            "p50": round(percentile(answer_ms, 50), 1),
            "p95": round(percentile(answer_ms, 95), 1),
            "n": len(answer_ms),
        },
        "full_turn_with_routing": {
            "p50": round(percentile(turn_ms, 50), 1),
            "p95": round(percentile(turn_ms, 95), 1),
        },
        "scope": "global (whole corpus), query encoding included",
        "load_average_after": os.getloadavg(),
    }
    print(f"latency: {report['latency_ms']}", file=sys.stderr)

    # ---- escalation: answerable test questions vs hand-labelled unanswerable / complaints -------------------
    labelled = [json.loads(line) for line in UNANSWERABLE.open(encoding="utf-8")]
    products = sorted({r["product_id"] for r in rows})
    rng = random.Random(SEED)
    for item in labelled:
        item["product_id"] = rng.choice(products)
    answerable_dev = [
        {"question": q["question"], "product_id": q["product_id"], "escalate": False}
        for q in rng.sample(dev, min(100, len(dev)))
    ]
    answerable_test = [
        {"question": q["question"], "product_id": q["product_id"], "escalate": False}
        for q in rng.sample(test, min(100, len(test)))
    ]
    unans_dev = [u for i, u in enumerate(labelled) if i % 2 == 0]
    unans_test = [u for i, u in enumerate(labelled) if i % 2 == 1]

    def escalation_scores(items: list[dict[str, Any]], threshold: float | None) -> dict[str, float]:
        bot = Assistant(tuned, answer_config=AnswerConfig(min_dense=threshold))
        tp = fp = fn = 0
        for item in items:
            reply, _ = bot.ask(item["question"], product_id=item["product_id"])
            esc = reply.escalation is not None
            tp += esc and item["escalate"]
            fp += esc and not item["escalate"]
            fn += (not esc) and item["escalate"]
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "n": len(items),
        }

    sweep = {}
    for threshold in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        sweep[threshold] = escalation_scores(answerable_dev + unans_dev, threshold)
        print(f"dev escalation @ {threshold}: {sweep[threshold]}", file=sys.stderr)

    def f1(s: dict[str, float]) -> float:
        p, r = s["precision"], s["recall"]
        return 0.0 if not p or not r or p != p or r != r else 2 * p * r / (p + r)

    chosen = max(sweep, key=lambda t: (f1(sweep[t]), sweep[t]["precision"]))
    report["escalation"] = {
        "dev_sweep": {str(k): v for k, v in sweep.items()},
        "chosen_min_dense": chosen,
        "test": escalation_scores(answerable_test + unans_test, chosen),
        "test_at_default": escalation_scores(answerable_test + unans_test, None),
        "labelled_set": str(UNANSWERABLE.relative_to(HERE.parent)),
    }
    print(f"escalation: {report['escalation']['test']}", file=sys.stderr)
    (out / "results.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    name = "service_benchmark-quick.json" if args.quick else "service_benchmark.json"
    (results_dir / name).write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
