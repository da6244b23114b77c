"""/api/v1/wom: exact answers on tiny hand-drawn graphs (uploaded or in the store), and bad input as 4xx problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.conftest import bearer

PATH = "1 2\n2 3\n3 4\n"  # a plain list: undirected unless told
STAR = "1 2\n1 3\n1 4\n5 6\n"


def _post(client, key, route, body):
    return client.post(f"/api/v1/wom/{route}", headers=bearer(key), json=body)


def test_simulate_on_an_uploaded_path_gives_the_exact_reach(client, read_key) -> None:
    sure = {"probs": "uniform", "p": 1.0, "runs": 20}
    both_ways = _post(client, read_key, "simulate", {"seeds": ["3"], "graph": {"edges": PATH}, **sure})
    assert both_ways.status_code == 200, both_ways.text
    body = both_ways.json()
    assert body["expected_spread"] == 4.0 and body["ci95"] == [4.0, 4.0]
    assert body["graph"] == {"nodes": 4, "arcs": 6, "weighted": False}
    directed = {"edges": PATH, "directed": True}
    one_way = _post(client, read_key, "simulate", {"seeds": ["3"], "graph": directed, **sure}).json()
    assert one_way["expected_spread"] == 2.0  # 3 -> 4 only
    follows = {"edges": PATH, "directed": True, "follows": True}
    back = _post(client, read_key, "simulate", {"seeds": ["3"], "graph": follows, **sure}).json()
    assert back["expected_spread"] == 3.0  # `u follows v`: 3 -> 2 -> 1


def test_competing_simulation_splits_a_path(client, read_key) -> None:
    body = {"seeds": ["1"], "negative_seeds": ["4"], "probs": "uniform", "p": 1.0, "runs": 10}
    answer = _post(client, read_key, "simulate", {**body, "graph": {"edges": PATH, "directed": False}})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["positive"]["mean"] == 2.0 and data["negative"]["mean"] == 2.0 and data["net"]["mean"] == 0.0


def test_seeds_on_a_star_choose_its_centre(client, read_key) -> None:
    for method in ("imm", "degree", "pagerank"):
        answer = _post(client, read_key, "seeds", {"k": 1, "method": method, "graph": {"edges": STAR}})
        assert answer.status_code == 200, answer.text
        data = answer.json()
        assert [str(s) for s in data["seeds"]] == ["1"], method
        assert data["expected_spread"] == 4.0  # wc: every leaf has in-degree 1, so p = 1
    kept_out = _post(
        client, read_key, "seeds", {"k": 1, "method": "degree", "exclude": ["1"], "graph": {"edges": STAR}}
    )
    assert "1" not in [str(s) for s in kept_out.json()["seeds"]]
    valued = _post(client, read_key, "seeds", {"k": 1, "weights": {"6": 10.0}, "graph": {"edges": STAR}})
    assert valued.status_code == 200, valued.text
    assert [str(s) for s in valued.json()["seeds"]] in (
        ["5"],
        ["6"],
    )  # the only users who reach the valued one
    assert valued.json()["expected_spread"] == 10.0


def test_the_store_graph_and_cascades(client, read_key, api_store, tmp_path: Path) -> None:
    from koubei.pipelines.ingest import ingest_file

    shares = tmp_path / "shares.csv"
    shares.write_text(
        "share_id,from_user,to_user,item_id,parent_share_id,created_at\n"
        "s1,u1,u2,r01,,2026-01-05 11:00:00\n"
        "s2,u2,u3,r01,s1,2026-01-05 12:00:00\n"
        "s3,u2,u4,r01,s1,2026-01-05 13:00:00\n"
        "s4,u5,u6,r06,,2026-02-11 12:00:00\n",
        encoding="utf-8",
    )
    ingest_file(api_store, shares, "shares", quarantine=tmp_path / "q.jsonl")
    answer = client.get("/api/v1/wom/cascades?top=1", headers=bearer(read_key))
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["source"] == "store"  # never the database URL
    assert data["summary"]["cascades"] == 2
    assert [c["size"] for c in data["largest"]] == [4]
    assert data["largest"][0]["depth"] == 2
    reach = _post(client, read_key, "simulate", {"seeds": ["u1"], "probs": "uniform", "p": 1.0, "runs": 5})
    assert reach.status_code == 200, reach.text
    assert reach.json()["expected_spread"] == 4.0  # u1 -> u2 -> {u3, u4}


def test_index_and_alerts_from_the_store(client, read_key) -> None:
    rows = client.get("/api/v1/wom/index?by=product&period=week", headers=bearer(read_key)).json()["rows"]
    phone_w02 = [r for r in rows if r["key"] == "p-phone" and r["period"] == "2026-W02"]
    assert len(phone_w02) == 1 and phone_w02[0]["volume"] == 1 and phone_w02[0]["net_sentiment"] == 1.0
    alerts = client.get("/api/v1/wom/alerts?alpha=0.01&baseline=14", headers=bearer(read_key))
    assert alerts.status_code == 200, alerts.text
    assert alerts.json()["alpha"] == 0.01 and alerts.json()["config"]["baseline_days"] == 14


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("simulate", {"seeds": ["1"], "runs": 10**9, "graph": {"edges": PATH}}, "runs"),
        ("simulate", {"seeds": ["1"], "runs": "many", "graph": {"edges": PATH}}, "runs"),
        ("simulate", {"seeds": ["1"], "model": "sir", "graph": {"edges": PATH}}, "model"),
        ("simulate", {"seeds": ["1"], "graph": {"edges": ""}}, "graph.edges"),
        ("simulate", {"seeds": ["1"], "graph": {"edges": PATH, "path": "/etc/passwd"}}, "graph.path"),
        ("simulate", {"seeds": [""], "graph": {"edges": PATH}}, "seeds[0]"),
        ("seeds", {"k": 0, "graph": {"edges": STAR}}, "k"),
        ("seeds", {"k": 100_000, "graph": {"edges": STAR}}, "k"),
        ("seeds", {"k": 1, "method": "celf", "graph": {"edges": STAR}}, "method"),
        ("seeds", {"k": 1, "epsilon": 0.001, "graph": {"edges": STAR}}, "epsilon"),
        ("seeds", {"k": 1, "weights": {"6": "lots"}, "graph": {"edges": STAR}}, "weights.6"),
    ],
)
def test_bad_campaign_bodies_name_the_field(client, read_key, route, body, field) -> None:
    answer = _post(client, read_key, route, body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in answer.json()["errors"]]


def test_unknown_users_and_graphless_stores_are_4xx(client, read_key) -> None:
    unknown = _post(client, read_key, "simulate", {"seeds": ["nobody"], "graph": {"edges": PATH}})
    assert unknown.status_code == 422 and "nobody" in unknown.json()["detail"]
    # `@FILE` is a CLI convenience: over HTTP it is an id, never a file the server reads.
    trick = _post(client, read_key, "simulate", {"seeds": ["@/etc/hostname"], "graph": {"edges": PATH}})
    assert trick.status_code == 422 and "@/etc/hostname" in trick.json()["detail"]
    no_graph = _post(client, read_key, "simulate", {"seeds": ["u1"]})
    assert no_graph.status_code == 422 and "no follows or shares" in no_graph.json()["detail"]
    garbage = _post(client, read_key, "seeds", {"k": 1, "graph": {"edges": "just one field\n"}})
    assert garbage.status_code == 422 and "no edges" in garbage.json()["detail"]
    no_shares = client.get("/api/v1/wom/cascades", headers=bearer(read_key))
    assert no_shares.status_code == 422 and "no shares" in no_shares.json()["detail"]
    bad_query = client.get("/api/v1/wom/alerts?alpha=2", headers=bearer(read_key))
    assert bad_query.status_code == 422 and bad_query.json()["errors"][0]["field"] == "alpha"
    assert client.get("/api/v1/wom/index?by=shop", headers=bearer(read_key)).status_code == 422


def test_wom_routes_need_a_key(client) -> None:
    assert client.get("/api/v1/wom/index").status_code == 401
    assert client.post("/api/v1/wom/seeds", json={"k": 1, "graph": {"edges": STAR}}).status_code == 401
