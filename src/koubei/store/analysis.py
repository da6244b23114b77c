"""Store queries for voice-of-the-customer analysis: training reviews, sentiment scores, aspect mentions, aggregates.

Reads are keyset-paginated by review_id so batch scoring of a large table needs little memory and can resume:
a review that already has a score from the same model is skipped unless rescoring is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import delete, func, select

from koubei.store.db import Store, dialect_insert
from koubei.store.models import Aggregate, AspectMention, Product, Review, SentimentScore

_BATCH = 500  # rows per INSERT (far below PostgreSQL's bind-parameter limit)


# A review's category: its own, else its product's (queries that use it outer-join Product on product_id).
_REVIEW_CATEGORY = func.coalesce(Review.category, Product.category)


def read_training_reviews(
    store: Store, source: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Reviews that carry a label or a rating: review_id, text (PII-masked), label, rating, category (the review's
    own, else its product's), source."""
    query = (
        select(
            Review.review_id,
            Review.masked_text,
            Review.label,
            Review.rating,
            _REVIEW_CATEGORY,
            Review.source,
        )
        .outerjoin(Product, Product.product_id == Review.product_id)
        .where((Review.label.is_not(None)) | (Review.rating.is_not(None)))
        .order_by(Review.review_id)
    )
    if source:
        query = query.where(Review.source == source)
    if limit:
        query = query.limit(limit)
    keys = ("review_id", "text", "label", "rating", "category", "source")
    with store.session() as s:
        return [dict(zip(keys, row, strict=True)) for row in s.execute(query)]


def count_reviews(store: Store, model: str | None = None, unscored_only: bool = False) -> int:
    """Reviews in the store (those without a score from `model` when `unscored_only`)."""
    query = select(func.count()).select_from(Review)
    if unscored_only and model:
        scored = select(SentimentScore.review_id).where(SentimentScore.model == model)
        query = query.where(Review.review_id.not_in(scored))
    with store.session() as s:
        return int(s.scalar(query) or 0)


def iter_review_batches(
    store: Store, batch_size: int, model: str | None = None, unscored_only: bool = False
) -> Iterator[list[dict[str, Any]]]:
    """Batches of {review_id, text, label, rating, category} in review_id order; with `unscored_only`, only reviews
    that have no score from `model` yet (this is what makes scoring resumable). `category` is the review's own,
    else its product's."""
    last: str | None = None
    while True:
        query = (
            select(Review.review_id, Review.masked_text, Review.label, Review.rating, _REVIEW_CATEGORY)
            .outerjoin(Product, Product.product_id == Review.product_id)
            .order_by(Review.review_id)
        )
        if last is not None:
            query = query.where(Review.review_id > last)
        if unscored_only and model:
            scored = select(SentimentScore.review_id).where(SentimentScore.model == model)
            query = query.where(Review.review_id.not_in(scored))
        with store.session() as s:
            rows = s.execute(query.limit(batch_size)).all()
        if not rows:
            return
        yield [
            {"review_id": r, "text": t, "label": lab, "rating": rt, "category": c}
            for r, t, lab, rt, c in rows
        ]
        last = rows[-1][0]


def write_sentiment_scores(store: Store, model: str, rows: Sequence[dict[str, Any]]) -> int:
    """Upsert scores: rows of {review_id, label, score, rating_pred, details}; returns rows written."""
    if not rows:
        return 0
    with store.session() as s:
        insert = dialect_insert(s)
        for begin in range(0, len(rows), _BATCH):
            values = [
                {
                    "review_id": r["review_id"],
                    "model": model,
                    "label": r["label"],
                    "score": r.get("score"),
                    "rating_pred": r.get("rating_pred"),
                    "details": r.get("details") or {},
                }
                for r in rows[begin : begin + _BATCH]
            ]
            stmt = insert(SentimentScore).values(values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["review_id", "model"],
                set_={k: stmt.excluded[k] for k in ("label", "score", "rating_pred", "details", "scored_at")},
            )
            s.execute(stmt)
    return len(rows)


def read_sentiment_scores(store: Store, model: str | None = None) -> list[dict[str, Any]]:
    query = select(
        SentimentScore.review_id,
        SentimentScore.model,
        SentimentScore.label,
        SentimentScore.score,
        SentimentScore.rating_pred,
        SentimentScore.details,
    ).order_by(SentimentScore.review_id)
    if model:
        query = query.where(SentimentScore.model == model)
    keys = ("review_id", "model", "label", "score", "rating_pred", "details")
    with store.session() as s:
        return [dict(zip(keys, row, strict=True)) for row in s.execute(query)]


def replace_aspect_mentions(store: Store, model: str, mentions: dict[str, list[dict[str, Any]]]) -> int:
    """For each review in `mentions`, replace its mentions by `model` with the given ones (idempotent re-runs)."""
    ids = list(mentions)
    rows = [
        {
            "review_id": rid,
            "model": model,
            "aspect": m["aspect"],
            "sentiment": m["sentiment"],
            "score": m.get("score"),
            "span_start": m.get("start"),
            "span_end": m.get("end"),
            "evidence": m.get("clause") or m.get("term"),
        }
        for rid in ids
        for m in mentions[rid]
    ]
    with store.session() as s:
        for begin in range(0, len(ids), _BATCH):
            chunk = ids[begin : begin + _BATCH]
            s.execute(
                delete(AspectMention).where(AspectMention.model == model, AspectMention.review_id.in_(chunk))
            )
        for begin in range(0, len(rows), _BATCH):
            s.execute(dialect_insert(s)(AspectMention).values(rows[begin : begin + _BATCH]))
    return len(rows)


