"""Store queries of the catalog views: products, categories and brands with their review sentiment and trends.

Every figure is a GROUP BY in the database (no row per review comes back), so a product page or a category list
answers quickly on a store of 100k reviews. A review's label is its own, else the sentiment model's (as in the
dashboard); its category its own, else its product's; its brand its product's. Weeks are ISO weeks, named by their
Monday (`date(x, 'weekday 0', '-6 days')` on SQLite, `date_trunc('week', x)` on PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select, true

from koubei.store.db import Store
from koubei.store.models import AspectMention, Product, Review, SentimentScore

GROUPS = ("product", "category", "brand", "all")
review_category = func.coalesce(Review.category, Product.category)


def _key_column(group_by: str) -> Any:
    if group_by == "product":
        return Review.product_id
    if group_by == "category":
        return review_category
    if group_by == "brand":
        return Product.brand
    raise ValueError(f"group_by {group_by!r}")  # the pipeline checks the name; here it is an invariant


def _reviews(columns: list[Any], model: str | None) -> tuple[Select[Any], Any]:
    query = select(*columns).select_from(Review).outerjoin(Product, Product.product_id == Review.product_id)
    label: Any = Review.label
    if model is not None:
        query = query.outerjoin(
            SentimentScore, and_(SentimentScore.review_id == Review.review_id, SentimentScore.model == model)
        )
        label = func.coalesce(Review.label, SentimentScore.label)
    return query, label


def _where(group_by: str, key: str | None) -> ColumnElement[Any]:
    return true() if group_by == "all" else _key_column(group_by) == key


def _week_start(column: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return func.date(func.date_trunc("week", column))
    return func.date(column, "weekday 0", "-6 days")


def label_counts(store: Store, group_by: str, key: str | None, model: str | None) -> dict[str | None, int]:
    """{label (None: unlabelled): reviews} of one group."""
    query, label = _reviews([], model)
    query = query.add_columns(label, func.count()).where(_where(group_by, key)).group_by(label)
    with store.session() as s:
        return {lab: int(n) for lab, n in s.execute(query)}


def weekly_label_counts(
    store: Store, group_by: str, key: str | None, model: str | None
) -> list[tuple[str, str | None, int]]:
    """(week's Monday as YYYY-MM-DD, label, reviews) of one group; reviews without a time are left out."""
    week = _week_start(Review.created_at, store.dialect)
    query, label = _reviews([], model)
    query = (
        query.add_columns(week, label, func.count())
        .where(_where(group_by, key), Review.created_at.is_not(None))
        .group_by(week, label)
        .order_by(week)
    )
    with store.session() as s:
        return [(str(w), lab, int(n)) for w, lab, n in s.execute(query)]


def aspect_counts(store: Store, group_by: str, key: str | None, model: str) -> list[tuple[str, str, int]]:
    """(aspect, sentiment, mentions) of one group's reviews by aspect model `model`."""
    query = (
        select(AspectMention.aspect, AspectMention.sentiment, func.count())
        .select_from(AspectMention)
        .join(Review, Review.review_id == AspectMention.review_id)
        .outerjoin(Product, Product.product_id == Review.product_id)
        .where(AspectMention.model == model, _where(group_by, key))
        .group_by(AspectMention.aspect, AspectMention.sentiment)
    )
    with store.session() as s:
        return [(a, sent, int(n)) for a, sent, n in s.execute(query)]


def group_summaries(
    store: Store, group_by: str, model: str | None, limit: int, after: str | None = None
) -> list[dict[str, Any]]:
    """Categories or brands (those with reviews), in key order after `after`: reviews and labels of each."""
    key = _key_column(group_by)
    query, label = _reviews([], model)
    query = query.add_columns(
        key,
        func.count(),
        func.sum(case((label == "positive", 1), else_=0)),
        func.sum(case((label == "negative", 1), else_=0)),
        func.sum(case((label == "neutral", 1), else_=0)),
    ).where(key.is_not(None))
    if after is not None:
        query = query.where(key > after)
    query = query.group_by(key).order_by(key).limit(limit)
    with store.session() as s:
        return [
            {
                "key": k,
                "reviews": int(n),
                "positive": int(p or 0),
                "negative": int(ng or 0),
                "neutral": int(nt or 0),
            }
            for k, n, p, ng, nt in s.execute(query)
        ]


def product_rows(
    store: Store,
    model: str | None,
    limit: int,
    after: str | None = None,
    category: str | None = None,
    brand: str | None = None,
    q: str | None = None,
) -> list[dict[str, Any]]:
    """Products in id order after `after`, with their review count and labels (products without reviews too)."""
    label: Any = Review.label
    query = select(
        Product.product_id, Product.title, Product.category, Product.brand, Product.price, Product.attributes
    ).select_from(Product)
    join = Review.product_id == Product.product_id
    query = query.outerjoin(Review, join)
    if model is not None:
        query = query.outerjoin(
            SentimentScore, and_(SentimentScore.review_id == Review.review_id, SentimentScore.model == model)
        )
        label = func.coalesce(Review.label, SentimentScore.label)
    query = query.add_columns(
        func.count(Review.review_id),
        func.sum(case((label == "positive", 1), else_=0)),
        func.sum(case((label == "negative", 1), else_=0)),
    )
    if after is not None:
        query = query.where(Product.product_id > after)
    if category is not None:
        query = query.where(Product.category == category)
    if brand is not None:
        query = query.where(Product.brand == brand)
    if q:
        query = query.where(Product.title.contains(q, autoescape=True))
    query = query.group_by(Product.product_id).order_by(Product.product_id).limit(limit)
    with store.session() as s:
        return [
            {
                "product_id": pid,
                "title": title,
                "category": cat,
                "brand": br,
                "price": price,
                "attributes": attrs or {},
                "reviews": int(n),
                "positive": int(p or 0),
                "negative": int(ng or 0),
            }
            for pid, title, cat, br, price, attrs, n, p, ng in s.execute(query)
        ]


def product(store: Store, product_id: str) -> dict[str, Any] | None:
    with store.session() as s:
        row = s.get(Product, product_id)
        if row is None:
            return None
        return {
            "product_id": row.product_id,
            "title": row.title,
            "category": row.category,
            "brand": row.brand,
            "price": row.price,
            "attributes": row.attributes or {},
        }
