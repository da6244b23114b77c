"""Edge probabilities (IC) and edge weights (LT) for a `SocialGraph`.

- `uniform`: every arc has the same probability `p` (Kempe et al. 2003).
- `wc` (weighted cascade): arc u -> v has 1 / in-degree(v), so each node is about equally hard to convince.
- `learned`: probabilities fitted from observed cascades (`koubei.social.learning.CascadeEM`), a mapping
  (u, v) -> p; arcs it has no estimate for get `default` (uniform `p` unless given).
- `weight`: the per-arc weight column of the graph file, used as is.
LT needs the incoming weights of each node to sum to at most 1; `lt_weights` rescales nodes that exceed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from koubei.errors import BadInputError
from koubei.social.graph import SocialGraph

SCHEMES = ("uniform", "wc", "learned", "weight")


def ic_probabilities(
    graph: SocialGraph,
    scheme: str = "wc",
    *,
    p: float = 0.01,
    learned: Mapping[tuple[Any, Any], float] | None = None,
    default: float | None = None,
) -> np.ndarray:
    """Per-arc activation probabilities (float64, aligned with `graph.src/dst`)."""
    if not 0.0 <= p <= 1.0:
        raise BadInputError(f"p must be in [0, 1], got {p}")
    if scheme == "uniform":
        return np.full(graph.m, p, dtype=np.float64)
    if scheme == "wc":
        indeg = graph.in_degree()
        return 1.0 / np.maximum(indeg[graph.dst], 1)
    if scheme == "weight":
        if graph.weight is None:
            raise BadInputError("scheme 'weight' needs a graph file with a weight column (u v weight)")
        if (graph.weight < 0).any() or (graph.weight > 1).any():
            raise BadInputError("arc weights used as probabilities must lie in [0, 1]")
        return graph.weight.astype(np.float64)
    if scheme == "learned":
        if learned is None:
            raise BadInputError(
                "scheme 'learned' needs fitted probabilities (--probs FILE from `wom cascades --fit`)"
            )
        fill = p if default is None else default
        labels = graph.labels
        out = np.full(graph.m, fill, dtype=np.float64)
        for i, (u, v) in enumerate(zip(graph.src.tolist(), graph.dst.tolist(), strict=False)):
            value = learned.get((labels[u], labels[v]))
            if value is not None:
                out[i] = value
        return np.clip(out, 0.0, 1.0)
    raise BadInputError(f"probability scheme {scheme!r} is not known; use one of {', '.join(SCHEMES)}")


def lt_weights(graph: SocialGraph, probs: np.ndarray) -> np.ndarray:
    """LT influence weights from arc probabilities: nodes whose incoming sum exceeds 1 are scaled down to 1."""
    total = np.bincount(graph.dst, weights=probs, minlength=graph.n)
    scale = np.where(total > 1.0, 1.0 / np.maximum(total, 1e-300), 1.0)
    return probs * scale[graph.dst]
