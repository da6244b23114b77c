"""`koubei demo`: run the whole product on the bundled corpus and print what each step shows, then a summary."""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from koubei.cli.common import DatabaseOption, JsonOption, get_console, open_store, print_json


def demo(
    quick: Annotated[
        bool, typer.Option("--quick", help="A small, fast pass (under 2 minutes instead of about 6).")
    ] = False,
    workdir: Annotated[
        Path | None,
        typer.Option("--workdir", help="Where models and reports go (default: KOUBEI_HOME/demo)."),
    ] = None,
    graph: Annotated[
        Path | None,
        typer.Option("--graph", help="A social graph edge list to use instead of a generated one."),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Run only these steps (repeatable), e.g. --only corpus."),
    ] = None,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
    serve: Annotated[
        bool,
        typer.Option("--serve", help="Then serve the dashboard and API on the demo data (koubei serve)."),
    ] = False,
    port: Annotated[int, typer.Option("--port", help="Port for --serve.", min=1, max=65535)] = 8000,
) -> None:
    """Set up the store, load the bundled real review corpus, and show every capability on it.

    Example:

        koubei demo            (the full run, about 6 minutes on 2 CPU cores)

        koubei demo --quick --json
    """
    from koubei.config import get_settings
    from koubei.pipelines.demo import DemoContext, iter_demo, plan_demo, summarize
    from koubei.progress import ConsoleProgress

    console: Any = get_console(stderr=as_json)
    plan = plan_demo(quick, only)
    minutes = plan.expected_seconds / 60
    console.print(
        f"[bold]koubei demo[/]: {len(plan.steps)} step{'s' if len(plan.steps) != 1 else ''}, about "
        + (
            f"{minutes:.0f} minute{'s' if round(minutes) != 1 else ''}"
            if minutes >= 1.5
            else f"{plan.expected_seconds:.0f} s"
        )
        + " on 2 CPU cores. It will show:"
    )
    for step in plan.steps:
        console.print(f"  • {step.shows}")
    options = {"graph": graph} if graph else {}
    progress = ConsoleProgress()
    started = time.perf_counter()
    with open_store(db) as store:
        ctx = DemoContext(
            store=store,
            workdir=workdir or get_settings().home / "demo",
            quick=quick,
            options=options,
            progress=progress,
        )
        outcomes = []
        for planned in plan.steps:
            console.rule(f"[bold]{planned.title}")
            for outcome in iter_demo(ctx, type(plan)([planned], planned.expected_seconds, quick)):
                progress.close()
                outcomes.append(outcome)
                if outcome.error is not None:
                    console.print(f"[red]{outcome.title} failed: {outcome.error}[/]")
                else:
                    _render_step(outcome.name, outcome.result, console)
        summary = summarize(ctx, plan, outcomes, time.perf_counter() - started)
    if as_json:
        print_json(summary.to_dict())
    else:
        console.rule("[bold]Summary")
        console.print(f"Steps run: {', '.join(summary.steps) or 'none'} in {summary.seconds:.1f} s")
        for failure in summary.failed:
            console.print(f"[red]Step {failure['step']} failed: {failure['error']}[/]")
    if summary.failed:
        raise typer.Exit(1)
    if serve:
        _serve_demo(db, port, console)
    elif not as_json:
        console.print(
            "Open the dashboard on this data: [bold]koubei demo --serve[/] (or koubei serve, then "
            "koubei serve keys create --name me --scope admin)"
        )


def _serve_demo(db: str | None, port: int, console: Any) -> None:
    """`koubei serve` on the demo's store, with an admin key made for this session (printed once)."""
    from koubei.api.server import run_server
    from koubei.pipelines.keys import create_api_key

    with open_store(db) as store:
        created = create_api_key(store, "demo", "admin")
    console.print(f"dashboard: http://127.0.0.1:{port}/  log in with this admin key (shown once):")
    console.print(created.key, markup=False)
    run_server(port=port, database_url=db)


def _render_step(name: str, result: Any, console: Any) -> None:
    """Show one step's result with its view module (`koubei.cli.demo_views.<name>`)."""
    importlib.import_module(f"koubei.cli.demo_views.{name}").render(result, console)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
