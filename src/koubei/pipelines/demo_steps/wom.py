"""Demo step: word of mouth — cascade analytics and a 10-seed IMM campaign against the top 10 users by degree and
by PageRank, all three chosen by `koubei.pipelines.wom.select_seeds` (the flow of `koubei wom seeds`).

Uses, in order of preference: the graph file given with `koubei demo --graph FILE`, the store's follows/shares,
or a clearly labelled *generated* graph when there is no social data. The generated graph has community
structure on which seeding matters: a stochastic block model with one dense community of very active users and
many smaller interest communities, sparsely linked. Under weighted-cascade probabilities the best-connected users
all sit in the dense community and reach the same people, so picking by degree (or PageRank) wastes seeds; IMM
spreads them over communities. (On the Holme-Kim power-law graph used before, IMM tied top-degree seeds: +0.0%.)
Cascades come from the store's shares when there are any, else from simulated IC runs on the graph (labelled so).
Rendered by `koubei.cli.demo_views.wom`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from koubei.results import Result

ORDER = 40
TITLE = "Word of mouth: cascades and whom to seed"
SHOWS = "share-cascade analytics and whom to seed: IMM against the top users by degree and by PageRank"
SECONDS = (4, 8)
K = 10


@dataclass
class WomStep(Result):
    graph_source: str
    generated_graph: bool
    graph: dict[str, Any]
    cascade_source: str
    cascades: dict[str, Any]  # the cascade summary of `koubei wom cascades`
    imm: dict[str, Any]  # seeds, expected_spread, ci95, seconds, guarantee
    degree: dict[str, Any]  # seeds, expected_spread, ci95, seconds
    pagerank: dict[str, Any]
    imm_lift_over_degree: float
    imm_lift_over_pagerank: float
    mc_runs: int
    total_seconds: float
    seconds: float = field(default=0.0)


def community_graph(communities: int, seed: int = 7) -> tuple[Any, str]:
    """A generated social graph with community structure (networkx's stochastic block model, seeded): one dense
    community of 200 active users (link probability 0.1) and `communities` interest communities of 40-160 users
    (0.04), with links between any two communities at 0.0002. Returns (SocialGraph, description)."""
    import networkx as nx

    from koubei.social.graph import SocialGraph

    rng = np.random.default_rng(seed)
    sizes = [200, *(int(s) for s in rng.integers(40, 161, communities))]
    p = np.full((len(sizes), len(sizes)), 0.0002)
    np.fill_diagonal(p, 0.04)
    p[0, 0] = 0.1
    generated = nx.stochastic_block_model(sizes, p.tolist(), seed=seed)
    graph = SocialGraph.from_edges(generated.edges(), directed=False, nodes=generated.nodes())
    description = (
        f"GENERATED graph (not real data: no follows/shares in the store and no --graph): stochastic block model, "
        f"one dense community of 200 active users and {communities} interest communities of 40-160 users, "
        "sparsely linked"
    )
    return graph, description


def _graph(ctx: Any) -> tuple[Any, str, bool]:
    from koubei.pipelines.wom import load_graph
    from koubei.store.social import social_counts

    path = ctx.options.get("graph")
    if path:
        return load_graph(path).graph, f"file {path}", False
    counts = social_counts(ctx.store)
    if counts["follows"] or counts["shares"]:
        source = f"store ({counts['follows']:,} follows, {counts['shares']:,} shares)"
        return load_graph(None, ctx.store).graph, source, False
    graph, description = community_graph(15 if ctx.quick else 30)
    return graph, description, True


def run(ctx: Any) -> WomStep:
    from koubei.pipelines.wom import analyze_cascades, load_cascades, select_seeds
    from koubei.social.diffusion import sample_cascades
    from koubei.social.probabilities import ic_probabilities
    from koubei.store.social import social_counts

    started = time.perf_counter()
    progress = getattr(ctx, "progress", None)
    graph, source, generated = _graph(ctx)
    probs = ic_probabilities(graph, "wc")
    if social_counts(ctx.store)["shares"]:
        cascades, cascade_source = load_cascades(None, ctx.store)
    else:
        roots = np.random.default_rng(3).choice(graph.n, size=min(200, graph.n), replace=False)
        cascades = sample_cascades(graph, probs, roots, seed=3)
        cascade_source = (
            "SIMULATED cascades (one IC run from each of 200 random users; no share log in the store)"
        )
    summary = analyze_cascades(cascades, top=3).summary

    runs = 2000 if ctx.quick else 10_000
    # The same seed for every method's evaluation runs: the spreads are compared on the same random worlds.
    chosen = {
        method: select_seeds(
            graph,
            probs,
            k=K,
            method=method,
            epsilon=0.2 if ctx.quick else 0.1,
            mc_runs=runs,
            seed=0,
            scheme="wc",
            progress=progress,
        )
        for method in ("imm", "degree", "pagerank")
    }

    def row(method: str) -> dict[str, Any]:
        c = chosen[method]
        out = {
            "seeds": c.seeds,
            "expected_spread": c.expected_spread,
            "ci95": c.ci95,
            "seconds": c.selection_seconds,
        }
        if c.guarantee:
            out["guarantee"] = c.guarantee
        return out

    def lift(over: str) -> float:
        base = chosen[over].expected_spread
        return chosen["imm"].expected_spread / base - 1.0 if base else 0.0

    return WomStep(
        graph_source=source,
        generated_graph=generated,
        graph=graph.summary(),
        cascade_source=cascade_source,
        cascades=summary,
        imm=row("imm"),
        degree=row("degree"),
        pagerank=row("pagerank"),
        imm_lift_over_degree=lift("degree"),
        imm_lift_over_pagerank=lift("pagerank"),
        mc_runs=runs,
        total_seconds=time.perf_counter() - started,
    )
