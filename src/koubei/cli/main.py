"""Entry point of the `koubei` command.

Each command group lives in its own module under `koubei.cli` and exposes `register(app)`. Modules import only
Typer at import time and load heavy libraries (torch, sklearn, ...) inside the commands, so `koubei --help`
answers instantly. Errors from the core are mapped to exit codes here, once: 2 for bad input, 1 otherwise. Any
other exception is a bug, still said in one line (a traceback can carry review text); KOUBEI_DEBUG=1 shows it.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click
import typer
from typer.core import TyperGroup

from koubei.errors import KoubeiError

# Command modules in the order `koubei --help` lists their commands (the order of work a user follows). Every
# module named here must exist: a misspelt or missing one fails loudly instead of silently dropping its commands.
COMMAND_MODULES = (
    "demo",
    "ingest",
    "lm",
    "sentiment",
    "aspects",
    "wom",
    "ask",
    "support",  # the `koubei service` group
    "copy",
    "profile",
    "forget",  # `koubei forget USER` (right to erasure)
    "serve",  # `koubei serve` and `koubei serve keys ...`
    "worker",  # `koubei worker`: extra job workers
    "db",
)
HELP_ORDER = (
    "demo",
    "ingest",
    "lm",
    "sentiment",
    "aspects",
    "wom",
    "ask",
    "service",
    "copy",
    "profile",
    "forget",
    "serve",
    "worker",
    "db",
)
# Exceptions that are how click and Typer end a command (exit codes, usage errors): never reworded here. Typer
# runs commands in its own vendored copy of click, whose exception classes are not plain click's: both count.
_CLI_EXITS: tuple[type[BaseException], ...] = (
    click.exceptions.ClickException,
    click.exceptions.Exit,
    click.exceptions.Abort,
    typer.Exit,
    typer.Abort,
)
try:
    from typer._click import exceptions as _typer_click

    _CLI_EXITS += (_typer_click.ClickException,)  # usage errors (Exit and Abort are typer.Exit/Abort)
except ImportError:  # pragma: no cover - Typer on plain click
    pass


def _debug() -> bool:
    # Read directly, not through Settings: it must work when the settings themselves are what is broken.
    return os.environ.get("KOUBEI_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


def _unexpected(error: Exception) -> str:
    """One line for an exception koubei did not raise on purpose: its type and first line, never SQL values."""
    from sqlalchemy.exc import DBAPIError

    cause: BaseException = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = str(cause).strip().splitlines()
    first = lines[0][:200] if lines else ""
    return (
        f"error: unexpected {type(cause).__name__}{': ' + first if first else ''} "
        "(a bug in koubei: please report it; KOUBEI_DEBUG=1 shows the traceback)"
    )


class KoubeiGroup(TyperGroup):
    """Root group that turns a `KoubeiError` anywhere below it into a one-line message and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            args = [*getattr(ctx, "_protected_args", []), *ctx.args]
            if args and not set(args) & {"--help", "-h", "--version"}:
                from koubei.config import get_settings

                get_settings()  # a bad KOUBEI_* value stops every command up front, in one line (exit 2)
            return super().invoke(ctx)
        except KoubeiError as error:
            if _debug():
                raise
            typer.secho(f"error: {error}", err=True, fg=typer.colors.RED)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            typer.secho("interrupted; work done so far is kept (re-run to resume)", err=True)
            raise typer.Exit(130) from None
        except _CLI_EXITS:
            raise
        except Exception as error:
            if _debug():
                raise
            typer.secho(_unexpected(error), err=True, fg=typer.colors.RED)
            raise typer.Exit(1) from None

    def list_commands(self, ctx: Any) -> list[str]:
        # The order of work a user follows, not alphabetical; a command not listed there comes last.
        rank = {name: i for i, name in enumerate(HELP_ORDER)}
        return sorted(self.commands, key=lambda name: rank.get(name, len(rank)))


def build_app() -> typer.Typer:
    app = typer.Typer(
        cls=KoubeiGroup,
        name="koubei",
        help=(
            "koubei (口碑): turn your reviews, catalog, service logs and social data into word-of-mouth marketing, "
            "with language models you train and own.\n\n"
            "Start with:  koubei demo"
        ),
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        rich_markup_mode="rich",
    )

    @app.callback(invoke_without_command=True)
    def _root(
        version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True),
    ) -> None:
        if version:
            from koubei import __version__

            typer.echo(f"koubei {__version__}")
            raise typer.Exit()

    for name in COMMAND_MODULES:
        importlib.import_module(f"koubei.cli.{name}").register(app)
    return app


app = build_app()


def run() -> None:
    """Console-script entry point."""
    sys.exit(app())


if __name__ == "__main__":
    run()
