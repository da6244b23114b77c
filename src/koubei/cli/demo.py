"""`koubei demo`: run the whole product on the bundled corpus and print a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from koubei.cli.common import DatabaseOption, JsonOption, get_console, print_json


def demo(
    quick: Annotated[bool, typer.Option("--quick", help="A small, fast pass (seconds instead of minutes).")] = False,
    workdir: Annotated[
        Path | None, typer.Option("--workdir", help="Where models and reports go (default: KOUBEI_HOME/demo).")
    ] = None,
    graph: Annotated[
        Path | None, typer.Option("--graph", help="A social graph edge list to use instead of a generated one.")
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only these steps (repeatable), e.g. --only corpus.")
    ] = None,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set up the store, load the bundled real review corpus, and show every capability on it.

    Example:

        koubei demo            (the full run, a few minutes on 2 CPU cores)

        koubei demo --quick --json
    """
    from koubei.config import get_settings
    from koubei.pipelines.demo import run_demo
    from koubei.store import Store

    console: Any = get_console(stderr=as_json)
    options = {"graph": graph} if graph else {}
    with Store.open(db) as store:
        summary = run_demo(
            store, workdir or get_settings().home / "demo", console, quick=quick, only=only, options=options
        )
    if as_json:
        print_json(summary)
    else:
        console.rule("[bold]Summary")
        console.print(f"Steps run: {', '.join(summary['steps']) or 'none'} in {summary['seconds']} s")
        for failure in summary["failed"]:
            console.print(f"[red]Step {failure['step']} failed: {failure['error']}[/]")
    if summary["failed"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
