"""Word-of-mouth use cases: join the store (or files read by `koubei.ingest.graphs`) with `koubei.social`.

The `koubei wom ...` commands and the demo call these; each reads its inputs (a graph file or the store's
follows/shares; a cascade file or the store's shares), runs the algorithm and returns a typed result whose
`to_dict()` is the command's `--json` output.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from koubei.artifacts import atomic_path, check_format_version, read_json, write_json
from koubei.errors import BadInputError
from koubei.progress import Progress
from koubei.results import Result, fields_dict, to_jsonable
from koubei.social.cascades import (
    Cascade,
    build_cascade,
    cascade_edges_graph,
    cascade_stats,
    cascades_from_shares,
    share_rows,
    summarize_cascades,
)
from koubei.social.graph import SocialGraph, from_edge_rows, from_follows
from koubei.store import Store

LEARNED_FORMAT = 1  # format version of the learned-probabilities artifact
LEARNED_KIND = "ic_probabilities"


@dataclass
class _Sparse(Result):
    """A result whose optional parts are left out of `to_dict()` when absent (the JSON shape scripts rely on)."""

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in fields_dict(self).items() if v is not None or k not in self._optional()}

    @classmethod
    def _optional(cls) -> frozenset[str]:
        return frozenset()


# ---- inputs ----------------------------------------------------------------------------------------------------


@dataclass
class LoadedGraph:
    """A graph and where it came from; rows of a graph file that could not be used are counted, not hidden."""

    graph: SocialGraph
    source: str
    skipped_rows: int = 0
    skipped_examples: list[dict[str, Any]] = field(default_factory=list)  # first few: row number + reasons


def load_graph(
    graph_path: Path | None = None,
    store: Store | None = None,
    *,
    db: str | None = None,
    directed: bool | None = None,
    follows: bool = False,
    mapping: dict[str, list[str]] | None = None,
    text: str | None = None,
) -> LoadedGraph:
    """The graph from an edge file when given (read exactly as `koubei ingest follows` reads it), or from `text`
    (an uploaded edge list, the same lines), else from the store's follows and shares (`store`, or the one at `db`).

    A file row `u v` is the arc u -> v unless `follows` (then `u follows v`: v -> u). `directed=None` reads a plain
    two-column edge list (no header, no weights; e.g. SNAP's ego-Facebook) as undirected and anything else as
    directed.
    """
    if graph_path is not None or text is not None:
        from koubei.ingest.graphs import read_edge_file, read_edge_text

        edges = (
            read_edge_file(graph_path, mapping=mapping)
            if graph_path is not None
            else read_edge_text(text or "")
        )
        both_ways = edges.plain if directed is None else not directed
        graph = from_edge_rows(edges.rows, directed=not both_ways, follows=follows)
        examples = [{"row": r.row, "reasons": r.reasons} for r in edges.rejected[:3]]
        source = f"file {graph_path}" if graph_path is not None else "uploaded edge list"
        return LoadedGraph(graph, source, len(edges.rejected), examples)
    if store is None:
        with Store.open(db) as opened:
            return load_graph(None, opened)
    from koubei.store.social import read_follows, read_shares, read_users

    graph = from_follows(read_follows(store), read_shares(store), read_users(store))
    if graph.m == 0:
        raise BadInputError(
            "the store has no follows or shares; run `koubei ingest follows FILE` (or shares) or pass --graph FILE"
        )
    return LoadedGraph(graph, f"store ({store.url})")


def load_cascades(
    path: Path | None = None, store: Store | None = None, fmt: str | None = None, *, db: str | None = None
) -> tuple[list[Cascade], str]:
    """Cascades of a cascade file (twitter16, weibo or shares; see `koubei.ingest.graphs`), else of the store's
    shares (`store`, or the one at `db`), with the root review's sentiment as each cascade's label."""
    if path is not None:
        from koubei.ingest.graphs import read_cascade_file

        read = read_cascade_file(path, fmt)
        if read.format == "shares":
            return cascades_from_shares(read.shares), str(path)
        cascades = [
            build_cascade(
                t.cascade_id, t.root, t.edges, item_id=t.cascade_id, label=t.label, origin=t.origin
            )[0]
            for t in read.trees
        ]
        return cascades, str(path)
    if store is None:
        with Store.open(db) as opened:
            return load_cascades(None, opened)
    from koubei.store.social import read_labelled_reviews, read_shares

    shares = read_shares(store)
    if not shares:
        raise BadInputError(
            "the store has no shares; run `koubei ingest shares FILE` or pass --cascades FILE"
        )
    labels = {r["review_id"]: r["label"] for r in read_labelled_reviews(store) if r["label"]}
    return cascades_from_shares(shares, labels=labels), f"store ({store.url})"


def read_id_list(values: Sequence[str] | None, *, files: bool = True) -> list[str]:
    """Ids from repeated/comma-separated options; `@FILE` reads one id per line when `files` (the CLI). The API
    passes `files=False`: a client must never make the server read one of its files, so `@x` is the id `@x`."""
    from koubei.ingest.graphs import read_id_file

    out: list[str] = []
    for value in values or []:
        if files and value.startswith("@"):
            out.extend(read_id_file(Path(value[1:])))
        else:
            out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def read_node_weights(
    graph: SocialGraph, path: Path | Mapping[str, float], default: float = 0.0
) -> np.ndarray:
    """Per-node values from a `user weight` file (see `koubei.ingest.graphs.read_user_values`) or a {user: value}
    mapping; users not listed get `default`, listed users that are not in the graph are ignored."""
    from koubei.ingest.graphs import read_user_values

    weights = np.full(graph.n, default, dtype=np.float64)
    pairs = read_user_values(path) if isinstance(path, Path) else list(path.items())
    for user, value in pairs:
        if not np.isfinite(value):
            raise BadInputError(f"weights: the value of user {user!r} ({value}) is not a finite number")
        idx = graph.find(user)
        if idx is not None:
            weights[idx] = value
    return weights


# ---- learned probabilities (an artifact file) -------------------------------------------------------------------


@dataclass
class ShareExport(Result):
    output: str
    shares: int


@dataclass
class LearnedFit(_Sparse):
    output: str
    fit: dict[str, Any]
    heldout: dict[str, Any] | None = None

    @classmethod
    def _optional(cls) -> frozenset[str]:
        return frozenset({"heldout"})


def export_shares(cascades: Sequence[Cascade], out: Path) -> ShareExport:
    """Write cascades as canonical share rows (JSONL) that `koubei ingest shares FILE` loads with no flags."""
    rows = share_rows(cascades)
    with atomic_path(out) as tmp, tmp.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return ShareExport(str(out), len(rows))


def fit_probabilities(
    cascades: Sequence[Cascade],
    out: Path,
    graph: SocialGraph | None = None,
    *,
    evaluate: bool = False,
    seed: int = 0,
) -> LearnedFit:
    """Fit IC probabilities (Saito EM) on the cascades (over `graph`, default: the observed transmissions), save
    them as a versioned JSON artifact with the fit's config, and optionally report held-out accuracy."""
    from koubei.social.learning import CascadeEM, evaluate_heldout, fit_report

    graph = graph or cascade_edges_graph(cascades)
    model = CascadeEM().fit(graph, cascades)
    report = fit_report(model)
    artifact = {
        "format_version": LEARNED_FORMAT,
        "kind": LEARNED_KIND,
        "method": "saito_em_2008",
        "fit": report,
        "arcs": [[u, v, p] for (u, v), p in model.learned().items()],
    }
    write_json(out, to_jsonable(artifact))  # NaN -> null: strict JSON
    heldout = evaluate_heldout(cascades, seed=seed) if evaluate else None
    return LearnedFit(str(out), report, heldout)


def load_learned(path: Path) -> dict[tuple[Any, Any], float]:
    """The arcs of a learned-probabilities file written by `fit_probabilities`."""
    data = read_json(path, what="learned probabilities file")
    if (
        not isinstance(data, dict)
        or data.get("kind") != LEARNED_KIND
        or not isinstance(data.get("arcs"), list)
    ):
        raise BadInputError(
            f"{str(path)!r} is not a koubei learned-probabilities file (from `koubei wom cascades --fit FILE`)"
        )
    check_format_version(path, data, LEARNED_FORMAT, what="learned probabilities file")
    try:
        return {(u, v): float(p) for u, v, p in data["arcs"]}
    except (TypeError, ValueError):
        raise BadInputError(f"learned probabilities file {str(path)!r} is damaged (bad arc rows)") from None


def probabilities(graph: SocialGraph, scheme: str, p: float, learned_path: Path | None) -> np.ndarray:
    """Arc probabilities by `scheme` (wc, uniform, learned, weight) for the simulators and seeders."""
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


# ---- cascades -------------------------------------------------------------------------------------------------


@dataclass
class CascadeReport(_Sparse):
    source: str
    summary: dict[str, Any]
    largest: list[dict[str, Any]]
    exported: ShareExport | None = None
    learned: LearnedFit | None = None

    @classmethod
    def _optional(cls) -> frozenset[str]:
        return frozenset({"exported", "learned"})


def analyze_cascades(
    cascades: Sequence[Cascade], *, top: int = 10, time_to: Sequence[int] = (10, 50, 100), source: str = ""
) -> CascadeReport:
    stats = [cascade_stats(c, time_to) for c in cascades]
    largest = sorted(stats, key=lambda s: (-s.size, s.cascade_id))[:top]
    return CascadeReport(source, summarize_cascades(stats), [s.to_dict() for s in largest])


def cascade_report(
    path: Path | None = None,
    *,
    db: str | None = None,
    fmt: str | None = None,
    top: int = 10,
    export_to: Path | None = None,
    fit_to: Path | None = None,
    evaluate: bool = False,
    seed: int = 0,
) -> CascadeReport:
    """`koubei wom cascades`: measure the cascades of a file (or the store), optionally export them as share rows
    and learn IC probabilities from them."""
    found, source = load_cascades(path, None, fmt, db=db)
    report = analyze_cascades(found, top=top, source=source)
    if export_to is not None:
        report.exported = export_shares(found, export_to)
    if fit_to is not None:
        report.learned = fit_probabilities(found, fit_to, evaluate=evaluate, seed=seed)
    return report


# ---- simulation and seeding -----------------------------------------------------------------------------------


@dataclass
class Simulation(_Sparse):
    graph: dict[str, Any]
    seeds: list[str]
    model: str
    runs: int
    seed: int
    expected_spread: float | None = None  # one campaign: mean adopters, its 95% CI and the sd of one run
    ci95: list[float] | None = None
    std: float | None = None
    negative_seeds: list[str] | None = None  # competing campaigns: positive / negative / net adopters
    positive: dict[str, Any] | None = None
    negative: dict[str, Any] | None = None
    net: dict[str, Any] | None = None
    config: dict[str, Any] | None = None
    seconds: float = 0.0
    skipped_rows: int | None = None  # rows of a graph file that could not be used (only when there were any)
    skipped_examples: list[dict[str, Any]] | None = None

    @classmethod
    def _optional(cls) -> frozenset[str]:
        return frozenset(
            {
                "expected_spread",
                "ci95",
                "std",
                "negative_seeds",
                "positive",
                "negative",
                "net",
                "config",
                "skipped_rows",
                "skipped_examples",
            }
        )


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
    progress: Progress | None = None,
) -> Simulation:
    from koubei.social.competing import CompetingConfig, competing_spread
    from koubei.social.diffusion import SimulationConfig, estimate_spread

    if not seeds and not negative_seeds:
        raise BadInputError("give at least one seed user (--seeds a,b,c)")
    started = time.perf_counter()
    pos = graph.index_of(seeds, what="seed user")
    result = Simulation(graph.summary(), list(seeds), model, runs, seed)
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
        ).to_dict()
        result.negative_seeds = list(negative_seeds)
        result.positive, result.negative, result.net = (
            outcome["positive"],
            outcome["negative"],
            outcome["net"],
        )
        result.config = outcome["config"]
    else:
        estimate = estimate_spread(
            graph, pos, probs, SimulationConfig(model=model, runs=runs, seed=seed), progress=progress
        )
        result.expected_spread, result.ci95, result.std = estimate.mean, estimate.ci95, estimate.std
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class SeedChoice(_Sparse):
    seeds: list[Any]
    expected_spread: float
    ci95: list[float]
    method: str
    model: str
    k: int
    mc_runs: int
    selection_seconds: float
    graph: dict[str, Any]
    epsilon: float | None = None  # IMM only: its slack, RR-set estimate, guarantee and RR-set count
    rr_estimate: float | None = None
    guarantee: str | None = None
    rr_sets: int | None = None
    probabilities: str | None = None  # the arc-probability scheme, when the caller names it
    skipped_rows: int | None = None  # rows of a graph file that could not be used (only when there were any)
    skipped_examples: list[dict[str, Any]] | None = None
    indices: list[int] = field(default_factory=list, repr=False)  # node indices of `seeds` (not in the JSON)

    @classmethod
    def _optional(cls) -> frozenset[str]:
        return frozenset(
            {
                "epsilon",
                "rr_estimate",
                "guarantee",
                "rr_sets",
                "probabilities",
                "skipped_rows",
                "skipped_examples",
            }
        )


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
    scheme: str | None = None,
    progress: Progress | None = None,
) -> SeedChoice:
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
    out = SeedChoice(
        seeds=selection.seeds,
        expected_spread=estimate.mean,
        ci95=estimate.ci95,
        method=method,
        model=model,
        k=len(selection.seeds),
        mc_runs=mc_runs,
        selection_seconds=selection.seconds,
        graph=graph.summary(),
        probabilities=scheme,
        indices=list(selection.indices),
    )
    if method == "imm":
        out.epsilon = epsilon
        out.rr_estimate = selection.estimated_spread
        out.guarantee = selection.details["guarantee"]
        out.rr_sets = selection.details["rr_sets"]
    return out


