"""Opening the store: engine, sessions, the schema check on open, and database errors said plainly.

SQLite is the embedded default (a file in the working directory, no server); PostgreSQL is used when the URL says
so. Both run the same migrations, so the same test suite covers both.

Schema upgrades are a step (`koubei db upgrade`, see `koubei.store.migrate`). `Store.open` checks the revision and
upgrades by itself only where that is safe and expected: an embedded SQLite file, or a PostgreSQL database with no
tables yet (its first use). A PostgreSQL store that is behind is refused with "run `koubei db upgrade`", so several
API workers of a new release never race to migrate a shared database. `KOUBEI_AUTO_UPGRADE` overrides both ways.

Database errors leave the store as `KoubeiError`s whose message carries no SQL parameters (review text is personal
data): the engine hides parameters, and `session()` maps driver errors to one plain sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from koubei.config import get_settings
from koubei.errors import BadInputError, KoubeiError, StoreError
from koubei.store import migrate
from koubei.store.migrate import SchemaStatus, UpgradeResult


def _normalize_url(url: str) -> str:
    """Accept the plain `postgresql://` spelling users copy from elsewhere and use the psycopg 3 driver for it."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (dashboard) run during a long ingest; NORMAL sync is safe with WAL and much faster.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def dialect_insert(session: Session) -> Callable[..., Any]:
    """The `insert` construct of the session's database, for INSERT ... ON CONFLICT (both dialects have it)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


_SQLITE_LOCKED = ("database is locked", "database table is locked", "database schema is locked")
_SQLITE_NOT_A_DATABASE = ("file is not a database", "file is encrypted or is not a database")


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


class DriverErrorDetail(Exception):
    """The cause chained to a mapped database error: the driver's first line and the statement, never its values.

    The driver's own exception is not chained: PostgreSQL's DETAIL quotes the failing row ("Failing row contains
    (..., <review text>, ...)"), and a chained cause is printed by every traceback and `logging.exception`.
    """


def _without_values(error: DBAPIError) -> DriverErrorDetail:
    orig = error.orig if error.orig is not None else error
    return DriverErrorDetail(f"{type(orig).__name__}: {_first_line(orig)}\n[SQL: {error.statement}]")


class Store:
    """A connection to koubei's database. Open with `Store.open(url)`; use `with store.session() as s:`."""

    def __init__(self, engine: Engine, busy_timeout: float | None = None) -> None:
        self.engine = engine
        self.busy_timeout = busy_timeout
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def open(cls, url: str | None = None, *, upgrade: bool | None = None, **engine_kwargs: Any) -> Store:
        """Connect to `url` (default: `KOUBEI_DATABASE_URL`) and check its schema.

        `upgrade`: None follows `KOUBEI_AUTO_UPGRADE` (unset: upgrade SQLite and an empty PostgreSQL database,
        refuse a PostgreSQL store that is behind); True upgrades now; False neither checks nor upgrades (for
        `koubei db status` and `koubei db upgrade`).
        """
        settings = get_settings()
        raw = _normalize_url(url or settings.database_url)
        try:
            parsed = make_url(raw)
        except ArgumentError:
            raise BadInputError(
                f"database URL {raw!r} is not a valid SQLAlchemy URL; expected e.g. sqlite:///koubei.db or "
                "postgresql://user@127.0.0.1:5432/koubei"
            ) from None
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise BadInputError(
                f"database {parsed.get_backend_name()!r} is not supported; use sqlite or postgresql"
            )
        busy_timeout = None
        if parsed.get_backend_name() == "sqlite":
            if parsed.database not in (None, "", ":memory:"):
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            # The driver waits this long for another writer's lock before "database is locked".
            engine_kwargs["connect_args"] = {
                "timeout": settings.db_busy_timeout,
                **engine_kwargs.get("connect_args", {}),
            }
            busy_timeout = float(engine_kwargs["connect_args"]["timeout"])
        # Bound parameters are review texts and user ids: keep them out of every error message and log line.
        engine = create_engine(parsed, hide_parameters=True, **engine_kwargs)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _tune_sqlite)
        store = cls(engine, busy_timeout)
        try:
            if upgrade is not False:
                store.ensure_schema(auto=True if upgrade else settings.auto_upgrade)
        except BaseException:
            engine.dispose()
            raise
        return store

    # ---- schema ---------------------------------------------------------------------------------------------

    def schema_status(self) -> SchemaStatus:
        """Current revision, head and pending migrations (reads only)."""
        try:
            return migrate.schema_status(self.engine, self.url)
        except DBAPIError as error:
            raise self.error_from(error) from _without_values(error)

    def upgrade(self) -> UpgradeResult:
        """Bring the schema to the newest revision under the migration lock (no-op when it is current)."""
        try:
            return migrate.upgrade(self.engine)
        except DBAPIError as error:
            raise self.error_from(error) from _without_values(error)

    def ensure_schema(self, auto: bool | None = None) -> None:
        """Check the schema is current; upgrade when `auto` (None: SQLite, or an empty database) else refuse."""
        status = self.schema_status()
        if status.up_to_date:
            return
        if status.unknown_revision:
            raise StoreError(
                f"the store at {self.url} has schema revision {status.current!r}, which this koubei does not know "
                f"(its newest is {status.head!r}): it was upgraded by a newer koubei; upgrade koubei to use it"
            )
        if auto is None:
            auto = self.dialect == "sqlite" or status.empty
        if auto:
            self.upgrade()
            return
        pending = ", ".join(f"{m.revision} ({m.description})" for m in status.pending)
        raise StoreError(
            f"the store at {self.url} is at schema revision {status.current or 'none'}, koubei needs "
            f"{status.head} (pending: {pending}): run `koubei db upgrade` (see `koubei db status`)"
        )

    # ---- sessions and errors --------------------------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits when the block ends normally, rolls back (and re-raises) on any error.

        A database error leaves as a `StoreError` (or `BadInputError`) with a plain message and no SQL parameters.
        """
        session = self._sessions()
        try:
            yield session
            session.commit()
        except DBAPIError as error:
            session.rollback()
            raise self.error_from(error) from _without_values(error)
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def error_from(self, error: DBAPIError) -> KoubeiError:
        """One plain sentence for a driver error: what happened and what to do, never the statement's values."""
        orig = error.orig if error.orig is not None else error
        reason = _first_line(orig)
        if self.dialect == "sqlite":
            if any(text in reason for text in _SQLITE_LOCKED):
                return StoreError(
                    f"another process (another koubei command?) is writing to the store {self._where()} and held "
                    f"its lock for more than {self.busy_timeout or 0:g} s; wait for it to finish and re-run, or set "
                    "KOUBEI_DB_BUSY_TIMEOUT to wait longer"
                )
            if any(text in reason for text in _SQLITE_NOT_A_DATABASE):
                return BadInputError(
                    f"{self._where()} is not a SQLite database ({reason}); point --db or KOUBEI_DATABASE_URL at a "
                    "koubei store, or at a new file name to create one"
                )
            if "unable to open database file" in reason:
                return BadInputError(
                    f"cannot open the SQLite store {self._where()}: {reason} (is it a folder, or in a folder you "
                    "cannot write to?)"
                )
        else:
            sqlstate = getattr(orig, "sqlstate", None)
            if sqlstate is None or str(sqlstate).startswith("08"):  # no server answer / connection exception
                return StoreError(f"cannot reach the database at {self.url}: {reason}")
            if sqlstate in ("55P03", "40P01"):  # lock not available, deadlock detected
                return StoreError(
                    f"another process holds a lock on the store at {self.url}: {reason}; re-run"
                )
            if str(sqlstate).startswith("22"):  # data exception: PostgreSQL may quote the offending value
                reason = re.sub(r'"[^"]*"', '"…"', reason)
        return StoreError(f"the database refused the operation ({type(orig).__name__}: {reason})")

    def _where(self) -> str:
        database = self.engine.url.database
        return repr(database) if database else self.url

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