def read_aspect_mentions(
    store: Store, model: str | None = None, review_ids: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    query = select(
        AspectMention.review_id,
        AspectMention.model,
        AspectMention.aspect,
        AspectMention.sentiment,
        AspectMention.score,
        AspectMention.span_start,
        AspectMention.span_end,
        AspectMention.evidence,
    ).order_by(AspectMention.review_id, AspectMention.id)
    if model:
        query = query.where(AspectMention.model == model)
    if review_ids is not None:
        query = query.where(AspectMention.review_id.in_(list(review_ids)))
    keys = ("review_id", "model", "aspect", "sentiment", "score", "start", "end", "evidence")
    with store.session() as s:
        return [dict(zip(keys, row, strict=True)) for row in s.execute(query)]


def read_aggregate_inputs(
    store: Store, sentiment_model: str | None, aspect_model: str | None
) -> list[dict[str, Any]]:
    """One record per review for `koubei.analysis.aggregate`: ids, product category/brand, week, label, aspects.

    The label is the model's score for the review when `sentiment_model` scored it, else the review's own label.
    """
    with store.session() as s:
        brand: dict[str, tuple[str | None, str | None]] = {
            pid: (b, c)
            for pid, b, c in s.execute(select(Product.product_id, Product.brand, Product.category))
        }
        predicted: dict[str, str] = {}
        if sentiment_model:
            for rid, model_label in s.execute(
                select(SentimentScore.review_id, SentimentScore.label).where(
                    SentimentScore.model == sentiment_model
                )
            ):
                predicted[rid] = model_label
        aspects: dict[str, dict[str, list[str]]] = {}
        if aspect_model:
            for rid, aspect, sentiment in s.execute(
                select(AspectMention.review_id, AspectMention.aspect, AspectMention.sentiment).where(
                    AspectMention.model == aspect_model
                )
            ):
                aspects.setdefault(rid, {}).setdefault(aspect, []).append(sentiment)
        records = []
        for rid, pid, category, created, label in s.execute(
            select(Review.review_id, Review.product_id, Review.category, Review.created_at, Review.label)
        ):
            product_brand, product_category = brand.get(pid, (None, None)) if pid else (None, None)
            per_aspect = {}
            for aspect, votes in aspects.get(rid, {}).items():
                pos, neg = votes.count("positive"), votes.count("negative")
                per_aspect[aspect] = "positive" if pos > neg else "negative" if neg > pos else "neutral"
            records.append(
                {
                    "review_id": rid,
                    "product_id": pid,
                    "category": category or product_category,
                    "brand": product_brand,
                    "created_at": created,
                    "label": predicted.get(rid, label),
                    "aspects": per_aspect,
                }
            )
        return records


def replace_aggregates(store: Store, kind: str, rows: Sequence[dict[str, Any]]) -> int:
    """Replace every aggregate of `kind` with `rows` ({group_by, group_key, period, metrics}) in one transaction."""
    with store.session() as s:
        s.execute(delete(Aggregate).where(Aggregate.kind == kind))
        for begin in range(0, len(rows), _BATCH):
            s.execute(
                dialect_insert(s)(Aggregate).values(
                    [
                        {
                            "kind": kind,
                            "group_by": r["group_by"],
                            "group_key": r["group_key"][:128],
                            "period": r["period"],
                            "metrics": r["metrics"],
                        }
                        for r in rows[begin : begin + _BATCH]
                    ]
                )
            )
    return len(rows)


def read_aggregates(
    store: Store,
    kind: str = "sentiment",
    group_by: str | None = None,
    group_key: str | None = None,
    period: str | None = None,
) -> list[dict[str, Any]]:
    query = select(Aggregate.group_by, Aggregate.group_key, Aggregate.period, Aggregate.metrics).where(
        Aggregate.kind == kind
    )
    if group_by:
        query = query.where(Aggregate.group_by == group_by)
    if group_key:
        query = query.where(Aggregate.group_key == group_key)
    if period:
        query = query.where(Aggregate.period == period)
    query = query.order_by(Aggregate.group_by, Aggregate.group_key, Aggregate.period)
    with store.session() as s:
        return [{"group_by": g, "group_key": k, "period": p, **(m or {})} for g, k, p, m in s.execute(query)]


def latest_sentiment_model(store: Store) -> str | None:
    """Name of the model that most recently wrote sentiment scores (None when nothing was scored)."""
    with store.session() as s:
        row = s.execute(
            select(SentimentScore.model)
            .order_by(SentimentScore.scored_at.desc(), SentimentScore.model)
            .limit(1)
        ).first()
        return None if row is None else str(row[0])
