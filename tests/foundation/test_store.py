from __future__ import annotations

from sqlalchemy import inspect

from koubei.store import Store
from koubei.store.migrate import current_revision


def test_migrations_create_every_table_on_both_databases(store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "products", "users", "reviews", "orders", "follows", "shares", "faq", "sentiment_scores",
        "aspect_mentions", "aggregates", "generated_content", "conversations", "conversation_turns",
        "artifacts", "ingest_runs",
    } <= tables
    assert current_revision(store.engine) is not None


def test_reopening_a_current_store_does_not_migrate_again(db_url: str) -> None:
    first = Store.open(db_url)
    revision = current_revision(first.engine)
    first.close()
    second = Store.open(db_url)
    assert current_revision(second.engine) == revision
    second.close()


def test_session_rolls_back_on_error(store) -> None:
    from koubei.store.models import User

    try:
        with store.session() as session:
            session.add(User(user_id="u1", attributes={}, content_hash="x"))
            session.flush()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with store.session() as session:
        assert session.get(User, "u1") is None


def test_plain_postgres_url_is_accepted() -> None:
    from koubei.store.db import _normalize_url

    assert _normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert _normalize_url("sqlite:///x.db") == "sqlite:///x.db"
