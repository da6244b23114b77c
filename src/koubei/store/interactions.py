"""Store queries for targeting and recommendations: who reviewed or bought what, the catalog, and opt-outs.

Read with plain column selects in one pass (no ORM objects). A review's sentiment label is its own `label`; the
rating is what `koubei.analysis.profiles.rating` learns from. Orders are interactions too (a purchase says as much
about interest as a review), without a rating or text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from koubei.store.db import Store
from koubei.store.models import Order, Product, Review, User

# User attributes that mean "do not approach this user for marketing" (a truthy value: true, 1, "yes", "y").
OPT_OUT_KEYS = ("opt_out", "opted_out", "marketing_opt_out", "do_not_contact")
_TRUE = {"1", "true", "yes", "y", "t", "on"}


def read_review_interactions(store: Store) -> list[dict[str, Any]]:
    """Reviews that name both a user and a product: ids, rating, label, category, time and the masked text."""
    query = select(
        Review.review_id,
        Review.user_id,
        Review.product_id,
        Review.rating,
        Review.label,
        Review.category,
        Review.created_at,
        Review.masked_text,
    ).where(Review.user_id.is_not(None), Review.product_id.is_not(None))
    keys = ("review_id", "user_id", "product_id", "rating", "label", "category", "created_at", "text")
    with store.session() as s:
        return [dict(zip(keys, row, strict=True)) for row in s.execute(query.order_by(Review.review_id))]


def read_order_interactions(store: Store) -> list[dict[str, Any]]:
    """Orders that name both a user and a product."""
    query = select(Order.order_id, Order.user_id, Order.product_id, Order.created_at).where(
        Order.user_id.is_not(None), Order.product_id.is_not(None)
    )
    keys = ("order_id", "user_id", "product_id", "created_at")
    with store.session() as s:
        return [dict(zip(keys, row, strict=True)) for row in s.execute(query.order_by(Order.order_id))]


def read_catalog(store: Store) -> list[dict[str, Any]]:
    """Catalog rows: product id, title and category."""
    with store.session() as s:
        rows = s.execute(
            select(Product.product_id, Product.title, Product.category).order_by(Product.product_id)
        )
        return [{"product_id": p, "title": t, "category": c} for p, t, c in rows]


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    return str(value).strip().lower() in _TRUE


def read_opted_out(store: Store) -> set[str]:
    """Users whose attributes say they opted out of marketing (any of `OPT_OUT_KEYS` truthy)."""
    with store.session() as s:
        rows = s.execute(select(User.user_id, User.attributes))
        return {
            user
            for user, attributes in rows
            if any(_truthy((attributes or {}).get(key)) for key in OPT_OUT_KEYS if key in (attributes or {}))
        }


def data_version(store: Store) -> dict[str, Any]:
    """What a model fitted on the interactions depends on: row counts and the newest ingest time of each table.

    A saved model whose version differs from the store's is refitted, so a new ingest is never ignored.
    """

    def stamp(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    with store.session() as s:
        out: dict[str, Any] = {}
        for name, model in (("reviews", Review), ("orders", Order), ("products", Product)):
            count, newest = s.execute(
                select(func.count(), func.max(model.ingested_at)).select_from(model)
            ).one()
            out[name] = [int(count or 0), stamp(newest)]
        return out
