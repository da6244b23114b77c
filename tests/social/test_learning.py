import numpy as np
import pytest

from koubei.errors import NotFittedError
from koubei.social.diffusion import sample_cascades
from koubei.social.graph import SocialGraph
from koubei.social.learning import CascadeEM, evaluate_heldout


def test_em_recovers_known_probabilities() -> None:
    # v has two possible parents; the EM must split credit between them correctly (not just count successes).
    graph = SocialGraph.from_edges([("r", "u"), ("r", "w"), ("u", "v"), ("w", "v"), ("v", "z")])
    truth = np.array([0.8, 0.5, 0.3, 0.6, 0.4])  # arcs sorted (r,u) (r,w) (u,v) (v,z) (w,v)
    order = {
        (graph.labels[a], graph.labels[b]): i
        for i, (a, b) in enumerate(zip(graph.src, graph.dst, strict=False))
    }
    p = np.zeros(graph.m)
    for (a, b), value in {
        ("r", "u"): 0.8,
        ("r", "w"): 0.5,
        ("u", "v"): 0.3,
        ("w", "v"): 0.6,
        ("v", "z"): 0.4,
    }.items():
        p[order[(a, b)]] = value
    cascades = sample_cascades(graph, p, [0] * 6000, seed=1)
    model = CascadeEM(max_iter=300, tol=1e-9).fit(graph, cascades)
    learned = model.learned()
    for (a, b), i in order.items():
        assert learned[(a, b)] == pytest.approx(p[i], abs=0.04), (a, b)
    assert truth.size == graph.m
    assert model.uniform_p_ > 0


def test_not_fitted_and_heldout_report() -> None:
    with pytest.raises(NotFittedError):
        CascadeEM().learned()
    graph = SocialGraph.from_edges([(i, j) for i in range(6) for j in range(6) if i != j and (i + j) % 3])
    cascades = sample_cascades(graph, np.full(graph.m, 0.3), list(range(6)) * 5, seed=2)
    report = evaluate_heldout(cascades, runs=50, seed=0)
    assert report["test_cascades"] == 6 and set(report["schemes"]) == {"learned", "uniform", "wc"}
    for scores in report["schemes"].values():
        assert scores["mae_log10_size"] >= 0
