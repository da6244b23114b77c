"""Read-only summaries of what the store holds (for `koubei demo`, the dashboard and the API)."""

from __future__ import annotations

from sqlalchemy import func, select

from koubei.store.db import Store
from koubei.store.entities import MODELS
from koubei.store.models import Review


def table_counts(store: Store) -> dict[str, int]:
    with store.session() as session:
        return {
            kind: session.scalar(select(func.count()).select_from(model)) or 0
            for kind, model in MODELS.items()
        }


def review_label_balance(store: Store, source: str | None = None) -> dict[str, int]:
    query = select(func.coalesce(Review.label, "unlabelled"), func.count()).group_by(Review.label)
    if source:
        query = query.where(Review.source == source)
    with store.session() as session:
        return {label: count for label, count in session.execute(query).all()}
