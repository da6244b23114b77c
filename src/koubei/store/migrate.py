"""Alembic, driven from code: the schema's revision, what is pending, and upgrading (or downgrading) under a lock.

The migration scripts ship inside the package, so no alembic.ini is needed. Upgrading is a step of its own
(`koubei db upgrade`; `Store.open` does it by itself only where that is safe, see `koubei.store.db`) and may be run
by several processes at once: on PostgreSQL it holds a transaction-level advisory lock, on SQLite a write
transaction taken up front (BEGIN IMMEDIATE). A second process waits for the first, then reads the revision again
inside its lock, finds the schema current and does nothing. All DDL of one run is in that one transaction (both
databases have transactional DDL), so a failed or killed upgrade leaves the schema as it was.

This module knows nothing of `Store`: it works on an SQLAlchemy engine, so `store.db` can import it without a cycle.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, inspect, text

from koubei.results import Result

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# First half of the PostgreSQL advisory-lock key (the second is the hash of the current schema, so stores in
# different schemas of one database do not wait for each other). Any constant works; this one spells "koub".
ADVISORY_LOCK_CLASS = 0x6B6F7562
VERSION_TABLE = "alembic_version"


@dataclasses.dataclass
class Migration(Result):
    revision: str
    description: str


@dataclasses.dataclass
class SchemaStatus(Result):
    """Where a store's schema stands against the migrations this koubei ships."""

    url: str
    dialect: str
    current: str | None  # None: no koubei schema yet (an empty database) or downgraded to base
    head: str
    pending: list[Migration]  # oldest first; empty when up to date
    unknown_revision: bool  # `current` is not one of ours: a newer koubei migrated this store
    empty: bool  # the database (schema) holds no tables at all

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "up_to_date": self.up_to_date}


@dataclasses.dataclass
class UpgradeResult(Result):
    url: str
    before: str | None
    after: str | None
    applied: list[Migration]  # in the order they ran; empty when the schema already was at the target


@functools.lru_cache(maxsize=1)
def script_directory() -> ScriptDirectory:
    """The migrations shipped with this koubei (read once per process: they do not change while it runs)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None, "koubei ships at least one migration"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _current(connection)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _describe(revisions: list[str]) -> list[Migration]:
    scripts = script_directory()
    found = []
    for revision in revisions:
        script = scripts.get_revision(revision)
        assert script is not None
        found.append(Migration(revision=script.revision, description=(script.doc or "").strip()))
    return found


def _between(upper: str | None, lower: str | None) -> list[str]:
    """Revisions above `lower` up to and including `upper`, oldest first (`None` is base)."""
    if upper == lower or upper is None:
        return []
    scripts = script_directory()
    return [s.revision for s in reversed(list(scripts.iterate_revisions(upper, lower or "base")))]


def schema_status(engine: Engine, url: str | None = None) -> SchemaStatus:
    """Current revision, head, and the migrations an upgrade would apply (reads only; takes no lock)."""
    head = head_revision()
    with engine.connect() as connection:
        current = _current(connection)
        empty = not inspect(connection).get_table_names()
    try:
        pending = _describe(_between(head, current))
        unknown = False
    except (RevisionError, CommandError):
        pending, unknown = [], True
    return SchemaStatus(
        url=url or engine.url.render_as_string(hide_password=True),
        dialect=engine.dialect.name,
        current=current,
        head=head,
        pending=pending,
        unknown_revision=unknown,
        empty=empty,
    )


@contextmanager
def migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the store's migration lock; committed when the block ends.

    SQLite: BEGIN IMMEDIATE takes the database's write lock now (waiting up to the busy timeout for another
    writer). PostgreSQL: pg_advisory_xact_lock, released when the transaction ends. Either way the DDL run inside
    commits or rolls back as one.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:lock_class, hashtext(coalesce(current_schema(), '')))"),
                {"lock_class": ADVISORY_LOCK_CLASS},
            )
        yield connection
        connection.commit()


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection  # read by migrations/env.py
    return config


def upgrade(engine: Engine, revision: str = "head") -> UpgradeResult:
    """Bring the schema to `revision` under the migration lock; a no-op (and cheap) when it is already there."""
    with migration_lock(engine) as connection:
        before = _current(connection)
        target = head_revision() if revision == "head" else revision
        if before != target:
            command.upgrade(_alembic_config(connection), revision)
        after = _current(connection)
    return UpgradeResult(
        url=engine.url.render_as_string(hide_password=True),
        before=before,
        after=after,
        applied=_describe(_between(after, before)),
    )


def downgrade(engine: Engine, revision: str = "base") -> UpgradeResult:
    """Take the schema down to `revision` ("base": no koubei tables left) under the migration lock."""
    with migration_lock(engine) as connection:
        before = _current(connection)
        command.downgrade(_alembic_config(connection), revision)
        after = _current(connection)
    return UpgradeResult(
        url=engine.url.render_as_string(hide_password=True),
        before=before,
        after=after,
        applied=list(reversed(_describe(_between(before, after)))),
    )
