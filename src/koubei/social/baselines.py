"""Seed-selection baselines to compare IMM with: degree, PageRank, VoteRank and CELF greedy.

- degree: most out-arcs (largest audience).
- PageRank: `networkx.pagerank` on the *reversed* graph, so a node ranks high when many (important) nodes can
  hear from it.
- VoteRank: `networkx.voterank` (Zhang et al. 2016) on the spreading graph (nodes are voted for by the nodes they
  reach), which spreads seeds apart.
- CELF: greedy hill-climbing with lazy evaluation (Leskovec et al. 2007) of Monte-Carlo marginal gains (each
  estimated from `trials` cynetdiff runs); (1 - 1/e)-approximate up to Monte-Carlo error, but slow.
All return a `SeedSelection`; excluded users are never chosen.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterable
from typing import Any

import numpy as np

from koubei.errors import BadInputError
from koubei.progress import Progress, or_null
from koubei.social.diffusion import make_model
from koubei.social.graph import SocialGraph
from koubei.social.imm import SeedSelection

METHODS = ("imm", "degree", "pagerank", "voterank", "celf")


def _ranked(graph: SocialGraph, order: Iterable[int], k: int, eligible: np.ndarray) -> list[int]:
    picked: list[int] = []
    for node in order:
        if eligible[node] and node not in picked:
            picked.append(int(node))
            if len(picked) == k:
                break
    return picked


def _result(
    method: str, graph: SocialGraph, seeds: list[int], started: float, **details: Any
) -> SeedSelection:
    return SeedSelection(
        method, [graph.labels[i] for i in seeds], seeds, None, time.perf_counter() - started, details
    )


def degree_seeds(graph: SocialGraph, k: int, *, exclude: Iterable[Any] | None = None) -> SeedSelection:
    """The k nodes with most out-arcs (ties: lowest index)."""
    started = time.perf_counter()
    order = np.argsort(-graph.out_degree(), kind="stable")
    return _result("degree", graph, _ranked(graph, order.tolist(), k, graph.eligible(exclude)), started)


def pagerank_seeds(
    graph: SocialGraph, k: int, *, exclude: Iterable[Any] | None = None, alpha: float = 0.85
) -> SeedSelection:
    """The k nodes with the highest PageRank on the reversed graph."""
    import networkx as nx

    started = time.perf_counter()
    reversed_graph = nx.DiGraph()
    reversed_graph.add_nodes_from(range(graph.n))
    reversed_graph.add_edges_from(zip(graph.dst.tolist(), graph.src.tolist(), strict=False))
    scores = nx.pagerank(reversed_graph, alpha=alpha)
    order = sorted(range(graph.n), key=lambda i: (-scores[i], i))
    return _result("pagerank", graph, _ranked(graph, order, k, graph.eligible(exclude)), started)


def voterank_seeds(graph: SocialGraph, k: int, *, exclude: Iterable[Any] | None = None) -> SeedSelection:
    """VoteRank seeds; topped up by degree if VoteRank elects fewer than k eligible nodes."""
    import networkx as nx

    started = time.perf_counter()
    eligible = graph.eligible(exclude)
    spread_graph = nx.DiGraph()
    spread_graph.add_nodes_from(range(graph.n))
    spread_graph.add_edges_from(zip(graph.src.tolist(), graph.dst.tolist(), strict=False))
    extra = int((~eligible).sum())
    ranked = nx.voterank(spread_graph, number_of_nodes=k + extra)
    fill = np.argsort(-graph.out_degree(), kind="stable").tolist()
    return _result("voterank", graph, _ranked(graph, [*ranked, *fill], k, eligible), started)


def celf_seeds(
    graph: SocialGraph,
    probs: np.ndarray,
    k: int,
    *,
    model: str = "ic",
    trials: int = 1000,
    seed: int = 0,
    node_weights: np.ndarray | None = None,
    exclude: Iterable[Any] | None = None,
    progress: Progress | None = None,
) -> SeedSelection:
    """CELF lazy greedy with `trials` simulations per marginal-gain estimate."""
    if trials < 1:
        raise BadInputError(f"trials must be >= 1, got {trials}")
    started = time.perf_counter()
    eligible = graph.eligible(exclude)
    sim = make_model(graph, probs, model=model, node_weights=node_weights, seed=seed)
    out_deg = graph.out_degree()
    own = np.ones(graph.n) if node_weights is None else np.asarray(node_weights, dtype=np.float64)
    candidates = np.flatnonzero(eligible)
    progress = or_null(progress)
    progress.start(int(candidates.size), "nodes", "CELF first pass")
    heap: list[tuple[float, int, int]] = []
    evaluations = 0
    for v in candidates.tolist():
        if out_deg[v] == 0 and model == "ic":
            gain = float(own[v])  # a node without out-arcs reaches only itself: exact, no simulation needed
        else:
            gain = float(sim.compute_marginal_gains([], [v], trials)[1])
            evaluations += 1
        heap.append((-gain, v, 0))
        progress.advance(1)
    progress.start(k, "seeds", "CELF picks")
    heapq.heapify(heap)
    seeds: list[int] = []
    pick_seconds: list[
        float
    ] = []  # time at which each seed was chosen (greedy: the first j picks = CELF at k=j)
    spread = 0.0
    while heap and len(seeds) < k:
        neg_gain, v, round_seen = heapq.heappop(heap)
        if round_seen == len(seeds):
            seeds.append(v)
            pick_seconds.append(time.perf_counter() - started)
            progress.advance(1)
            spread += -neg_gain
            continue
        gain = float(sim.compute_marginal_gains(seeds, [v], trials)[1])
        evaluations += 1
        heapq.heappush(heap, (-gain, v, len(seeds)))
    result = _result(
        "celf", graph, seeds, started, trials=trials, evaluations=evaluations, pick_seconds=pick_seconds
    )
    return SeedSelection(result.method, result.seeds, result.indices, spread, result.seconds, result.details)
