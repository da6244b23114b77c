import numpy as np
import pytest

from koubei.errors import BadInputError
from koubei.social.competing import CompetingConfig, competing_spread
from koubei.social.diffusion import SimulationConfig, estimate_spread, sample_cascades, spread_samples
from koubei.social.graph import SocialGraph
from koubei.social.probabilities import lt_weights
from koubei.social.rrsets import RRCollection, RRSampler, max_coverage

from .conftest import exact_ic, exact_lt

PROBS = np.array([0.6, 0.3, 0.5, 0.7, 0.4, 0.9])


@pytest.mark.parametrize("seeds", [[0], [0, 4]])
def test_ic_monte_carlo_matches_enumeration(tiny_graph: SocialGraph, seeds: list[int]) -> None:
    exact = exact_ic(tiny_graph, PROBS, seeds)
    est = estimate_spread(tiny_graph, seeds, PROBS, SimulationConfig(runs=60_000, seed=1))
    assert abs(est.mean - exact) < 4 * est.std / np.sqrt(est.runs) + 1e-3
    assert est.ci_low < est.mean < est.ci_high


def test_lt_monte_carlo_matches_enumeration(tiny_graph: SocialGraph) -> None:
    weights = lt_weights(tiny_graph, PROBS)
    exact = exact_lt(tiny_graph, weights, [0])
    est = estimate_spread(tiny_graph, [0], PROBS, SimulationConfig(model="lt", runs=60_000, seed=2))
    assert abs(est.mean - exact) < 4 * est.std / np.sqrt(est.runs) + 1e-3


@pytest.mark.parametrize("probs", [PROBS, np.full(6, 0.45), "wc"])
def test_rr_sets_estimate_ic_spread(tiny_graph: SocialGraph, probs: object) -> None:
    # n x P(seed set hits a random RR set) = expected spread (Borgs et al. 2014); covers both the constant-per-node
    # geometric-skip sampler (uniform, wc) and the cynetdiff path (arbitrary probabilities).
    p = 1.0 / tiny_graph.in_degree()[tiny_graph.dst] if isinstance(probs, str) else np.asarray(probs)
    sampler = RRSampler(tiny_graph, p, seed=3)
    rr = RRCollection(tiny_graph.n)
    sampler.extend(rr, 80_000)
    nodes, ptr = rr.arrays()
    hit = np.zeros(rr.count, dtype=bool)
    sets = np.repeat(np.arange(rr.count), np.diff(ptr))
    hit[sets[np.isin(nodes, [0])]] = True
    estimate = tiny_graph.n * hit.mean()
    assert estimate == pytest.approx(exact_ic(tiny_graph, p, [0]), abs=0.04)


def test_lt_rr_sets_estimate_lt_spread(tiny_graph: SocialGraph) -> None:
    sampler = RRSampler(tiny_graph, PROBS, model="lt", seed=4)
    rr = RRCollection(tiny_graph.n)
    sampler.extend(rr, 80_000)
    cover = max_coverage(rr, 1, eligible=np.arange(tiny_graph.n) == 0)
    estimate = tiny_graph.n * cover.covered / rr.count
    assert estimate == pytest.approx(exact_lt(tiny_graph, lt_weights(tiny_graph, PROBS), [0]), abs=0.04)


def test_same_seed_same_result(tiny_graph: SocialGraph) -> None:
    a = spread_samples(tiny_graph, [0], PROBS, runs=500, seed=9)
    b = spread_samples(tiny_graph, [0], PROBS, runs=500, seed=9)
    c = spread_samples(tiny_graph, [0], PROBS, runs=500, seed=10)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    one = [c.parent for c in sample_cascades(tiny_graph, PROBS, [0, 2], seed=5)]
    assert one == [c.parent for c in sample_cascades(tiny_graph, PROBS, [0, 2], seed=5)]


def test_node_weights_and_bad_input(tiny_graph: SocialGraph) -> None:
    weights = np.zeros(tiny_graph.n)
    weights[0] = 2.5  # only the seed itself has value
    values = spread_samples(tiny_graph, [0], PROBS, runs=50, node_weights=weights)
    assert np.allclose(values, 2.5)
    with pytest.raises(BadInputError):
        spread_samples(tiny_graph, [99], PROBS, runs=5)
    with pytest.raises(BadInputError):
        spread_samples(tiny_graph, [0], PROBS, runs=0)


def test_competing_ic_exact_small_case() -> None:
    # a -> c (0.5), b -> c (0.5), c -> d (1): a positive, b negative
    graph = SocialGraph.from_edges([("a", "c", 0.5), ("b", "c", 0.5), ("c", "d", 1.0)])
    p = graph.weight
    assert p is not None
    pos, neg = graph.index_of(["a"]), graph.index_of(["b"])
    expected = {"negative": (1.5, 2.0), "positive": (2.0, 1.5), "random": (1.75, 1.75)}
    for tie, (want_pos, want_neg) in expected.items():
        result = competing_spread(graph, pos, neg, p, CompetingConfig(runs=40_000, seed=1, tie=tie))
        assert result.positive.mean == pytest.approx(want_pos, abs=0.03)
        assert result.negative.mean == pytest.approx(want_neg, abs=0.03)
    boosted = competing_spread(graph, pos, neg, p, CompetingConfig(runs=20_000, seed=1, negative_boost=2.0))
    assert boosted.negative.mean == pytest.approx(3.0)  # b -> c certain, then c -> d
    with pytest.raises(BadInputError):
        competing_spread(graph, pos, neg, p, CompetingConfig(tie="coin"))
