"""One edge-list parser: `koubei ingest follows F` and `koubei wom ... --graph F` read the same edges from F."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koubei.cli.main import app
from koubei.errors import BadInputError
from koubei.ingest.graphs import read_cascade_file, read_edge_file, read_user_values
from koubei.ingest.readers import parse_edge_text
from koubei.pipelines.wom import load_graph

runner = CliRunner()

# A header with alias names, a comment, semicolons and tabs, a duplicate, a self-loop and a short line.
EDGES = "# who follows whom\nfrom;to;p\nu1;u2;0.5\nu2\tu3\t0.25\nu1,u2,0.9\nu4 u4 0.1\nu5 0.3\nu3 u1 1\n"


def _arcs(graph: object) -> set[tuple[str, str, float | None]]:
    g = graph  # SocialGraph
    weights = g.weight.tolist() if g.weight is not None else [None] * g.m  # type: ignore[attr-defined]
    return {
        (str(g.labels[u]), str(g.labels[v]), w)  # type: ignore[attr-defined]
        for u, v, w in zip(g.src.tolist(), g.dst.tolist(), weights, strict=True)  # type: ignore[attr-defined]
    }


def test_parser_rules_exact() -> None:
    table = parse_edge_text(EDGES)
    assert table.header == ["from", "to", "p"] and table.columns == ["src", "dst", "weight"]
    assert [(r.number, r.values, r.problem) for r in table.rows] == [
        (1, {"src": "u1", "dst": "u2", "weight": "0.5"}, None),
        (2, {"src": "u2", "dst": "u3", "weight": "0.25"}, None),
        (3, {"src": "u1", "dst": "u2", "weight": "0.9"}, None),
        (4, {"src": "u4", "dst": "u4", "weight": "0.1"}, None),
        (5, {"_line": "u5 0.3"}, "expected 3 fields like the header (from to p), found 2"),
        (6, {"src": "u3", "dst": "u1", "weight": "1"}, None),
    ]
    plain = parse_edge_text("1 2\n2,3\n\n% comment\n3 4 0.5 extra\n")
    assert plain.header is None and [r.values for r in plain.rows[:2]] == [
        {"src": "1", "dst": "2"},
        {"src": "2", "dst": "3"},
    ]
    assert plain.rows[2].problem == "expected 2 or 3 fields (u v [weight]), found 4"
    named = parse_edge_text("user friend\na b\n")  # an unnamed second column is the arc's other end
    assert named.columns == ["src", "dst"] and named.rows[0].values == {"src": "a", "dst": "b"}


def test_same_file_same_edges_via_ingest_and_wom(tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "follows.txt"
    path.write_text(EDGES)
    ingested = runner.invoke(app, ["ingest", "follows", str(path), "--db", db_url, "--json"])
    assert ingested.exit_code == 0, ingested.output
    summary = json.loads(ingested.output)
    assert (summary["read"], summary["stored"], summary["rejected"]) == (
        6,
        3,
        3,
    )  # duplicate, self-loop, short
    from koubei.store import Store

    with Store.open(db_url) as store:
        from_store = load_graph(None, store).graph
    from_file = load_graph(path, directed=True, follows=True)
    assert from_file.skipped_rows == 3 and from_file.skipped_examples[0]["row"] == 3
    # The store keeps follows' weights out of the word-of-mouth graph; the arcs are the same.
    assert (
        {a[:2] for a in _arcs(from_file.graph)}
        == {a[:2] for a in _arcs(from_store)}
        == {("u2", "u1"), ("u3", "u2"), ("u1", "u3")}
    )
    assert _arcs(load_graph(path).graph) == {("u1", "u2", 0.5), ("u2", "u3", 0.25), ("u3", "u1", 1.0)}
    # And through the CLI: wom reads the file with the header that ingest understood (weights from column p).
    sim = runner.invoke(
        app,
        [
            "wom",
            "simulate",
            "--graph",
            str(path),
            "--seeds",
            "u1",
            "--probs",
            "weight",
            "--runs",
            "200",
            "--json",
        ],
    )
    assert sim.exit_code == 0, sim.output
    data = json.loads(sim.output)
    assert data["graph"] == {"nodes": 3, "arcs": 3, "weighted": True} and data["skipped_rows"] == 3
    assert data["skipped_examples"][0] == {
        "row": 3,
        "reasons": ["duplicate src='u1', dst='u2' (same as row 1)"],
    }
    human = runner.invoke(app, ["wom", "seeds", "--graph", str(path), "--k", "1", "--mc-runs", "50"])
    assert human.exit_code == 0 and "3 row(s) of the graph file skipped (row 3: duplicate" in human.output


def test_tables_and_mapping(tmp_path: Path) -> None:
    csv_file = tmp_path / "g.csv"
    csv_file.write_text("source,target\na,b\nb,c\n")
    with pytest.raises(BadInputError, match="--map"):  # a table needs the canonical names, as for ingest
        read_edge_file(csv_file)
    edges = read_edge_file(csv_file, mapping={"src": ["source"], "dst": ["target"]})
    assert [(r["src"], r["dst"]) for r in edges.rows] == [("a", "b"), ("b", "c")] and not edges.plain
    graph = load_graph(csv_file, mapping={"src": ["source"], "dst": ["target"]}).graph
    assert _arcs(graph) == {("a", "b", None), ("b", "c", None)}  # a table is directed
    odd = tmp_path / "g.dat"  # no table extension: an edge list
    odd.write_text("0 1\n1 2\n")
    loaded = load_graph(odd).graph
    assert loaded.labels == [0, 1, 2] and loaded.m == 4  # plain two-column list: undirected, integer ids


def test_bad_graph_and_cascade_files_are_plain_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("1 1\n")
    with pytest.raises(BadInputError, match=r"has no edges .*self-loop"):
        read_edge_file(bad)
    weibo = tmp_path / "w.txt"
    weibo.write_text("7\t1\t1464739201\t2\t1:0 1/5:soon\n")
    with pytest.raises(BadInputError, match="line 1: repost '1/5:soon'"):
        read_cascade_file(weibo, "weibo")
    latin = tmp_path / "t.tsv"
    latin.write_bytes(
        "cascade_id\tparent_uid\tchild_uid\tchild_delay_min\nc\tROOT\t\xe9\t0\n".encode("latin-1")
    )
    with pytest.raises(BadInputError, match="not UTF-8"):
        read_cascade_file(latin)
    with pytest.raises(BadInputError, match="not known"):
        read_cascade_file(weibo, "csv")
    values = tmp_path / "v.txt"
    values.write_text("user weight\na 2\nb,0.5\n")
    assert read_user_values(values) == [("a", 2.0), ("b", 0.5)]
    values.write_text("a nan\n")
    with pytest.raises(BadInputError, match="finite"):
        read_user_values(values)


def test_id_lists_and_weights_reach_the_seeder(tmp_path: Path) -> None:
    from koubei.pipelines.wom import GraphInput, campaign_seeds, read_id_list

    ids = tmp_path / "ids.txt"
    ids.write_text("# detractors\nu7\n\nu8\n")
    assert read_id_list([f"@{ids}", "a, b", "c"]) == ["u7", "u8", "a", "b", "c"]
    with pytest.raises(BadInputError, match="id file"):
        read_id_list([f"@{tmp_path / 'missing.txt'}"])
    graph = tmp_path / "g.txt"
    graph.write_text("".join(f"1 {i}\n" for i in range(2, 12)) + "20 21\n21 22\n")
    values = tmp_path / "values.txt"
    values.write_text("21 100\n22 100\n20 100\n")  # only the small component is worth reaching
    chosen = campaign_seeds(GraphInput(graph), k=1, weights=values, mc_runs=50)
    assert chosen.seeds == [21] and chosen.expected_spread == 300.0
    assert campaign_seeds(GraphInput(graph), k=1, exclude=["1"], method="degree", mc_runs=20).seeds == [21]
