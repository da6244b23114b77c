"""`koubei service {index,eval}`: build the customer-service index from the store; evaluate on a labelled Q&A file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from koubei.cli.common import DatabaseOption, JsonOption, emit, existing_file, open_store

service_app = typer.Typer(
    help="Customer-service assistant: evidence index (catalog, FAQ, reviews) and its evaluation.",
    no_args_is_help=True,
)

IndexDirOption = Annotated[
    Path | None, typer.Option("--index", help="Index folder (default: KOUBEI_HOME/indexes/service).")
]


@service_app.command("index")
def index_command(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Start from scratch instead of updating.")
    ] = False,
    dense: Annotated[
        str, typer.Option("--dense", help="Dense retriever: auto, minilm, lsa, minilm+lsa, hf:DIR or none.")
    ] = "auto",
    fusion: Annotated[
        str, typer.Option("--fusion", help="How BM25 and dense lists merge: rrf, weighted or rerank.")
    ] = "rrf",
    review_limit: Annotated[
        int | None,
        typer.Option("--review-limit", min=1, help="Index at most this many reviews (quick tries)."),
    ] = None,
    index_dir: IndexDirOption = None,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Build or incrementally update the evidence index from the store's products, FAQ and reviews.

    Example: koubei service index --review-limit 20000
    """
    from koubei.pipelines.support import build_index
    from koubei.progress import ConsoleProgress
    from koubei.support.index import IndexConfig

    config = IndexConfig(dense=dense, fusion=fusion)
    progress = ConsoleProgress(enabled=not as_json)
    try:
        with open_store(db) as store:
            _, result = build_index(
                store,
                directory=index_dir,
                config=config,
                rebuild=rebuild,
                review_limit=review_limit,
                progress=progress,
            )
    finally:
        progress.close()

    def render(console: Any) -> None:
        console.print(
            f"service index at {result.path}: {result.docs:,} documents ({result.added:,} added, "
            f"{result.updated:,} updated, {result.unchanged:,} unchanged, {result.removed:,} removed); "
            f"dense: {result.dense}; {result.seconds} s"
        )

    emit(result.to_dict(), as_json, render)


@service_app.command("eval")
def eval_command(
    qa: Annotated[
        Path,
        typer.Option(
            "--qa",
            help="Labelled Q&A file (.jsonl/.csv): question, answer or faq_id/doc_id, "
            "optional product_id and escalate.",
        ),
    ],
    self_index: Annotated[
        bool, typer.Option("--self-index", help="Index the file's own answers and hold out its questions.")
    ] = False,
    dense: Annotated[
        str, typer.Option("--dense", help="With --self-index: auto, minilm, lsa or none.")
    ] = "auto",
    index_dir: IndexDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Retrieval hit@1/hit@5/MRR (BM25, dense, fused) and escalation precision on a labelled Q&A file.

    Example: koubei service eval --qa questions.jsonl --self-index --json
    """
    from koubei.pipelines.support import evaluate_file

    report = evaluate_file(
        existing_file(qa, "--qa file"), directory=index_dir, self_index=self_index, dense=dense
    )

    def render(console: Any) -> None:
        from rich.table import Table

        table = Table(title=f"service eval: {qa.name} ({report.rows} rows, dense={report.dense})")
        for column in ("mode", "hit@1 %", "hit@5 %", "MRR", "n"):
            table.add_column(column, justify="right")
        for mode, m in report.retrieval.items():
            table.add_row(mode, f"{m['hit@1']:.1f}", f"{m['hit@5']:.1f}", f"{m['mrr']:.3f}", str(m["n"]))
        console.print(table)
        esc = report.escalation
        if esc:
            console.print(
                f"escalation: precision {esc['precision']}, recall {esc['recall']} "
                f"(tp {esc['tp']}, fp {esc['fp']}, fn {esc['fn']}, tn {esc['tn']})"
            )

    emit(report.to_dict(), as_json, render)


def register(app: typer.Typer) -> None:
    app.add_typer(service_app, name="service")
