from pathlib import Path

import pytest

from koubei.social.cascades import (
    Cascade,
    build_cascade,
    cascade_edges_graph,
    cascade_stats,
    cascades_from_shares,
    share_rows,
    structural_virality,
    summarize_cascades,
)


def read_cascades(path: Path) -> list[Cascade]:
    from koubei.pipelines.wom import load_cascades

    return load_cascades(path)[0]


def test_star_chain_and_tree_exact_metrics() -> None:
    star, _ = build_cascade("s", "r", [("r", "a", 1), ("r", "b", 2), ("r", "c", 3)])
    stats = cascade_stats(star, time_to=(2, 4, 5))
    assert (stats.size, stats.depth, stats.max_breadth) == (4, 1, 3)
    assert stats.structural_virality == pytest.approx(1.5)  # 3 pairs at distance 1, 3 at distance 2
    assert stats.time_to == {2: 1.0, 4: 3.0, 5: None}
    chain, _ = build_cascade("c", 1, [(1, 2, 1), (2, 3, 2), (3, 4, 3)])
    assert structural_virality(chain) == pytest.approx(10 / 6)
    assert (cascade_stats(chain).depth, cascade_stats(chain).max_breadth) == (3, 1)
    # r -> a -> (x, y), r -> b: distances sum = 18 over 10 pairs
    tree, _ = build_cascade("t", "r", [("r", "a", 1), ("a", "x", 2), ("a", "y", 3), ("r", "b", 4)])
    assert structural_virality(tree) == pytest.approx(18 / 10)
    assert structural_virality(Cascade("one", "r", {"r": None})) is None


def test_first_exposure_wins_and_orphans_dropped() -> None:
    cascade, dropped = build_cascade("x", "r", [("r", "a", 5), ("b", "a", 1), ("r", "b", 0), ("zz", "q", 2)])
    assert cascade.parent == {"r": None, "b": "r", "a": "b"}  # a heard from b at t=1 before r at t=5
    assert dropped == 2


def test_reconstruct_from_share_events() -> None:
    shares = [
        {
            "share_id": "1",
            "from_user": "ann",
            "to_user": "bo",
            "item_id": "rev9",
            "created_at": "2026-01-01T10:00:00",
        },
        {
            "share_id": "2",
            "from_user": "bo",
            "to_user": "cy",
            "item_id": "rev9",
            "parent_share_id": "1",
            "created_at": "2026-01-01T11:00:00",
        },
        {
            "share_id": "3",
            "from_user": None,
            "to_user": "dee",
            "item_id": "rev9",
            "parent_share_id": "2",
            "created_at": "2026-01-01T12:00:00",
        },
        {
            "share_id": "4",
            "from_user": "eve",
            "to_user": "fay",
            "item_id": "rev9",
            "created_at": "2026-01-02T00:00:00",
        },
        {
            "share_id": "5",
            "from_user": "ann",
            "to_user": "gus",
            "item_id": "p1",
            "created_at": "2026-01-03T00:00:00",
        },
    ]
    cascades = {c.cascade_id: c for c in cascades_from_shares(shares, labels={"rev9": "negative"})}
    assert set(cascades) == {"rev9#ann", "rev9#eve", "p1"}
    ann = cascades["rev9#ann"]
    assert ann.parent == {
        "ann": None,
        "bo": "ann",
        "cy": "bo",
        "dee": "cy",
    }  # dee's sharer taken from share 2
    stats = cascade_stats(ann, time_to=(3,))
    assert stats.depth == 3 and stats.time_to[3] == 3600.0 and stats.root_label == "negative"
    summary = summarize_cascades([cascade_stats(c) for c in cascades.values()])
    assert summary["cascades"] == 3 and summary["size"]["max"] == 4.0


def test_twitter16_and_weibo_readers(tmp_path: Path) -> None:
    edges = tmp_path / "edges.tsv"
    edges.write_text(
        "cascade_id\tparent_uid\tparent_tweet_id\tparent_delay_min\tchild_uid\tchild_tweet_id\tchild_delay_min\n"
        "c1\tROOT\t\t0.0\tu1\t\t0.0\n"
        "c1\tu1\t\t0.0\tu2\t\t1.0\n"
        "c1\tu2\t\t1.0\tu3\t\t2.5\n"
        "c1\tu1\t\t0.0\tu3\t\t3.0\n"
    )
    (tmp_path / "cascades.tsv").write_text("cascade_id\tlabel\nc1\tfalse\n")
    [cascade] = read_cascades(edges)
    assert cascade.parent == {"u1": None, "u2": "u1", "u3": "u2"} and cascade.label == "false"
    assert cascade.time["u3"] == 150.0
    weibo = tmp_path / "weibo.txt"
    weibo.write_text("7\t1\t1464739201\t4\t1:0 1/5:10 1/5/6:20 1/8:30\n")
    [w] = read_cascades(weibo)
    assert w.parent == {"1": None, "5": "1", "6": "5", "8": "1"} and cascade_stats(w).depth == 2
    graph = cascade_edges_graph([cascade, w])
    assert graph.m == 5
    rows = share_rows([w])
    assert rows[1]["parent_share_id"] == rows[0]["share_id"] and rows[1]["from_user"] == "5"
    assert cascades_from_shares(rows)[0].parent == w.parent  # round trip through canonical share rows
