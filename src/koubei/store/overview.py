"""Read-only summaries of what the store holds (for `koubei demo`, the dashboard and the API)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from koubei.store.db import Store
from koubei.store.entities import MODELS
from koubei.store.models import IngestRun, Review


def table_counts(store: Store) -> dict[str, int]:
    with store.session() as session:
        return {kind: session.scalar(select(func.count()).select_from(model)) or 0 for kind, model in MODELS.items()}


def review_label_balance(store: Store, source: str | None = None) -> dict[str, int]:
    query = select(func.coalesce(Review.label, "unlabelled"), func.count()).group_by(Review.label)
    if source:
        query = query.where(Review.source == source)
    with store.session() as session:
        return {label: count for label, count in session.execute(query).all()}


def reviews_with_pii(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Review).where(Review.pii_found > 0)) or 0


def record_ingest_run(store: Store, run: dict[str, Any]) -> None:
    with store.session() as session:
        session.add(IngestRun(**run))
