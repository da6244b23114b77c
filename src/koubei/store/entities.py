"""Upserting ingested entities by natural key, counting what was new, changed or already there.

The content hash decides: a row whose key exists with the same hash is left alone ('unchanged'), one with another
hash is overwritten ('updated'). Works the same on SQLite and PostgreSQL (both have INSERT ... ON CONFLICT).

The counts come from reading the stored hashes before writing, so that read and the write after it must not be
overtaken by another writer of the same rows (two ingests of one file at once both counted every row as stored,
and `ingest_runs` recorded it). An upsert therefore first makes its transaction the only writer of its kind:
PostgreSQL takes a transaction-level advisory lock per kind and schema, SQLite its database write lock (BEGIN
IMMEDIATE). A second ingest waits for the first to commit, then finds its rows unchanged. (Counting from the writes
themselves, INSERT ... RETURNING, was exact too but made SQLAlchemy run PostgreSQL's executemany row by row: 3.5x
slower on a first ingest.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, tuple_
from sqlalchemy.orm import Session

from koubei.store.db import dialect_insert
from koubei.store.models import Base, FaqEntry, Follow, Order, Product, Review, Share, User

MODELS: dict[str, type[Base]] = {
    "reviews": Review,
    "products": Product,
    "users": User,
    "orders": Order,
    "follows": Follow,
    "shares": Share,
    "faq": FaqEntry,
}
# Stay far below PostgreSQL's 65,535 bind parameters per statement.
BATCH_ROWS = 1000
# First key of the advisory locks that serialise upserts on PostgreSQL ("kbup"; migrations use "koub").
UPSERT_LOCK_CLASS = 0x6B627570


@dataclass
class UpsertCounts:
    stored: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: UpsertCounts) -> None:
        self.stored += other.stored
        self.updated += other.updated
        self.unchanged += other.unchanged


def upsert_batch(session: Session, kind: str, rows: Sequence[dict[str, Any]]) -> UpsertCounts:
    """Insert new rows and overwrite changed ones of one batch (at most BATCH_ROWS rows, unique keys)."""
    model = MODELS[kind]
    table: Any = model.__table__
    key_columns = list(table.primary_key.columns)
    key_names = [c.name for c in key_columns]
    columns = {c.name for c in table.columns}
    existing: dict[tuple[Any, ...], str]
    if len(key_columns) == 1:
        wanted = [row[key_names[0]] for row in rows]
        found_one = session.execute(
            select(key_columns[0], table.c.content_hash).where(key_columns[0].in_(wanted))
        )
        keys = [(k,) for k in wanted]
        existing = {(k,): h for k, h in found_one.all()}
    else:
        keys = [tuple(row[n] for n in key_names) for row in rows]
        found = session.execute(
            select(*key_columns, table.c.content_hash).where(tuple_(*key_columns).in_(keys))
        ).all()
        existing = {tuple(r[:-1]): r[-1] for r in found}
    counts = UpsertCounts()
    to_write = []
    for key, row in zip(keys, rows, strict=True):
        old = existing.get(key)
        if old is None:
            counts.stored += 1
        elif old == row["content_hash"]:
            counts.unchanged += 1
            continue
        else:
            counts.updated += 1
        to_write.append({name: value for name, value in row.items() if name in columns})
    if to_write:
        statement = dialect_insert(session)(table)
        updatable = {c: statement.excluded[c] for c in to_write[0] if c not in key_names}
        statement = statement.on_conflict_do_update(index_elements=key_names, set_=updatable)
        session.execute(statement, to_write)
    return counts


def lock_writers(session: Session, kind: str) -> None:
    """Make the session's transaction the only writer of `kind` until it ends (see the module docstring).

    SQLite: when the transaction has not written yet, BEGIN IMMEDIATE takes the database write lock now (waiting up
    to the busy timeout); once it has written, it holds that lock already. PostgreSQL: pg_advisory_xact_lock on
    (ingest lock class, schema and kind), released at commit or rollback.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw: Any = connection.connection.dbapi_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.execute(
            text(
                "SELECT pg_advisory_xact_lock(:lock_class, hashtext(coalesce(current_schema(), '') || ':' || :kind))"
            ),
            {"lock_class": UPSERT_LOCK_CLASS, "kind": kind},
        )


def upsert_entities(
    session: Session, kind: str, rows: Sequence[dict[str, Any]], on_batch: Callable[[int], None] | None = None
) -> UpsertCounts:
    """Upsert all `rows` of `kind` in batches within the caller's transaction (which becomes the only writer of
    `kind` until it ends, so the counts are right under concurrency)."""
    total = UpsertCounts()
    if rows:
        lock_writers(session, kind)
    for start in range(0, len(rows), BATCH_ROWS):
        batch = rows[start : start + BATCH_ROWS]
        total.add(upsert_batch(session, kind, batch))
        if on_batch:
            on_batch(len(batch))
    return total
