from pathlib import Path

import numpy as np
import pytest

from koubei.errors import BadInputError
from koubei.pipelines.wom import load_graph
from koubei.social.graph import SocialGraph, from_follows
from koubei.social.probabilities import ic_probabilities, lt_weights


def read_edge_list(path: Path, *, directed: bool | None = None, follows: bool = False) -> SocialGraph:
    return load_graph(path, directed=directed, follows=follows).graph


def test_plain_two_column_file_is_undirected(tmp_path: Path) -> None:
    path = tmp_path / "g.txt"
    path.write_text("# comment\n0 1\n0 2\n1 2\n0 1\n")
    graph = read_edge_list(path)
    assert graph.n == 3 and graph.m == 6  # 3 edges -> 6 arcs, duplicate line dropped
    assert graph.labels == [0, 1, 2]
    assert sorted(zip(graph.src.tolist(), graph.dst.tolist(), strict=False)) == [
        (0, 1),
        (0, 2),
        (1, 0),
        (1, 2),
        (2, 0),
        (2, 1),
    ]


def test_directed_and_follows_and_header(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("src,dst,weight\nalice,bob,0.5\nbob,carol,0.25\n")
    graph = read_edge_list(path)
    assert graph.m == 2 and graph.weight is not None
    assert [(graph.labels[u], graph.labels[v]) for u, v in zip(graph.src, graph.dst, strict=False)] == [
        ("alice", "bob"),
        ("bob", "carol"),
    ]
    assert ic_probabilities(graph, "weight").tolist() == [0.5, 0.25]
    flipped = read_edge_list(path, follows=True)  # alice follows bob: word of mouth flows bob -> alice
    assert {
        (flipped.labels[u], flipped.labels[v]) for u, v in zip(flipped.src, flipped.dst, strict=False)
    } == {
        ("bob", "alice"),
        ("carol", "bob"),
    }
    assert read_edge_list(tmp_path / "g.csv", directed=False).m == 4


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(BadInputError):
        read_edge_list(tmp_path / "missing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    with pytest.raises(BadInputError, match="no edges"):
        read_edge_list(empty)
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2 x\n")
    with pytest.raises(BadInputError):
        read_edge_list(bad)


def test_store_rows_graph_direction_and_attributes() -> None:
    graph = from_follows(
        [{"src": "u1", "dst": "star"}],
        [{"from_user": "u1", "to_user": "u2"}],
        [{"user_id": "u1", "attributes": {"sentiment": "positive"}}],
    )
    arcs = {(graph.labels[u], graph.labels[v]) for u, v in zip(graph.src, graph.dst, strict=False)}
    assert arcs == {("star", "u1"), ("u1", "u2")}
    assert graph.to_networkx().nodes["u1"]["sentiment"] == "positive"


def test_probability_schemes(tiny_graph: SocialGraph) -> None:
    wc = ic_probabilities(tiny_graph, "wc")
    indeg = tiny_graph.in_degree()
    assert np.allclose(wc, 1.0 / indeg[tiny_graph.dst])
    assert np.allclose(ic_probabilities(tiny_graph, "uniform", p=0.3), 0.3)
    learned = ic_probabilities(tiny_graph, "learned", p=0.05, learned={("a", "b"): 0.9})
    assert learned[0] == 0.9 and np.allclose(learned[1:], 0.05)
    weights = lt_weights(tiny_graph, np.full(tiny_graph.m, 0.8))
    assert np.bincount(tiny_graph.dst, weights=weights).max() <= 1.0 + 1e-12
    with pytest.raises(BadInputError, match="not known"):
        ic_probabilities(tiny_graph, "magic")
