from __future__ import annotations

from datetime import datetime

import pytest

from koubei.analysis.aggregate import aggregate, iso_week
from koubei.errors import BadInputError

RECORDS = [
    {
        "review_id": "r1",
        "product_id": "p1",
        "category": "phone",
        "brand": "A",
        "created_at": datetime(2026, 11, 23),
        "label": "positive",
        "aspects": {"quality": "positive"},
    },
    {
        "review_id": "r2",
        "product_id": "p1",
        "category": "phone",
        "brand": "A",
        "created_at": datetime(2026, 11, 24),
        "label": "negative",
        "aspects": {"logistics": "negative", "quality": "positive"},
    },
    {
        "review_id": "r3",
        "product_id": "p2",
        "category": "phone",
        "brand": "B",
        "created_at": "2026-12-01T10:00:00",
        "label": "negative",
        "aspects": {"logistics": "negative"},
    },
    {
        "review_id": "r4",
        "product_id": "p2",
        "category": "phone",
        "brand": None,
        "created_at": None,
        "label": "unscorable",
        "aspects": {},
    },
]


def _row(rows: list, group_by: str, key: str, period: str = "all") -> dict:
    return next(r.to_dict() for r in rows if (r.group_by, r.group_key, r.period) == (group_by, key, period))


def test_exact_aggregates() -> None:
    rows = aggregate(RECORDS)
    overall = _row(rows, "all", "all")
    assert overall["count"] == 4 and overall["scored"] == 3
    assert overall["share_positive"] == pytest.approx(0.3333)
    assert overall["net_sentiment"] == pytest.approx(-0.3333)
    assert overall["top_praised"] == [{"aspect": "quality", "count": 2, "review_ids": ["r1", "r2"]}]
    assert overall["top_criticized"] == [{"aspect": "logistics", "count": 2, "review_ids": ["r2", "r3"]}]
    p1 = _row(rows, "product", "p1")
    assert (p1["count"], p1["positive"], p1["negative"], p1["net_sentiment"]) == (2, 1, 1, 0.0)
    week = _row(rows, "product", "p1", "2026-W48")
    assert week["count"] == 2
    assert _row(rows, "brand", "B")["count"] == 1
    assert not any(r.group_by == "brand" and r.group_key == "None" for r in rows)
    unscored = _row(rows, "product", "p2", "all")
    assert unscored["scored"] == 1


def test_iso_week_and_errors() -> None:
    assert iso_week("2026-01-01") == "2026-W01"
    assert iso_week("garbage") is None and iso_week(None) is None
    with pytest.raises(BadInputError):
        aggregate(RECORDS, group_by=["planet"])
    with pytest.raises(BadInputError):
        aggregate([{"label": "positive"}])
