"""Store queries of the dashboard's overview: weekly review volume, sentiment, word-of-mouth reach, aspect counts.

The overview must render in well under a second on a store of 100k reviews, so every figure here is a GROUP BY
the database computes (on the indexed `created_at`, `product_id` and `sentiment_scores` primary key); no query
returns a row per review. Weeks are ISO weeks, named by their Monday (`date(x, 'weekday 0', '-6 days')` on
SQLite, `date_trunc('week', x)` on PostgreSQL), and turned into `2026-W47` names by the pipeline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, union_all

from koubei.store.db import Store
from koubei.store.models import AspectMention, IngestRun, Product, Review, SentimentScore, Share


def _week_start(column: Any, dialect: str) -> ColumnElement[Any]:
    """The Monday of the ISO week of `column`, as a date (PostgreSQL) or an ISO date string (SQLite)."""
    if dialect == "postgresql":
        return func.date(func.date_trunc("week", column))
    return func.date(column, "weekday 0", "-6 days")


def _review_label(model: str | None) -> tuple[Any, Any]:
    """A review's label (its own, else `model`'s score) and the outer join that brings the score in."""
    if model is None:
        return Review.label, None
    join = and_(SentimentScore.review_id == Review.review_id, SentimentScore.model == model)
    return func.coalesce(Review.label, SentimentScore.label), join


def weekly_review_labels(store: Store, model: str | None) -> list[tuple[str, str | None, int]]:
    """(week start, label, reviews) for every week and label present; reviews without a time are left out."""
    week = _week_start(Review.created_at, store.dialect)
    label, join = _review_label(model)
    query = select(week, label, func.count()).select_from(Review)
    if join is not None:
        query = query.outerjoin(SentimentScore, join)
    query = query.where(Review.created_at.is_not(None)).group_by(week, label)
    with store.session() as s:
        return [(str(w), lab, int(n)) for w, lab, n in s.execute(query)]


def weekly_share_labels(store: Store, model: str | None) -> list[tuple[str, str | None, int]]:
    """(week start, label of the shared review, shares) for shares of stored reviews and of stored products (those
    carry no label): the shares the word-of-mouth index counts (`koubei.social.wom_index.build_events`)."""
    week = _week_start(Share.created_at, store.dialect)
    label, join = _review_label(model)
    of_reviews = (
        select(week, label, func.count()).select_from(Share).join(Review, Review.review_id == Share.item_id)
    )
    if join is not None:
        of_reviews = of_reviews.outerjoin(SentimentScore, join)
    of_reviews = of_reviews.where(Share.created_at.is_not(None)).group_by(week, label)
    of_products = (
        select(week, func.count())
        .select_from(Share)
        .join(Product, Product.product_id == Share.item_id)
        .where(Share.created_at.is_not(None))
        .group_by(week)
    )
    with store.session() as s:
        rows = [(str(w), lab, int(n)) for w, lab, n in s.execute(of_reviews)]
        rows += [(str(w), None, int(n)) for w, n in s.execute(of_products)]
    return rows


def weekly_reach(store: Store) -> dict[str, int]:
    """Week start -> distinct users involved in word of mouth that week: review authors, sharers and recipients
    (of shares of stored reviews or products)."""
    dialect = store.dialect
    r_week = _week_start(Review.created_at, dialect)
    s_week = _week_start(Share.created_at, dialect)
    known = Share.item_id.in_(select(Review.review_id)) | Share.item_id.in_(select(Product.product_id))
    parts = [
        select(r_week.label("week"), Review.user_id.label("user")).where(
            Review.created_at.is_not(None), Review.user_id.is_not(None)
        ),
        select(s_week.label("week"), Share.from_user.label("user")).where(
            Share.created_at.is_not(None), Share.from_user.is_not(None), known
        ),
        select(s_week.label("week"), Share.to_user.label("user")).where(
            Share.created_at.is_not(None), Share.to_user.is_not(None), known
        ),
    ]
    events = union_all(*parts).subquery()
    query = select(events.c.week, func.count(func.distinct(events.c.user))).group_by(events.c.week)
    with store.session() as s:
        return {str(w): int(n) for w, n in s.execute(query)}


def store_totals(store: Store) -> dict[str, Any]:
    """Reviews, products, shares, and the first and last review times."""
    with store.session() as s:
        reviews, first, last = s.execute(
            select(func.count(), func.min(Review.created_at), func.max(Review.created_at)).select_from(Review)
        ).one()
        products = s.scalar(select(func.count()).select_from(Product)) or 0
        shares = s.scalar(select(func.count()).select_from(Share)) or 0
    return {
        "reviews": int(reviews or 0),
        "products": int(products),
        "shares": int(shares),
        "first_review_at": first,
        "last_review_at": last,
    }


def busiest_aspect_model(store: Store) -> str | None:
    """The aspect model with the most stored mentions (the one the dashboard shows), None when there are none."""
    query = (
        select(AspectMention.model, func.count().label("n"))
        .group_by(AspectMention.model)
        .order_by(func.count().desc(), AspectMention.model)
        .limit(1)
    )
    with store.session() as s:
        row = s.execute(query).first()
    return None if row is None else str(row[0])


def aspect_sentiment_counts(
    store: Store, model: str, product_id: str | None = None, since: datetime | None = None
) -> list[tuple[str, str, int]]:
    """(aspect, sentiment, mentions) by `model`, for one product or the whole store, optionally since a time."""
    query = select(AspectMention.aspect, AspectMention.sentiment, func.count()).where(
        AspectMention.model == model
    )
    if product_id is not None or since is not None:
        query = query.join(Review, Review.review_id == AspectMention.review_id)
        if product_id is not None:
            query = query.where(Review.product_id == product_id)
        if since is not None:
            query = query.where(Review.created_at >= since)
    query = query.group_by(AspectMention.aspect, AspectMention.sentiment)
    with store.session() as s:
        return [(str(a), str(sent), int(n)) for a, sent, n in s.execute(query)]


def labelled_reviews_since(store: Store, since: datetime, model: str | None) -> list[dict[str, Any]]:
    """Reviews written at or after `since`, with product, author, time and label (own, else `model`'s): the
    records `koubei.social.wom_index.build_events` reads, for the recent window the open alerts look at."""
    label, join = _review_label(model)
    query = select(Review.review_id, Review.product_id, Review.user_id, Review.created_at, label).select_from(
        Review
    )
    if join is not None:
        query = query.outerjoin(SentimentScore, join)
    query = query.where(Review.created_at >= since)
    keys = ("review_id", "product_id", "user_id", "created_at", "label")
    with store.session() as s:
        return [dict(zip(keys, row, strict=True)) for row in s.execute(query)]


def shares_since(store: Store, since: datetime) -> list[dict[str, Any]]:
    query = select(Share.share_id, Share.from_user, Share.to_user, Share.item_id, Share.created_at).where(
        Share.created_at >= since
    )
    keys = ("share_id", "from_user", "to_user", "item_id", "created_at")
    with store.session() as s:
        return [dict(zip(keys, row, strict=True)) for row in s.execute(query)]


def product_brands(store: Store, product_ids: list[str]) -> dict[str, str]:
    """product_id -> brand (else category), for the given products only (`koubei.store.social.read_brands`'
    rule, without reading the whole catalog)."""
    if not product_ids:
        return {}
    out: dict[str, str] = {}
    with store.session() as s:
        for begin in range(0, len(product_ids), 500):
            chunk = product_ids[begin : begin + 500]
            rows = s.execute(
                select(Product.product_id, Product.brand, Product.category).where(
                    Product.product_id.in_(chunk)
                )
            )
            out.update({pid: str(b or c) for pid, b, c in rows if (b or c)})
    return out


def product_titles(store: Store, product_ids: list[str]) -> dict[str, str]:
    if not product_ids:
        return {}
    with store.session() as s:
        rows = s.execute(select(Product.product_id, Product.title).where(Product.product_id.in_(product_ids)))
        return {pid: title for pid, title in rows if title}


def store_fingerprint(store: Store) -> dict[str, int]:
    """Cheap signals that the overview's inputs changed: row counts (on primary-key indexes) and the newest ingest
    run and aspect mention ids. Equal fingerprints mean the cached overview still holds; a rescore that leaves the
    counts alike is not seen (the page's refresh button recomputes)."""
    with store.session() as s:
        row = s.execute(
            select(
                select(func.count()).select_from(Review).scalar_subquery(),
                select(func.count()).select_from(Product).scalar_subquery(),
                select(func.count()).select_from(Share).scalar_subquery(),
                select(func.count()).select_from(SentimentScore).scalar_subquery(),
                select(func.count()).select_from(AspectMention).scalar_subquery(),
                select(func.max(AspectMention.id)).scalar_subquery(),
                select(func.max(IngestRun.id)).scalar_subquery(),
            )
        ).one()
    keys = ("reviews", "products", "shares", "scores", "mentions", "last_mention", "last_ingest")
    return {k: int(v or 0) for k, v in zip(keys, row, strict=True)}


def artifact_rows(store: Store) -> list[dict[str, Any]]:
    """The registered artifacts (indexes, reports): name, kind, config, metrics, created_at."""
    from koubei.store.models import Artifact

    query = select(Artifact.name, Artifact.kind, Artifact.config, Artifact.metrics, Artifact.created_at)
    keys = ("name", "kind", "config", "metrics", "created_at")
    with store.session() as s:
        return [dict(zip(keys, row, strict=True)) for row in s.execute(query.order_by(Artifact.name))]
