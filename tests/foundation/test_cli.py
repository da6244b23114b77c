"""The command line as a user meets it: instant help, an example in every command's help, plain errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from koubei.cli.main import app


def _all_commands():
    import typer.main

    root = typer.main.get_command(app)

    def walk(command, path):
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                yield from walk(sub, [*path, name])
        else:
            yield path, command

    yield from walk(root, [])


def test_every_command_has_an_example_in_its_help(cli) -> None:
    commands = list(_all_commands())
    assert len(commands) >= 8
    for path, _command in commands:
        result = cli(*path, "--help")
        assert result.exit_code == 0, path
        assert "Example" in result.output, f"`koubei {' '.join(path)} --help` shows no example"


def test_help_is_instant_and_imports_no_heavy_library() -> None:
    code = (
        "import sys, time; t = time.perf_counter(); sys.argv = ['koubei', '--help']\n"
        "from koubei.cli.main import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'transformers', 'sklearn', 'networkx', 'sqlalchemy', 'pandas', 'jieba') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True
    )
    elapsed = time.perf_counter() - started
    assert "HEAVY []" in out.stdout, out.stdout[-300:]
    assert elapsed < 5  # generous for a loaded CI machine; typically well under a second


def test_version(cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.startswith("koubei ")


def test_unknown_database_scheme_is_a_plain_error(cli, tmp_path) -> None:
    (tmp_path / "r.csv").write_text("text\n好\n", encoding="utf-8")
    result = cli("ingest", "reviews", tmp_path / "r.csv", "--db", "mysql://x@localhost/y")
    assert result.exit_code == 2 and "not supported" in result.stderr


def test_missing_file_is_exit_2(cli, tmp_path) -> None:
    result = cli("ingest", "reviews", tmp_path / "nope.csv")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_usage_errors_are_typers_own_message_and_exit_2(cli) -> None:
    # Typer runs commands in its vendored click; its usage errors must not be taken for a koubei bug (exit 1).
    missing = cli("ingest", "reviews")
    assert missing.exit_code == 2 and "Missing argument" in missing.output
    assert "a bug in koubei" not in missing.output
    unknown = cli("sentiment", "score", "--bogus")
    assert unknown.exit_code == 2 and "No such option" in unknown.output
