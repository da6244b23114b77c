"""Store queries for user profiles: what a profile is built from, and the profiles and segments themselves.

Inputs are read in one pass with plain column selects. A review's sentiment is its own `label`, else the label the
most recently scored sentiment model stored; its category is its own, else its product's. Profiles are upserted
by user id; the latest segmentation replaces the previous one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, update

from koubei.store.db import Store, dialect_insert
from koubei.store.models import (
    AspectMention,
    Order,
    Product,
    ProfileSegment,
    Review,
    SentimentScore,
    User,
    UserProfile,
)

_BATCH = 500


def read_profile_inputs(store: Store) -> dict[str, list[dict[str, Any]]]:
    """{"users", "reviews", "mentions", "orders"} rows for `UserActivity.from_rows` (review text is the masked one)."""
    with store.session() as s:
        users = [
            {"user_id": u, "attributes": a or {}} for u, a in s.execute(select(User.user_id, User.attributes))
        ]
        model_label: dict[str, str] = {}
        for scored_id, scored_label in s.execute(
            select(SentimentScore.review_id, SentimentScore.label).order_by(SentimentScore.scored_at)
        ):
            if scored_label and scored_label != "unscorable":
                model_label[scored_id] = scored_label  # later rows overwrite: the latest model wins
        query = (
            select(
                Review.review_id,
                Review.user_id,
                Review.product_id,
                func.coalesce(Review.category, Product.category),
                Review.masked_text,
                Review.rating,
                Review.label,
                Review.created_at,
                Review.content_hash,
            )
            .outerjoin(Product, Product.product_id == Review.product_id)
            .where(Review.user_id.is_not(None))
            .order_by(Review.review_id)
        )
        reviews = []
        author: dict[str, str | None] = {}
        for rid, uid, pid, cat, text, rating, label, when, digest in s.execute(query):
            author[rid] = uid
            reviews.append(
                {
                    "review_id": rid,
                    "user_id": uid,
                    "product_id": pid,
                    "category": cat,
                    "text": text,
                    "rating": rating,
                    "label": label or model_label.get(rid),
                    "created_at": when,
                    "content_hash": digest,
                }
            )
        mentions = [
            {
                "review_id": rid,
                "user_id": author[rid],
                "aspect": aspect,
                "sentiment": sentiment,
                "score": score,
            }
            for rid, aspect, sentiment, score in s.execute(
                select(
                    AspectMention.review_id,
                    AspectMention.aspect,
                    AspectMention.sentiment,
                    AspectMention.score,
                ).order_by(AspectMention.review_id, AspectMention.id)
            )
            if rid in author
        ]
        orders = [
            {
                "order_id": oid,
                "user_id": uid,
                "product_id": pid,
                "category": cat,
                "amount": amount,
                "created_at": when,
            }
            for oid, uid, pid, cat, amount, when in s.execute(
                select(
                    Order.order_id,
                    Order.user_id,
                    Order.product_id,
                    Product.category,
                    Order.amount,
                    Order.created_at,
                )
                .outerjoin(Product, Product.product_id == Order.product_id)
                .where(Order.user_id.is_not(None))
                .order_by(Order.order_id)
            )
        ]
    return {"users": users, "reviews": reviews, "mentions": mentions, "orders": orders}


def read_signatures(store: Store) -> dict[str, tuple[str, str]]:
    """user_id -> (model_version, signature) of every stored profile."""
    with store.session() as s:
        return {
            u: (v, sig)
            for u, v, sig in s.execute(
                select(UserProfile.user_id, UserProfile.model_version, UserProfile.signature)
            )
        }


def write_profiles(store: Store, rows: Sequence[dict[str, Any]]) -> int:
    """Upsert profiles: rows of {user_id, model_version, signature, status, features, embedding}."""
    if not rows:
        return 0
    columns = ("model_version", "signature", "status", "features", "embedding", "built_at")
    with store.session() as s:
        insert = dialect_insert(s)
        for begin in range(0, len(rows), _BATCH):
            stmt = insert(UserProfile).values(
                [
                    {
                        "user_id": r["user_id"],
                        "model_version": r["model_version"],
                        "signature": r["signature"],
                        "status": r["status"],
                        "features": r["features"],
                        "embedding": r["embedding"],
                        "built_at": func.current_timestamp(),
                    }
                    for r in rows[begin : begin + _BATCH]
                ]
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["user_id"], set_={c: stmt.excluded[c] for c in columns}
            )
            s.execute(stmt)
    return len(rows)


def delete_profiles_except(store: Store, keep: set[str]) -> int:
    """Remove profiles of users no longer in the store's data; returns how many."""
    with store.session() as s:
        stale = [u for (u,) in s.execute(select(UserProfile.user_id)) if u not in keep]
        for begin in range(0, len(stale), _BATCH):
            s.execute(delete(UserProfile).where(UserProfile.user_id.in_(stale[begin : begin + _BATCH])))
    return len(stale)


