"""Sentiment-aware diffusion: positive and negative word of mouth spreading as two competing cascades.

Competitive Independent Cascade (Budak, Agrawal & El Abbadi, WWW 2011; Carnes et al. 2007): positive seeds and
negative seeds start at the same time; at each step every newly activated node gets one chance to pass *its*
opinion along each out-arc (positive with the arc's probability, negative with the negative probability, by default
the same probability times `negative_boost`, since complaints travel further than praise). A node adopts the first
opinion that reaches it and keeps it. When both reach it in the same step, `tie` decides: "negative" (negativity
bias, the default), "positive", or "random" (one of the successful attempts at random).
All runs of a batch advance together as numpy arrays of (run, node) keys, so thousands of runs cost a few numpy
calls per step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from koubei.errors import BadInputError
from koubei.social.diffusion import SpreadEstimate, summarize
from koubei.social.graph import SocialGraph

TIES = ("negative", "positive", "random")


@dataclass(frozen=True)
class CompetingConfig:
    runs: int = 1000  # Monte-Carlo runs
    seed: int = 0
    negative_boost: float = 1.0  # negative probability = min(1, boost x positive probability)
    tie: str = "negative"  # who wins a node reached by both in the same step
    confidence: float = 0.95


@dataclass(frozen=True)
class CompetingResult:
    positive: SpreadEstimate
    negative: SpreadEstimate
    net: SpreadEstimate  # positive minus negative adopters per run
    config: CompetingConfig

    def to_dict(self) -> dict[str, Any]:
        return {
            "positive": self.positive.to_dict(),
            "negative": self.negative.to_dict(),
            "net": self.net.to_dict(),
            "config": asdict(self.config),
        }


def competing_spread(
    graph: SocialGraph,
    positive_seeds: Sequence[int] | np.ndarray,
    negative_seeds: Sequence[int] | np.ndarray,
    probs: np.ndarray,
    config: CompetingConfig = CompetingConfig(),
    *,
    negative_probs: np.ndarray | None = None,
) -> CompetingResult:
    """Monte-Carlo positive / negative adopter counts (seed indices are node indices)."""
    if config.tie not in TIES:
        raise BadInputError(f"tie {config.tie!r} is not known; use one of {', '.join(TIES)}")
    if config.runs < 1:
        raise BadInputError(f"runs must be >= 1, got {config.runs}")
    if config.negative_boost < 0:
        raise BadInputError(f"negative_boost must be >= 0, got {config.negative_boost}")
    n = graph.n
    for s in [*positive_seeds, *negative_seeds]:
        if not 0 <= int(s) < n:
            raise BadInputError(f"seed index {s} is not in [0, {n - 1}]")
    p_neg = np.minimum(probs * config.negative_boost, 1.0) if negative_probs is None else negative_probs
    arc_p = np.stack([probs, p_neg])  # row 0: positive (colour 1), row 1: negative (colour 2)
    indptr = graph.indptr
    rng = np.random.default_rng(config.seed)
    pos_counts = np.empty(config.runs)
    neg_counts = np.empty(config.runs)
    per = max(1, min(config.runs, (1 << 25) // max(n, 1)))
    for first in range(0, config.runs, per):
        batch = min(per, config.runs - first)
        state = np.zeros(batch * n, dtype=np.int8)
        runs_idx = np.arange(batch, dtype=np.int64) * n
        keys = np.concatenate(
            [
                (runs_idx[:, None] + np.asarray(list(positive_seeds), dtype=np.int64)[None, :]).ravel(),
                (runs_idx[:, None] + np.asarray(list(negative_seeds), dtype=np.int64)[None, :]).ravel(),
            ]
        )
        colours = np.concatenate(
            [
                np.full(batch * len(positive_seeds), 1, np.int8),
                np.full(batch * len(negative_seeds), 2, np.int8),
            ]
        )
        while keys.size:
            keys, colours = _resolve(keys, colours, config.tie, rng)
            state[keys] = colours
            runs_of, nodes = keys // n, keys % n
            lens = indptr[nodes + 1] - indptr[nodes]
            total = int(lens.sum())
            if total == 0:
                break
            arcs = np.repeat(indptr[nodes] - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens) + np.arange(
                total
            )
            col = np.repeat(colours, lens)
            hit = rng.random(total) < arc_p[col - 1, arcs]
            targets = np.repeat(runs_of, lens)[hit] * n + graph.dst[arcs[hit]]
            col = col[hit]
            fresh = state[targets] == 0
            keys, colours = targets[fresh], col[fresh]
        grid = state.reshape(batch, n)
        pos_counts[first : first + batch] = (grid == 1).sum(axis=1)
        neg_counts[first : first + batch] = (grid == 2).sum(axis=1)
    return CompetingResult(
        summarize(pos_counts, config.confidence),
        summarize(neg_counts, config.confidence),
        summarize(pos_counts - neg_counts, config.confidence),
        config,
    )


def _resolve(
    keys: np.ndarray, colours: np.ndarray, tie: str, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One colour per key: ties between colours reaching a node in the same step are settled by `tie`."""
    if keys.size == 0:
        return keys, colours
    if tie == "random":
        shuffle = rng.permutation(keys.size)
        keys, colours = keys[shuffle], colours[shuffle]
        uniq, first = np.unique(keys, return_index=True)
        return uniq, colours[first]
    # "negative": the larger colour (2) wins; "positive": the smaller (1) wins.
    rank = colours if tie == "negative" else -colours.astype(np.int16)
    order = np.lexsort((-rank, keys))
    keys, colours = keys[order], colours[order]
    first = np.concatenate([[True], keys[1:] != keys[:-1]])
    return keys[first], colours[first]
