import numpy as np
import pytest

from koubei.errors import BadInputError
from koubei.social.baselines import celf_seeds, degree_seeds, pagerank_seeds, voterank_seeds
from koubei.social.graph import SocialGraph
from koubei.social.imm import IMMConfig, imm
from koubei.social.rrsets import RRCollection, max_coverage


def two_stars() -> SocialGraph:
    edges = [("A", f"a{i}") for i in range(20)] + [("B", f"b{i}") for i in range(10)]
    edges += [("C", "c0"), ("c0", "c1")]
    return SocialGraph.from_edges(edges)


def test_max_coverage_exact() -> None:
    rr = RRCollection(5)
    sets = [[0, 1], [1], [1, 2], [3], [3, 4], [4]]
    rr.add(np.concatenate([np.array(s) for s in sets]), np.array([len(s) for s in sets]))
    cover = max_coverage(rr, 2)
    assert cover.seeds == [1, 3] and cover.gains == [3, 2] and cover.covered == 5
    banned = max_coverage(rr, 2, eligible=np.array([True, False, True, True, True]))
    assert banned.seeds == [3, 0]  # ties go to the lowest index


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_imm_finds_the_obvious_seeds(model: str) -> None:
    graph = two_stars()
    probs = np.ones(graph.m) * (0.9 if model == "ic" else 1.0)
    result = imm(graph, probs, IMMConfig(k=2, epsilon=0.2, model=model, seed=1))
    assert result.seeds == ["A", "B"]
    expected = (1 + 0.9 * 20) + (1 + 0.9 * 10) if model == "ic" else 32
    assert result.estimated_spread == pytest.approx(expected, rel=0.05)
    assert "1 - 1/e - 0.2" in result.details["guarantee"]


def test_imm_exclusions_weights_and_reproducibility() -> None:
    graph = two_stars()
    probs = np.ones(graph.m)
    assert imm(graph, probs, IMMConfig(k=1), exclude=["A"]).seeds == ["B"]
    weights = np.zeros(graph.n)
    weights[graph.index_of(["c1"])] = 5.0  # only the C chain's far end is worth reaching
    assert imm(graph, probs, IMMConfig(k=1), node_weights=weights).seeds[0] in ("C", "c0", "c1")
    a = imm(graph, np.full(graph.m, 0.3), IMMConfig(k=3, seed=4))
    b = imm(graph, np.full(graph.m, 0.3), IMMConfig(k=3, seed=4))
    assert a.seeds == b.seeds and a.estimated_spread == b.estimated_spread
    with pytest.raises(BadInputError):
        imm(graph, probs, IMMConfig(k=0))
    with pytest.raises(BadInputError):
        imm(graph, probs, IMMConfig(epsilon=1.5))
    with pytest.raises(BadInputError, match="excluded"):
        imm(graph, probs, IMMConfig(k=1), exclude=list(graph.labels))


def test_baselines_on_stars() -> None:
    graph = two_stars()
    assert degree_seeds(graph, 2).seeds == ["A", "B"]
    assert pagerank_seeds(graph, 2).seeds == ["A", "B"]
    assert voterank_seeds(graph, 2).seeds == ["A", "B"]
    assert degree_seeds(graph, 1, exclude=["A"]).seeds == ["B"]
    celf = celf_seeds(graph, np.ones(graph.m), 3, trials=5)
    assert celf.seeds == ["A", "B", "C"] and celf.estimated_spread == pytest.approx(21 + 11 + 3)
