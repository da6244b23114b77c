"""pipelines.targeting on a real store (SQLite and PostgreSQL): targets, exclusions, batch files, next products."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from koubei.errors import BadInputError, NotFoundError
from koubei.pipelines.ingest import ingest_file
from koubei.pipelines.targeting import (
    batch_targets,
    load_models,
    next_products,
    product_targets,
    rate_pairs,
)

from .targets_fixtures import REVIEWS, write_lines, write_reviews


@pytest.fixture
def shop(store, tmp_path: Path):
    ingest_file(store, write_reviews(tmp_path / "reviews.jsonl"), "reviews", quarantine=tmp_path)
    return store


def _ids(result) -> list[str]:
    return [u.user_id for u in result.users]


def test_targets_rank_the_co_reviewer_first_and_skip_who_reviewed(shop) -> None:
    result = product_targets(shop, "p3", 2, holdout=0.0)
    assert _ids(result) == ["u1", "u5"]  # u2, u3, u6 reviewed p3; u4 only ever bought beauty
    assert result.excluded == {"already_reviewed_or_bought": 3, "opted_out": 0}
    assert result.eligible_users == 3 and result.holdout == []
    reasons = result.users[0].reasons
    assert any(r.startswith("reviewed or bought related products: p") for r in reasons)
    assert any("interactions in music" in r for r in reasons)
    assert "not scored" in result.word_of_mouth
    line = result.line()
    assert set(line) == {"product_id", "users", "fairness"}
    assert set(line["users"][0]) == {"user_id", "score", "reasons"}
    assert result.fairness["attributes"] == {} and "no gender" in result.fairness["note"]


def test_opted_out_users_and_recent_detractors_are_left_out(shop, tmp_path: Path) -> None:
    assert "u4" in _ids(product_targets(shop, "p1", 3, holdout=0.0))
    excluded = product_targets(shop, "p1", 3, holdout=0.0, exclude_detractors=True)
    assert (
        "u4" not in _ids(excluded) and excluded.excluded["recent_detractors"] == 1
    )  # u4's 1-star review, day 30
    users = write_lines(tmp_path / "users.jsonl", [json.dumps({"user_id": "u3", "opt_out": True})])
    ingest_file(shop, users, "users", quarantine=tmp_path)
    result = product_targets(shop, "p1", 3, holdout=0.0)
    assert "u3" not in _ids(result) and result.excluded["opted_out"] == 1


def test_target_lists_report_protected_attributes_against_all_users(shop, tmp_path: Path) -> None:
    genders = {"u1": "f", "u2": "m", "u3": "m", "u4": "m", "u5": "f", "u6": "m"}
    users = write_lines(
        tmp_path / "users.jsonl", [json.dumps({"user_id": u, "gender": g}) for u, g in genders.items()]
    )
    ingest_file(shop, users, "users", quarantine=tmp_path)
    result = product_targets(shop, "p3", 2, holdout=0.0)  # u1 and u5: both f, against 2 f of 6 users
    gender = result.fairness["attributes"]["gender"]
    assert gender["group"]["f"] == 1.0 and gender["base"]["f"] == pytest.approx(0.3333, abs=1e-4)
    assert gender["flag"] is True
    assert _ids(result) == ["u1", "u5"]  # the attribute is not a targeting feature: same list as without it


def test_unknown_product_and_too_large_budget(shop) -> None:
    with pytest.raises(NotFoundError, match="product_id 'nope'"):
        product_targets(shop, "nope", 5)
    result = product_targets(shop, "p3", 50, holdout=0.0)
    assert _ids(result) == ["u1", "u5", "u4"] and "more than the 3 eligible users" in result.notes[0]


def test_holdout_is_reported_and_seeded(shop) -> None:
    a = product_targets(shop, "p1", 2, holdout=0.34, seed=3)
    b = product_targets(shop, "p1", 2, holdout=0.34, seed=3)
    assert a.holdout == b.holdout and len(a.holdout) == 1
    assert not set(a.holdout) & set(_ids(a))


def test_models_are_saved_and_refitted_only_when_the_store_changes(shop, tmp_path: Path) -> None:
    first = load_models(shop)
    assert first.refitted and first.path is not None and (first.path / "current.json").is_file()
    again = load_models(shop)
    assert not again.refitted and again.recommender.user_ids_ == first.recommender.user_ids_
    more = [("r13", "u7", "p1", "music", 5, 13, "new strings")]
    ingest_file(shop, write_reviews(tmp_path / "more.jsonl", more), "reviews", quarantine=tmp_path)
    changed = load_models(shop)
    assert changed.refitted and "u7" in changed.recommender.user_ids_


def test_word_of_mouth_is_scored_when_the_store_has_follows(shop, tmp_path: Path) -> None:
    follows = write_lines(tmp_path / "follows.csv", ["src,dst", "u4,u1", "u5,u1", "u2,u1", "u3,u1"])
    ingest_file(shop, follows, "follows", quarantine=tmp_path)
    result = product_targets(shop, "p3", 2, holdout=0.0)
    assert result.word_of_mouth.startswith("scored on a graph of 5 users")
    assert result.users[0].user_id == "u1"
    assert any("IMM seed" in r for r in result.users[0].reasons)


def test_batch_targets_keeps_good_lines_and_rejects_bad_ones(shop, tmp_path: Path) -> None:
    products = write_lines(
        tmp_path / "products.jsonl",
        [
            json.dumps({"product_id": "p3"}),
            "{not json",
            json.dumps({"product_id": "nope"}),
            json.dumps({"product_id": "p1", "budget": 0}),
            json.dumps({"other": 1}),
            json.dumps({"product_id": "p2", "budget": 1}),
        ],
    )
    out = tmp_path / "targets.jsonl"
    result = batch_targets(shop, products, out, budget=2, holdout=0.0)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["product_id"] for x in lines] == ["p3", "p2"]
    assert [u["user_id"] for u in lines[0]["users"]] == ["u1", "u5"] and len(lines[1]["users"]) == 1
    assert result.written == 2 and result.rejected == 4
    rejects = [json.loads(x) for x in Path(result.rejects_file).read_text().splitlines()]
    assert [r["line"] for r in rejects] == [2, 3, 4, 5]
    assert "not valid JSON" in rejects[0]["reason"] and "product_id 'nope'" in rejects[1]["reason"]
    assert "budget must be" in rejects[2]["reason"] and rejects[3]["reason"] == "product_id is missing"


def test_next_products_never_repeat_what_the_user_reviewed(shop, tmp_path: Path) -> None:
    users = write_lines(
        tmp_path / "users.jsonl", [json.dumps({"user_id": "u1"}), json.dumps({"user_id": "ghost"}), "[1]"]
    )
    out = tmp_path / "next.jsonl"
    result = next_products(shop, users, out, k=10)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 1 and lines[0]["user_id"] == "u1"
    assert [p["product_id"] for p in lines[0]["products"]] == ["p3", "p4"]  # u1 reviewed p1, p2
    assert lines[0]["products"][0]["score"] > lines[0]["products"][1]["score"]
    assert result.rejected == 2 and "fewer than 10" in result.notes[0]
    rejects = Path(result.rejects_file).read_text()
    assert "user_id 'ghost' has no reviews or orders" in rejects and "expected a JSON object" in rejects


def test_empty_input_file_is_a_clear_error(shop, tmp_path: Path) -> None:
    empty = write_lines(tmp_path / "empty.jsonl", [])
    with pytest.raises(BadInputError, match="has no rows"):
        next_products(shop, empty, tmp_path / "out.jsonl")


def test_ratings_for_pairs(shop, tmp_path: Path) -> None:
    pairs = write_lines(
        tmp_path / "pairs.jsonl",
        [
            json.dumps({"user_id": "u2", "product_id": "p4"}),
            json.dumps({"user_id": "new", "product_id": "p1"}),
            json.dumps({"user_id": "u1"}),
        ],
    )
    out = tmp_path / "ratings.jsonl"
    result = rate_pairs(shop, pairs, out)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(x["user_id"], x["product_id"]) for x in lines] == [("u2", "p4"), ("new", "p1")]
    assert all(1 <= x["rating"] <= 5 and 0 <= x["p_positive"] <= 1 for x in lines)
    assert lines[0]["known_user"] and not lines[1]["known_user"]
    assert result.rejected == 1 and "unknown" not in result.notes[0]


def test_a_store_without_interactions_is_a_clear_error(store) -> None:
    with pytest.raises(BadInputError, match="ingest reviews"):
        product_targets(store, "p1", 5)


def test_reviews_fixture_is_what_the_tests_assume() -> None:
    assert len({r[1] for r in REVIEWS}) == 6 and len({r[2] for r in REVIEWS}) == 4
