"""Influence maximization with IMM (Tang, Shi & Xiao, SIGMOD 2015): whom to seed.

IMM returns k seeds whose expected spread is at least (1 - 1/e - epsilon) of the best possible k seeds, with
probability at least 1 - 1/n^ell. It works in two phases (Tang et al. 2015, Algorithms 2-3):
1. *Sampling* estimates a lower bound LB of the optimum: for x = n/2, n/4, ... it draws
   theta_i = lambda' / x RR sets and stops as soon as the greedy cover certifies n F(S) >= (1 + eps') x
   (eps' = sqrt(2) eps; the martingale concentration bound of their Lemma 4 / Theorem 2).
2. *Selection* draws theta = lambda* / LB RR sets, lambda* = 2n((1-1/e) alpha + beta)^2 / eps^2, and returns the greedy
   max-coverage seeds (Theorem 1).
`ell` is raised to ell (1 + ln 2 / ln n) so both phases together hold with 1 - 1/n^ell. Following Chen (2018,
"An issue in the martingale analysis of the influence maximization algorithm IMM"), the selection phase uses fresh
RR sets by default (`reuse_rr_sets=False`), which restores the guarantee at some extra cost.

Weighted spread (node values, e.g. a target segment): roots are drawn proportionally to weight and n becomes the
total weight Gamma in the estimates. Excluded users are never chosen as seeds (they can still be reached), and the
union bound counts only the eligible candidates (C(n_eligible, k)).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from koubei.errors import BadInputError
from koubei.progress import Progress, or_null
from koubei.social.graph import SocialGraph
from koubei.social.rrsets import RRCollection, RRSampler, max_coverage


@dataclass(frozen=True)
class IMMConfig:
    """Parameters of IMM (names as in Tang et al. 2015)."""

    k: int = 10  # number of seeds
    epsilon: float = 0.1  # approximation slack: spread >= (1 - 1/e - epsilon) OPT
    ell: float = 1.0  # failure probability at most 1/n^ell
    model: str = "ic"  # ic | lt
    seed: int = 0  # random seed of the RR sets
    reuse_rr_sets: bool = (
        False  # True = original IMM (faster; see Chen 2018 for why False is the safe default)
    )
    max_rr_sets: int = 20_000_000  # hard cap on RR sets (memory guard); hit => the result says so


@dataclass(frozen=True)
class SeedSelection:
    """Seeds in selection order (user ids and indices), with the estimate that chose them."""

    method: str
    seeds: list[Any]
    indices: list[int]
    estimated_spread: float | None  # from the RR sets (IMM) or CELF's simulations; None for the heuristics
    seconds: float
    details: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def imm(
    graph: SocialGraph,
    probs: np.ndarray,
    config: IMMConfig = IMMConfig(),
    *,
    node_weights: np.ndarray | None = None,
    exclude: Iterable[Any] | None = None,
    progress: Progress | None = None,
) -> SeedSelection:
    """Select `config.k` seeds with IMM. `probs` are per-arc IC probabilities (LT weights are derived from them)."""
    started = time.perf_counter()
    n = graph.n
    if n < 2:
        raise BadInputError(f"influence maximization needs a graph with at least 2 nodes, got {n}")
    if config.k < 1:
        raise BadInputError(f"k must be >= 1, got {config.k}")
    if not 0.0 < config.epsilon < 1.0:
        raise BadInputError(f"epsilon must be in (0, 1), got {config.epsilon}")
    if config.ell <= 0:
        raise BadInputError(f"ell must be > 0, got {config.ell}")
    if config.model not in ("ic", "lt"):
        raise BadInputError(f"model {config.model!r} is not known; use ic or lt")
    eligible = graph.eligible(exclude)
    n_eligible = int(eligible.sum())
    if n_eligible == 0:
        raise BadInputError("every user is excluded; nothing left to seed")
    k = min(config.k, n_eligible)
    if node_weights is not None:
        node_weights = np.asarray(node_weights, dtype=np.float64)
        if node_weights.shape != (n,) or (node_weights < 0).any() or node_weights.sum() <= 0:
            raise BadInputError("node weights must be one non-negative number per node, not all zero")
        gamma = float(node_weights.sum())
        lower = float(np.sort(node_weights[eligible])[-k:].sum())  # the seeds reach themselves
    else:
        gamma = float(n)
        lower = float(k)

    eps = config.epsilon
    ell = config.ell * (1.0 + math.log(2) / math.log(n))
    log_n = math.log(n)
    log_cnk = _log_comb(n_eligible, k)
    progress = or_null(progress)
    progress.start(None, "sets", "IMM: drawing RR sets")  # how many is known only after the sampling phase
    sampler = RRSampler(graph, probs, model=config.model, node_weights=node_weights, seed=config.seed)
    rr = RRCollection(n)
    capped = False

    def grow(target: float) -> None:
        nonlocal capped
        want = math.ceil(target)
        if want > config.max_rr_sets:
            want, capped = config.max_rr_sets, True
        sampler.extend(rr, want, progress=progress)

    # Phase 1: sampling (Tang et al. 2015, Algorithm 2).
    eps_p = math.sqrt(2.0) * eps
    lambda_p = (2.0 + 2.0 / 3.0 * eps_p) * (log_cnk + ell * log_n + math.log(max(math.log2(n), 1.0))) * gamma
    lambda_p /= eps_p**2
    lb = lower
    rounds = 0
    for i in range(1, max(math.ceil(math.log2(n)), 2)):
        rounds = i
        x = gamma / 2.0**i
        grow(lambda_p / x)
        cover = max_coverage(rr, k, eligible=eligible)
        estimate = gamma * cover.covered / rr.count
        if estimate >= (1.0 + eps_p) * x:
            lb = max(estimate / (1.0 + eps_p), lower)
            break
    sampling_sets = rr.count

    # Phase 2: node selection with theta = lambda* / LB fresh RR sets (Algorithm 1 + Chen 2018).
    alpha = math.sqrt(ell * log_n + math.log(2))
    beta = math.sqrt((1 - 1 / math.e) * (log_cnk + ell * log_n + math.log(2)))
    lambda_star = 2.0 * gamma * ((1 - 1 / math.e) * alpha + beta) ** 2 / eps**2
    theta = lambda_star / lb
    if not config.reuse_rr_sets:
        rr = RRCollection(n)
    grow(theta)
    cover = max_coverage(rr, k, eligible=eligible)
    estimate = gamma * cover.covered / rr.count
    seconds = time.perf_counter() - started
    details = {
        "config": asdict(config),
        "k": k,
        "lower_bound": lb,
        "sampling_rounds": rounds,
        "sampling_rr_sets": sampling_sets,
        "theta": math.ceil(theta),
        "rr_sets": rr.count,
        "rr_total_size": rr.total_size,
        "capped": capped,
        "eligible_nodes": n_eligible,
        "guarantee": (
            f"expected spread >= (1 - 1/e - {eps:g}) x optimum with probability >= 1 - 1/n^{config.ell:g}"
            + (" (void: RR-set cap reached)" if capped else "")
        ),
    }
    return SeedSelection(
        "imm", [graph.labels[i] for i in cover.seeds], cover.seeds, estimate, seconds, details
    )
