"""RFM: recency and frequency scores (1-5 by quintile edges over the user base) and the usual class grid
(Champions, Loyal, Potential loyalists, New customers, Need attention, At risk, Hibernating)."""

from __future__ import annotations

import bisect

RFM_CLASSES = (
    "Champions",
    "Loyal",
    "Potential loyalists",
    "New customers",
    "Need attention",
    "At risk",
    "Hibernating",
)


def rfm_class(r: int, f: int) -> str:
    """The usual RFM grid on recency and frequency scores (1-5, 5 = most recent / most frequent)."""
    if r >= 4 and f >= 4:
        return "Champions"
    if r >= 3 and f >= 3:
        return "Loyal"
    if r >= 4 and f >= 2:
        return "Potential loyalists"
    if r >= 4:
        return "New customers"
    if r == 3:
        return "Need attention"
    if f >= 3:
        return "At risk"
    return "Hibernating"


def rfm_score(value: float, edges: list[float], higher_is_better: bool) -> int:
    """1-5 from quintile edges (ties share a score)."""
    # edges strictly below the value: on ties (most users with one purchase) the tied users get the lower score
    above = bisect.bisect_left(edges, value)
    score = 1 + above if higher_is_better else 5 - above
    return int(min(5, max(1, score)))
