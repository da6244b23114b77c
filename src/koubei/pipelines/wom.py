"""Word-of-mouth use cases: join the store (or files) with `koubei.social` and return JSON-able results.

The `koubei wom ...` commands and the demo call these; each function reads its inputs (a graph file or the store's
follows/shares; a cascade file or the store's shares), runs the algorithm and returns a plain dict.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from koubei.errors import BadInputError
from koubei.social.cascades import Cascade, cascade_stats, cascades_from_shares, summarize_cascades
from koubei.social.graph import SocialGraph, from_follows, read_edge_list
from koubei.store import Store

LEARNED_FORMAT = 1  # format version of the learned-probabilities artifact


def load_graph(
    graph_path: Path | None, store: Store | None, *, directed: bool | None = None, follows: bool = False
) -> tuple[SocialGraph, str]:
    """The graph from an edge file when given, else from the store's follows and shares."""
    if graph_path is not None:
        return read_edge_list(graph_path, directed=directed, follows=follows), str(graph_path)
    if store is None:
        raise BadInputError("no graph: pass --graph FILE or ingest follows/shares into the store")
    from koubei.store.social import read_follows, read_shares, read_users

    graph = from_follows(read_follows(store), read_shares(store), read_users(store))
    if graph.m == 0:
        raise BadInputError(
            "the store has no follows or shares; run `koubei ingest follows FILE` (or shares) or pass --graph FILE"
        )
    return graph, f"store ({store.url})"


def load_cascades(
    path: Path | None, store: Store | None, fmt: str | None = None
) -> tuple[list[Cascade], str]:
    if path is not None:
        from koubei.social.formats import read_cascades

        return read_cascades(path, fmt), str(path)
    if store is None:
        raise BadInputError("no cascades: pass --cascades FILE or ingest shares into the store")
    from koubei.store.social import read_labelled_reviews, read_shares

    shares = read_shares(store)
    if not shares:
        raise BadInputError(
            "the store has no shares; run `koubei ingest shares FILE` or pass --cascades FILE"
        )
    labels = {r["review_id"]: r["label"] for r in read_labelled_reviews(store) if r["label"]}
    return cascades_from_shares(shares, labels=labels), f"store ({store.url})"


def analyze_cascades(
    cascades: Sequence[Cascade], *, top: int = 10, time_to: Sequence[int] = (10, 50, 100)
) -> dict[str, Any]:
    stats = [cascade_stats(c, time_to) for c in cascades]
    largest = sorted(stats, key=lambda s: (-s.size, s.cascade_id))[:top]
    return {"summary": summarize_cascades(stats), "largest": [s.to_dict() for s in largest]}


def export_shares(cascades: Sequence[Cascade], out: Path) -> dict[str, Any]:
    """Write cascades as canonical share rows (JSONL) that `koubei ingest shares FILE` loads with no flags."""
    from koubei.social.formats import share_rows

    rows = share_rows(cascades)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {"output": str(out), "shares": len(rows)}


def fit_probabilities(
    cascades: Sequence[Cascade],
    out: Path,
    graph: SocialGraph | None = None,
    *,
    evaluate: bool = False,
    seed: int = 0,
) -> dict[str, Any]:
    """Fit IC probabilities (Saito EM) on the cascades (over `graph`, default: the observed transmissions) and save
    them as a versioned JSON artifact with its config; optionally report held-out accuracy."""
    from koubei.social.formats import cascade_edges_graph
    from koubei.social.learning import CascadeEM, evaluate_heldout, fit_report

    graph = graph or cascade_edges_graph(cascades)
    model = CascadeEM().fit(graph, cascades)
    learned = model.learned()
    out.parent.mkdir(parents=True, exist_ok=True)
    report = fit_report(model)
    artifact = {
        "format_version": LEARNED_FORMAT,
        "kind": "ic_probabilities",
        "method": "saito_em_2008",
        "fit": report,
        "arcs": [[u, v, p] for (u, v), p in learned.items()],
    }
    out.write_text(json.dumps(artifact, ensure_ascii=False, default=str))
    result: dict[str, Any] = {"output": str(out), "fit": report}
    if evaluate:
        result["heldout"] = evaluate_heldout(cascades, seed=seed)
    return result


def load_learned(path: Path) -> dict[tuple[Any, Any], float]:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise BadInputError(f"cannot read learned probabilities {str(path)!r}: {error}") from None
    if data.get("kind") != "ic_probabilities" or data.get("format_version") != LEARNED_FORMAT:
        raise BadInputError(
            f"{str(path)!r} is not a koubei learned-probabilities file (format {LEARNED_FORMAT})"
        )
    return {(u, v): float(p) for u, v, p in data["arcs"]}


def probabilities(graph: SocialGraph, scheme: str, p: float, learned_path: Path | None) -> np.ndarray:
    from koubei.social.probabilities import ic_probabilities

    learned = None
    if scheme == "learned":
        if learned_path is None:
            raise BadInputError(
                "--probs learned needs --learned FILE (from `koubei wom cascades --fit FILE`)"
            )
        learned = {}
        for (u, v), value in load_learned(
            learned_path
        ).items():  # JSON ids may be str or int: match the graph
            iu, iv = graph.find(u), graph.find(v)
            if iu is not None and iv is not None:
                learned[(graph.labels[iu], graph.labels[iv])] = value
    return ic_probabilities(graph, scheme, p=p, learned=learned)


