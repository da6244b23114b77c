"""Aggregates of review sentiment per product / category / brand / overall, per ISO week and over all time.

Input: one record per scored review (review_id, product_id, category, brand, created_at, label, and the review's
aspect sentiments). Output rows are what the dashboard reads: review count, share positive, net sentiment
((positive - negative) / scored), and the most praised / criticized aspects with example review ids.
Pure computation: the store module reads the records and writes the rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from koubei.analysis.labels import NEGATIVE, NEUTRAL, POSITIVE
from koubei.errors import BadInputError

GROUPINGS = ("all", "product", "category", "brand")
_KEY_FIELD = {"product": "product_id", "category": "category", "brand": "brand"}


@dataclass(frozen=True)
class AggregateRow:
    group_by: str  # all | product | category | brand
    group_key: str
    period: str  # all | YYYY-Www (ISO week)
    metrics: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"group_by": self.group_by, "group_key": self.group_key, "period": self.period, **self.metrics}


def iso_week(value: Any) -> str | None:
    """'2026-W47' for a datetime/date/ISO string; None when missing or unparseable."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, (datetime, date)):
        year, week, _ = value.isocalendar()
        return f"{year}-W{week:02d}"
    return None


def _metrics(records: Sequence[Mapping[str, Any]], top_k: int, examples: int) -> dict[str, Any]:
    labels = Counter(r.get("label") for r in records)
    scored = labels[POSITIVE] + labels[NEGATIVE] + labels[NEUTRAL]
    praised: dict[str, list[str]] = defaultdict(list)
    criticized: dict[str, list[str]] = defaultdict(list)
    for r in records:
        for aspect, sentiment in (r.get("aspects") or {}).items():
            if sentiment == POSITIVE:
                praised[aspect].append(str(r["review_id"]))
            elif sentiment == NEGATIVE:
                criticized[aspect].append(str(r["review_id"]))

    def top(table: dict[str, list[str]]) -> list[dict[str, Any]]:
        ranked = sorted(table.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:top_k]
        return [{"aspect": a, "count": len(ids), "review_ids": sorted(ids)[:examples]} for a, ids in ranked]

    return {
        "count": len(records),
        "scored": scored,
        "positive": labels[POSITIVE],
        "negative": labels[NEGATIVE],
        "neutral": labels[NEUTRAL],
        "share_positive": round(labels[POSITIVE] / scored, 4) if scored else None,
        "net_sentiment": round((labels[POSITIVE] - labels[NEGATIVE]) / scored, 4) if scored else None,
        "top_praised": top(praised),
        "top_criticized": top(criticized),
    }


def aggregate(
    records: Iterable[Mapping[str, Any]],
    group_by: Sequence[str] = GROUPINGS,
    weekly: bool = True,
    top_k: int = 3,
    examples: int = 3,
) -> list[AggregateRow]:
    """Aggregate rows for every group (and week, when `weekly`) present in `records`, sorted by key."""
    bad = [g for g in group_by if g not in GROUPINGS]
    if bad:
        raise BadInputError(f"group_by {bad} not supported; choose from {list(GROUPINGS)}")
    buckets: dict[tuple[str, str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for r in records:
        if "review_id" not in r:
            raise BadInputError("every record needs a review_id")
        week = iso_week(r.get("created_at")) if weekly else None
        for g in group_by:
            key = "all" if g == "all" else r.get(_KEY_FIELD[g])
            if key is None or key == "":
                continue
            buckets[(g, str(key), "all")].append(r)
            if week:
                buckets[(g, str(key), week)].append(r)
    return [AggregateRow(g, k, p, _metrics(rs, top_k, examples)) for (g, k, p), rs in sorted(buckets.items())]
