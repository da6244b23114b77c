"""The store: the only part of koubei that talks to the database (SQLite by default, PostgreSQL by URL)."""

from koubei.store.db import Store

__all__ = ["Store"]
