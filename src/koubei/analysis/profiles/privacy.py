"""Pseudonymous user ids for exports: a keyed hash (HMAC-SHA256) of the store's id.

The same key gives the same pseudonym, so exports made at different times join on it; without the key nobody can
go back from a pseudonym to the user, nor test a guessed id (a plain hash could be reversed by hashing every known
id). The key lives in KOUBEI_HOME/pseudonym_key (created once, 0600) unless `KOUBEI_PSEUDONYM_KEY` gives one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "pseudonym_key"


def pseudonym(user_id: str, key: bytes) -> str:
    return "u_" + hmac.new(key, str(user_id).encode("utf-8"), hashlib.sha256).hexdigest()[:20]


def pseudonym_key(home: Path) -> bytes:
    """The export key: KOUBEI_PSEUDONYM_KEY when set, else the one kept under `home` (made on first use)."""
    given = os.environ.get("KOUBEI_PSEUDONYM_KEY", "").strip()
    if given:
        return given.encode("utf-8")
    path = Path(home) / KEY_FILE
    if path.is_file():
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex())
    return key
