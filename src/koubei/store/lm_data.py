"""Store queries for the language-model stack (`koubei.lm`): the masked texts it trains on.

Only PII-masked text (`Review.masked_text`) is ever read for training, never the original `text`. Rows are read in
primary-key order with a server-side batch size, so the order (and thus a seeded training run) is reproducible and
memory stays flat on large stores.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select

from koubei.store.db import Store
from koubei.store.models import Product, Review


def count_review_texts(store: Store, source: str | None = None) -> int:
    """How many reviews have a non-empty masked text (optionally of one `source`)."""
    query = select(func.count()).select_from(Review).where(Review.masked_text != "")
    if source:
        query = query.where(Review.source == source)
    with store.session() as s:
        return int(s.scalar(query) or 0)


def iter_review_texts(
    store: Store, *, batch_size: int = 2000, source: str | None = None, limit: int | None = None
) -> Iterator[str]:
    """Yield review `masked_text`s in review_id order, reading `batch_size` rows at a time."""
    query = select(Review.masked_text).where(Review.masked_text != "").order_by(Review.review_id)
    if source:
        query = query.where(Review.source == source)
    if limit is not None:
        query = query.limit(limit)
    with store.session() as s:
        for text in s.scalars(query.execution_options(yield_per=batch_size)):
            if text:
                yield text


def iter_product_texts(store: Store, *, batch_size: int = 2000) -> Iterator[str]:
    """Yield product titles (catalog text, no personal data) in product_id order."""
    query = select(Product.title).where(Product.title.is_not(None)).order_by(Product.product_id)
    with store.session() as s:
        for title in s.scalars(query.execution_options(yield_per=batch_size)):
            if title:
                yield title


def read_training_texts(
    store: Store, *, include_products: bool = True, limit: int | None = None
) -> list[str]:
    """All masked review texts (then product titles) as one list: the default `koubei lm train --data store`."""
    texts = list(iter_review_texts(store, limit=limit))
    if include_products:
        texts.extend(iter_product_texts(store))
    return texts
