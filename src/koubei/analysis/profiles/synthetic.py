"""Generated users made from real reviews, for the demo (whose bundled corpus has no user ids) and the cost
benchmark (100k users from the real ones' statistics). Never mixed into a real store: callers write them to
a store of their own and say that the users are generated.

Each generated user gets a number of reviews drawn from `review_counts` (the real users' empirical distribution
when given, else a Zipf-like one), a taste (a leaning toward positive or negative reviews and toward one category,
so segments have something to find), and review times spread over `span_days` with a per-user activity window.
Review rows are real reviews (text, rating, label, category, product) copied under new review ids; aspect
mentions of the copied reviews come along.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from koubei.analysis.profiles.activity import UserActivity

DAY_SECONDS = 86400.0


def generate_rows(
    reviews: Sequence[Mapping[str, Any]],
    mentions: Sequence[Mapping[str, Any]] = (),
    *,
    n_users: int,
    review_counts: Sequence[int] | None = None,
    span_days: float = 730.0,
    end_day: float = 20000.0,
    seed: int = 0,
) -> dict[str, list[dict[str, Any]]]:
    """{"reviews", "mentions"} rows of `n_users` generated users (ids g000001...) made from real `reviews`."""
    if not reviews:
        raise ValueError("generated users need real reviews to copy")
    rng = np.random.default_rng(seed)
    if review_counts:
        counts = rng.choice(np.asarray(review_counts, dtype=np.int64), size=n_users)
    else:
        counts = np.minimum(rng.zipf(2.2, size=n_users), 30)
    polarity = np.array([_sign(r) for r in reviews])
    categories = [str(r.get("category") or "") for r in reviews]
    by_category: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(categories):
        by_category[c].append(i)
    cat_names = sorted(by_category)
    pools = {
        (c, s): np.array([i for i in by_category[c] if polarity[i] == s] or by_category[c])
        for c in cat_names
        for s in (-1, 0, 1)
    }
    mention_by_review: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for m in mentions:
        mention_by_review[str(m["review_id"])].append(m)
    lean = rng.choice([1, 1, 1, 0, -1], size=n_users)  # most users mostly positive, as real stores are
    home = rng.integers(0, len(cat_names), size=n_users)
    start = end_day - span_days * rng.random(n_users)
    out_reviews: list[dict[str, Any]] = []
    out_mentions: list[dict[str, Any]] = []
    for u in range(n_users):
        user = f"g{u + 1:06d}"
        for k in range(int(counts[u])):
            # 80% from the user's home category and leaning, the rest from anywhere
            if rng.random() < 0.8:
                pool = pools[(cat_names[home[u]], int(lean[u]))]
                src = int(pool[rng.integers(0, len(pool))])
            else:
                src = int(rng.integers(0, len(reviews)))
            row = reviews[src]
            rid = f"{user}-{k}"
            day = start[u] + (end_day - start[u]) * rng.random()
            out_reviews.append(
                {
                    "review_id": rid,
                    "user_id": user,
                    "product_id": row.get("product_id"),
                    "category": row.get("category"),
                    "text": row.get("text") or "",
                    "rating": row.get("rating"),
                    "label": row.get("label"),
                    "created_at": day * DAY_SECONDS,
                    "content_hash": f"{row.get('review_id')}@{k}",
                }
            )
            for m in mention_by_review.get(str(row.get("review_id")), ()):
                out_mentions.append({**m, "review_id": rid, "user_id": user})
    return {"reviews": out_reviews, "mentions": out_mentions}


def generate_activity(
    reviews: Sequence[Mapping[str, Any]], mentions: Sequence[Mapping[str, Any]] = (), **kwargs: Any
) -> UserActivity:
    rows = generate_rows(reviews, mentions, **kwargs)
    return UserActivity.from_rows(reviews=rows["reviews"], mentions=rows["mentions"])


def _sign(review: Mapping[str, Any]) -> int:
    rating = review.get("rating")
    if rating is not None:
        return 1 if rating >= 4 else (-1 if rating <= 2 else 0)
    return {"positive": 1, "negative": -1}.get(str(review.get("label")), 0)
