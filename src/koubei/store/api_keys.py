"""API keys in the store: create, list, revoke, and find the candidates for a presented key.

Only the sha256 of a key is stored (with its first characters, to tell keys apart in a list); the key itself is
returned once, by `create_key`, and never kept. Comparing a presented key with the stored hashes is the caller's
job (`koubei.api.auth.verify_key`, in constant time), so this module never sees which key matched how.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from koubei.errors import NotFoundError
from koubei.results import Result
from koubei.store.db import Store
from koubei.store.models import ApiKey

KEY_PREFIX = "kb_"
# Characters of the key kept in clear (with "kb_"): enough to tell a handful of keys apart, far too few to guess
# the rest (the key carries 256 random bits).
SHOWN_CHARS = 10
# last_used_at is written at most this often per key: a write on every request would contend with ingests for
# SQLite's write lock, and a minute is precise enough to tell a key in use from an abandoned one.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass
class KeyInfo(Result):
    """What is known about a key, never the key itself."""

    id: int
    name: str
    scope: str
    prefix: str
    created_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass
class StoredHash:
    """A candidate for a presented key: its id, scope, name and the stored hash to compare."""

    id: int
    name: str
    scope: str
    key_hash: str
    last_used_at: datetime | None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(
        id=row.id,
        name=row.name,
        scope=row.scope,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def create_key(store: Store, name: str, scope: str) -> tuple[KeyInfo, str]:
    """Store a new key's hash; returns its record and the key (the only time the key exists in clear)."""
    key = new_key()
    row = ApiKey(
        name=name,
        scope=scope,
        key_hash=hash_key(key),
        prefix=key[:SHOWN_CHARS],
        created_at=datetime.now(),
    )
    with store.session() as session:
        session.add(row)
        session.flush()
        info = _info(row)
    return info, key


def list_keys(store: Store, include_revoked: bool = True) -> list[KeyInfo]:
    query = select(ApiKey).order_by(ApiKey.id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    with store.session() as session:
        return [_info(row) for row in session.scalars(query)]


def get_key(store: Store, key_id: int) -> KeyInfo:
    with store.session() as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            raise NotFoundError(f"key id {key_id} does not exist (see `koubei serve keys list`)")
        return _info(row)


def revoke_key(store: Store, key_id: int) -> KeyInfo:
    """Mark a key revoked (kept for the record); revoking a revoked key changes nothing."""
    with store.session() as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            raise NotFoundError(f"key id {key_id} does not exist (see `koubei serve keys list`)")
        if row.revoked_at is None:
            row.revoked_at = datetime.now()
        return _info(row)


def active_candidates(store: Store, prefix: str) -> list[StoredHash]:
    """The unrevoked keys whose shown prefix is `prefix` (usually one)."""
    query = select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
    with store.session() as session:
        return [
            StoredHash(row.id, row.name, row.scope, row.key_hash, row.last_used_at)
            for row in session.scalars(query)
        ]


def active_key(store: Store, key_id: int) -> StoredHash | None:
    """The key `key_id` if it exists and is not revoked (a dashboard session is re-checked with this)."""
    with store.session() as session:
        row = session.get(ApiKey, key_id)
        if row is None or row.revoked_at is not None:
            return None
        return StoredHash(row.id, row.name, row.scope, row.key_hash, row.last_used_at)


def touch_key(store: Store, key_id: int, last_used_at: datetime | None) -> None:
    """Record that a key was used, at most once per TOUCH_EVERY."""
    now = datetime.now()
    if last_used_at is not None and now - last_used_at < TOUCH_EVERY:
        return
    with store.session() as session:
        session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
