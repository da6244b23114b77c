"""Database errors said plainly: a locked SQLite store, a file that is not a database, bad settings, and no SQL
parameters (raw review text) in any message, traceback or log line."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from koubei.errors import BadInputError, StoreError
from koubei.store import Store
from koubei.store.models import Review, User

SECRET = "SECRET-REVIEW 我的手机13800138000"


def _set_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    from koubei.config import get_settings

    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def _one_plain_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def _sqlite_path(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "held.db"
    Store.open(f"sqlite:///{path}").close()  # a migrated store
    return f"sqlite:///{path}", path


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer, holding the lock until it commits
    return other


# ---- a second writer holds the SQLite lock --------------------------------------------------------------------


def test_busy_timeout_defaults_to_30_s_and_is_configurable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = _sqlite_path(tmp_path)
    with Store.open(url) as store, store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    _set_env(monkeypatch, KOUBEI_DB_BUSY_TIMEOUT="2.5")
    with Store.open(url) as store, store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2_500


def test_a_held_write_lock_waits_then_says_plainly_who_holds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, path = _sqlite_path(tmp_path)
    _set_env(monkeypatch, KOUBEI_DB_BUSY_TIMEOUT="0.4")
    other = _hold_write_lock(path)
    try:
        with Store.open(url) as store:  # reading the revision is fine while another process writes (WAL)
            started = time.monotonic()
            with pytest.raises(StoreError) as caught, store.session() as session:
                session.add(User(user_id="u1", attributes={}, content_hash="h"))
            waited = time.monotonic() - started
    finally:
        other.rollback()
        other.close()
    assert waited >= 0.35  # it waited for the lock (the busy timeout), rather than failing at once
    message = str(caught.value)
    assert message.startswith("another process (another koubei command?) is writing to the store")
    assert "more than 0.4 s" in message and "KOUBEI_DB_BUSY_TIMEOUT" in message
    assert caught.value.exit_code == 1


def test_cli_with_the_store_locked_exits_1_with_one_line(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, path = _sqlite_path(tmp_path)
    reviews = tmp_path / "r.csv"
    reviews.write_text(f"text\n{SECRET}\n", encoding="utf-8")
    _set_env(monkeypatch, KOUBEI_DB_BUSY_TIMEOUT="0.2")
    other = _hold_write_lock(path)
    try:
        result = cli("ingest", "reviews", reviews, "--db", url)
    finally:
        other.rollback()
        other.close()
    assert result.exit_code == 1
    line = _one_plain_line(result.stderr)
    assert "another process (another koubei command?) is writing to the store" in line
    assert "database is locked" not in line and SECRET not in result.stderr + result.stdout


def test_the_migration_itself_waits_for_a_held_lock_then_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "fresh.db"
    sqlite3.connect(path).close()
    _set_env(monkeypatch, KOUBEI_DB_BUSY_TIMEOUT="0.2")
    other = _hold_write_lock(path)
    try:
        with pytest.raises(StoreError, match=r"another process .* is writing to the store"):
            Store.open(f"sqlite:///{path}")
    finally:
        other.rollback()
        other.close()


# ---- --db pointing at something that is not a store ------------------------------------------------------------


def test_a_file_that_is_not_a_database_is_bad_input(cli, tmp_path: Path) -> None:
    notdb = tmp_path / "reviews.csv"
    notdb.write_text("text\nhello, this is a CSV and not a database\n", encoding="utf-8")
    with pytest.raises(
        BadInputError, match=r"'.*reviews.csv' is not a SQLite database \(file is not a database\)"
    ):
        Store.open(f"sqlite:///{notdb}")
    for args in (("db", "status"), ("ingest", "reviews", notdb)):
        result = cli(*args, "--db", f"sqlite:///{notdb}")
        assert result.exit_code == 2
        assert "is not a SQLite database" in _one_plain_line(result.stderr)


def test_a_folder_as_the_sqlite_store_is_bad_input(tmp_path: Path) -> None:
    folder = tmp_path / "a_folder"
    folder.mkdir()
    with pytest.raises(BadInputError, match=r"cannot open the SQLite store .*unable to open database file"):
        Store.open(f"sqlite:///{folder}")


def test_an_unreachable_postgres_server_is_one_sentence() -> None:
    with pytest.raises(
        StoreError, match=r"^cannot reach the database at postgresql\+psycopg://nobody@127.0.0.1:1/x: "
    ):
        Store.open("postgresql://nobody@127.0.0.1:1/x")


# ---- settings ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", "KOUBEI_MAX_TEXT_CHARS='0' is not valid: input should be greater than or equal to 1"),
        ("abc", "KOUBEI_MAX_TEXT_CHARS='abc' is not valid: input should be a valid integer"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable_from_any_command(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    _set_env(monkeypatch, KOUBEI_MAX_TEXT_CHARS=value)
    for args in (("db", "status"), ("wom", "seeds", "--graph", tmp_path / "missing.txt"), ("lm", "sample")):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.stderr)
        assert expected in _one_plain_line(result.stderr)
    assert cli("db", "status", "--help").exit_code == 0  # help still answers with a broken environment


def test_a_bad_busy_timeout_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from koubei.config import get_settings

    _set_env(monkeypatch, KOUBEI_DB_BUSY_TIMEOUT="-1")
    with pytest.raises(
        BadInputError, match="KOUBEI_DB_BUSY_TIMEOUT='-1' is not valid: input should be greater than 0"
    ):
        get_settings()


# ---- no SQL parameters (raw review text) in messages, tracebacks or logs ----------------------------------------


def _force_failure(store: Store) -> None:
    """Make every insert into reviews (and the ingest run record) fail inside the database."""
    with store.engine.begin() as connection:
        if store.dialect == "sqlite":
            for table in ("reviews", "ingest_runs"):
                connection.execute(
                    text(
                        f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                        "BEGIN SELECT RAISE(ABORT, 'forced failure'); END"
                    )
                )
        else:  # PostgreSQL's message DETAIL would quote the whole failing row, review text included
            connection.execute(text("ALTER TABLE reviews ADD CONSTRAINT refuse_all CHECK (length(text) < 0)"))
            connection.execute(text("ALTER TABLE ingest_runs ADD CONSTRAINT refuse_all CHECK (read < 0)"))


def test_a_database_error_carries_no_row_text(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    _force_failure(store)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    logging.getLogger("sqlalchemy.engine").setLevel(
        logging.INFO
    )  # statement logging on: parameters stay hidden
    try:
        with pytest.raises(StoreError) as caught, store.session() as session:
            session.add(Review(review_id="r1", text=SECRET, masked_text=SECRET, content_hash="h", extra={}))
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    message = str(caught.value)
    assert message.startswith("the database refused the operation (")
    assert SECRET not in message and "13800138000" not in message
    cause = str(caught.value.__cause__)  # what KOUBEI_DEBUG=1 shows: the statement, not its values
    assert "INSERT INTO reviews" in cause and SECRET not in cause
    assert (
        caught.value.__suppress_context__
    )  # the driver's own error (PostgreSQL quotes the row) is not printed
    assert "INSERT INTO reviews" in caplog.text and SECRET not in caplog.text


def test_cli_database_error_prints_one_line_without_row_text(cli, db_url: str, tmp_path: Path) -> None:
    with Store.open(db_url) as store:
        _force_failure(store)
    reviews = tmp_path / "r.csv"
    reviews.write_text(f"review_id,text\nr1,{SECRET}\n", encoding="utf-8")
    result = cli("ingest", "reviews", reviews, "--db", db_url)
    assert result.exit_code == 1
    line = _one_plain_line(result.stderr)
    assert line.startswith("error: ")
    assert SECRET not in result.stderr + result.stdout and "13800138000" not in result.stderr


# ---- the CLI's last line of defence ----------------------------------------------------------------------------


def test_an_unexpected_exception_is_one_line_and_koubei_debug_shows_it(
    cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import IntegrityError

    def broken(self: Store) -> None:
        raise IntegrityError(
            "INSERT INTO reviews (text) VALUES (?)", {"text": SECRET}, Exception("forced\nDETAIL: x")
        )

    monkeypatch.setattr(Store, "schema_status", broken)
    result = cli("db", "status")
    assert result.exit_code == 1
    line = _one_plain_line(result.stderr)
    assert line.startswith("error: unexpected Exception: forced (a bug in koubei")
    assert "KOUBEI_DEBUG=1" in line and SECRET not in result.stderr

    monkeypatch.setattr(Store, "schema_status", lambda self: (_ for _ in ()).throw(RuntimeError("boom")))
    result = cli("db", "status")
    assert result.exit_code == 1
    assert _one_plain_line(result.stderr).startswith("error: unexpected RuntimeError: boom")

    monkeypatch.setenv("KOUBEI_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        cli("db", "status")
    monkeypatch.setattr(Store, "schema_status", lambda self: (_ for _ in ()).throw(StoreError("plain")))
    with pytest.raises(StoreError):
        cli("db", "status")
