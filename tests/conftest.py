"""Shared fixtures: an isolated KOUBEI_HOME per test, store URLs for SQLite and PostgreSQL, and a CLI runner."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
POSTGRES_URL = os.environ.get("KOUBEI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own KOUBEI_HOME and SQLite file, so nothing leaks between tests or into the checkout."""
    from koubei.config import get_settings

    home = tmp_path / "koubei_home"
    monkeypatch.setenv("KOUBEI_HOME", str(home))
    monkeypatch.setenv("KOUBEI_DATABASE_URL", f"sqlite:///{tmp_path / 'koubei.db'}")
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


_postgres_problem: list[str] = []


def _postgres_reachable() -> str | None:
    """None when the test PostgreSQL answers, else the reason (checked once per session)."""
    if not _postgres_problem:
        try:
            import psycopg

            plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(plain, connect_timeout=3):
                pass
            _postgres_problem.append("")
        except Exception as error:
            _postgres_problem.append(
                f"no PostgreSQL server reachable at {POSTGRES_URL}: {error}".splitlines()[0]
            )
    return _postgres_problem[0] or None


def _fresh_postgres_schema() -> Iterator[str]:
    import psycopg

    schema = f"koubei_test_{uuid.uuid4().hex[:12]}"
    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty store: a SQLite file, or a fresh schema on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    problem = _postgres_reachable()
    if problem:
        pytest.skip(problem)
    yield from _fresh_postgres_schema()


@pytest.fixture
def store(db_url: str) -> Iterator[object]:
    from koubei.store import Store

    opened = Store.open(db_url)
    yield opened
    opened.close()


@pytest.fixture
def cli():
    """Run `koubei ...` in-process; returns a function(args) -> click Result (stdout and stderr kept apart)."""
    from typer.testing import CliRunner

    from koubei.cli.main import app

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


def shared_file(*parts: str) -> Path:
    """A file from ../shared/data, or skip the test with the reason when the folder is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data set not available here: {path}")
    return path
