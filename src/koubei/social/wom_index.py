"""The word-of-mouth (WOM) index: how much, how positive and how far people talk about a product or brand.

Per group (product or brand) and period (day or ISO week):
- volume: reviews written + shares made in the period;
- net sentiment: (positive - negative) / labelled, over reviews and over shares of labelled reviews, in [-1, 1];
- reach: distinct users involved (review authors, sharers and share recipients);
- index = net_sentiment x log(1 + volume) x log(1 + reach): the product the issue asks for (volume x sentiment x
  reach), log-scaled so that a brand with 10x the volume is ahead, not 10x ahead, and small products stay visible.
Inputs are plain records (the store adapter in `koubei.store.social` reads them); nothing here touches a database.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from koubei.errors import BadInputError

PERIODS = ("day", "week")
GROUPS = ("product", "brand")


def period_key(when: datetime | date, period: str) -> str:
    day = when.date() if isinstance(when, datetime) else when
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    raise BadInputError(f"period {period!r} is not known; use one of {', '.join(PERIODS)}")


def normalize_label(label: Any) -> str | None:
    """positive | negative | neutral from the store's labels (also 1/0 and ratings-style strings)."""
    if label is None:
        return None
    text = str(label).strip().lower()
    if text in ("positive", "pos", "1", "true"):
        return "positive"
    if text in ("negative", "neg", "0", "false"):
        return "negative"
    if text in ("neutral", "neu"):
        return "neutral"
    return None


@dataclass(frozen=True)
class WomEvent:
    """One word-of-mouth event: a review or a share, already resolved to its product (and brand)."""

    kind: str  # review | share
    product_id: str | None
    brand: str | None
    when: datetime
    label: str | None  # positive | negative | neutral | None (unknown)
    users: tuple[Any, ...]  # users involved (author; or sharer and recipient)
    ref: str  # review id or share id
    item_id: str | None = None  # for shares: the shared item (a review or product id)


def build_events(
    reviews: Iterable[Mapping[str, Any]],
    shares: Iterable[Mapping[str, Any]] = (),
    brands: Mapping[str, str] | None = None,
) -> list[WomEvent]:
    """Resolve reviews and shares to WOM events. A share of a review takes its product and label; a share of a
    product id takes the product; shares of unknown items are skipped. Records without a time are skipped."""
    brands = brands or {}
    review_info: dict[str, tuple[str | None, str | None]] = {}
    events: list[WomEvent] = []
    for row in reviews:
        product = row.get("product_id")
        label = normalize_label(row.get("label"))
        rid = str(row.get("review_id"))
        review_info[rid] = (product, label)
        when = row.get("created_at")
        if isinstance(when, datetime):
            events.append(
                WomEvent(
                    "review",
                    product,
                    brands.get(product) if product else None,
                    when,
                    label,
                    (row.get("user_id"),) if row.get("user_id") else (),
                    rid,
                )
            )
    for row in shares:
        item = row.get("item_id")
        when = row.get("created_at")
        if item is None or not isinstance(when, datetime):
            continue
        if str(item) in review_info:
            product, label = review_info[str(item)]
        elif str(item) in brands:
            product, label = str(item), None
        else:
            continue
        users = tuple(u for u in (row.get("from_user"), row.get("to_user")) if u is not None)
        events.append(
            WomEvent(
                "share",
                product,
                brands.get(product) if product else None,
                when,
                label,
                users,
                str(row.get("share_id")),
                str(item),
            )
        )
    return events


def index_value(net_sentiment: float, volume: int, reach: int) -> float:
    """The index of one cell: net sentiment x log(1 + volume) x log(1 + reach) (see the module docstring)."""
    return net_sentiment * math.log1p(volume) * math.log1p(reach)


def wom_index(
    events: Iterable[WomEvent], *, group_by: str = "product", period: str = "week"
) -> list[dict[str, Any]]:
    """One row per (group, period): volume, positive, negative, neutral, net_sentiment, reach, index."""
    if group_by not in GROUPS:
        raise BadInputError(f"group_by {group_by!r} is not known; use one of {', '.join(GROUPS)}")
    cells: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {
            "volume": 0,
            "reviews": 0,
            "shares": 0,
            "positive": 0,
            "negative": 0,
            "neutral": 0,
            "users": set(),
        }
    )
    for event in events:
        key = event.product_id if group_by == "product" else event.brand
        if key is None:
            continue
        cell = cells[(key, period_key(event.when, period))]
        cell["volume"] += 1
        cell["reviews" if event.kind == "review" else "shares"] += 1
        if event.label is not None:
            cell[event.label] += 1
        cell["users"].update(event.users)
    rows = []
    for (key, when), cell in sorted(cells.items()):
        labelled = cell["positive"] + cell["negative"] + cell["neutral"]
        net = (cell["positive"] - cell["negative"]) / labelled if labelled else 0.0
        reach = len(cell.pop("users"))
        rows.append(
            {
                "group_by": group_by,
                "key": key,
                "period": when,
                **cell,
                "net_sentiment": net,
                "reach": reach,
                "index": index_value(net, cell["volume"], reach),
            }
        )
    return rows
