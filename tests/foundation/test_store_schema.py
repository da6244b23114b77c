"""Schema migrations as a step: auto-upgrade policy, `koubei db {upgrade,status}`, concurrent upgrades, downgrade."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from koubei.errors import StoreError
from koubei.store import Store
from koubei.store.migrate import current_revision, downgrade, head_revision, schema_status, upgrade

# Every migration in order, read from the migrations folder (a new migration extends it without editing tests).
ALL_REVISIONS = sorted(
    path.name.split("_", 1)[0]
    for path in (Path(__file__).parents[2] / "src/koubei/store/migrations/versions").glob("[0-9]*_*.py")
)

KOUBEI_TABLES = {
    "products",
    "users",
    "reviews",
    "orders",
    "follows",
    "shares",
    "faq",
    "sentiment_scores",
    "aspect_mentions",
    "aggregates",
    "generated_content",
    "api_keys",
    "jobs",
    "conversations",
    "conversation_turns",
    "artifacts",
    "ingest_runs",
    "user_profiles",
    "profile_segments",
}


def _tables(store: Store) -> set[str]:
    return set(inspect(store.engine).get_table_names())


def _settings_env(monkeypatch: pytest.MonkeyPatch, name: str, value: str | None) -> None:
    from koubei.config import get_settings

    if value is None:
        monkeypatch.delenv(name, raising=False)
    else:
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def test_upgrade_downgrade_upgrade_on_both_databases(db_url: str) -> None:
    with Store.open(db_url, upgrade=False) as store:
        assert current_revision(store.engine) is None
        first = upgrade(store.engine)
        assert (first.before, first.after) == (None, head_revision())
        assert [m.revision for m in first.applied] == ALL_REVISIONS
        assert _tables(store) >= KOUBEI_TABLES

        down = downgrade(store.engine, "base")
        assert (down.before, down.after) == (head_revision(), None)
        assert [m.revision for m in down.applied] == ALL_REVISIONS[::-1]
        assert _tables(store) & KOUBEI_TABLES == set()
        assert [m.revision for m in schema_status(store.engine).pending] == ALL_REVISIONS

        again = upgrade(store.engine)
        assert again.after == head_revision()
        assert _tables(store) >= KOUBEI_TABLES
        assert upgrade(store.engine).applied == []  # current: nothing to do
        assert schema_status(store.engine).up_to_date


def test_sqlite_store_upgrades_itself_when_opened(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'auto.db'}"
    with Store.open(url) as store:
        assert current_revision(store.engine) == head_revision()
        downgrade(store.engine, "base")
    with Store.open(url) as store:  # behind again: the embedded default upgrades on open
        assert current_revision(store.engine) == head_revision()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgres_first_use_creates_the_schema_but_a_store_behind_is_refused(db_url: str) -> None:
    with Store.open(db_url) as store:  # an empty database: its first use creates the schema
        assert current_revision(store.engine) == head_revision()
        downgrade(store.engine, "base")  # now it has a (empty) version table: not a first use, but behind
    with pytest.raises(
        StoreError,
        match=rf"at schema revision none, koubei needs {ALL_REVISIONS[-1]} .*run `koubei db upgrade`",
    ):
        Store.open(db_url)
    with Store.open(db_url, upgrade=True) as store:
        assert current_revision(store.engine) == head_revision()


def test_auto_upgrade_off_gives_the_plain_message(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store.open(db_url) as store:
        downgrade(store.engine, "base")
    _settings_env(monkeypatch, "KOUBEI_AUTO_UPGRADE", "false")
    with pytest.raises(StoreError) as caught:
        Store.open(db_url)
    message = str(caught.value)
    assert "pending: 0001 (initial schema)" in message
    assert "run `koubei db upgrade`" in message
    with Store.open(db_url, upgrade=False) as store:
        assert current_revision(store.engine) is None  # refused, and left alone


def test_auto_upgrade_on_upgrades_postgres_too(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store.open(db_url) as store:
        downgrade(store.engine, "base")
    _settings_env(monkeypatch, "KOUBEI_AUTO_UPGRADE", "true")
    with Store.open(db_url) as store:
        assert current_revision(store.engine) == head_revision()


def test_a_revision_from_a_newer_koubei_is_refused(db_url: str) -> None:
    with Store.open(db_url) as store:
        with store.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
        status = store.schema_status()
        assert status.unknown_revision and not status.up_to_date and status.pending == []
    with pytest.raises(StoreError, match="upgraded by a newer koubei; upgrade koubei"):
        Store.open(db_url)


def test_db_status_and_upgrade_commands(cli, db_url: str) -> None:
    with Store.open(db_url) as store:
        downgrade(store.engine, "base")

    status = cli("db", "status", "--db", db_url, "--json")
    assert status.exit_code == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["current"] is None and data["head"] == head_revision() and data["up_to_date"] is False
    assert [item["revision"] for item in data["pending"]] == ALL_REVISIONS
    assert data["pending"][:2] == [
        {"revision": "0001", "description": "initial schema"},
        {
            "revision": "0002",
            "description": "generated_content: input, guard results, review status, updated_at, reviewed_by",
        },
    ]

    human = cli("db", "status", "--db", db_url)
    assert f"pending ({len(ALL_REVISIONS)})" in human.stdout and "0001  initial schema" in human.stdout

    done = cli("db", "upgrade", "--db", db_url, "--json")
    assert done.exit_code == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["before"], data["after"]) == (None, head_revision())
    assert [m["revision"] for m in data["applied"]] == ALL_REVISIONS

    again = cli("db", "upgrade", "--db", db_url)
    assert again.exit_code == 0 and f"up to date (revision {ALL_REVISIONS[-1]})" in again.stdout
    status = json.loads(cli("db", "status", "--db", db_url, "--json").stdout)
    assert status["up_to_date"] is True and status["pending"] == []


def test_db_commands_show_an_example_in_their_help(cli) -> None:
    for command in ("upgrade", "status"):
        shown = cli("db", command, "--help")
        assert shown.exit_code == 0
        assert f"Example: koubei db {command}" in shown.stdout


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_behind_postgres_store_tells_the_cli_user_to_run_db_upgrade(
    cli, db_url: str, tmp_path: Path
) -> None:
    with Store.open(db_url) as store:
        downgrade(store.engine, "base")
    reviews = tmp_path / "r.csv"
    reviews.write_text("text\n很好\n", encoding="utf-8")
    result = cli("ingest", "reviews", reviews, "--db", db_url)
    assert result.exit_code == 1
    assert "run `koubei db upgrade`" in result.stderr and "Traceback" not in result.stderr


_CHILD = r"""
import os, sys, time
from koubei.store import Store
from koubei.store.migrate import current_revision
go = sys.argv[2]
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.001)
with Store.open(sys.argv[1]) as store:
    print(current_revision(store.engine))
