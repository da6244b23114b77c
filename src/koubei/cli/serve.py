"""`koubei serve`: the HTTP API and dashboard (uvicorn), and `koubei serve keys ...` to manage its API keys."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from koubei.cli.common import DatabaseOption, JsonOption, emit, get_console, open_store
from koubei.errors import BadInputError

serve_app = typer.Typer(
    help="Serve the API and dashboard (koubei serve), and manage its API keys (koubei serve keys ...).",
    invoke_without_command=True,
)
keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)


@serve_app.callback()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
    db: DatabaseOption = None,
) -> None:
    """Start the API (/api/v1, docs at /docs), the dashboard (/) and a job worker on one port.

    Example: koubei serve --port 8000   then   koubei serve keys create --name me --scope admin
    """
    if ctx.invoked_subcommand is not None:
        return
    from koubei.api.server import run_server

    run_server(host=host, port=port, database_url=db)


@keys_app.command("create")
def create_command(
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key, e.g. 'dashboard'.")],
    scope: Annotated[
        str, typer.Option("--scope", help="read (read and score) or admin (also write).")
    ] = "read",
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an API key and print it, once: only its hash is stored.

    Example: koubei serve keys create --name marketing --scope read
    """
    from koubei.pipelines.keys import create_api_key

    with open_store(db) as store:
        created = create_api_key(store, name, scope)

    def render(console: Any) -> None:
        console.print(f"key {created.info.id} ({created.info.name}, scope {created.info.scope}):")
        console.print(created.key, markup=False)
        get_console(stderr=True).print(
            "store it now: it is not shown again (only its hash is kept). Send it as Authorization: Bearer KEY."
        )

    emit(created.to_dict(), as_json, render)


@keys_app.command("list")
def list_command(db: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """List the API keys: id, name, scope, first characters, created, last used, revoked (never the keys).

    Example: koubei serve keys list --json
    """
    from koubei.pipelines.keys import list_api_keys

    with open_store(db) as store:
        listed = list_api_keys(store)

    def render(console: Any) -> None:
        from rich.table import Table

        if not listed.keys:
            console.print("no API keys yet: koubei serve keys create --name NAME --scope read|admin")
            return
        table = Table("id", "name", "scope", "starts with", "created", "last used", "revoked")
        for key in listed.keys:
            table.add_row(
                str(key.id),
                key.name,
                key.scope,
                key.prefix + "…",
                _when(key.created_at),
                _when(key.last_used_at),
                _when(key.revoked_at),
            )
        console.print(table)

    emit(listed.to_dict(), as_json, render)


@keys_app.command("revoke")
def revoke_command(
    key_id: Annotated[str, typer.Argument(metavar="ID", help="The key's id (see `koubei serve keys list`).")],
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke an API key: requests with it, and dashboard sessions opened with it, are refused from now on.

    Example: koubei serve keys revoke 3
    """
    from koubei.pipelines.keys import revoke_api_key

    if not key_id.isdigit() or int(key_id) < 1:
        raise BadInputError(
            f"ID={key_id!r} is not a key id; expected a positive number from `koubei serve keys list`"
        )
    with open_store(db) as store:
        info = revoke_api_key(store, int(key_id))

    def render(console: Any) -> None:
        console.print(f"key {info.id} ({info.name}) revoked at {_when(info.revoked_at)}")

    emit(info.to_dict(), as_json, render)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


serve_app.add_typer(keys_app, name="keys")


def register(app: typer.Typer) -> None:
    app.add_typer(serve_app, name="serve")
