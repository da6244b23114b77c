"""Store queries of the review explorer (API and dashboard): filtered, newest first, keyset-paginated.

Only the PII-masked text is ever read here, searched (`q`) or returned: searching the original text would tell
whoever searches for a phone number which review holds it. A review's label is its own when it has one, else the
chosen sentiment model's (the dashboard's convention, so counts agree); the model's own score comes along.

Order: newest first, reviews without a time last, ties by review_id descending. The cursor is the last row's
(time, review_id), so a page is one indexed range read however deep the listing goes, and rows ingested while a
client pages never shift what it sees.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Select, and_, func, literal, or_, select

from koubei.store.db import Store
from koubei.store.models import AspectMention, Product, Review, SentimentScore

# Stands in for a missing created_at in the sort key (before any real review), so keyset comparisons stay simple.
NO_TIME = datetime(1900, 1, 1)


@dataclass(frozen=True)
class ReviewFilter:
    product_id: str | None = None
    category: str | None = None  # the review's own, else its product's
    brand: str | None = None  # the product's
    label: str | None = None  # positive | negative | neutral: the review's own, else the model's
    q: str | None = None  # a substring of the masked text
    since: datetime | None = None  # created_at >= since
    until: datetime | None = None  # created_at < until


review_category = func.coalesce(Review.category, Product.category)
sort_key_time = func.coalesce(Review.created_at, literal(NO_TIME, DateTime()))


def _query(columns: Sequence[Any], filters: ReviewFilter, model: str | None) -> Select[Any]:
    label: Any = Review.label
    query = select(*columns).select_from(Review).outerjoin(Product, Product.product_id == Review.product_id)
    if model is not None:
        query = query.outerjoin(
            SentimentScore, and_(SentimentScore.review_id == Review.review_id, SentimentScore.model == model)
        )
        label = func.coalesce(Review.label, SentimentScore.label)
    if filters.product_id is not None:
        query = query.where(Review.product_id == filters.product_id)
    if filters.category is not None:
        query = query.where(review_category == filters.category)
    if filters.brand is not None:
        query = query.where(Product.brand == filters.brand)
    if filters.label is not None:
        query = query.where(label == filters.label)
    if filters.q:
        query = query.where(Review.masked_text.contains(filters.q, autoescape=True))
    if filters.since is not None:
        query = query.where(Review.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(Review.created_at < filters.until)
    return query


def _columns(model: str | None) -> list[Any]:
    columns: list[Any] = [
        Review.review_id,
        Review.product_id,
        Product.title,
        review_category,
        Product.brand,
        Review.rating,
        Review.label,
        Review.masked_text,
        Review.created_at,
        Review.source,
    ]
    if model is not None:
        columns += [SentimentScore.label, SentimentScore.score]
    return columns


def _row(values: Sequence[Any], model: str | None) -> dict[str, Any]:
    rid, pid, title, category, brand, rating, label, text, created, source = values[:10]
    sentiment = None
    if model is not None and values[10] is not None:
        sentiment = {"label": values[10], "score": values[11], "model": model}
    return {
        "review_id": rid,
        "product_id": pid,
        "product_title": title,
        "category": category,
        "brand": brand,
        "rating": rating,
        "label": label if label is not None else (sentiment or {}).get("label"),
        "given_label": label,
        "text": text,
        "created_at": created,
        "source": source,
        "sentiment": sentiment,
    }


def review_page(
    store: Store,
    filters: ReviewFilter,
    model: str | None,
    limit: int,
    after: tuple[datetime | None, str] | None = None,
) -> list[dict[str, Any]]:
    """Up to `limit` reviews after the cursor `after` ((created_at, review_id) of the previous page's last row)."""
    query = _query(_columns(model), filters, model)
    if after is not None:
        time, rid = after
        sort_time = literal(time if time is not None else NO_TIME, DateTime())
        query = query.where(
            or_(sort_key_time < sort_time, and_(sort_key_time == sort_time, Review.review_id < rid))
        )
    query = query.order_by(sort_key_time.desc(), Review.review_id.desc()).limit(limit)
    with store.session() as s:
        return [_row(values, model) for values in s.execute(query)]


def count_matching(store: Store, filters: ReviewFilter, model: str | None) -> int:
    query = _query([func.count()], filters, model)
    with store.session() as s:
        return int(s.scalar(query) or 0)


def review_by_id(store: Store, review_id: str, model: str | None) -> dict[str, Any] | None:
    query = _query(_columns(model), ReviewFilter(), model).where(Review.review_id == review_id)
    with store.session() as s:
        values = s.execute(query).first()
    return None if values is None else _row(values, model)


def iter_reviews(
    store: Store, filters: ReviewFilter, model: str | None, batch: int = 1000
) -> Iterator[list[dict[str, Any]]]:
    """Every matching review, in listing order, a batch at a time (for exports)."""
    after: tuple[datetime | None, str] | None = None
    while True:
        rows = review_page(store, filters, model, batch, after)
        if not rows:
            return
        yield rows
        last = rows[-1]
        after = (last["created_at"], last["review_id"])


def aspects_of(store: Store, review_ids: Sequence[str], model: str | None) -> dict[str, list[dict[str, Any]]]:
    """{review_id: [{aspect, sentiment, score, evidence}]} from aspect model `model` (none: no aspects)."""
    if model is None or not review_ids:
        return {}
    query = (
        select(
            AspectMention.review_id,
            AspectMention.aspect,
            AspectMention.sentiment,
            AspectMention.score,
            AspectMention.evidence,
        )
        .where(AspectMention.model == model, AspectMention.review_id.in_(list(review_ids)))
        .order_by(AspectMention.review_id, AspectMention.id)
    )
    found: dict[str, list[dict[str, Any]]] = {}
    with store.session() as s:
        for rid, aspect, sentiment, score, evidence in s.execute(query):
            found.setdefault(rid, []).append(
                {"aspect": aspect, "sentiment": sentiment, "score": score, "evidence": evidence}
            )
    return found


def latest_aspect_model(store: Store) -> str | None:
    """The aspect model that wrote the newest mentions (None when there are none)."""
    with store.session() as s:
        row = s.execute(select(AspectMention.model).order_by(AspectMention.id.desc()).limit(1)).first()
    return None if row is None else str(row[0])
