"""Reviews with their sentiment and aspects, as use cases: the explorer's listing, one review, a CSV export.

The API (`GET /api/v1/reviews`, `/reviews/{id}`, `/reviews/export.csv`) and the dashboard call these. Texts are
the PII-masked ones only. Sentiment comes from the model that most recently scored the store, aspects from the
aspect model that most recently wrote mentions (both None on a store nobody has analysed yet: reviews still list,
with their own labels).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from koubei.errors import BadInputError, NotFoundError
from koubei.results import Result
from koubei.store import Store
from koubei.store.analysis import latest_sentiment_model
from koubei.store.reviews import (
    ReviewFilter,
    aspects_of,
    iter_reviews,
    latest_aspect_model,
    review_by_id,
    review_page,
)

LABELS = ("positive", "negative", "neutral")
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
EXPORT_COLUMNS = (
    "review_id",
    "product_id",
    "product_title",
    "category",
    "brand",
    "rating",
    "label",
    "text",
    "created_at",
    "source",
    "sentiment_label",
    "sentiment_score",
)
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection"); such cells are
# exported with a leading apostrophe, which spreadsheets show as text and do not evaluate.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ReviewPage(Result):
    items: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None
    sentiment_model: str | None = None
    aspect_model: str | None = None


@dataclass
class ReviewDetail(Result):
    review: dict[str, Any]
    sentiment_model: str | None = None
    aspect_model: str | None = None


def review_filter(
    product_id: str | None = None,
    category: str | None = None,
    brand: str | None = None,
    label: str | None = None,
    q: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ReviewFilter:
    """The explorer's filters, checked: a label of the three, a window that is not empty, a non-blank search."""
    if label is not None and label not in LABELS:
        raise BadInputError(f"label={label!r} is not valid; expected one of {', '.join(LABELS)}")
    if since is not None and until is not None and since >= until:
        raise BadInputError(f"since={since.isoformat()} is not before until={until.isoformat()}")
    q = q.strip() if q else None
    return ReviewFilter(product_id, category, brand, label, q or None, _naive(since), _naive(until))


def _naive(value: datetime | None) -> datetime | None:
    # Times are stored without a zone (ingest keeps the file's wall-clock time); an aware bound is compared as UTC.
    if value is None or value.tzinfo is None:
        return value
    from datetime import timezone

    return value.astimezone(timezone.utc).replace(tzinfo=None)


def encode_cursor(row: dict[str, Any]) -> str:
    created = row["created_at"]
    raw = json.dumps(
        [created.isoformat() if created is not None else None, row["review_id"]], ensure_ascii=False
    )
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime | None, str]:
    problem = (
        f"cursor={cursor[:40]!r} is not a cursor this API gave out (use next_cursor from the previous page)"
    )
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        created, review_id = json.loads(raw.decode("utf-8"))
        if not isinstance(review_id, str) or not (created is None or isinstance(created, str)):
            raise ValueError
        return (datetime.fromisoformat(created) if created is not None else None), review_id
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise BadInputError(problem) from None


def _models(store: Store) -> tuple[str | None, str | None]:
    return latest_sentiment_model(store), latest_aspect_model(store)


def list_reviews(
    store: Store, filters: ReviewFilter, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> ReviewPage:
    """One page of matching reviews, newest first, with sentiment and aspects; `next_cursor` None at the end."""
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInputError(f"limit={limit} is not valid; expected 1 to {MAX_LIMIT}")
    after = decode_cursor(cursor) if cursor else None
    sentiment_model, aspect_model = _models(store)
    rows = review_page(store, filters, sentiment_model, limit + 1, after)
    more = len(rows) > limit
    rows = rows[:limit]
    aspects = aspects_of(store, [r["review_id"] for r in rows], aspect_model)
    for row in rows:
        row["aspects"] = aspects.get(row["review_id"], [])
    return ReviewPage(
        items=rows,
        next_cursor=encode_cursor(rows[-1]) if more else None,
        sentiment_model=sentiment_model,
        aspect_model=aspect_model,
    )


def get_review(store: Store, review_id: str) -> ReviewDetail:
    sentiment_model, aspect_model = _models(store)
    row = review_by_id(store, review_id, sentiment_model)
    if row is None:
        raise NotFoundError(f"review_id={review_id[:128]!r} is not in the store")
    row["aspects"] = aspects_of(store, [review_id], aspect_model).get(review_id, [])
    return ReviewDetail(row, sentiment_model, aspect_model)


def neutralize_cell(value: Any) -> Any:
    """A text cell a spreadsheet would evaluate, made inert; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_reviews_csv(store: Store, filters: ReviewFilter) -> Iterator[str]:
    """The matching reviews as CSV text (header first), in chunks; formula cells neutralized."""
    sentiment_model, _ = _models(store)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    yield buffer.getvalue()
    for batch in iter_reviews(store, filters, sentiment_model):
        buffer.seek(0)
        buffer.truncate()
        for row in batch:
            sentiment = row["sentiment"] or {}
            values = {
                **row,
                "label": row["label"],
                "created_at": row["created_at"].isoformat(sep=" ") if row["created_at"] else None,
                "sentiment_label": sentiment.get("label"),
                "sentiment_score": sentiment.get("score"),
            }
            writer.writerow([neutralize_cell(values[name]) for name in EXPORT_COLUMNS])
        yield buffer.getvalue()