@dataclass(frozen=True)
class GraphInput:
    """Where a campaign's graph comes from and how its arcs are weighted (the options `koubei wom` commands share)."""

    path: Path | None = None  # an edge file; None: the store's follows and shares
    db: str | None = None  # the store, when `path` is None
    directed: bool | None = None  # None: a plain two-column edge list is undirected, anything else directed
    follows: bool = False  # a row `u v` means u follows v (word of mouth flows v -> u)
    mapping: dict[str, list[str]] | None = None  # --map FIELD=COLUMN for a table file
    probs: str = "wc"  # arc probabilities: wc, uniform, learned, weight
    p: float = 0.01  # the probability of every arc for probs=uniform
    learned: Path | None = None  # learned probabilities for probs=learned
    text: str | None = None  # an uploaded edge list (API), read like an edge file, instead of `path`
    store: Store | None = field(default=None, compare=False)  # an open store (API), instead of `db`


def _campaign_graph(source: GraphInput) -> tuple[LoadedGraph, np.ndarray]:
    loaded = load_graph(
        source.path,
        source.store,
        db=source.db,
        directed=source.directed,
        follows=source.follows,
        mapping=source.mapping,
        text=source.text,
    )
    return loaded, probabilities(loaded.graph, source.probs, source.p, source.learned)


