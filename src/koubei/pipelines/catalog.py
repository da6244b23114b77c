"""Products, categories and brands with what their reviews say: sentiment, its weekly trend, aspects.

The API (`/api/v1/products`, `/products/{id}`, `/categories`, `/brands`, `/groups/{by}/{key}`) and the dashboard's
product page call these. Figures are computed by the database on every call (GROUP BY queries), so they are never
stale after an ingest or a scoring run; labels are each review's own, else the latest sentiment model's.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from koubei.errors import BadInputError, NotFoundError
from koubei.results import Result
from koubei.store import Store
from koubei.store import catalog as queries
from koubei.store.analysis import latest_sentiment_model
from koubei.store.reviews import latest_aspect_model

MAX_LIMIT = 200
LABELS = ("positive", "negative", "neutral")


@dataclass
class WeekPoint(Result):
    week: str  # ISO week, e.g. 2026-W02
    week_start: str  # its Monday, YYYY-MM-DD
    reviews: int
    positive: int
    negative: int
    neutral: int
    net_sentiment: float | None


@dataclass
class AspectSentiment(Result):
    aspect: str
    mentions: int
    positive: int
    negative: int
    neutral: int
    net_sentiment: float | None


@dataclass
class GroupSentiment(Result):
    group_by: str  # product | category | brand | all
    key: str | None
    reviews: int
    positive: int
    negative: int
    neutral: int
    unlabelled: int
    share_positive: float | None
    net_sentiment: float | None  # (positive - negative) / labelled
    trend: list[WeekPoint] = field(default_factory=list)
    aspects: list[AspectSentiment] = field(default_factory=list)  # most mentioned first
    most_praised: list[str] = field(default_factory=list)
    most_criticized: list[str] = field(default_factory=list)
    sentiment_model: str | None = None
    aspect_model: str | None = None


@dataclass
class ProductOverview(Result):
    product: dict[str, Any]
    sentiment: GroupSentiment


@dataclass
class Page(Result):
    items: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None
    sentiment_model: str | None = None


def _net(positive: int, negative: int, labelled: int) -> float | None:
    return round((positive - negative) / labelled, 4) if labelled else None


def _iso_week(monday: str) -> str:
    year, week, _ = date.fromisoformat(monday[:10]).isocalendar()
    return f"{year}-W{week:02d}"


def group_sentiment(store: Store, group_by: str, key: str | None) -> GroupSentiment:
    """Sentiment, weekly trend and aspects of one product / category / brand (or of all reviews)."""
    if group_by not in queries.GROUPS:
        raise BadInputError(
            f"group_by={group_by!r} is not valid; expected one of {', '.join(queries.GROUPS)}"
        )
    model, aspect_model = latest_sentiment_model(store), latest_aspect_model(store)
    counts = queries.label_counts(store, group_by, key, model)
    positive, negative, neutral = (counts.get(label, 0) for label in LABELS)
    labelled = positive + negative + neutral
    reviews = sum(counts.values())
    weeks: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(("reviews", *LABELS), 0))
    for monday, label, n in queries.weekly_label_counts(store, group_by, key, model):
        weeks[monday]["reviews"] += n
        if label in LABELS:
            weeks[monday][label] += n
    trend = [
        WeekPoint(
            week=_iso_week(monday),
            week_start=monday[:10],
            reviews=w["reviews"],
            positive=w["positive"],
            negative=w["negative"],
            neutral=w["neutral"],
            net_sentiment=_net(w["positive"], w["negative"], w["positive"] + w["negative"] + w["neutral"]),
        )
        for monday, w in sorted(weeks.items())
    ]
    aspects = _aspects(store, group_by, key, aspect_model)
    praised = sorted((a for a in aspects if a.positive), key=lambda a: (-a.positive, a.aspect))
    criticized = sorted((a for a in aspects if a.negative), key=lambda a: (-a.negative, a.aspect))
    return GroupSentiment(
        group_by=group_by,
        key=key,
        reviews=reviews,
        positive=positive,
        negative=negative,
        neutral=neutral,
        unlabelled=reviews - labelled,
        share_positive=round(positive / labelled, 4) if labelled else None,
        net_sentiment=_net(positive, negative, labelled),
        trend=trend,
        aspects=aspects,
        most_praised=[a.aspect for a in praised[:3]],
        most_criticized=[a.aspect for a in criticized[:3]],
        sentiment_model=model,
        aspect_model=aspect_model,
    )


def _aspects(store: Store, group_by: str, key: str | None, model: str | None) -> list[AspectSentiment]:
    if model is None:
        return []
    table: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LABELS, 0))
    for aspect, sentiment, n in queries.aspect_counts(store, group_by, key, model):
        if sentiment in LABELS:
            table[aspect][sentiment] += n
    out = [
        AspectSentiment(
            aspect=aspect,
            mentions=sum(c.values()),
            positive=c["positive"],
            negative=c["negative"],
            neutral=c["neutral"],
            net_sentiment=_net(c["positive"], c["negative"], sum(c.values())),
        )
        for aspect, c in table.items()
    ]
    return sorted(out, key=lambda a: (-a.mentions, a.aspect))


def product_overview(store: Store, product_id: str) -> ProductOverview:
    found = queries.product(store, product_id)
    if found is None:
        raise NotFoundError(f"product_id={product_id[:128]!r} is not in the store")
    return ProductOverview(product=found, sentiment=group_sentiment(store, "product", product_id))


def group_overview(store: Store, group_by: str, key: str) -> GroupSentiment:
    """One category's or brand's sentiment; an unknown key is 404 (it has no reviews)."""
    if group_by not in ("category", "brand"):
        raise BadInputError(f"group_by={group_by!r} is not valid; expected category or brand")
    result = group_sentiment(store, group_by, key)
    if result.reviews == 0:
        raise NotFoundError(f"{group_by}={key[:128]!r} has no reviews in the store")
    return result


def _encode(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii").rstrip("=")


def _decode(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        return base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode(
            "utf-8"
        )
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadInputError(
            f"cursor={cursor[:40]!r} is not a cursor this API gave out (use next_cursor from the previous page)"
        ) from None


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInputError(f"limit={limit} is not valid; expected 1 to {MAX_LIMIT}")


def list_products(
    store: Store,
    limit: int = 50,
    cursor: str | None = None,
    category: str | None = None,
    brand: str | None = None,
    q: str | None = None,
) -> Page:
    """Products in id order with their review counts and net sentiment."""
    _check_limit(limit)
    model = latest_sentiment_model(store)
    rows = queries.product_rows(
        store, model, limit + 1, _decode(cursor), category, brand, (q or "").strip() or None
    )
    more = len(rows) > limit
    rows = rows[:limit]
    for row in rows:
        row["net_sentiment"] = _net(row["positive"], row["negative"], row["reviews"])
    return Page(rows, _encode(rows[-1]["product_id"]) if more else None, model)


def list_groups(store: Store, group_by: str, limit: int = 50, cursor: str | None = None) -> Page:
    """Categories or brands in name order with their review counts and net sentiment."""
    if group_by not in ("category", "brand"):
        raise BadInputError(f"group_by={group_by!r} is not valid; expected category or brand")
    _check_limit(limit)
    model = latest_sentiment_model(store)
    rows = queries.group_summaries(store, group_by, model, limit + 1, _decode(cursor))
    more = len(rows) > limit
    rows = rows[:limit]
    for row in rows:
        labelled = row["positive"] + row["negative"] + row["neutral"]
        row["net_sentiment"] = _net(row["positive"], row["negative"], labelled)
    return Page(rows, _encode(rows[-1]["key"]) if more else None, model)
