"""Whom to approach for a product, and which products to show a user: ranking, exclusions, word of mouth, holdout.

`rank_targets` turns the recommender's interest scores over users into a target list:
1. *exclusions*: users who already reviewed or bought the product, opted-out users (always), and recent
   detractors when asked (`recent_detractors`: the user's latest review is negative and recent);
2. *expected positive word of mouth* (when a social graph is given, `positive_word_of_mouth`): a user's estimated
   reach on the graph (from reverse-reachable sets, as IMM uses) times P(they rate it >= 4 stars); IMM's seeds,
   chosen only among eligible users likely to speak well, count with full weight;
3. the score = interest (standardized over the eligible users) + `wom_weight` x positive word of mouth (0..1);
4. a *holdout*: the top ceil(budget / (1 - holdout)) users form the audience and a seeded random `holdout` share
   of it is kept out of the campaign (reported, so its lift can be measured later: approached vs held out).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from koubei.errors import BadInputError


@dataclass(frozen=True)
class TargetConfig:
    """How a target list is drawn (CLI flags override)."""

    holdout: float = 0.1  # share of the audience kept out at random, to measure the campaign's lift
    seed: int = 0  # seed of the holdout draw and of the word-of-mouth estimates
    exclude_detractors: bool = False  # leave out users whose latest review is negative and recent
    detractor_days: int = 180  # "recent": within this many days of the newest review in the data
    detractor_max_rating: int = 2  # a review with at most this many stars (or labelled negative) is negative
    speak_well: float = 0.6  # P(rating >= 4) from which a user counts as likely to speak well
    wom_weight: float = 1.0  # weight of positive word of mouth (0..1) next to standardized interest
    rr_sets: int = 20_000  # reverse-reachable sets drawn to estimate each user's reach
    imm_epsilon: float = 0.3  # IMM's approximation slack for the seeds among likely advocates


@dataclass
class TargetUser:
    """One user to approach, in rank order, with the reasons."""

    user_id: str
    score: float
    reasons: list[str]
    interest: float = field(default=0.0, repr=False)
    p_positive: float = field(default=0.0, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "score": round(self.score, 6), "reasons": self.reasons}


@dataclass
class RankedTargets:
    users: list[TargetUser]
    holdout: list[str]
    eligible: int
    audience: int


def check_target_options(budget: int, holdout: float) -> None:
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise BadInputError(f"budget must be a whole number >= 1, got {budget!r}")
    if not (isinstance(holdout, (int, float)) and 0.0 <= holdout < 1.0) or math.isnan(holdout):
        raise BadInputError(f"holdout must be a share in [0, 1), e.g. 0.1, got {holdout!r}")


def _is_negative(review: Mapping[str, Any], max_rating: int) -> bool:
    rating = review.get("rating")
    if rating is not None:
        return int(rating) <= max_rating
    return review.get("label") == "negative"


def recent_detractors(
    reviews: Iterable[Mapping[str, Any]], *, days: int = 180, max_rating: int = 2
) -> set[str]:
    """Users whose latest review is negative (<= `max_rating` stars, or labelled negative when it has no rating)
    and written within `days` of the newest review. Undated reviews count as recent only when no review is dated
    (then the latest is the last by review id)."""
    rows = [r for r in reviews if r.get("user_id") is not None]
    dated = [r for r in rows if isinstance(r.get("created_at"), datetime)]
    latest: dict[str, Mapping[str, Any]] = {}
    if dated:
        newest = max(r["created_at"] for r in dated)
        since = newest - timedelta(days=days)
        for r in sorted(dated, key=lambda r: (r["created_at"], str(r.get("review_id")))):
            latest[str(r["user_id"])] = r
        return {u for u, r in latest.items() if r["created_at"] >= since and _is_negative(r, max_rating)}
    for r in sorted(rows, key=lambda r: str(r.get("review_id"))):
        latest[str(r["user_id"])] = r
    return {u for u, r in latest.items() if _is_negative(r, max_rating)}


@dataclass
class WordOfMouth:
    """Per-user reach on the social graph and IMM's seeds among likely advocates."""

    reach: dict[str, float]  # expected users reached when this user alone starts word of mouth
    imm_seeds: list[str]
    rr_sets: int
    users_in_graph: int