def _note_skipped(result: Simulation | SeedChoice, loaded: LoadedGraph) -> None:
    if loaded.skipped_rows:
        result.skipped_rows, result.skipped_examples = loaded.skipped_rows, loaded.skipped_examples


def campaign_spread(
    source: GraphInput,
    seeds: Sequence[str],
    *,
    negative_seeds: Sequence[str] = (),
    model: str = "ic",
    runs: int = 1000,
    seed: int = 0,
    negative_boost: float = 1.0,
    tie: str = "negative",
    id_files: bool = True,
    progress: Progress | None = None,
) -> Simulation:
    """`koubei wom simulate`: the expected reach of `seeds` (ids, `@FILE` lists unless not `id_files`) on the
    graph of `source`, or the outcome of positive against negative word of mouth."""
    loaded, probs = _campaign_graph(source)
    result = simulate(
        loaded.graph,
        probs,
        read_id_list(seeds, files=id_files),
        model=model,
        runs=runs,
        seed=seed,
        negative_seeds=read_id_list(negative_seeds, files=id_files),
        negative_boost=negative_boost,
        tie=tie,
        progress=progress,
    )
    _note_skipped(result, loaded)
    return result


def campaign_seeds(
    source: GraphInput,
    *,
    k: int,
    method: str = "imm",
    model: str = "ic",
    epsilon: float = 0.1,
    seed: int = 0,
    exclude: Sequence[str] = (),
    weights: Path | Mapping[str, float] | None = None,
    mc_runs: int = 10_000,
    id_files: bool = True,
    progress: Progress | None = None,
) -> SeedChoice:
    """`koubei wom seeds`: whom to seed on the graph of `source`, never the `exclude`d users (ids, `@FILE` lists
    unless not `id_files`),
    valuing reach by a `user value` file (or a {user: value} mapping, the API's form) when given."""
    loaded, probs = _campaign_graph(source)
    node_weights = None if weights is None else read_node_weights(loaded.graph, weights)
    result = select_seeds(
        loaded.graph,
        probs,
        k=k,
        method=method,
        model=model,
        epsilon=epsilon,
        seed=seed,
        exclude=read_id_list(exclude, files=id_files),
        node_weights=node_weights,
        mc_runs=mc_runs,
        scheme=source.probs,
        progress=progress,
    )
    _note_skipped(result, loaded)
    return result


# ---- index and alerts -------------------------------------------------------------------------------------------


@dataclass
class WomIndex(Result):
    rows: list[dict[str, Any]]


@dataclass
class NegativeAlerts(Result):
    alerts: list[dict[str, Any]]
    tests: int
    alert_count: int
    alpha: float
    expected_false_alarms_at_most: float
    config: dict[str, Any]


def wom_index_rows(store: Store, *, group_by: str = "product", period: str = "week") -> WomIndex:
    from koubei.social.wom_index import build_events, wom_index
    from koubei.store.social import read_brands, read_labelled_reviews, read_shares

    events = build_events(read_labelled_reviews(store), read_shares(store), read_brands(store))
    return WomIndex(wom_index(events, group_by=group_by, period=period))


def negative_alerts(store: Store, config: Any, *, group_by: str = "product") -> NegativeAlerts:
    from koubei.social.alerts import detect_bursts
    from koubei.social.wom_index import build_events
    from koubei.store.social import read_brands, read_labelled_reviews, read_shares

    events = build_events(read_labelled_reviews(store), read_shares(store), read_brands(store))
    alerts, summary = detect_bursts(events, config, group_by=group_by)
    return NegativeAlerts([a.to_dict() for a in alerts], **summary)
