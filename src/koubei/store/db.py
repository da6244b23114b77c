"""Opening the store: engine, sessions, and bringing the schema to the current Alembic revision.

SQLite is the embedded default (a file in the working directory, no server); PostgreSQL is used when the URL says
so. Both run the same migrations, so the same test suite covers both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from koubei.config import get_settings
from koubei.errors import BadInputError, StoreError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


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


class Store:
    """A connection to koubei's database. Open with `Store.open(url)`; use `with store.session() as s:`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = True, **engine_kwargs: Any) -> Store:
        """Connect to `url` (default: `KOUBEI_DATABASE_URL`) and, unless told otherwise, migrate to the latest schema."""
        raw = _normalize_url(url or get_settings().database_url)
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
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **engine_kwargs)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _tune_sqlite)
        store = cls(engine)
        if migrate:
            store.migrate()
        return store

    def migrate(self) -> None:
        """Bring the schema to the newest revision (no-op when it is current)."""
        from koubei.store.migrate import upgrade_to_head

        try:
            upgrade_to_head(self.engine)
        except OperationalError as error:
            raise StoreError(f"cannot reach the database at {self.url}: {error.orig}") from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits when the block ends normally, rolls back (and re-raises) on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
