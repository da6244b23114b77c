"""The documented recipes load samples of the real shared data sets through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from koubei.store import Store
from koubei.store.models import Follow, Review
from tests.conftest import shared_file


def _head(source: Path, target: Path, lines: int) -> Path:
    with source.open(encoding="utf-8") as src:
        target.write_text("".join(line for _, line in zip(range(lines), src, strict=False)), encoding="utf-8")
    return target


def test_online_shopping_10_cats_recipe(cli, db_url: str, tmp_path: Path) -> None:
    sample = _head(
        shared_file("online_shopping_10_cats", "online_shopping_10_cats.csv"), tmp_path / "s.csv", 301
    )
    result = cli("ingest", "reviews", sample, "--recipe", "online_shopping_10_cats", "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["read"] == 300 and summary["stored"] + summary["rejected"] == 300
    with Store.open(db_url) as store, store.session() as session:
        review = session.scalars(select(Review).limit(1)).one()
    assert review.category == "书籍" and review.source == "online_shopping_10_cats"
    assert review.label in {"positive", "negative"} and review.lang == "zh"


def test_amazon_reviews_en_recipe(cli, db_url: str, tmp_path: Path) -> None:
    sample = _head(shared_file("amazon_reviews_en", "amazon_reviews_en.jsonl"), tmp_path / "s.jsonl", 200)
    result = cli("ingest", "reviews", sample, "--recipe", "amazon_reviews_en", "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["read"] == 200 and summary["stored"] >= 195
    with Store.open(db_url) as store, store.session() as session:
        review = session.get(Review, "r00000")
    assert review is not None and review.rating == 5 and review.user_id == "A2IBPI20UZIR0U"
    assert review.created_at is not None and review.created_at.year == 2014 and review.lang == "en"


def test_ego_facebook_recipe_reads_undirected_edges_both_ways(cli, db_url: str, tmp_path: Path) -> None:
    sample = _head(shared_file("ego_facebook", "facebook_combined.txt"), tmp_path / "fb.txt", 500)
    result = cli("ingest", "follows", sample, "--recipe", "ego_facebook", "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["read"], summary["stored"], summary["rejected"]) == (500, 1000, 0)
    with Store.open(db_url) as store, store.session() as session:
        assert session.get(Follow, ("0", "3")) is not None and session.get(Follow, ("3", "0")) is not None
