"""Rank fusion of several retrievers' result lists (pure functions, no numpy needed).

- Reciprocal-rank fusion (Cormack et al., SIGIR 2009): score(d) = sum_i w_i / (k + rank_i(d)), ranks from 1.
  Needs no score calibration, which is why it is the default.
- Weighted score fusion after per-list min-max normalization: uses how *much* better one hit is than the next,
  which RRF throws away; a tuned weight on a dev split can beat RRF when one retriever is much stronger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from koubei.errors import BadInputError

Ranked = Sequence[tuple[str, float]]  # (doc_id, score), best first


def _check_weights(lists: Sequence[Ranked], weights: Sequence[float] | None) -> list[float]:
    if weights is None:
        return [1.0] * len(lists)
    if len(weights) != len(lists):
        raise BadInputError(
            f"weights: expected {len(lists)} values (one per result list), got {len(weights)}"
        )
    if any(w < 0 for w in weights):
        raise BadInputError(f"weights must be >= 0, got {list(weights)}")
    return [float(w) for w in weights]


def rrf(
    lists: Sequence[Ranked], k: float = 60.0, weights: Sequence[float] | None = None
) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion. Ties are broken by first appearance (list order, then rank) so results are stable."""
    if k <= 0:
        raise BadInputError(f"k (RRF constant) must be > 0, got {k}")
    ws = _check_weights(lists, weights)
    scores: dict[str, float] = {}
    for w, ranked in zip(ws, lists, strict=True):
        for rank, (doc_id, _score) in enumerate(ranked, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + w / (k + rank)
    order = {d: i for i, d in enumerate(scores)}
    return sorted(scores.items(), key=lambda item: (-item[1], order[item[0]]))


def minmax(ranked: Ranked) -> dict[str, float]:
    """Scores of one list scaled to [0, 1] (all equal -> all 1.0, so a single hit is not zeroed)."""
    if not ranked:
        return {}
    values = [s for _, s in ranked]
    lo, hi = min(values), max(values)
    if hi - lo <= 1e-12:
        return {d: 1.0 for d, _ in ranked}
    return {d: (s - lo) / (hi - lo) for d, s in ranked}


def weighted(lists: Sequence[Ranked], weights: Sequence[float] | None = None) -> list[tuple[str, float]]:
    """Weighted sum of min-max normalized scores; a document missing from a list gets 0 from it."""
    ws = _check_weights(lists, weights)
    scores: dict[str, float] = {}
    for w, ranked in zip(ws, lists, strict=True):
        for doc_id, s in minmax(ranked).items():
            scores[doc_id] = scores.get(doc_id, 0.0) + w * s
    order: dict[str, int] = {}
    for ranked in lists:
        for doc_id, _ in ranked:
            order.setdefault(doc_id, len(order))
    return sorted(scores.items(), key=lambda item: (-item[1], order[item[0]]))


def fuse(
    lists: Sequence[Ranked], method: str = "rrf", weights: Sequence[float] | None = None, k: float = 60.0
) -> list[tuple[str, float]]:
    """Dispatch on `method` ('rrf' or 'weighted')."""
    if method == "rrf":
        return rrf(lists, k=k, weights=weights)
    if method == "weighted":
        return weighted(lists, weights=weights)
    raise BadInputError(f"fusion method {method!r} is not known; use one of: rrf, weighted")


def ranks_of(ranked: Ranked) -> Mapping[str, int]:
    """doc_id -> 1-based rank, for explanations."""
    return {d: i for i, (d, _) in enumerate(ranked, start=1)}