def profile_counts(store: Store) -> tuple[dict[str, int], dict[str, int]]:
    """(users per status, users per RFM class) of the stored profiles, counted by the database."""
    rfm = UserProfile.features["rfm"]["class"].as_string()
    with store.session() as s:
        status = {
            k: int(n)
            for k, n in s.execute(select(UserProfile.status, func.count()).group_by(UserProfile.status))
        }
        classes = {(k or "unknown"): int(n) for k, n in s.execute(select(rfm, func.count()).group_by(rfm))}
    return status, classes


def read_profiles(store: Store, user_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Stored profiles (all, or those of `user_ids`), in user id order."""
    query = select(
        UserProfile.user_id,
        UserProfile.model_version,
        UserProfile.status,
        UserProfile.segment,
        UserProfile.features,
        UserProfile.embedding,
        UserProfile.built_at,
    ).order_by(UserProfile.user_id)
    keys = ("user_id", "model_version", "status", "segment", "features", "embedding", "built_at")
    out: list[dict[str, Any]] = []
    with store.session() as s:
        if user_ids is None:
            return [dict(zip(keys, row, strict=True)) for row in s.execute(query)]
        ids = list(user_ids)
        for begin in range(0, len(ids), _BATCH):
            chunk = query.where(UserProfile.user_id.in_(ids[begin : begin + _BATCH]))
            out.extend(dict(zip(keys, row, strict=True)) for row in s.execute(chunk))
    return sorted(out, key=lambda r: r["user_id"])


def write_segments(
    store: Store, segmentation: str, segments: Sequence[dict[str, Any]], assignment: dict[str, int]
) -> None:
    """Replace the stored segmentation: segment rows {segment, name_en, name_zh, persona, size, details} and each
    user's segment (users not in `assignment` get none)."""
    with store.session() as s:
        s.execute(delete(ProfileSegment))
        if segments:
            s.execute(
                dialect_insert(s)(ProfileSegment).values(
                    [
                        {
                            "segment": int(seg["segment"]),
                            "segmentation": segmentation,
                            "name_en": seg["name_en"],
                            "name_zh": seg["name_zh"],
                            "persona": seg["persona"],
                            "size": int(seg["size"]),
                            "details": seg["details"],
                        }
                        for seg in segments
                    ]
                )
            )
        s.execute(update(UserProfile).values(segment=None))
        by_segment: dict[int, list[str]] = {}
        for user, seg in assignment.items():
            by_segment.setdefault(int(seg), []).append(user)
        for seg, users in by_segment.items():
            for begin in range(0, len(users), _BATCH):
                s.execute(
                    update(UserProfile)
                    .where(UserProfile.user_id.in_(users[begin : begin + _BATCH]))
                    .values(segment=seg)
                )


def read_segments(store: Store) -> list[dict[str, Any]]:
    keys = ("segment", "segmentation", "name_en", "name_zh", "persona", "size", "details", "created_at")
    with store.session() as s:
        rows = s.execute(
            select(
                ProfileSegment.segment,
                ProfileSegment.segmentation,
                ProfileSegment.name_en,
                ProfileSegment.name_zh,
                ProfileSegment.persona,
                ProfileSegment.size,
                ProfileSegment.details,
                ProfileSegment.created_at,
            ).order_by(ProfileSegment.segment)
        )
        return [dict(zip(keys, row, strict=True)) for row in rows]
