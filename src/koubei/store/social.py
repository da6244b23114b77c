"""Store queries for word of mouth (`koubei.social`): follows, shares, users, and labelled reviews.

Read in one pass with plain column selects (no ORM objects) so a few hundred thousand rows load in seconds.
A review's sentiment is its own `label` when it has one, else the label a sentiment model stored in
`sentiment_scores` (the most recently scored model wins; `unscorable` counts as unknown).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from koubei.store.db import Store
from koubei.store.models import Follow, Product, Review, SentimentScore, Share, User


def social_counts(store: Store) -> dict[str, int]:
    """How many follows and shares the store holds (to decide whether a real graph is available)."""
    with store.session() as s:
        return {
            "follows": int(s.scalar(select(func.count()).select_from(Follow)) or 0),
            "shares": int(s.scalar(select(func.count()).select_from(Share)) or 0),
        }


def read_follows(store: Store) -> list[dict[str, Any]]:
    with store.session() as s:
        return [
            {"src": a, "dst": b, "weight": w}
            for a, b, w in s.execute(select(Follow.src, Follow.dst, Follow.weight))
        ]


def read_shares(store: Store, item_ids: list[str] | None = None) -> list[dict[str, Any]]:
    query = select(
        Share.share_id, Share.from_user, Share.to_user, Share.item_id, Share.parent_share_id, Share.created_at
    )
    if item_ids:
        query = query.where(Share.item_id.in_(item_ids))
    keys = ("share_id", "from_user", "to_user", "item_id", "parent_share_id", "created_at")
    with store.session() as s:
        return [dict(zip(keys, row, strict=False)) for row in s.execute(query)]


def read_users(store: Store) -> list[dict[str, Any]]:
    with store.session() as s:
        return [
            {"user_id": u, "attributes": a or {}} for u, a in s.execute(select(User.user_id, User.attributes))
        ]


def read_brands(store: Store) -> dict[str, str]:
    """product_id -> brand (products without a brand map to their category, else are left out)."""
    with store.session() as s:
        rows = s.execute(select(Product.product_id, Product.brand, Product.category))
        return {pid: str(brand or category) for pid, brand, category in rows if (brand or category)}


def read_labelled_reviews(store: Store) -> list[dict[str, Any]]:
    """Reviews with product, author, time and sentiment label (own label, else the latest model label)."""
    with store.session() as s:
        model_label: dict[str, str] = {}
        scores = s.execute(
            select(SentimentScore.review_id, SentimentScore.label).order_by(SentimentScore.scored_at)
        )
        for review_id, label in scores:
            if label and label != "unscorable":
                model_label[review_id] = label  # later rows overwrite: latest model wins
        rows = s.execute(
            select(Review.review_id, Review.product_id, Review.user_id, Review.created_at, Review.label)
        )
        return [
            {
                "review_id": rid,
                "product_id": pid,
                "user_id": uid,
                "created_at": when,
                "label": label if label else model_label.get(rid),
            }
            for rid, pid, uid, when, label in rows
        ]
