"""`koubei ingest KIND FILE`: load reviews, products, users, shares, follows, FAQ or orders into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from koubei.cli.common import DatabaseOption, JsonOption, MapOption, emit, open_store, parse_map

ingest_app = typer.Typer(
    help=(
        "Load a CSV / TSV / JSONL / JSON / Parquet file (or a plain edge list) into the store. Rows are validated, "
        "text is normalized and personal data masked; bad rows go to a quarantine file with reasons. "
        "Re-ingesting the same file updates rows instead of duplicating them."
    ),
    no_args_is_help=True,
)

_EXAMPLES = {
    "reviews": "koubei ingest reviews reviews.csv --map text=review --map category=cat\n\n"
    "    koubei ingest reviews ../shared/data/online_shopping_10_cats/online_shopping_10_cats.csv "
    "--recipe online_shopping_10_cats",
    "products": "koubei ingest products catalog.jsonl   (attributes: JSON object or key#value*key#value)",
    "users": "koubei ingest users users.csv --map user_id=uid",
    "shares": "koubei ingest shares shares.csv   (from_user, to_user, item_id, parent_share_id, created_at)",
    "follows": "koubei ingest follows ../shared/data/ego_facebook/facebook_combined.txt --recipe ego_facebook",
    "faq": "koubei ingest faq faq.csv --map question=q --map answer=a",
    "orders": "koubei ingest orders orders.parquet",
}

FileArg = Annotated[Path, typer.Argument(help="The file to load (.csv .tsv .jsonl .json .parquet .txt).")]
RecipeOption = Annotated[
    str | None,
    typer.Option(
        "--recipe", help="A documented column mapping for a known data set (see `koubei ingest recipes`)."
    ),
]
QuarantineOption = Annotated[
    Path | None,
    typer.Option(
        "--quarantine",
        help="Where rejected rows go (JSONL): a file, or a folder to write a new file in. Default: KOUBEI_HOME/quarantine/.",
    ),
]
EncodingOption = Annotated[str, typer.Option("--encoding", help="Text encoding of the file, e.g. gb18030.")]
FormatOption = Annotated[
    str | None,
    typer.Option("--format", help="csv, tsv, jsonl, json, parquet or edges; default: from the extension."),
]
T2sOption = Annotated[bool, typer.Option("--t2s", help="Convert traditional Chinese to simplified.")]


def _render_summary(summary: Any) -> Any:
    def render(console: Any) -> None:
        from rich.markup import escape
        from rich.table import Table

        # File names are the user's text: escaped, so "[" in a name is shown, not read as (or broken) markup.
        table = Table(title=f"ingest {summary.kind}: {escape(Path(summary.file).name)}", show_header=True)
        for column in ("read", "stored", "updated", "unchanged", "rejected", "PII masked", "rows/s"):
            table.add_column(column, justify="right")
        table.add_row(
            str(summary.read),
            str(summary.stored),
            str(summary.updated),
            str(summary.unchanged),
            str(summary.rejected),
            str(summary.pii_masked),
            f"{summary.rows_per_second:,.0f}",
        )
        console.print(table)
        if summary.quarantine_file:
            console.print(
                f"[yellow]{summary.rejected} rejected row(s) with reasons in {escape(summary.quarantine_file)}[/]"
            )

    return render


def _make_command(kind: str) -> Any:
    def command(
        file: FileArg,
        map_: MapOption = None,
        recipe: RecipeOption = None,
        quarantine: QuarantineOption = None,
        encoding: EncodingOption = "utf-8",
        file_format: FormatOption = None,
        t2s: T2sOption = False,
        undirected: Annotated[
            bool | None, typer.Option("--undirected/--directed", help="follows: store each edge both ways.")
        ] = None,
        db: DatabaseOption = None,
        as_json: JsonOption = False,
    ) -> None:
        from koubei.pipelines.ingest import ingest_file
        from koubei.progress import ConsoleProgress

        progress = ConsoleProgress(enabled=not as_json)
        try:
            with open_store(db) as store:
                summary = ingest_file(
                    store,
                    file,
                    kind,
                    mapping=parse_map(map_),
                    recipe=recipe,
                    t2s=t2s,
                    encoding=encoding,
                    file_format=file_format,
                    undirected=undirected,
                    quarantine=quarantine,
                    progress=progress,
                )
        finally:
            progress.close()
        emit(summary.to_dict(), as_json, _render_summary(summary))

    command.__doc__ = f"Load {kind} from FILE.\n\nExample:\n\n    {_EXAMPLES[kind]}"
    return command


for _kind in ("reviews", "products", "users", "shares", "follows", "faq", "orders"):
    ingest_app.command(_kind)(_make_command(_kind))


@ingest_app.command("recipes")
def list_recipes(as_json: JsonOption = False) -> None:
    """List the built-in column mappings for known data sets.

    Example:

        koubei ingest recipes
    """
    from koubei.ingest.recipes import RECIPES

    data = [
        {
            "name": r.name,
            "kind": r.kind,
            "description": r.description,
            "mapping": r.mapping,
            "constants": r.constants,
        }
        for r in RECIPES.values()
    ]

    def render(console: Any) -> None:
        for item in data:
            console.print(f"[bold]{item['name']}[/] ({item['kind']}): {item['description']}")

    emit(data, as_json, render)


def register(app: typer.Typer) -> None:
    app.add_typer(ingest_app, name="ingest")