"""


def test_several_processes_opening_a_fresh_store_at_once(db_url: str, tmp_path: Path) -> None:
    """Without the migration lock this fails: SQLite 'table aggregates already exists', PostgreSQL UniqueViolation."""
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, db_url, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(4)
    ]
    for child in children:  # start them together, once every child has imported koubei
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    go.touch()
    outcomes = [child.communicate(timeout=120) for child in children]
    for child, (out, err) in zip(children, outcomes, strict=True):
        assert child.returncode == 0, err
        assert out.strip() == head_revision()
    with Store.open(db_url, upgrade=False) as store:
        assert _tables(store) >= KOUBEI_TABLES
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_no_import_cycle_between_store_db_and_migrate() -> None:
    """migrate works on an engine and imports nothing of the store; db imports migrate once, at the top."""
    import ast

    import koubei.store.db as db_module
    import koubei.store.migrate as migrate_module

    def imported(module: object, top_level_only: bool) -> set[str]:
        tree = ast.parse(Path(str(getattr(module, "__file__", ""))).read_text(encoding="utf-8"))
        nodes = tree.body if top_level_only else list(ast.walk(tree))
        names = set()
        for node in nodes:
            if isinstance(node, ast.ImportFrom) and node.module:
                names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
        return names

    assert not {n for n in imported(migrate_module, False) if n.startswith("koubei.store")}
    assert imported(db_module, False) == imported(db_module, True)  # no imports hidden inside functions
    assert "koubei.store.migrate" in imported(db_module, True)
