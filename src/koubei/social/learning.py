"""Learning Independent-Cascade edge probabilities from observed cascades (Saito, Nakano & Kimura, KES 2008).

Saito et al.'s EM treats each adoption of v as caused by at least one of v's graph in-neighbours that adopted
earlier ("candidate parents"); which one is the hidden variable. With continuous timestamps we use the usual
relaxation of their discrete steps: every in-neighbour that adopted strictly before v is a candidate (time falls
back to tree depth when a cascade has no timestamps). For arc u -> v:
- a *positive* trial is a cascade where u adopted before v (v adopted);
- a *negative* trial is a cascade where u adopted and v never did.
E-step: for each adoption event with candidate arcs C, P = 1 - prod_{e in C} (1 - p_e), responsibility p_e / P.
M-step: p_e = (sum of e's responsibilities) / (positive + negative trials of e). Arcs never tried get no estimate.
`evaluate_heldout` compares how well learned, uniform (fitted to the same cascades) and weighted-cascade
probabilities predict the sizes of held-out cascades from their roots.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from koubei.errors import BadInputError, NotFittedError
from koubei.social.cascades import Cascade, cascade_edges_graph
from koubei.social.graph import SocialGraph


@dataclass(frozen=True)
class EMConfig:
    """Hyperparameters of the EM fit."""

    init: float = 0.1  # starting probability of every arc
    max_iter: int = 100
    tol: float = 1e-6  # stop when no probability moves more than this


class CascadeEM:
    """Saito et al. (2008) EM for IC arc probabilities. `fit(graph, cascades)`; learned state ends in `_`."""

    def __init__(self, init: float = 0.1, max_iter: int = 100, tol: float = 1e-6) -> None:
        self.init = init
        self.max_iter = max_iter
        self.tol = tol

    @property
    def config(self) -> EMConfig:
        return EMConfig(self.init, self.max_iter, self.tol)

    def fit(self, graph: SocialGraph, cascades: Sequence[Cascade]) -> CascadeEM:
        if not 0.0 < self.init < 1.0:
            raise BadInputError(f"init must be in (0, 1), got {self.init}")
        if not cascades:
            raise BadInputError("no cascades to learn from")
        n, m = graph.n, graph.m
        indptr = graph.indptr
        positives = np.zeros(m)  # trials of each arc that ended in an (attributed) adoption
        negatives = np.zeros(m)
        event_of: list[np.ndarray] = []  # per candidate pair: the adoption event it belongs to
        arc_of: list[np.ndarray] = []
        n_events = 0
        adopted = np.full(n, np.inf)  # adoption time of each node in the current cascade, inf = never
        for cascade in cascades:
            idx_time = self._times(graph, cascade)
            if not idx_time:
                continue
            nodes = np.fromiter(idx_time.keys(), dtype=np.int64)
            adopted[nodes] = np.fromiter(idx_time.values(), dtype=np.float64)
            lens = indptr[nodes + 1] - indptr[nodes]
            arcs = np.repeat(indptr[nodes] - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens) + np.arange(
                lens.sum()
            )
            t_u = np.repeat(adopted[nodes], lens)
            t_v = adopted[graph.dst[arcs]]
            np.add.at(negatives, arcs[np.isinf(t_v)], 1.0)
            cand = arcs[t_u < t_v]
            cand = cand[np.isfinite(t_v[t_u < t_v])]
            if cand.size:
                heads = graph.dst[cand]
                uniq, event = np.unique(heads, return_inverse=True)
                event_of.append(event + n_events)
                arc_of.append(cand)
                n_events += uniq.size
                np.add.at(positives, cand, 1.0)
            adopted[nodes] = np.inf
        trials = positives + negatives
        tried = trials > 0
        events = np.concatenate(event_of) if event_of else np.zeros(0, np.int64)
        pair_arcs = np.concatenate(arc_of) if arc_of else np.zeros(0, np.int64)
        p = np.where(tried, self.init, 0.0)
        iterations = 0
        for iterations in range(1, self.max_iter + 1):  # noqa: B007
            log_fail = np.bincount(
                events, weights=np.log1p(-np.minimum(p[pair_arcs], 1 - 1e-12)), minlength=n_events
            )
            p_event = -np.expm1(log_fail)
            resp = p[pair_arcs] / np.maximum(p_event[events], 1e-300)
            credit = np.bincount(pair_arcs, weights=resp, minlength=m)
            new = np.where(tried, credit / np.maximum(trials, 1), 0.0)
            delta = float(np.abs(new - p).max()) if m else 0.0
            p = new
            if delta < self.tol:
                break
        self.graph_ = graph
        self.probabilities_ = p
        self.tried_ = tried
        self.trials_ = trials
        self.n_events_ = n_events
        self.n_iter_ = iterations
        # The one-parameter uniform model fitted to the same data: success fraction over all trials.
        self.uniform_p_ = float(n_events / trials.sum()) if trials.sum() else 0.0
        return self

    @staticmethod
    def _times(graph: SocialGraph, cascade: Cascade) -> dict[int, float]:
        """Adoption time per node index (time if every node has one, else tree depth); nodes not in graph dropped."""
        use_time = all(t is not None for t in cascade.time.values()) and len(cascade.time) == cascade.size
        depth = cascade.depths()
        out: dict[int, float] = {}
        for node in cascade.parent:
            idx = graph.find(node)
            if idx is not None:
                when = cascade.time[node] if use_time else depth[node]
                out[int(idx)] = float(when)  # type: ignore[arg-type]
        return out

    def _check(self) -> None:
        if not hasattr(self, "probabilities_"):
            raise NotFittedError("CascadeEM is not fitted; call fit(graph, cascades) first")

    def learned(self) -> dict[tuple[Any, Any], float]:
        """{(u, v): p} for every arc that had at least one trial."""
        self._check()
        labels = self.graph_.labels
        keep = np.flatnonzero(self.tried_)
        return {
            (labels[int(self.graph_.src[i])], labels[int(self.graph_.dst[i])]): float(self.probabilities_[i])
            for i in keep
        }


def fit_report(model: CascadeEM) -> dict[str, Any]:
    model._check()
    tried = model.probabilities_[model.tried_]
    return {
        "config": asdict(model.config),
        "arcs_with_estimate": int(model.tried_.sum()),
        "adoption_events": int(model.n_events_),
        "iterations": int(model.n_iter_),
        "mean_p": float(tried.mean()) if tried.size else None,
        "uniform_p": model.uniform_p_,
    }


def evaluate_heldout(
    cascades: Sequence[Cascade],
    *,
    test_fraction: float = 0.2,
    seed: int = 0,
    runs: int = 200,
    em: CascadeEM | None = None,
) -> dict[str, Any]:
    """Fit on a random part of the cascades, predict the others' sizes from their roots, per probability scheme.

    The graph is the arcs observed in the *training* cascades only (no follow graph ships with these data sets),
    so a held-out cascade is predicted from what was seen before. Reports mean absolute error of log10(size) and
    Spearman rank correlation of predicted vs actual sizes for learned, uniform (fitted) and weighted-cascade
    probabilities.
    """
    from scipy.stats import spearmanr

    from koubei.social.diffusion import spread_samples
    from koubei.social.probabilities import ic_probabilities

    if not 0.0 < test_fraction < 1.0:
        raise BadInputError(f"test_fraction must be in (0, 1), got {test_fraction}")
    if len(cascades) < 5:
        raise BadInputError(f"need at least 5 cascades to hold some out, got {len(cascades)}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(cascades))
    n_test = max(1, round(test_fraction * len(cascades)))
    test = [cascades[i] for i in order[:n_test]]
    train = [cascades[i] for i in order[n_test:]]
    roots = [c.root for c in test]
    graph = cascade_edges_graph(train, nodes=roots)
    model = (em or CascadeEM()).fit(graph, train)
    schemes = {
        "learned": np.where(model.tried_, model.probabilities_, model.uniform_p_),
        "uniform": ic_probabilities(graph, "uniform", p=model.uniform_p_),
        "wc": ic_probabilities(graph, "wc"),
    }
    actual = np.asarray([c.size for c in test], dtype=np.float64)
    results: dict[str, Any] = {}
    for name, probs in schemes.items():
        predicted = np.asarray(
            [
                spread_samples(graph, graph.index_of([r]), probs, runs=runs, seed=seed + j).mean()
                for j, r in enumerate(roots)
            ]
        )
        rho = spearmanr(predicted, actual).statistic if np.ptp(predicted) > 0 else math.nan
        results[name] = {
            "mae_log10_size": float(np.mean(np.abs(np.log10(predicted) - np.log10(actual)))),
            "spearman": None if math.isnan(rho) else float(rho),
            "mean_predicted": float(predicted.mean()),
        }
    return {
        "train_cascades": len(train),
        "test_cascades": len(test),
        "mean_actual_size": float(actual.mean()),
        "fit": fit_report(model),
        "schemes": results,
    }