def read_id_list(values: Sequence[str] | None) -> list[str]:
    """Ids from repeated/comma-separated options; `@FILE` reads one id per line."""
    out: list[str] = []
    for value in values or []:
        if value.startswith("@"):
            path = Path(value[1:])
            if not path.exists():
                raise BadInputError(f"id file {str(path)!r} does not exist")
            out.extend(line.strip() for line in path.read_text().splitlines() if line.strip())
        else:
            out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def read_node_weights(graph: SocialGraph, path: Path, default: float = 0.0) -> np.ndarray:
    """`user weight` lines (whitespace/comma separated); users not listed get `default`."""
    weights = np.full(graph.n, default, dtype=np.float64)
    if not path.exists():
        raise BadInputError(f"weights file {str(path)!r} does not exist")
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        parts = line.replace(",", " ").split()
        if not parts or parts[0].startswith("#") or parts[0] in ("user_id", "user", "node"):
            continue
        try:
            value = float(parts[1])
        except (IndexError, ValueError):
            raise BadInputError(f"{path.name} line {number}: expected `user weight`, got {line!r}") from None
        idx = graph.find(parts[0])
        if idx is not None:
            weights[idx] = value
    return weights


def simulate(
    graph: SocialGraph,
    probs: np.ndarray,
    seeds: Sequence[str],
    *,
    model: str = "ic",
    runs: int = 1000,
    seed: int = 0,
    negative_seeds: Sequence[str] = (),
    negative_boost: float = 1.0,
    tie: str = "negative",
    progress: bool = False,
) -> dict[str, Any]:
    from koubei.social.competing import CompetingConfig, competing_spread
    from koubei.social.diffusion import SimulationConfig, estimate_spread

    if not seeds and not negative_seeds:
        raise BadInputError("give at least one seed user (--seeds a,b,c)")
    started = time.perf_counter()
    pos = graph.index_of(seeds, what="seed user")
    result: dict[str, Any] = {
        "graph": graph.summary(),
        "seeds": list(seeds),
        "model": model,
        "runs": runs,
        "seed": seed,
    }
    if negative_seeds:
        if model != "ic":
            raise BadInputError(
                "the competing (positive vs negative) simulation is defined for --model ic only"
            )
        neg = graph.index_of(negative_seeds, what="negative seed user")
        outcome = competing_spread(
            graph,
            pos,
            neg,
            probs,
            CompetingConfig(runs=runs, seed=seed, negative_boost=negative_boost, tie=tie),
        )
        result.update({"negative_seeds": list(negative_seeds), **outcome.to_dict()})
    else:
        estimate = estimate_spread(
            graph, pos, probs, SimulationConfig(model=model, runs=runs, seed=seed), progress=progress
        )
        result.update({"expected_spread": estimate.mean, "ci95": estimate.ci95, "std": estimate.std})
    result["seconds"] = time.perf_counter() - started
    return result


def select_seeds(
    graph: SocialGraph,
    probs: np.ndarray,
    *,
    k: int,
    method: str = "imm",
    model: str = "ic",
    epsilon: float = 0.1,
    seed: int = 0,
    exclude: Sequence[str] = (),
    node_weights: np.ndarray | None = None,
    mc_runs: int = 10_000,
    celf_trials: int = 1000,
    progress: bool = False,
) -> dict[str, Any]:
    """Seeds by `method`, then their expected spread from `mc_runs` fresh simulations (not used in selection)."""
    from koubei.social import baselines
    from koubei.social.diffusion import SimulationConfig, estimate_spread
    from koubei.social.imm import IMMConfig, imm

    if method == "imm":
        selection = imm(
            graph,
            probs,
            IMMConfig(k=k, epsilon=epsilon, model=model, seed=seed),
            node_weights=node_weights,
            exclude=exclude,
            progress=progress,
        )
    elif method == "celf":
        selection = baselines.celf_seeds(
            graph,
            probs,
            k,
            model=model,
            trials=celf_trials,
            seed=seed,
            node_weights=node_weights,
            exclude=exclude,
            progress=progress,
        )
    elif method == "degree":
        selection = baselines.degree_seeds(graph, k, exclude=exclude)
    elif method == "pagerank":
        selection = baselines.pagerank_seeds(graph, k, exclude=exclude)
    elif method == "voterank":
        selection = baselines.voterank_seeds(graph, k, exclude=exclude)
    else:
        raise BadInputError(f"method {method!r} is not known; use one of {', '.join(baselines.METHODS)}")
    estimate = estimate_spread(
        graph,
        selection.indices,
        probs,
        SimulationConfig(model=model, runs=mc_runs, seed=seed + 1),
        node_weights=node_weights,
        progress=progress,
    )
    out = {
        "seeds": selection.seeds,
        "expected_spread": estimate.mean,
        "ci95": estimate.ci95,
        "method": method,
        "model": model,
        "k": len(selection.seeds),
        "mc_runs": mc_runs,
        "selection_seconds": selection.seconds,
        "graph": graph.summary(),
    }
    if method == "imm":
        out.update(
            {
                "epsilon": epsilon,
                "rr_estimate": selection.estimated_spread,
                "guarantee": selection.details["guarantee"],
                "rr_sets": selection.details["rr_sets"],
            }
        )
    return out


def wom_index_rows(store: Store, *, group_by: str = "product", period: str = "week") -> list[dict[str, Any]]:
    from koubei.social.wom_index import build_events, wom_index
    from koubei.store.social import read_brands, read_labelled_reviews, read_shares

    events = build_events(read_labelled_reviews(store), read_shares(store), read_brands(store))
    return wom_index(events, group_by=group_by, period=period)


def negative_alerts(store: Store, config: Any, *, group_by: str = "product") -> dict[str, Any]:
    from koubei.social.alerts import detect_bursts
    from koubei.social.wom_index import build_events
    from koubei.store.social import read_brands, read_labelled_reviews, read_shares

    events = build_events(read_labelled_reviews(store), read_shares(store), read_brands(store))
    alerts, summary = detect_bursts(events, config, group_by=group_by)
    return {"alerts": [a.to_dict() for a in alerts], **summary}
