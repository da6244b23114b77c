from __future__ import annotations

from sqlalchemy import inspect

from koubei.store import Store
from koubei.store.migrate import current_revision
from koubei.store.models import User
from tests.foundation.test_store_schema import KOUBEI_TABLES


def test_migrations_create_every_table_on_both_databases(store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert tables >= KOUBEI_TABLES
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


def test_one_dialect_insert_for_every_store_module(store) -> None:
    import koubei.store.analysis as analysis
    import koubei.store.entities as entities
    from koubei.store.db import dialect_insert

    with store.session() as session:
        statement = dialect_insert(session)(User)
        assert statement.__module__.endswith(f"dialects.{store.dialect}.dml")
    assert not hasattr(analysis, "_insert") and not hasattr(entities, "_insert")


def test_cli_commands_open_the_store_through_one_helper() -> None:
    import koubei.cli.sentiment as sentiment
    import koubei.cli.wom as wom
    from koubei.cli.common import open_store

    assert sentiment.open_store is open_store and wom.open_store is open_store
    assert not hasattr(sentiment, "_open_store") and not hasattr(wom, "_open_store")
