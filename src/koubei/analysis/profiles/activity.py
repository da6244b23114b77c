"""What a user did, as column arrays: the input of the profile model (`koubei.analysis.profiles.features`).

The store layer (`koubei.store.profiles`) reads reviews (with their sentiment), aspect mentions, orders, follows
and shares into one `UserActivity`; the estimator only computes on it. Times are float days since the Unix epoch
(NaN when unknown), so decay and recency are plain arithmetic. `signatures()` digests each user's rows so a rebuild
can tell which users have new data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

from koubei.social.cascades import Cascade
from koubei.social.graph import SocialGraph

POLARITY = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}


# User attributes that mean "do not approach this user for marketing" (the same keys as
# `koubei.store.interactions.OPT_OUT_KEYS`, which targeting reads); a truthy value: true, 1, "yes", "y", "on".
OPT_OUT_KEYS = ("opt_out", "opted_out", "marketing_opt_out", "do_not_contact")
_TRUE = {"1", "true", "yes", "y", "t", "on"}


def opted_out(attributes: Mapping[str, Any]) -> bool:
    """Whether a user's attributes say they opted out of marketing."""
    for key in OPT_OUT_KEYS:
        value = attributes.get(key)
        if isinstance(value, bool) and value:
            return True
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value != 0:
            return True
        if isinstance(value, str) and value.strip().lower() in _TRUE:
            return True
    return False


def to_day(value: Any) -> float:
    """A datetime (naive = UTC), Unix seconds or None -> float days since the epoch (NaN when unknown)."""
    if value is None:
        return float("nan")
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return when.timestamp() / 86400.0
    try:
        return float(value) / 86400.0
    except (TypeError, ValueError):
        return float("nan")


