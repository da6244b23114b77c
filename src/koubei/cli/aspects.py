"""`koubei aspects`: aspect-level sentiment (quality, price, logistics, service, ...) and the aggregates per
product / category / brand / week; `koubei aspects train` / `eval` for the supervised aspect model. Thin shell over
`koubei.pipelines.aspects`.

`koubei aspects` itself keeps analysing reviews (its options belong to the group), so existing scripts keep
working; training and evaluation are its subcommands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from koubei.cli.common import (
    DatabaseOption,
    JsonOption,
    MapOption,
    emit,
    existing_file,
    open_store,
    parse_map,
    resume_refusal,
)

aspects_app = typer.Typer(
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@aspects_app.callback()
def aspects(
    ctx: typer.Context,
    input_file: Annotated[
        Path | None, typer.Option("--input", help="Reviews file to analyse instead of the store.")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", help="JSONL to write (one object per input row, input order). Required with --input."
        ),
    ] = None,
    mapping: MapOption = None,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model", help="Sentiment model folder for clause polarity (default: the built-in lexicon)."
        ),
    ] = None,
    taxonomy: Annotated[
        Path | None,
        typer.Option(
            "--taxonomy",
            help="Your aspect taxonomy JSON (a copy of koubei/analysis/data/aspects.json, edited).",
        ),
    ] = None,
    supervised: Annotated[
        Path | None,
        typer.Option(
            "--supervised",
            help="Use a supervised aspect model folder (from `koubei aspects train`) instead of the taxonomy rules.",
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Reviews per batch.")] = 1000,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--no-resume",
            help="With --input: continue an interrupted run of the same input and model (checked; --no-resume starts over).",
        ),
    ] = True,
    top: Annotated[int, typer.Option("--top", help="How many praised / criticized aspects to print.")] = 5,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Which aspects each review mentions and the sentiment toward each; updates the store's aggregates.

    Example: koubei aspects --input reviews.csv --map text=review --output aspects.jsonl

    Supervised model: koubei aspects train --data absa_zh.jsonl --out models/aspects-zh, then
    koubei aspects --supervised models/aspects-zh --input reviews.csv --output aspects.jsonl
    """
    if ctx.invoked_subcommand is not None:
        return
    from koubei.errors import BadInputError
    from koubei.pipelines import aspects as pipeline

    if top < 1:
        raise BadInputError(f"--top must be >= 1, got {top}")
    from koubei.progress import ConsoleProgress

    progress = ConsoleProgress(
        enabled=not as_json
    )  # stderr: a bar on a terminal, a line every few seconds otherwise
    extractor, name = pipeline.build_extractor(taxonomy, model, supervised)
    summary: pipeline.AspectsFileReport | pipeline.AspectsStoreReport
    if input_file is not None:
        if output is None:
            raise BadInputError("--input needs --output FILE (a JSONL file for the results)")
        with resume_refusal():
            summary = pipeline.aspects_file(
                extractor,
                existing_file(input_file, "--input"),
                output,
                parse_map(mapping),
                batch_size,
                resume,
                progress=progress,
                name=name,
            )
        where, reviews, aggregates = summary.output, summary.rows, None
    else:
        if output is not None:
            raise BadInputError(
                "--output is only used with --input; store results are written back to the store"
            )
        summary = pipeline.aspects_store(open_store(db), extractor, name, batch_size, progress=progress)
        where, reviews, aggregates = f"the store (as {name})", summary.reviews, summary.aggregates
    counts = summary.aspect_counts()

    def render(console: Any) -> None:
        console.print(f"Aspect sentiment for {reviews:,} reviews in {summary.seconds}s -> {where}")
        praised = sorted(
            ((v.get("positive", 0), a) for a, v in counts.items() if v.get("positive")), reverse=True
        )[:top]
        criticized = sorted(
            ((v.get("negative", 0), a) for a, v in counts.items() if v.get("negative")), reverse=True
        )[:top]
        console.print("Most praised:    " + (", ".join(f"{a} ({n:,})" for n, a in praised) or "-"))
        console.print("Most criticized: " + (", ".join(f"{a} ({n:,})" for n, a in criticized) or "-"))
        if aggregates is not None:
            console.print(
                f"Aggregates updated: {aggregates.aggregate_rows:,} rows (product/category/brand/week)"
            )

    emit(summary.to_dict(), as_json, render)


