"""Attribute -> copy on the shared AdvertiseGen dev file: koubei copy vs the template and retrieval baselines.

Protocol (issue 14): the 856-row shared file is split once, 80/20 by attribute set (identical attribute sets stay
on one side; seed 20261214) into dev-train / dev-test before any tuning. The model's settings were tuned only on
an inner 80/20 split of dev-train (seed 7); dev-test is scored once here. The model trains on dev-train and
generates 5 candidates per product (the best after reranking is scored); the baselines are computed the same way.
Timing: 5 candidates for each of 50 dev-test products, wall clock per product in this process (p50/p95/max);
run with `taskset -c 0,1` to hold it to 2 cores. The shipped model trains on the whole file (`--final DIR`).

    flock /tmp/koubei-heavy.lock nice -n 10 taskset -c 0,1 python benchmarks/copy_benchmark.py
    python benchmarks/copy_benchmark.py --quick        # 40 inner-validation pairs of dev-train (smoke run)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from koubei.generation.copy_data import read_pairs, split_by_attributes
from koubei.generation.copy_model import CopyModel
from koubei.generation.generate import CopyRequest, CopyWriter
from koubei.pipelines.copy import evaluate_pairs

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = (
    Path("..") / "shared" / "data" / "advertisegen" / "advertisegen_dev.jsonl"
)  # relative to the repository
RESULTS = HERE / "results"
SPLIT_SEED = 20261214
REFERENCE = {
    "template baseline (published)": {"bleu4": 0.89, "rouge_l": 20.4},
    "retrieval baseline (published)": {"bleu4": 4.52, "rouge_l": 20.4},
    "ChatGLM-6B fine-tuned on 114k pairs (published)": {"bleu4": 8.0, "rouge_l": 25.1},
}
TARGETS = {"bleu4": 6.0, "rouge_l": 24.0, "coverage": 90.0, "contradiction_rate": 5.0, "p95_seconds": 2.0}


def timing(writer: CopyWriter, pairs: list[Any], n: int = 5) -> dict[str, float]:
    times = []
    for pair in pairs:
        t = time.perf_counter()
        writer.write(CopyRequest(pair.attributes, n=n))
        times.append(time.perf_counter() - t)
    times.sort()
    return {
        "products": len(times),
        "candidates": n,
        "p50_seconds": round(times[len(times) // 2], 4),
        "p95_seconds": round(times[min(len(times) - 1, int(0.95 * len(times)))], 4),
        "max_seconds": round(times[-1], 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run on 40 pairs of the inner validation split of dev-train (dev-test untouched)",
    )
    parser.add_argument(
        "--final", default=None, help="also train the shipped model on the whole file into this folder"
    )
    args = parser.parse_args()
    os.chdir(REPO)
    found = read_pairs(DATA)
    train, test = split_by_attributes(found.pairs, 0.2, SPLIT_SEED)
    if args.quick:  # the inner validation split of dev-train (what tuning used): dev-test stays untouched
        train, test = split_by_attributes(train, 0.2, 7)
        test = test[:40]
    started = time.perf_counter()
    model = CopyModel().fit(train)
    fit_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        model.save(Path(tmp) / "copy")
        writer = CopyWriter.load(Path(tmp) / "copy")
        t = time.perf_counter()
        systems, decoding = evaluate_pairs(writer, test, train, n=5)
        eval_seconds = time.perf_counter() - t
        times = timing(writer, test[:50])
    final = None
    if args.final:
        t = time.perf_counter()
        full = CopyModel().fit(found.pairs)
        full.save(args.final)
        final = {
            "folder": Path(args.final).name,
            "pairs": len(found.pairs),
            "fit_seconds": round(time.perf_counter() - t, 2),
        }
    model_figures = systems[0].to_dict()
    checks = {
        "bleu4 >= 6.0": model_figures["bleu4"] >= TARGETS["bleu4"],
        "rouge_l >= 24": model_figures["rouge_l"] >= TARGETS["rouge_l"],
        "coverage >= 90%": model_figures["coverage"] >= TARGETS["coverage"],
        "contradiction <= 5%": model_figures["contradiction_rate"] <= TARGETS["contradiction_rate"],
        "no output copied (20+ chars of training copy)": model_figures["copied_rate"] == 0.0,
        "0 banned terms": model_figures["banned_term_rate"] == 0.0,
        "5 candidates p95 < 2 s": times["p95_seconds"] < TARGETS["p95_seconds"],
    }
    result = {
        "data": str(DATA),
        "rows_read": len(found.pairs) + len(found.rejected),
        "rows_rejected": len(found.rejected),
        "split": {
            "seed": SPLIT_SEED,
            "by": "attribute set",
            "dev_train": len(train),
            "dev_test": len(test),
            "quick": args.quick,
        },
        "fit_seconds": round(fit_seconds, 2),
        "eval_seconds": round(eval_seconds, 2),
        "decoding": decoding,
        "systems": [s.to_dict() for s in systems],
        "timing": times,
        "targets_met": checks,
        "references": REFERENCE,
        "final_model": final,
        "machine": {"cpus_allowed": len(os.sched_getaffinity(0)), "python": platform.python_version()},
    }
    RESULTS.mkdir(exist_ok=True)
    suffix = "_quick" if args.quick else ""
    (RESULTS / f"copy_benchmark{suffix}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    lines = [
        "# copy benchmark (issue 14)",
        "",
        f"Data: `{DATA}` ({result['rows_read']} rows, {len(found.rejected)} rejected); "
        f"split by attribute set, seed {SPLIT_SEED}: dev-train {len(train)}, dev-test {len(test)}.",
        "",
        "| system | BLEU-4 | ROUGE-1 | ROUGE-2 | ROUGE-L | coverage % | contradiction % | distinct-2 | banned % | copied % |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in result["systems"]:
        lines.append(
            f"| {s['system']} | {s['bleu4']:.2f} | {s['rouge_1']:.2f} | {s['rouge_2']:.2f} | {s['rouge_l']:.2f} | "
            f"{s['coverage']:.1f} | {s['contradiction_rate']:.1f} | {s['distinct_2']:.3f} | {s['banned_term_rate']:.1f} | "
            f"{s['copied_rate']:.1f} |"
        )
    lines += [
        "",
        f"Timing, 5 candidates per product over {times['products']} products ({result['machine']['cpus_allowed']} CPUs "
        f"allowed): p50 {times['p50_seconds']} s, p95 {times['p95_seconds']} s, max {times['max_seconds']} s. "
        f"Fit on dev-train: {result['fit_seconds']} s.",
        "",
        "Decoding: `" + json.dumps(decoding, ensure_ascii=False) + "`",
        "",
        "Targets: " + ", ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in checks.items()),
        "",
        "Contradiction: share of outputs with a `contradiction` flag of koubei.generation.grounding (the "
        "same checker that filters fragments, so the model's 0 is by construction; the baselines show what "
        "the checker finds). ROUGE: F1 on jieba tokens, n-gram sets for 1/2, whole-sequence LCS for L (not "
        "rouge-chinese's sentence-split summary-level LCS), so the template baseline's ROUGE-L here differs "
        "from the published 20.4.",
    ]
    (RESULTS / f"copy_benchmark{suffix}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
