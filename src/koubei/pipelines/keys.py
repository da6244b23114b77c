"""API key management as use cases: `koubei serve keys ...` and the admin key routes both call these."""

from __future__ import annotations

from dataclasses import dataclass, field

from koubei.errors import BadInputError
from koubei.results import Result
from koubei.store import Store, api_keys
from koubei.store.api_keys import KeyInfo

SCOPES = ("read", "admin")
MAX_NAME_CHARS = 128


@dataclass
class CreatedKey(Result):
    """A new key: `key` is shown this once and never stored (only its sha256 is)."""

    key: str
    info: KeyInfo


@dataclass
class KeyList(Result):
    keys: list[KeyInfo] = field(default_factory=list)


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise BadInputError(f"scope={scope!r} is not valid; expected one of {', '.join(SCOPES)}")
    return scope


def check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise BadInputError("name: empty; expected a short label saying who or what uses the key")
    if len(cleaned) > MAX_NAME_CHARS:
        raise BadInputError(f"name: {len(cleaned)} characters; expected at most {MAX_NAME_CHARS}")
    if any(ord(ch) < 32 for ch in cleaned):
        raise BadInputError("name: contains control characters; expected plain text")
    return cleaned


def create_api_key(store: Store, name: str, scope: str) -> CreatedKey:
    """A new key of `scope` (read: read and score; admin: also write, train and manage keys)."""
    info, key = api_keys.create_key(store, check_name(name), check_scope(scope))
    return CreatedKey(key=key, info=info)


def list_api_keys(store: Store, include_revoked: bool = True) -> KeyList:
    return KeyList(api_keys.list_keys(store, include_revoked=include_revoked))


def revoke_api_key(store: Store, key_id: int) -> KeyInfo:
    """Revoke key `key_id`: requests with it (and dashboard sessions opened with it) are refused from now on."""
    return api_keys.revoke_key(store, key_id)
