import math
from datetime import datetime, timedelta

import numpy as np
import pytest
from scipy.stats import binom

from koubei.errors import BadInputError
from koubei.social.alerts import AlertConfig, burst_p_value, detect_bursts
from koubei.social.wom_index import WomEvent, build_events, period_key, wom_index

DAY0 = datetime(2026, 1, 5)  # a Monday


def test_wom_index_exact() -> None:
    reviews = [
        {"review_id": "r1", "product_id": "p1", "user_id": "u1", "created_at": DAY0, "label": "positive"},
        {"review_id": "r2", "product_id": "p1", "user_id": "u2", "created_at": DAY0, "label": "negative"},
        {
            "review_id": "r3",
            "product_id": "p1",
            "user_id": "u3",
            "created_at": DAY0 + timedelta(days=1),
            "label": "1",
        },
        {"review_id": "r4", "product_id": "p2", "user_id": "u1", "created_at": DAY0, "label": None},
    ]
    shares = [
        {"share_id": "s1", "item_id": "r1", "from_user": "u1", "to_user": "u9", "created_at": DAY0},
        {"share_id": "s2", "item_id": "p2", "from_user": "u5", "to_user": "u6", "created_at": DAY0},
        {"share_id": "s3", "item_id": "unknown", "from_user": "u5", "to_user": "u6", "created_at": DAY0},
    ]
    events = build_events(reviews, shares, {"p1": "BrandX", "p2": "BrandX"})
    assert len(events) == 6
    rows = {(r["key"], r["period"]): r for r in wom_index(events, group_by="product", period="week")}
    p1 = rows[("p1", "2026-W02")]
    assert (p1["volume"], p1["positive"], p1["negative"], p1["reach"]) == (4, 3, 1, 4)
    assert p1["net_sentiment"] == pytest.approx(0.5)
    assert p1["index"] == pytest.approx(0.5 * math.log1p(4) * math.log1p(4))
    brand = wom_index(events, group_by="brand", period="day")
    assert {(r["key"], r["period"]) for r in brand} == {("BrandX", "2026-01-05"), ("BrandX", "2026-01-06")}
    assert period_key(DAY0, "week") == "2026-W02"
    with pytest.raises(BadInputError):
        wom_index(events, period="month")


def test_burst_p_value_is_the_conditional_binomial_tail() -> None:
    assert burst_p_value(6, 10, 1, 28) == pytest.approx(float(binom.sf(5, 16, 1 / 29)))
    assert burst_p_value(0, 10, 1, 28) == 1.0


def _stream(rates: list[float], seed: int, product: str = "p") -> list[WomEvent]:
    rng = np.random.default_rng(seed)
    events = []
    for day, rate in enumerate(rates):
        for i in range(rng.poisson(rate)):
            events.append(
                WomEvent(
                    "review",
                    product,
                    None,
                    DAY0 + timedelta(days=day, minutes=i),
                    "negative",
                    (f"u{day}-{i}",),
                    f"{product}-{day}-{i}",
                )
            )
    return events


def test_burst_is_found_with_its_reviews() -> None:
    rates = [2.0] * 40 + [15.0] + [2.0] * 5
    alerts, summary = detect_bursts(_stream(rates, 1), AlertConfig(alpha=0.001))
    days = {a.day for a in alerts}
    assert (DAY0 + timedelta(days=40)).date().isoformat() in days
    burst = next(a for a in alerts if a.day == (DAY0 + timedelta(days=40)).date().isoformat())
    assert burst.count == len(burst.reviews) and all(r.startswith("p-40-") for r in burst.reviews)
    assert summary["tests"] > 30


def test_false_alarm_rate_is_at_most_alpha() -> None:
    # Steady Poisson streams at several rates: the share of (product, day) tests that alert stays <= alpha.
    alpha = 0.01
    events: list[WomEvent] = []
    for j, rate in enumerate([0.5, 2.0, 5.0, 20.0] * 5):
        events += _stream([rate] * 400, 100 + j, product=f"p{j}")
    alerts, summary = detect_bursts(events, AlertConfig(alpha=alpha, min_count=1))
    rate = len(alerts) / summary["tests"]
    assert summary["tests"] > 7000
    assert rate <= alpha * 1.2  # exact test: conservative; 1.2 leaves room for sampling noise
