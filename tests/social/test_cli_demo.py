import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koubei.cli.main import app
from koubei.store import Store
from koubei.store.models import Follow, Product, Review, Share

runner = CliRunner()


def _star_file(tmp_path: Path) -> Path:
    path = tmp_path / "g.txt"
    path.write_text("".join(f"1 {i}\n" for i in range(2, 12)) + "20 21\n21 22\n")
    return path


def test_seeds_json_shape(tmp_path: Path) -> None:
    graph = _star_file(tmp_path)
    result = runner.invoke(
        app, ["wom", "seeds", "--graph", str(graph), "--k", "2", "--mc-runs", "200", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["seeds"][0] == 1 and len(data["seeds"]) == 2
    assert data["probabilities"] == "wc" and data["guarantee"].startswith("expected spread >=")
    assert "skipped_rows" not in data and "indices" not in data  # optional parts only when present
    assert data["ci95"][0] <= data["expected_spread"] <= data["ci95"][1]
    for method in ("degree", "pagerank", "voterank", "celf"):
        out = runner.invoke(
            app,
            [
                "wom",
                "seeds",
                "--graph",
                str(graph),
                "--k",
                "1",
                "--method",
                method,
                "--mc-runs",
                "50",
                "--json",
            ],
        )
        assert out.exit_code == 0, out.output
        assert json.loads(out.output)["seeds"] == [1]
    excluded = runner.invoke(
        app,
        ["wom", "seeds", "--graph", str(graph), "--k", "1", "--exclude", "1", "--json", "--mc-runs", "50"],
    )
    assert json.loads(excluded.output)["seeds"] != [1]


def test_simulate_and_bad_input(tmp_path: Path) -> None:
    graph = _star_file(tmp_path)
    result = runner.invoke(
        app,
        [
            "wom",
            "simulate",
            "--graph",
            str(graph),
            "--seeds",
            "1",
            "--probs",
            "uniform",
            "--p",
            "1",
            "--runs",
            "100",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["expected_spread"] == 11.0  # the undirected star: everyone, every time
    compete = runner.invoke(
        app,
        [
            "wom",
            "simulate",
            "--graph",
            str(graph),
            "--seeds",
            "2",
            "--negative-seeds",
            "1",
            "--probs",
            "uniform",
            "--p",
            "1",
            "--runs",
            "50",
            "--json",
        ],
    )
    data = json.loads(compete.output)
    assert data["negative"]["mean"] == 10.0 and data["positive"]["mean"] == 1.0  # leaf 2 stays positive
    missing = runner.invoke(app, ["wom", "simulate", "--graph", str(graph), "--seeds", "999"])
    assert missing.exit_code == 2 and "999" in missing.output
    nofile = runner.invoke(app, ["wom", "seeds", "--graph", str(tmp_path / "nope.txt")])
    assert nofile.exit_code == 2


def test_cascades_fit_and_learned_probs(tmp_path: Path) -> None:
    weibo = tmp_path / "weibo.txt"
    lines = [f"{c}\t1\t1464739201\t4\t1:0 1/5:10 1/5/6:{20 + c} 1/8:30" for c in range(8)]
    lines += [f"{c + 8}\t5\t1464739201\t2\t5:0 5/6:{c + 1}" for c in range(4)]
    weibo.write_text("\n".join(lines) + "\n")
    probs = tmp_path / "probs.json"
    result = runner.invoke(
        app, ["wom", "cascades", "--cascades", str(weibo), "--fit", str(probs), "--evaluate", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["summary"]["cascades"] == 12 and data["largest"][0]["size"] == 4
    assert "heldout" in data["learned"] and json.loads(probs.read_text())["format_version"] == 1
    exported = tmp_path / "shares.jsonl"
    out = runner.invoke(
        app, ["wom", "cascades", "--cascades", str(weibo), "--export-shares", str(exported), "--json"]
    )
    assert json.loads(out.output)["exported"]["shares"] == 8 * 3 + 4
    first = json.loads(exported.read_text().splitlines()[0])
    assert first["created_at"].startswith("2016-06-01") and first["clock"] == "absolute"
    graph = tmp_path / "g.tsv"
    graph.write_text("src\tdst\n1\t5\n5\t6\n1\t8\n")
    sim = runner.invoke(
        app,
        [
            "wom",
            "simulate",
            "--graph",
            str(graph),
            "--seeds",
            "1",
            "--probs",
            "learned",
            "--learned",
            str(probs),
            "--runs",
            "200",
            "--json",
        ],
    )
    assert sim.exit_code == 0, sim.output
    assert json.loads(sim.output)["expected_spread"] == 4.0  # every arc succeeded in every training cascade


def _filled_store(url: str) -> None:
    store = Store.open(url)
    day0 = datetime(2026, 1, 1)
    with store.session() as s:
        s.add(Product(product_id="p1", brand="B", content_hash="x"))
        for day in range(40):
            n_neg = 12 if day == 35 else day % 2
            for i in range(n_neg + 1):
                label = "negative" if i < n_neg else "positive"
                s.add(
                    Review(
                        review_id=f"r{day}-{i}",
                        product_id="p1",
                        user_id=f"u{i}",
                        label=label,
                        text="t",
                        masked_text="t",
                        created_at=day0 + timedelta(days=day, hours=i),
                        content_hash="x",
                    )
                )
        s.add(Follow(src="u1", dst="u0", content_hash="x"))
        s.add(
            Share(
                share_id="s1",
                from_user="u0",
                to_user="u1",
                item_id="r35-0",
                created_at=day0 + timedelta(days=35),
                content_hash="x",
            )
        )
        s.add(
            Share(
                share_id="s2",
                from_user="u1",
                to_user="u2",
                item_id="r35-0",
                parent_share_id="s1",
                created_at=day0 + timedelta(days=35, hours=1),
                content_hash="x",
            )
        )
    store.close()


def test_index_alerts_and_store_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    _filled_store(url)
    index = runner.invoke(app, ["wom", "index", "--db", url, "--by", "brand", "--json"])
    assert index.exit_code == 0, index.output
    rows = json.loads(index.output)["rows"]
    assert rows and all(r["key"] == "B" for r in rows)
    alerts = runner.invoke(app, ["wom", "alerts", "--db", url, "--json"])
    data = json.loads(alerts.output)
    assert [a["day"] for a in data["alerts"]] == ["2026-02-05"]
    assert data["alerts"][0]["cascades"] == [{"item_id": "r35-0", "shares": 2}]
    cascades = runner.invoke(app, ["wom", "cascades", "--db", url, "--json"])
    assert json.loads(cascades.output)["largest"][0]["root_label"] == "negative"
    seeds = runner.invoke(app, ["wom", "seeds", "--db", url, "--k", "1", "--mc-runs", "20", "--json"])
    assert seeds.exit_code == 0, seeds.output
    assert json.loads(seeds.output)["seeds"] == ["u0"]
    human = runner.invoke(app, ["wom", "alerts", "--db", url])
    assert human.exit_code == 0 and "p1" in human.output


def test_demo_step_quick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from koubei.cli.demo_views import wom as view
    from koubei.pipelines import wom as pipeline
    from koubei.pipelines.demo import DemoContext
    from koubei.pipelines.demo_steps import wom

    calls: list[str] = []
    real = pipeline.select_seeds

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(str(kwargs["method"]))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "select_seeds", spy)
    store = Store.open(f"sqlite:///{tmp_path / 'd.db'}")
    ctx = DemoContext(store=store, workdir=tmp_path, quick=True)
    result = wom.run(ctx)
    assert calls == ["imm", "degree", "pagerank"]  # the demo calls the pipeline, it does not repeat it
    data = result.to_dict()
    json.dumps(data)
    assert (
        data["generated_graph"] is True
        and "GENERATED" in data["graph_source"]
        and len(data["imm"]["seeds"]) == 10
    )
    # On the generated community graph seeding matters: IMM beats both heuristics beyond their 95% intervals.
    assert (
        data["imm"]["ci95"][0] > data["degree"]["ci95"][1]
        and data["imm"]["ci95"][0] > data["pagerank"]["ci95"][1]
    )
    assert data["imm_lift_over_degree"] > 0.2 and data["imm_lift_over_pagerank"] > 0.03
    out = io.StringIO()
    view.render(result, Console(file=out, width=150))
    shown = out.getvalue()
    assert (
        "GENERATED" in shown and "top PageRank" in shown and f"{data['imm_lift_over_degree']:+.1%}" in shown
    )
    graph = _star_file(tmp_path)
    ctx2 = DemoContext(store=store, workdir=tmp_path, quick=True, options={"graph": graph})
    real_graph = wom.run(ctx2)
    assert real_graph.generated_graph is False and real_graph.graph["nodes"] == 14
    store.close()