def positive_word_of_mouth(
    graph: Any,
    probs: np.ndarray,
    advocates: Sequence[str],
    k: int,
    config: TargetConfig = TargetConfig(),
) -> WordOfMouth:
    """Reach of every graph user (RR-set estimate: n x share of RR sets containing the user) and IMM's `k` seeds
    restricted to `advocates` (eligible users likely to speak well); everyone else may still be reached."""
    from koubei.social.imm import IMMConfig, imm
    from koubei.social.rrsets import RRCollection, RRSampler

    n = graph.n
    sampler = RRSampler(graph, probs, seed=config.seed)
    rr = RRCollection(n)
    sampler.extend(rr, config.rr_sets)
    nodes, _ = rr.arrays()
    counts = np.bincount(nodes, minlength=n)
    reach = {str(graph.labels[i]): float(n * counts[i] / max(rr.count, 1)) for i in range(n)}
    allowed = {str(a) for a in advocates}
    in_graph = [str(label) for label in graph.labels if str(label) in allowed]
    seeds: list[str] = []
    if in_graph and n >= 2:
        exclude = [label for label in graph.labels if str(label) not in allowed]
        selection = imm(
            graph,
            probs,
            IMMConfig(k=min(k, len(in_graph)), epsilon=config.imm_epsilon, seed=config.seed),
            exclude=exclude,
        )
        seeds = [str(s) for s in selection.seeds]
    return WordOfMouth(reach, seeds, rr.count, n)


def rank_targets(
    user_ids: Sequence[str],
    interest: np.ndarray,
    eligible: np.ndarray,
    budget: int,
    *,
    p_positive: np.ndarray | None = None,
    wom: WordOfMouth | None = None,
    reasons: Any = None,
    config: TargetConfig = TargetConfig(),
) -> RankedTargets:
    """Rank eligible users by interest + positive word of mouth, draw the holdout, keep `budget` users.

    `reasons(index)` (optional) gives the interest reasons of user `index`; ties in score go to the user listed
    first (users are sorted by id), so the list is deterministic.
    """
    check_target_options(budget, config.holdout)
    interest = np.asarray(interest, dtype=np.float64)
    idx = np.flatnonzero(eligible)
    if idx.size == 0:
        return RankedTargets([], [], 0, 0)
    values = interest[idx]
    spread = float(values.std())
    z = (values - float(values.mean())) / spread if spread > 0 else np.zeros_like(values)
    p_pos = np.zeros(len(user_ids)) if p_positive is None else np.asarray(p_positive, dtype=np.float64)
    wom_term = np.zeros(idx.size)
    if wom is not None:
        top = max(wom.reach.values(), default=0.0)
        seeds = set(wom.imm_seeds)
        for j, i in enumerate(idx.tolist()):
            user = str(user_ids[i])
            if user in seeds:
                wom_term[j] = 1.0
            elif top > 0 and p_pos[i] >= config.speak_well:
                wom_term[j] = p_pos[i] * math.log1p(wom.reach.get(user, 0.0)) / math.log1p(top)
    score = z + config.wom_weight * wom_term
    order = np.argsort(-score, kind="stable")
    want = budget if config.holdout == 0 else math.ceil(budget / (1.0 - config.holdout))
    audience = order[: min(want, idx.size)]
    n_hold = round(config.holdout * audience.size)
    rng = np.random.default_rng(config.seed)
    held = set(rng.choice(audience.size, size=n_hold, replace=False).tolist()) if n_hold else set()
    chosen: list[TargetUser] = []
    holdout: list[str] = []
    for rank, j in enumerate(audience.tolist()):
        i = int(idx[j])
        user = str(user_ids[i])
        if rank in held:
            holdout.append(user)
            continue
        if len(chosen) == budget:
            continue
        why = list(reasons(i)) if reasons is not None else []
        if p_positive is not None:
            why.append(f"likely rating: P(>= 4 stars) {p_pos[i]:.2f}")
        if wom is not None:
            if user in set(wom.imm_seeds):
                why.append(
                    f"IMM seed among likely advocates (reach alone ~{wom.reach.get(user, 0.0):.1f} users)"
                )
            elif user in wom.reach:
                why.append(f"word of mouth: reaches ~{wom.reach[user]:.1f} users on the social graph")
            else:
                why.append("not in the social graph: no word-of-mouth estimate")
        chosen.append(TargetUser(user, float(score[j]), why, float(interest[i]), float(p_pos[i])))
    return RankedTargets(chosen, holdout, int(idx.size), int(audience.size))


def top_items(scores: np.ndarray, seen: np.ndarray, k: int) -> list[int]:
    """The `k` best item indices by score, never an item in `seen`; ties go to the lower index."""
    if k < 1:
        raise BadInputError(f"k must be a whole number >= 1, got {k!r}")
    masked = np.asarray(scores, dtype=np.float64).copy()
    masked[np.asarray(seen, dtype=np.int64)] = -np.inf
    order = np.argsort(-masked, kind="stable")
    return [int(i) for i in order[:k] if np.isfinite(masked[i])]