def _floats(values: Iterable[Any]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


@dataclass
class UserActivity:
    """Every user's reviews, aspect mentions, orders and place in the social graph."""

    users: list[str]
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # reviews
    review_id: list[str] = field(default_factory=list)
    review_user: list[str] = field(default_factory=list)
    review_product: list[str | None] = field(default_factory=list)
    review_category: list[str | None] = field(default_factory=list)
    review_text: list[str] = field(default_factory=list)
    review_rating: np.ndarray = field(default_factory=lambda: np.zeros(0))  # NaN = no rating
    review_polarity: np.ndarray = field(default_factory=lambda: np.zeros(0))  # +1 / 0 / -1, NaN = unknown
    review_day: np.ndarray = field(default_factory=lambda: np.zeros(0))
    review_hash: list[str] = field(default_factory=list)
    # aspect mentions (one row per review and aspect)
    aspect_review: list[str] = field(default_factory=list)
    aspect_user: list[str] = field(default_factory=list)
    aspect_name: list[str] = field(default_factory=list)
    aspect_score: np.ndarray = field(default_factory=lambda: np.zeros(0))  # -1 .. 1
    # orders
    order_id: list[str] = field(default_factory=list)
    order_user: list[str] = field(default_factory=list)
    order_product: list[str | None] = field(default_factory=list)
    order_category: list[str | None] = field(default_factory=list)
    order_amount: np.ndarray = field(default_factory=lambda: np.zeros(0))  # NaN = unknown
    order_day: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # social
    graph: SocialGraph | None = None
    cascades: list[Cascade] = field(default_factory=list)

    @classmethod
    def from_rows(
        cls,
        *,
        users: Iterable[Mapping[str, Any]] = (),
        reviews: Iterable[Mapping[str, Any]] = (),
        mentions: Iterable[Mapping[str, Any]] = (),
        orders: Iterable[Mapping[str, Any]] = (),
        graph: SocialGraph | None = None,
        cascades: Iterable[Cascade] = (),
    ) -> UserActivity:
        """Build from plain rows: reviews {review_id, user_id, product_id, category, text, rating, label,
        created_at, content_hash}; mentions {review_id, user_id, aspect, sentiment, score}; orders {order_id,
        user_id, product_id, category, amount, created_at}. Rows without a user are skipped."""
        user_rows = [dict(u) for u in users if u.get("user_id") is not None]
        review_rows = [dict(r) for r in reviews if r.get("user_id") is not None]
        mention_rows = [dict(m) for m in mentions if m.get("user_id") is not None]
        order_rows = [dict(o) for o in orders if o.get("user_id") is not None]
        known = dict.fromkeys(str(u["user_id"]) for u in user_rows)
        for row in (*review_rows, *order_rows):
            known.setdefault(str(row["user_id"]), None)
        return cls(
            users=list(known),
            attributes={str(u["user_id"]): dict(u.get("attributes") or {}) for u in user_rows},
            review_id=[str(r.get("review_id")) for r in review_rows],
            review_user=[str(r["user_id"]) for r in review_rows],
            review_product=[r.get("product_id") for r in review_rows],
            review_category=[r.get("category") for r in review_rows],
            review_text=[r.get("text") or "" for r in review_rows],
            review_rating=_floats(r.get("rating") for r in review_rows),
            review_polarity=_floats(POLARITY.get(str(r.get("label"))) for r in review_rows),
            review_day=np.array([to_day(r.get("created_at")) for r in review_rows], dtype=float),
            review_hash=[str(r.get("content_hash") or "") for r in review_rows],
            aspect_review=[str(m.get("review_id")) for m in mention_rows],
            aspect_user=[str(m["user_id"]) for m in mention_rows],
            aspect_name=[str(m["aspect"]) for m in mention_rows],
            aspect_score=_floats(
                # the stored score is the confidence of the stated sentiment: signed, it runs -1 .. 1
                POLARITY.get(str(m.get("sentiment")), 0.0)
                * (1.0 if m.get("score") is None else float(m["score"]))
                for m in mention_rows
            ),
            order_id=[str(o.get("order_id")) for o in order_rows],
            order_user=[str(o["user_id"]) for o in order_rows],
            order_product=[o.get("product_id") for o in order_rows],
            order_category=[o.get("category") for o in order_rows],
            order_amount=_floats(o.get("amount") for o in order_rows),
            order_day=np.array([to_day(o.get("created_at")) for o in order_rows], dtype=float),
            graph=graph,
            cascades=list(cascades),
        )

    @property
    def has_orders(self) -> bool:
        return len(self.order_user) > 0

    def signatures(self, reach: Mapping[str, int] | None = None) -> dict[str, str]:
        """A digest of each user's own rows (reviews with their sentiment, aspect mentions, orders, listeners,
        cascade reach): equal digests mean the user's profile inputs did not change."""
        parts: dict[str, list[str]] = {u: [] for u in self.users}
        for i, user in enumerate(self.review_user):
            parts.setdefault(user, []).append(
                f"r|{self.review_id[i]}|{self.review_hash[i]}|{self.review_rating[i]}|{self.review_polarity[i]}"
            )
        for i, user in enumerate(self.aspect_user):
            parts.setdefault(user, []).append(
                f"a|{self.aspect_review[i]}|{self.aspect_name[i]}|{self.aspect_score[i]:.4f}"
            )
        for i, user in enumerate(self.order_user):
            parts.setdefault(user, []).append(
                f"o|{self.order_id[i]}|{self.order_amount[i]}|{self.order_day[i]}"
            )
        if self.graph is not None and self.graph.n:
            out = self.graph.out_degree()
            for i, label in enumerate(self.graph.labels):
                parts.setdefault(str(label), []).append(f"g|{int(out[i])}")
        for user, count in (reach or {}).items():
            parts.setdefault(str(user), []).append(f"c|{count}")
        for user, attrs in self.attributes.items():
            parts.setdefault(user, []).append("u|" + repr(sorted(attrs.items())))
        return {
            user: hashlib.sha1("\n".join(sorted(rows)).encode("utf-8")).hexdigest()
            for user, rows in parts.items()
        }
