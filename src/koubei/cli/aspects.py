"""`koubei aspects`: aspect-level sentiment (quality, price, logistics, service, ...) and the aggregates per
product / category / brand / week. Thin shell over `koubei.pipelines.aspects`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from koubei.cli.common import DatabaseOption, JsonOption, MapOption, emit, existing_file, parse_map


def aspects(
    input_file: Annotated[Path | None, typer.Option("--input", help="Reviews file to analyse instead of the store.")] = None,
    output: Annotated[Path | None, typer.Option("--output", help="JSONL to write (one object per input row, input order). Required with --input.")] = None,
    mapping: MapOption = None,
    model: Annotated[Path | None, typer.Option("--model", help="Sentiment model folder for clause polarity (default: the built-in lexicon).")] = None,
    taxonomy: Annotated[Path | None, typer.Option("--taxonomy", help="Your aspect taxonomy JSON (a copy of koubei/analysis/data/aspects.json, edited).")] = None,
    supervised: Annotated[Path | None, typer.Option("--supervised", help="Use a supervised aspect model folder (see benchmarks/aspect_benchmark.py) instead of the taxonomy rules.")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Reviews per batch.")] = 1000,
    resume: Annotated[bool, typer.Option("--resume/--no-resume", help="With --input: continue an interrupted run.")] = True,
    top: Annotated[int, typer.Option("--top", help="How many praised / criticized aspects to print.")] = 5,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Which aspects each review mentions and the sentiment toward each; updates the store's aggregates.

    Example: koubei aspects --input reviews.csv --map text=review --output aspects.jsonl
    """
    from koubei.errors import BadInputError
    from koubei.pipelines import aspects as pipeline

    if top < 1:
        raise BadInputError(f"--top must be >= 1, got {top}")
    extractor, name = pipeline.build_extractor(taxonomy, model, supervised)
    if input_file is not None:
        if output is None:
            raise BadInputError("--input needs --output FILE (a JSONL file for the results)")
        summary = pipeline.aspects_file(
            extractor, existing_file(input_file, "--input"), output, parse_map(mapping), batch_size, resume, progress=not as_json
        )
        counts = summary["aspects"]
    else:
        if output is not None:
            raise BadInputError("--output is only used with --input; store results are written back to the store")
        from koubei.store import Store

        store = Store.open(db)
        summary = pipeline.aspects_store(store, extractor, name, batch_size, progress=not as_json)
        summary["aggregates"] = pipeline.update_aggregates(store, name)
        overall = summary["aggregates"]["overall"] or {}
        counts = {}
        for entry in overall.get("top_praised", []):
            counts.setdefault(entry["aspect"], {})["positive"] = entry["count"]
        for entry in overall.get("top_criticized", []):
            counts.setdefault(entry["aspect"], {})["negative"] = entry["count"]

    def render(console: Any) -> None:
        where = summary.get("output") or f"the store (as {name})"
        console.print(f"Aspect sentiment for {summary.get('rows', summary.get('reviews', 0)):,} reviews in {summary['seconds']}s -> {where}")
        praised = sorted(((v.get("positive", 0), a) for a, v in counts.items() if v.get("positive")), reverse=True)[:top]
        criticized = sorted(((v.get("negative", 0), a) for a, v in counts.items() if v.get("negative")), reverse=True)[:top]
        console.print("Most praised:    " + (", ".join(f"{a} ({n:,})" for n, a in praised) or "-"))
        console.print("Most criticized: " + (", ".join(f"{a} ({n:,})" for n, a in criticized) or "-"))
        if "aggregates" in summary:
            console.print(f"Aggregates updated: {summary['aggregates']['aggregate_rows']:,} rows (product/category/brand/week)")

    emit(summary, as_json, render)


def register(app: typer.Typer) -> None:
    app.command("aspects")(aspects)
