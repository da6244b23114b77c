"""Alerts on bursts of negative word of mouth, with a known false-alarm rate.

Negative events (negative reviews, and shares of negative reviews) are counted per group (product or brand) and
day. For each day we compare the count x in the current window (`window_days`) with the count y in the preceding
baseline window (`baseline_days`). If both are Poisson with the same rate, then given x + y the current count is
Binomial(x + y, w / (w + b)) (w, b = window lengths): the exact conditional test for two Poisson rates
(Przyborowski & Wilenski 1940). We alert when P(X >= x | x + y) <= alpha and x >= `min_count`.

False-alarm rate: under a steady rate each (group, day) test alerts with probability at most `alpha` (the
conditional test is exact, hence conservative with discrete counts), whatever the rate is; so a catalogue of G
groups watched for D days expects at most alpha x G x D false alarms. `tests/social/test_alerts.py` checks this on
simulated steady streams. Each alert lists the negative reviews and the share cascades driving it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from koubei.errors import BadInputError
from koubei.social.wom_index import GROUPS, WomEvent


@dataclass(frozen=True)
class AlertConfig:
    alpha: float = 0.001  # false-alarm probability per (group, day) test under a steady rate
    window_days: int = 1  # length of the window tested for a burst
    baseline_days: int = 28  # length of the history it is compared with (immediately before the window)
    min_count: int = 3  # do not alert on fewer negative events than this in the window
    min_history_days: int = 7  # days of history a group needs before it is tested


@dataclass(frozen=True)
class Alert:
    group_by: str
    key: str
    day: str  # last day of the burst window
    count: int  # negative events in the window
    baseline: int  # negative events in the baseline window
    expected: float  # count expected in the window at the baseline rate
    p_value: float
    reviews: list[str]  # negative review ids in the window
    cascades: list[dict[str, Any]]  # shared items in the window: {"item_id", "shares"} largest first

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def burst_p_value(count: int, baseline: int, window_days: int, baseline_days: int) -> float:
    """P(X >= count) for X ~ Binomial(count + baseline, w / (w + b)): the exact conditional Poisson-rate test."""
    from scipy.stats import binom

    total = count + baseline
    if count <= 0:
        return 1.0
    share = window_days / (window_days + baseline_days)
    return float(binom.sf(count - 1, total, share))


def detect_bursts(
    events: Iterable[WomEvent],
    config: AlertConfig = AlertConfig(),
    *,
    group_by: str = "product",
    start: date | None = None,
    end: date | None = None,
) -> tuple[list[Alert], dict[str, Any]]:
    """Alerts for every (group, day) in [start, end] (default: the whole span of the data), and test counts."""
    if group_by not in GROUPS:
        raise BadInputError(f"group_by {group_by!r} is not known; use one of {', '.join(GROUPS)}")
    if not 0.0 < config.alpha < 1.0:
        raise BadInputError(f"alpha must be in (0, 1), got {config.alpha}")
    if config.window_days < 1 or config.baseline_days < 1:
        raise BadInputError("window_days and baseline_days must be >= 1")
    daily: dict[str, Counter[date]] = defaultdict(Counter)
    negatives: dict[str, list[WomEvent]] = defaultdict(list)
    first_seen: dict[str, date] = {}
    for event in events:
        key = event.product_id if group_by == "product" else event.brand
        if key is None:
            continue
        day = event.when.date()
        first_seen[key] = min(first_seen.get(key, day), day)
        if event.label == "negative":
            daily[key][day] += 1
            negatives[key].append(event)
    alerts: list[Alert] = []
    tests = 0
    w, b = config.window_days, config.baseline_days
    for key, counts in daily.items():
        last = end or max(counts)
        day = max(start or first_seen[key], first_seen[key] + timedelta(days=config.min_history_days + w - 1))
        while day <= last:
            current = sum(counts.get(day - timedelta(days=i), 0) for i in range(w))
            base = sum(counts.get(day - timedelta(days=w + i), 0) for i in range(b))
            tests += 1
            p = burst_p_value(current, base, w, min(b, (day - first_seen[key]).days + 1 - w))
            if current >= config.min_count and p <= config.alpha:
                alerts.append(_alert(group_by, key, day, current, base, p, negatives[key], config))
            day += timedelta(days=1)
    summary = {
        "tests": tests,
        "alert_count": len(alerts),
        "alpha": config.alpha,
        "expected_false_alarms_at_most": config.alpha * tests,
        "config": asdict(config),
    }
    return alerts, summary


def _alert(
    group_by: str,
    key: str,
    day: date,
    count: int,
    base: int,
    p: float,
    events: list[WomEvent],
    config: AlertConfig,
) -> Alert:
    lo = day - timedelta(days=config.window_days - 1)
    inside = [e for e in events if lo <= e.when.date() <= day]
    reviews = sorted({e.ref for e in inside if e.kind == "review"})
    items = Counter(e.item_id for e in inside if e.kind == "share" and e.item_id is not None)
    cascades = [{"item_id": item, "shares": n} for item, n in items.most_common(10)]
    expected = base * config.window_days / config.baseline_days
    return Alert(group_by, key, day.isoformat(), count, base, expected, p, reviews, cascades)
