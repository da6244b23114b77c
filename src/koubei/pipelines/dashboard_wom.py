"""The dashboard's word-of-mouth page: the cascade explorer (largest cascades, one drawn as a tree) and the
campaign planner (IMM's seeds against the degree and PageRank baselines, each scored by fresh simulations).

Both read the store's shares / follows through `koubei.pipelines.wom` (the same loaders `koubei wom` uses); the
planner loads the graph once and runs the three seed choices on it with the same seed, so their spreads compare.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from koubei.errors import BadInputError, NotFoundError
from koubei.results import Result
from koubei.store import Store

PLAN_METHODS = ("imm", "degree", "pagerank")
MAX_K = 50
PLAN_MC_RUNS = 2000  # fresh simulations scoring each method's seeds (the API's default is 10k; a page waits)
TREE_NODES = 120  # nodes drawn of a large cascade (the earliest adopters: insertion order is adoption order)


@dataclass
class CascadeExplorer(Result):
    source: str
    summary: dict[str, Any]
    largest: list[dict[str, Any]]
    chosen: str | None  # the cascade drawn
    tree: dict[str, Any] | None  # {name, children: [...]}, for ECharts' tree series
    drawn_nodes: int
    size: int


def cascade_tree(parent: dict[Any, Any], limit: int = TREE_NODES) -> tuple[dict[str, Any], int]:
    """The nested {name, children} tree of a cascade's `parent` map (root: parent None), its first `limit`
    adopters only; returns the tree and how many nodes it holds."""
    kept = list(parent)[:limit]
    nodes: dict[Any, dict[str, Any]] = {u: {"name": str(u), "children": []} for u in kept}
    root = None
    for user in kept:
        up = parent[user]
        if up is None:
            root = nodes[user]
        elif up in nodes:
            nodes[up]["children"].append(nodes[user])
    if root is None:
        raise BadInputError("the cascade has no root (no adopter without a parent)")
    return root, len(kept)


def cascade_explorer(store: Store, cascade_id: str | None = None, top: int = 10) -> CascadeExplorer:
    """The `top` largest cascades of the store's shares, and the tree of `cascade_id` (default: the largest)."""
    from koubei.pipelines.wom import analyze_cascades, load_cascades

    cascades, source = load_cascades(None, store)
    report = analyze_cascades(cascades, top=top, source=source)
    if not cascades:
        return CascadeExplorer(source, report.summary, report.largest, None, None, 0, 0)
    by_id = {str(c.cascade_id): c for c in cascades}
    if cascade_id is None:
        chosen = by_id[str(report.largest[0]["cascade_id"])]
    elif cascade_id in by_id:
        chosen = by_id[cascade_id]
    else:
        raise NotFoundError(f"cascade={cascade_id[:128]!r} is not a cascade of the store's shares")
    tree, drawn = cascade_tree(chosen.parent)
    return CascadeExplorer(
        source, report.summary, report.largest, str(chosen.cascade_id), tree, drawn, chosen.size
    )


@dataclass
class PlanRow(Result):
    method: str
    seeds: list[str]
    expected_spread: float
    ci95: list[float]
    selection_seconds: float


@dataclass
class CampaignPlan(Result):
    k: int
    model: str
    graph: dict[str, Any]
    mc_runs: int
    rows: list[PlanRow]
    seconds: float


def campaign_plan(store: Store, k: int, model: str = "ic", seed: int = 0) -> CampaignPlan:
    """Seeds of each of `PLAN_METHODS` on the store's graph (weighted-cascade probabilities), with the expected
    spread of each set from `PLAN_MC_RUNS` fresh simulations."""
    from koubei.pipelines.wom import load_graph, probabilities, select_seeds

    if not 1 <= k <= MAX_K:
        raise BadInputError(f"k={k} is not valid; expected 1 to {MAX_K} seeds")
    if model not in ("ic", "lt"):
        raise BadInputError(f"model={model!r} is not valid; expected ic or lt")
    started = time.perf_counter()
    loaded = load_graph(None, store)
    probs = probabilities(loaded.graph, "wc", 0.01, None)
    rows = []
    graph_info: dict[str, Any] = {}
    for method in PLAN_METHODS:
        choice = select_seeds(
            loaded.graph, probs, k=k, method=method, model=model, seed=seed, mc_runs=PLAN_MC_RUNS, scheme="wc"
        )
        graph_info = choice.graph
        rows.append(
            PlanRow(
                method,
                [str(s) for s in choice.seeds],
                round(choice.expected_spread, 2),
                [round(x, 2) for x in choice.ci95],
                round(choice.selection_seconds, 3),
            )
        )
    return CampaignPlan(k, model, graph_info, PLAN_MC_RUNS, rows, round(time.perf_counter() - started, 3))
