"""A tiny shop for the targeting tests: six users, four products in two categories, with text and times."""

from __future__ import annotations

import json
from pathlib import Path

REVIEWS = [
    # review_id, user, product, category, rating, day, text
    ("r01", "u1", "p1", "music", 5, 1, "great guitar strings, bright tone"),
    ("r02", "u1", "p2", "music", 5, 2, "solid guitar capo"),
    ("r03", "u2", "p1", "music", 4, 3, "strings sound bright"),
    ("r04", "u2", "p2", "music", 5, 4, "capo works on every guitar"),
    ("r05", "u2", "p3", "music", 5, 5, "tuner is accurate"),
    ("r06", "u3", "p2", "music", 5, 6, "capo great"),
    ("r07", "u3", "p3", "music", 4, 7, "tuner clip holds"),
    ("r08", "u4", "p4", "beauty", 1, 30, "lipstick smudges, awful"),
    ("r09", "u5", "p4", "beauty", 5, 9, "lipstick lovely colour"),
    ("r10", "u5", "p1", "music", 2, 10, "strings broke"),
    ("r11", "u6", "p3", "music", 5, 11, "tuner accurate, bright display"),
    ("r12", "u6", "p2", "music", 4, 12, ""),  # no text
]


def write_reviews(path: Path, rows: list[tuple] = REVIEWS) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for rid, user, product, category, rating, day, text in rows:
            record = {
                "review_id": rid,
                "user_id": user,
                "product_id": product,
                "category": category,
                "rating": rating,
                "created_at": f"2026-01-{day:02d}T10:00:00",
                "text": text or "(no text)",
            }
            handle.write(json.dumps(record) + "\n")
    return path


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
