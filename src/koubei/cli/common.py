"""Options and output helpers shared by every command, so all commands look and behave alike."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from koubei.errors import BadInputError

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]

MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        metavar="FIELD=COLUMN",
        help=(
            "Read canonical FIELD from COLUMN of the file (repeatable). `FIELD=A|B` takes the first non-empty of "
            "A and B. Example: --map text=review --map category=cat"
        ),
    ),
]

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Store URL (default: KOUBEI_DATABASE_URL, else sqlite:///koubei.db).",
        envvar="KOUBEI_DATABASE_URL",
        show_envvar=False,
    ),
]


def console_progress(enabled: bool = True) -> Any:
    """The progress every command draws (stderr: a bar on a terminal, a line every few seconds otherwise), off
    when `enabled` is false (e.g. under --json). It is closed when the command ends, so the last line is written
    even when the work fails; it is also a context manager for code that wants to close it earlier."""
    from koubei.progress import ConsoleProgress

    try:  # Typer >= 0.20 runs commands in its own vendored copy of click
        from typer._click.globals import get_current_context
    except ImportError:  # pragma: no cover - older Typer on plain click
        from click import get_current_context  # type: ignore[no-redef]

    progress = ConsoleProgress(enabled=enabled)
    ctx = get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(progress.close)
    return progress


@contextmanager
def resume_refusal() -> Iterator[None]:
    """A refused resume of `--output`, told with the commands' flags."""
    from koubei.pipelines.resumable import ResumeRefused

    try:
        yield
    except ResumeRefused as refused:
        raise BadInputError(
            f"{refused.reason}; --no-resume starts over, or choose another --output"
        ) from None


def open_store(db: str | None, *, upgrade: bool | None = None) -> Any:
    """The store named by --db (else KOUBEI_DATABASE_URL); imported lazily so `--help` stays fast."""
    from koubei.store import Store

    return Store.open(db, upgrade=upgrade)


def parse_map(pairs: list[str] | None) -> dict[str, list[str]]:
    """Turn repeated `FIELD=COLUMN[|COLUMN...]` options into {field: [columns in preference order]}."""
    mapping: dict[str, list[str]] = {}
    for pair in pairs or []:
        field, sep, columns = pair.partition("=")
        field = field.strip()
        names = [c.strip() for c in columns.split("|") if c.strip()]
        if not sep or not field or not names:
            raise BadInputError(f"--map expects FIELD=COLUMN (e.g. --map text=review), got {pair!r}")
        mapping[field] = names
    return mapping


def print_json(data: Any) -> None:
    """Print one JSON document to stdout (UTF-8, Chinese kept readable)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def get_console(stderr: bool = False) -> Any:
    """A rich console; imported lazily so `--help` stays fast."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def emit(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    """Print `data` as JSON when asked, else call `render(console)` for the human view."""
    if as_json:
        print_json(data)
    else:
        render(get_console())


def existing_file(path: Path, what: str = "file") -> Path:
    """Check that a user-named file exists, with a plain message when it does not."""
    if not path.exists():
        raise BadInputError(f"{what} {str(path)!r} does not exist")
    if path.is_dir():
        raise BadInputError(f"{what} {str(path)!r} is a folder; expected a file")
    return path
