"""Tiny hand-made activity and store files shared by the profile tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from koubei.analysis.profiles.activity import UserActivity

DAY = 86400


def tiny_activity() -> UserActivity:
    """u1: two reviews a year apart (cat A now, cat B 365 days earlier), u2: one negative review, u4: a user row
    with no data. Times are day numbers; the latest event is day 100."""
    reviews = [
        {
            "review_id": "r1",
            "user_id": "u1",
            "product_id": "p1",
            "category": "A",
            "text": "great sound quality on this guitar",
            "rating": 5,
            "label": "positive",
            "created_at": 100 * DAY,
            "content_hash": "h1",
        },
        {
            "review_id": "r2",
            "user_id": "u1",
            "product_id": "p2",
            "category": "B",
            "text": "decent strings, quality could be better",
            "rating": 4,
            "label": "neutral",
            "created_at": -265 * DAY,
            "content_hash": "h2",
        },
        {
            "review_id": "r3",
            "user_id": "u2",
            "product_id": "p1",
            "category": "A",
            "text": "terrible, it broke after a week",
            "rating": 1,
            "label": "negative",
            "created_at": 50 * DAY,
            "content_hash": "h3",
        },
    ]
    mentions = [
        {"review_id": "r1", "user_id": "u1", "aspect": "quality", "sentiment": "positive", "score": 0.9},
        {"review_id": "r1", "user_id": "u1", "aspect": "price", "sentiment": "neutral", "score": 0.5},
        {"review_id": "r2", "user_id": "u1", "aspect": "quality", "sentiment": "negative", "score": 0.7},
    ]
    users = [{"user_id": "u4", "attributes": {"gender": "f"}}]
    return UserActivity.from_rows(users=users, reviews=reviews, mentions=mentions)


@pytest.fixture
def activity() -> UserActivity:
    return tiny_activity()


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


REVIEW_TEXTS = {
    "good": [
        "Great quality, the sound is warm and clear. Fast delivery too.",
        "Love it, works perfectly and the price was fair.",
        "Excellent value for money, sturdy and well made.",
    ],
    "bad": [
        "Terrible quality, it broke after two days and shipping was slow.",
        "Awful, arrived damaged and the seller never answered.",
        "Too expensive for what it is, cheap plastic.",
    ],
}


@pytest.fixture
def store_files(tmp_path: Path) -> dict[str, Path]:
    """Reviews of 12 users (half happy music buyers, half unhappy beauty buyers), orders of 4, users with gender
    and region (u11 opted out), follows and shares."""
    reviews = []
    for u in range(12):
        happy = u < 6
        for k in range(1 + u % 3):
            reviews.append(
                {
                    "review_id": f"r{u}_{k}",
                    "user_id": f"u{u}",
                    "product_id": f"p{(u + k) % 4}" if happy else f"q{(u + k) % 4}",
                    "category": "music" if happy else "beauty",
                    "rating": 5 if happy else 2,
                    "text": REVIEW_TEXTS["good" if happy else "bad"][k],
                    "created_at": f"2024-0{1 + k}-1{u % 9}T10:00:00",
                }
            )
    orders = [
        {
            "order_id": f"o{i}",
            "user_id": f"u{i % 4}",
            "product_id": f"p{i % 4}",
            "amount": 10.0 + i,
            "created_at": f"2024-0{1 + i % 5}-0{1 + i % 8}T09:00:00",
        }
        for i in range(16)
    ]
    users = [
        {
            "user_id": f"u{u}",
            "gender": "f" if u % 2 else "m",
            "region": "north" if u < 6 else "south",
            **({"opt_out": True} if u == 11 else {}),
        }
        for u in range(12)
    ]
    follows = [{"src": f"u{u}", "dst": "u0"} for u in range(1, 6)] + [{"src": "u7", "dst": "u6"}]
    shares = [
        {
            "share_id": "s1",
            "from_user": "u0",
            "to_user": "u1",
            "item_id": "p0",
            "created_at": "2024-02-01T00:00:00",
        },
        {
            "share_id": "s2",
            "from_user": "u1",
            "to_user": "u2",
            "item_id": "p0",
            "parent_share_id": "s1",
            "created_at": "2024-02-02T00:00:00",
        },
    ]
    return {
        "reviews": write_jsonl(tmp_path / "reviews.jsonl", reviews),
        "orders": write_jsonl(tmp_path / "orders.jsonl", orders),
        "users": write_jsonl(tmp_path / "users.jsonl", users),
        "follows": write_jsonl(tmp_path / "follows.jsonl", follows),
        "shares": write_jsonl(tmp_path / "shares.jsonl", shares),
    }


def ingest_all(store: object, files: dict[str, Path]) -> None:
    from koubei.pipelines.ingest import ingest_file

    for kind in ("users", "reviews", "orders", "follows", "shares"):
        ingest_file(store, files[kind], kind)  # type: ignore[arg-type]
