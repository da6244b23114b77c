"""`koubei forget USER`: erase one user's data everywhere koubei keeps it (right to erasure).

Thin shell over `koubei.pipelines.forget`.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from koubei.cli.common import DatabaseOption, JsonOption, console_progress, emit, open_store


def forget(
    user: Annotated[str, typer.Argument(help="The store's user id to erase.")],
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Erase a user: their rows, profile, scores, conversations, index entries and quarantined rows.

    Example:

        koubei forget A2IBPI20UZIR0U --json
    """
    from koubei.pipelines.forget import forget_user

    with open_store(db) as store:
        result = forget_user(store, user, progress=console_progress(not as_json))

    def render(console: Any) -> None:
        rows = ", ".join(f"{table} {n:,}" for table, n in result.store_rows.items()) or "none"
        console.print(
            f"[bold]Forgot {result.user_id}[/] in {result.seconds:.2f} s. Store rows deleted: {rows}"
        )
        for f in result.files:
            console.print(f"  {f['path']}: {f['action']} ({f['count']})")
        for note in result.notes:
            console.print(f"[yellow]note:[/] {note}")

    emit(result.to_dict(), as_json, render)


def register(app: typer.Typer) -> None:
    app.command("forget")(forget)
