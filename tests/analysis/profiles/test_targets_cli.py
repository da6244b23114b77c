"""`koubei profile targets / next / ratings` end to end: ingest through the CLI, then the commands; bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from .targets_fixtures import write_lines, write_reviews


@pytest.fixture
def shop(cli, tmp_path: Path) -> Path:
    result = cli("ingest", "reviews", write_reviews(tmp_path / "reviews.jsonl"), "--quarantine", tmp_path)
    assert result.exit_code == 0, result.stderr
    return tmp_path


def test_targets_for_one_product_as_json_and_csv(cli, shop: Path) -> None:
    result = cli("profile", "targets", "--product", "p3", "--budget", "2", "--holdout", "0", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [u["user_id"] for u in data["users"]] == ["u1", "u5"] and data["holdout"] == []
    out = shop / "targets.csv"
    result = cli(
        "profile", "targets", "--product", "p1", "--budget", "2", "--holdout", "0.34", "--output", out
    )
    assert result.exit_code == 0, result.stderr
    assert "targets for p1" in result.stdout and "held out at random" in result.stdout
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["rank"] for r in rows[:2]] == ["1", "2"] and rows[-1]["rank"] == "holdout"
    assert all(r["reasons"] for r in rows)


def test_targets_batch_and_next_and_ratings(cli, shop: Path) -> None:
    products = write_lines(shop / "p.jsonl", [json.dumps({"product_id": "p3"}), "oops"])
    out = shop / "t.jsonl"
    result = cli("profile", "targets", "--products", products, "--budget", "2", "--output", out, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rejected"] == 1
    assert json.loads(out.read_text().splitlines()[0])["product_id"] == "p3"
    users = write_lines(shop / "u.jsonl", [json.dumps({"user_id": "u3"})])
    result = cli("profile", "next", "--users", users, "--k", "1", "--output", shop / "n.jsonl")
    assert result.exit_code == 0, result.stderr
    line = json.loads((shop / "n.jsonl").read_text())
    assert line["user_id"] == "u3" and len(line["products"]) == 1
    assert line["products"][0]["product_id"] in {"p1", "p4"}
    pairs = write_lines(shop / "pairs.jsonl", [json.dumps({"user_id": "u3", "product_id": "p1"})])
    result = cli("profile", "ratings", "--pairs", pairs, "--output", shop / "r.jsonl")
    assert result.exit_code == 0, result.stderr
    assert json.loads((shop / "r.jsonl").read_text())["rating"] in range(1, 6)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--product", "nope", "--budget", "3"], "product_id 'nope' is not in the store"),
        (["--budget", "3"], "give either --product ID or --products FILE"),
        (["--product", "p1", "--products", "x.jsonl"], "give either --product ID or --products FILE"),
        (["--product", "p1", "--budget", "0"], "budget must be a whole number >= 1"),
        (["--product", "p1", "--holdout", "1.5"], "holdout must be a share in [0, 1)"),
        (["--products", "p.jsonl"], "--products FILE needs --output FILE"),
        (["--products", "missing.jsonl", "--output", "o.jsonl"], "does not exist"),
        (["--product", "p1", "--output", "t.txt"], "expected a .csv or .json file name"),
    ],
)
def test_targets_bad_input_is_one_line_exit_2(cli, shop: Path, monkeypatch, args, message) -> None:
    monkeypatch.chdir(shop)
    write_lines(shop / "p.jsonl", [json.dumps({"product_id": "p1"})])
    result = cli("profile", "targets", *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_next_bad_input(cli, shop: Path) -> None:
    empty = write_lines(shop / "empty.jsonl", [])
    result = cli("profile", "next", "--users", empty, "--output", shop / "n.jsonl")
    assert result.exit_code == 2 and "has no rows" in result.stderr
    users = write_lines(shop / "u.jsonl", [json.dumps({"user_id": "u1"})])
    result = cli("profile", "next", "--users", users, "--k", "0", "--output", shop / "n.jsonl")
    assert result.exit_code == 2 and "k must be a whole number >= 1" in result.stderr


def test_empty_store_is_a_clear_error(cli) -> None:
    result = cli("profile", "targets", "--product", "p1")
    assert result.exit_code == 2 and "ingest reviews" in result.stderr
