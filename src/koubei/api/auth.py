"""Checking an API key: the one place a presented key is compared with the stored hashes.

Keys are `kb_` + 43 URL-safe characters; the store keeps their sha256 and their first characters. A presented
key is looked up by those first characters and its hash compared with `hmac.compare_digest`, so the comparison
takes the same time however much of the key is right. Used by the API's dependencies and the dashboard's login.
"""

from __future__ import annotations

import contextlib
import hmac
from dataclasses import dataclass

from koubei.errors import StoreError
from koubei.store import Store, api_keys
from koubei.store.api_keys import KEY_PREFIX, SHOWN_CHARS, StoredHash

# No real key is longer than this; longer input is refused before it is hashed.
MAX_KEY_CHARS = 128


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, name and scope ("read" or "admin")."""

    key_id: int
    name: str
    scope: str

    @property
    def is_admin(self) -> bool:
        return self.scope == "admin"


def _principal(store: Store, row: StoredHash) -> Principal:
    # last_used_at is bookkeeping: a busy store must not refuse a valid key.
    with contextlib.suppress(StoreError):
        api_keys.touch_key(store, row.id, row.last_used_at)
    return Principal(key_id=row.id, name=row.name, scope=row.scope)


def verify_key(store: Store, key: str) -> Principal | None:
    """The principal of `key`, or None when it is unknown, malformed or revoked."""
    if not key.startswith(KEY_PREFIX) or len(key) > MAX_KEY_CHARS or len(key) <= SHOWN_CHARS:
        return None
    presented = api_keys.hash_key(key)
    match = None
    for row in api_keys.active_candidates(store, key[:SHOWN_CHARS]):
        if hmac.compare_digest(row.key_hash, presented):
            match = row
    return _principal(store, match) if match is not None else None


def principal_of_key_id(store: Store, key_id: int) -> Principal | None:
    """The principal of a dashboard session's key, or None when the key has been revoked since the login."""
    row = api_keys.active_key(store, key_id)
    return _principal(store, row) if row is not None else None
