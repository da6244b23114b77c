"""Upserting ingested entities by natural key, counting what was new, changed or already there.

The content hash decides: a row whose key exists with the same hash is left alone ('unchanged'), one with another
hash is overwritten ('updated'). Works the same on SQLite and PostgreSQL (both have INSERT ... ON CONFLICT ...
RETURNING), and the counts stay right when two ingests write the same rows at once: each row is counted from
what its own INSERT did, inside the caller's transaction (which also records the run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, tuple_
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
        found_one = session.execute(select(key_columns[0], table.c.content_hash).where(key_columns[0].in_(wanted)))
        keys = [(k,) for k in wanted]
        existing = {(k,): h for k, h in found_one.all()}
    else:
        keys = [tuple(row[n] for n in key_names) for row in rows]
        found = session.execute(select(*key_columns, table.c.content_hash).where(tuple_(*key_columns).in_(keys))).all()
        existing = {tuple(r[:-1]): r[-1] for r in found}
    counts = UpsertCounts()
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for key, row in zip(keys, rows, strict=True):
        old = existing.get(key)
        if old == row["content_hash"]:
            counts.unchanged += 1
            continue
        (new if old is None else changed).append({name: value for name, value in row.items() if name in columns})
    # What was read above may be stale by now: another ingest of the same rows can be writing at this moment. The
    # counts come from what the writes below really did (INSERT ... RETURNING): on PostgreSQL a conflicting insert
    # waits for the other transaction and then does nothing; SQLite writers take the database lock one at a time.
    insert = dialect_insert(session)
    if new:
        statement = insert(table).on_conflict_do_nothing(index_elements=key_names).returning(*key_columns)
        inserted = {tuple(r) for r in session.execute(statement, new)}
        counts.stored += len(inserted)
        changed += [row for row in new if tuple(row[n] for n in key_names) not in inserted]  # stored meanwhile
    if changed:
        statement = insert(table)
        updatable = {c: statement.excluded[c] for c in changed[0] if c not in key_names}
        statement = statement.on_conflict_do_update(
            index_elements=key_names, set_=updatable, where=table.c.content_hash != statement.excluded.content_hash
        ).returning(*key_columns)
        written = len(session.execute(statement, changed).all())
        counts.updated += written
        counts.unchanged += len(changed) - written  # another writer stored this very content meanwhile
    return counts


def upsert_entities(
    session: Session, kind: str, rows: Sequence[dict[str, Any]], on_batch: Callable[[int], None] | None = None
) -> UpsertCounts:
    """Upsert all `rows` of `kind` in batches within the caller's transaction."""
    total = UpsertCounts()
    for start in range(0, len(rows), BATCH_ROWS):
        batch = rows[start : start + BATCH_ROWS]
        total.add(upsert_batch(session, kind, batch))
        if on_batch:
            on_batch(len(batch))
    return total
