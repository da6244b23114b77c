"""`koubei db {upgrade,status}`: the store's schema migrations as a step of their own.

SQLite stores (and a PostgreSQL database's first use) upgrade by themselves when opened; a PostgreSQL store that
is behind is refused until `koubei db upgrade` runs once, so several API workers never race to migrate it.
"""

from __future__ import annotations

from typing import Any

import typer

from koubei.cli.common import DatabaseOption, JsonOption, emit, open_store

db_app = typer.Typer(
    help="The store's schema: see where it stands, bring it up to date.",
    no_args_is_help=True,
)


@db_app.command("upgrade")
def upgrade_command(db: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Apply the pending schema migrations (safe to run from several processes at once; a no-op when current).

    Example: koubei db upgrade --db postgresql://koubei@127.0.0.1:5432/koubei
    """
    with open_store(db, upgrade=False) as store:
        result = store.upgrade()

    def render(console: Any) -> None:
        if not result.applied:
            console.print(f"schema of {result.url} is up to date (revision {result.after})")
            return
        console.print(f"upgraded {result.url}: {result.before or 'empty'} -> {result.after}")
        for migration in result.applied:
            console.print(f"  applied {migration.revision}  {migration.description}")

    emit(result.to_dict(), as_json, render)


@db_app.command("status")
def status_command(db: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Show the store's schema revision, the newest this koubei knows, and the migrations still pending.

    Example: koubei db status --json
    """
    with open_store(db, upgrade=False) as store:
        status = store.schema_status()

    def render(console: Any) -> None:
        console.print(f"store:    {status.url}")
        console.print(f"current:  {status.current or 'none (no koubei schema yet)'}")
        console.print(f"head:     {status.head}")
        if status.up_to_date:
            console.print("up to date")
        elif status.unknown_revision:
            console.print("the store was migrated by a newer koubei: upgrade koubei to use it")
        else:
            console.print(f"pending ({len(status.pending)}), applied by `koubei db upgrade`:")
            for migration in status.pending:
                console.print(f"  {migration.revision}  {migration.description}")

    emit(status.to_dict(), as_json, render)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
