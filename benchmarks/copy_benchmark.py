"""Attribute -> copy on the shared AdvertiseGen dev file: koubei copy vs the template and retrieval baselines.

Protocol (issue 14):
(a) the 856-row shared file split 80/20 by attribute set (identical attribute sets stay on one side; seed
    20261214) into dev-train / dev-test. dev-test has been scored before (runs 1-4 of the results file), so this
    figure is NOT a clean held-out estimate; it is reported for continuity;
(b) 5-fold cross-validation by attribute set over all pairs (`kfold_by_attributes`, seed 20261214): for each fold
    the model trains on the other four and the fold is scored once; mean and spread (sample standard deviation)
    over folds for the model and both baselines. The design was frozen before this run; settings were tuned only
    on the inner 80/20 split of dev-train (seed 7);
(c) timing: 5 candidates for each of 50 dev-test products, wall clock per product (p50/p95/max);
(d) training time of the default `koubei copy train --data FILE` on the whole file (the README's model).
The model generates 5 candidates per product (the best after reranking is scored). Run it with `taskset -c 0,1`
to hold it to 2 cores:

    flock /tmp/koubei-heavy.lock nice -n 10 taskset -c 0,1 python benchmarks/copy_benchmark.py --final DIR
    python benchmarks/copy_benchmark.py --quick        # 40 inner-validation pairs of dev-train (smoke run)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from koubei.generation.copy_data import kfold_by_attributes, read_pairs, split_by_attributes
from koubei.generation.copy_model import CopyModel
from koubei.generation.generate import CopyRequest, CopyWriter
from koubei.pipelines.copy import evaluate_pairs, train_copy_model

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
FOLDS = 5
METRICS = (
    "bleu4",
    "rouge_1",
    "rouge_2",
    "rouge_l",
    "coverage",
    "contradiction_rate",
    "distinct_2",
    "banned_term_rate",
)
METRICS_CV = (*METRICS, "copied_rate")
# Earlier scorings of dev-test (commit, change, BLEU-4, ROUGE-L), as measured; this run is number 5.
HISTORY = [
    ("1", "31660c1", "first model", 6.65, 23.95),
    (
        "2",
        "1a23edb",
        "no substitution inside longer words; filler names no value; no near-duplicate filler",
        6.76,
        23.86,
    ),
    (
        "3",
        "654d8b1",
        "no clause naming another product type; values swapped only within interchangeable keys",
        7.08,
        24.07,
    ),
    (
        "4",
        "b000ade",
        "no clause with a word < 3 training copies use; no part the product type lacks",
        7.09,
        24.19,
    ),
]
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
    with tempfile.TemporaryDirectory() as tmp:
        # The 80/20 run and the folds are independent: two worker processes share the two cores; timing and the
        # final training run afterwards, alone, so their seconds are not shared with other work.
        with ProcessPoolExecutor(max_workers=1 if args.quick else 2) as pool:
            split_job = pool.submit(_split_task, train, test, str(Path(tmp) / "copy"))
            cv_jobs = [] if args.quick else [pool.submit(_fold_task, found.pairs, i) for i in range(FOLDS)]
            systems, decoding, fit_seconds, eval_seconds = split_job.result()
            cv = None if args.quick else summarise_folds([j.result() for j in cv_jobs])
        times = timing(CopyWriter.load(Path(tmp) / "copy"), test[:50])
    final = None
    if args.final:
        t = time.perf_counter()
        trained = train_copy_model(DATA, args.final)  # exactly `koubei copy train --data FILE --out DIR`
        final = {
            "command": f"koubei copy train --data {DATA} --out {Path(args.final).name}",
            "pairs": trained.pairs,
            "fragments": trained.fragments,
            "lm": trained.lm,
            "train_seconds": trained.seconds,
            "wall_seconds": round(time.perf_counter() - t, 2),
        }
    model_figures = systems[0].to_dict()
    headline = cv["systems"]["koubei copy"]["mean"] if cv else model_figures
    checks = {
        "bleu4 >= 6.0": headline["bleu4"] >= TARGETS["bleu4"],
        "rouge_l >= 24": headline["rouge_l"] >= TARGETS["rouge_l"],
        "coverage >= 90%": headline["coverage"] >= TARGETS["coverage"],
        "contradiction <= 5%": headline["contradiction_rate"] <= TARGETS["contradiction_rate"],
        "no output copied (20+ chars of training copy)": headline["copied_rate"] == 0.0,
        "0 banned terms": headline["banned_term_rate"] == 0.0,
        "5 candidates p95 < 2 s": times["p95_seconds"] < TARGETS["p95_seconds"],
    }
    result = {
        "command": "flock /tmp/koubei-heavy.lock nice -n 10 taskset -c 0,1 python benchmarks/copy_benchmark.py"
        + (" --final DIR" if args.final else "")
        + (" --quick" if args.quick else ""),
        "data": str(DATA),
        "rows_read": len(found.pairs) + len(found.rejected),
        "rows_rejected": len(found.rejected),
        "split": {
            "seed": SPLIT_SEED,
            "by": "attribute set",
            "dev_train": len(train),
            "dev_test": len(test),
            "quick": args.quick,
            "dev_test_run": 5,
            "clean": False,
        },
        "fit_seconds": round(fit_seconds, 2),
        "eval_seconds": round(eval_seconds, 2),
        "decoding": decoding,
        "systems": [s.to_dict() for s in systems],
        "cross_validation": cv,
        "timing": times,
        "targets_met": checks,
        "targets_judged_on": "5-fold CV mean" if cv else "dev-test",
        "references": REFERENCE,
        "final_model": final,
        "machine": {
            "cpus_allowed": len(os.sched_getaffinity(0)),
            "python": platform.python_version(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
    }
    RESULTS.mkdir(exist_ok=True)
    suffix = "_quick" if args.quick else ""
    (RESULTS / f"copy_benchmark{suffix}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    lines = report(result, found, train, test, times, checks)
    (RESULTS / f"copy_benchmark{suffix}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def _split_task(
    train: list[Any], test: list[Any], folder: str
) -> tuple[list[Any], dict[str, Any], float, float]:
    """(a): fit on dev-train, save (for the timing run), score dev-test once."""
    started = time.perf_counter()
    model = CopyModel().fit(train)
    fit_seconds = time.perf_counter() - started
    model.save(folder)
    writer = CopyWriter.load(folder)
    t = time.perf_counter()
    systems, decoding = evaluate_pairs(writer, test, train, n=5)
    return systems, decoding, round(fit_seconds, 2), round(time.perf_counter() - t, 2)


def _fold_task(pairs: list[Any], i: int, k: int = FOLDS) -> tuple[dict[str, Any], list[Any]]:
    """(b): fold `i` scored once by a model trained on the other folds."""
    folds = kfold_by_attributes(pairs, k, SPLIT_SEED)
    held = folds[i]
    rest = [p for j, f in enumerate(folds) if j != i for p in f]
    t = time.perf_counter()
    model = CopyModel().fit(rest)
    fit = time.perf_counter() - t
    t = time.perf_counter()
    systems, _ = evaluate_pairs(CopyWriter(model), held, rest, n=5)
    row: dict[str, Any] = {"fold": i, "train": len(rest), "test": len(held), "fit_seconds": round(fit, 2)}
    row["eval_seconds"] = round(time.perf_counter() - t, 2)
    print(f"fold {i}: BLEU-4 {systems[0].bleu4}, ROUGE-L {systems[0].rouge_l}", flush=True)
    return row, systems


def cross_validate(pairs: list[Any], k: int = FOLDS) -> dict[str, Any]:
    """Each fold scored once by a model trained on the other folds, one after the other (see the docstring)."""
    return summarise_folds([_fold_task(pairs, i, k) for i in range(k)], k)


def summarise_folds(results: list[tuple[dict[str, Any], list[Any]]], k: int = FOLDS) -> dict[str, Any]:
    per_fold: list[dict[str, Any]] = []
    by_system: dict[str, list[dict[str, Any]]] = {}
    for row, systems in results:
        for s in systems:
            figures = s.to_dict()
            by_system.setdefault(s.system, []).append(figures)
            row[s.system] = {m: figures[m] for m in METRICS_CV}
        per_fold.append(row)
    summary = {}
    for name, rows in by_system.items():
        summary[name] = {
            "mean": {m: round(statistics.mean(r[m] for r in rows), 3) for m in METRICS_CV},
            "stdev": {m: round(statistics.stdev(r[m] for r in rows), 3) for m in METRICS_CV},
            "min": {m: min(r[m] for r in rows) for m in METRICS_CV},
            "max": {m: max(r[m] for r in rows) for m in METRICS_CV},
        }
    return {"folds": k, "seed": SPLIT_SEED, "by": "attribute set", "per_fold": per_fold, "systems": summary}


def report(
    result: dict[str, Any],
    found: Any,
    train: list[Any],
    test: list[Any],
    times: dict[str, Any],
    checks: dict[str, bool],
) -> list[str]:
    head = "| system | BLEU-4 | ROUGE-1 | ROUGE-2 | ROUGE-L | coverage % | contradiction % | distinct-2 | banned % | copied % |"
    rule = "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"

    def row(name: str, s: dict[str, Any], spread: dict[str, Any] | None = None) -> str:
        def cell(m: str, fmt: str) -> str:
            text = format(s[m], fmt)
            return text + (f" ± {format(spread[m], fmt)}" if spread else "")

        return (
            f"| {name} | {cell('bleu4', '.2f')} | {cell('rouge_1', '.2f')} | {cell('rouge_2', '.2f')} | "
            f"{cell('rouge_l', '.2f')} | {cell('coverage', '.1f')} | {cell('contradiction_rate', '.1f')} | "
            f"{cell('distinct_2', '.3f')} | {cell('banned_term_rate', '.1f')} | {cell('copied_rate', '.1f')} |"
        )

    lines = [
        "# copy benchmark (issue 14)",
        "",
        f"Command: `{result['command']}`",
        "",
        f"Data: `{DATA}` ({result['rows_read']} rows, {len(found.rejected)} rejected).",
        "",
    ]
    cv = result["cross_validation"]
    if cv:
        lines += [
            f"## (b) {cv['folds']}-fold cross-validation by attribute set over all {len(found.pairs)} pairs "
            f"(seed {cv['seed']}; each fold scored once; mean ± sample standard deviation over folds)",
            "",
            head,
            rule,
        ]
        for name, s in cv["systems"].items():
            lines.append(row(name, s["mean"], s["stdev"]))
        lines += [
            "",
            "Per fold (koubei copy): "
            + "; ".join(
                f"fold {r['fold']} ({r['test']} pairs): BLEU-4 {r['koubei copy']['bleu4']:.2f}, ROUGE-L "
                f"{r['koubei copy']['rouge_l']:.2f}"
                for r in cv["per_fold"]
            )
            + ".",
            "",
        ]
    lines += [
        f"## (a) 80/20 split by attribute set, seed {SPLIT_SEED}: dev-train {len(train)}, dev-test {len(test)}"
        + ("" if result["split"]["quick"] else " (dev-test run 5: NOT a clean held-out estimate, see below)"),
        "",
        head,
        rule,
    ]
    for s in result["systems"]:
        lines.append(row(s["system"], s))
    final = result["final_model"]
    lines += [
        "",
        "## (c) timing and (d) training",
        "",
        f"5 candidates per product over {times['products']} dev-test products ({result['machine']['cpus_allowed']} "
        f"CPUs allowed, shared machine, load average at the end {result['machine']['load_average_at_end']}): "
        f"p50 {times['p50_seconds']} s, p95 {times['p95_seconds']} s, max {times['max_seconds']} s. "
        f"Fit on dev-train: {result['fit_seconds']} s.",
    ]
    if final:
        lines.append(
            f"Default `{final['command']}` on the whole file: {final['train_seconds']} s "
            f"({final['pairs']} pairs, {final['fragments']} fragments, fluency LM: {final['lm'].get('lm')})."
        )
    lines += [
        "",
        "Decoding: `" + json.dumps(result["decoding"], ensure_ascii=False) + "`",
        "",
        f"Targets (judged on the {result['targets_judged_on']}): "
        + ", ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in checks.items()),
        "",
        "Contradiction: share of outputs with a `contradiction` flag of koubei.generation.grounding (the "
        "same checker that filters fragments, so the model's low rate is partly by construction; the baselines "
        "show what the checker finds). ROUGE: F1 on jieba tokens, n-gram sets for 1/2, whole-sequence LCS for L "
        "(not rouge-chinese's sentence-split summary-level LCS), so the template baseline's ROUGE-L here differs "
        "from the published 20.4.",
        "",
        "## All runs on dev-test, as measured (read this before quoting table (a))",
        "dev-test was meant to be scored once. It was scored four times before this run, each time for the code "
        "as it then stood; the changes before runs 3 and 4 were faithfulness fixes prompted by hand-reading 30 "
        "dev-test outputs after run 2. So (a) is not a clean held-out estimate; (b) is the figure to quote.",
        "",
        "| run | commit | change | BLEU-4 | ROUGE-L |",
        "| --- | --- | --- | --- | --- |",
    ]
    for run, commit, change, bleu, rl in HISTORY:
        lines.append(f"| {run} | {commit} | {change} | {bleu:.2f} | {rl:.2f} |")
    if not result["split"]["quick"]:
        m = result["systems"][0]
        lines.append(
            "| 5 | this run | estimator contract, English clause joining, no filler naming another product type, "
            f"grounding checker of 1fe1f44 | {m['bleu4']:.2f} | {m['rouge_l']:.2f} |"
        )
    return lines


if __name__ == "__main__":
    main()