def _metrics_table(console: Any, title: str, metrics: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=title)
    for column in ("texts", "aspects", "detection P", "R", "F1", "sentiment acc", "sentiment macro-F1"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{metrics['texts']:,}",
        f"{metrics['aspects']:,}",
        f"{metrics['detection_precision']:.3f}",
        f"{metrics['detection_recall']:.3f}",
        f"{metrics['detection_f1']:.3f}",
        f"{metrics['sentiment_accuracy']:.2%}",
        f"{metrics['sentiment_macro_f1']:.3f}",
    )
    console.print(table)


def _skipped(report: Any) -> str:
    n = report.rejected
    return f"{n:,} row{'' if n == 1 else 's'} skipped; the rows and reasons are in {report.rejected_file}"


TextColumnOption = Annotated[
    str | None,
    typer.Option(
        "--text-column",
        help="CSV: the column holding the review (default: text, review, reviewbody, content or comment).",
    ),
]


@aspects_app.command("train")
def train(
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            help="Labelled aspects: JSONL records {text, aspects: [{term, from, to, polarity} or {category, polarity}]}, or an ASAP-style CSV (one 1/0/-1/-2 column per category).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the model to.")],
    text_column: TextColumnOption = None,
    holdout: Annotated[
        float,
        typer.Option(
            "--holdout",
            help="Share held out for the reported scores when the file marks no test rows (split / orig_split / orig_file); 0 trains on everything.",
        ),
    ] = 0.2,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed of the held-out split and the classifiers.")
    ] = 0,
    as_json: JsonOption = False,
) -> None:
    """Train the supervised aspect model (which aspects a review mentions, and the sentiment toward each).

    Rows the file marks as test are held out and scored; bad rows are skipped and written, with reasons, to
    <out>/rejected.jsonl.

    Example: koubei aspects train --data ../shared/data/absa_zh/absa_zh.jsonl --out models/aspects-zh
    """
    from koubei.pipelines import aspects as pipeline

    report = pipeline.train_aspect_model(existing_file(data, "--data"), out, text_column, holdout, seed)

    def render(console: Any) -> None:
        console.print(
            f"Trained a {report.mode} aspect model on {report.n_train:,} reviews in {report.seconds}s -> {report.model_dir}"
        )
        if report.metrics:
            _metrics_table(console, f"held-out: {report.heldout_from}", report.metrics)
        if report.rejected:
            console.print(_skipped(report))

    emit(report.to_dict(), as_json, render)


@aspects_app.command("eval")
def evaluate(
    model: Annotated[
        Path, typer.Option("--model", help="Supervised aspect model folder (from `koubei aspects train`).")
    ],
    data: Annotated[Path, typer.Option("--data", help="Labelled aspects, same layouts as `train --data`.")],
    text_column: TextColumnOption = None,
    only_test: Annotated[
        bool, typer.Option("--only-test", help="Score only the rows the file marks as test.")
    ] = False,
    rejected: Annotated[
        Path | None,
        typer.Option(
            "--rejected",
            help="Where to write skipped rows with reasons (default: <model>/rejected-eval.jsonl).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Aspect detection precision / recall / F1 and aspect-sentiment accuracy of a supervised aspect model.

    Example: koubei aspects eval --model models/aspects-zh --data absa_zh_test.jsonl
    """
    from koubei.pipelines import aspects as pipeline

    report = pipeline.evaluate_aspect_model(
        model,
        existing_file(data, "--data"),
        text_column,
        only_test,
        rejected or model / "rejected-eval.jsonl",
    )

    def render(console: Any) -> None:
        _metrics_table(console, f"{Path(report.data).name} on {report.model_dir}", report.metrics)
        if report.rejected:
            console.print(_skipped(report))

    emit(report.to_dict(), as_json, render)


def register(app: typer.Typer) -> None:
    app.add_typer(aspects_app, name="aspects")
