"""English through the same guards, replies and summaries: library and CLI, on hand-written English reviews in
the style of Amazon's, and (when the shared data is there) on real ones from ../shared/data/amazon_reviews_en."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from koubei.generation.guard import check
from koubei.generation.reply import draft_reply
from koubei.generation.summarize import summarize_reviews

AMAZON = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "amazon_reviews_en"
    / "amazon_reviews_en.jsonl"
)
REVIEWS = [  # written for this test
    ("e1", 5, "Great sound quality and the cable feels sturdy. Shipping was fast."),
    ("e2", 4, "Good quality for the price. The plug is a bit loose."),
    ("e3", 1, "I hated this thing. It is noisy and the cables feel really cheap."),
    ("e4", 2, "Arrived late and the box was crushed. Customer service never answered my email."),
    ("e5", 5, "Great sound quality, and the price was right."),
]


def _kinds(text: str, **kwargs: object) -> list[tuple[str, str]]:
    return [(f.kind, f.span) for f in check(text, **kwargs).flags]  # type: ignore[arg-type]


def test_english_guards() -> None:
    assert _kinds("The best ever cable, #1 in the world, a guaranteed cure for hum.") == [
        ("ad_law", "The best"),
        ("ad_law", "#1"),
        ("ad_law", "guaranteed"),
        ("ad_law", "cure"),
    ]
    assert _kinds("First step: plug it in. Best before 2027. Our best sound yet.") == []  # exemptions
    flags = check("A red summer dress with a lace chest panel.", {"type": "dress", "colour": "blue"}).flags
    assert [(f.kind, f.span) for f in flags] == [  # a dress has a chest: no part flag
        ("contradiction", "red"),
        ("unsupported", "summer"),
        ("unsupported", "lace"),
    ]
    assert flags[0].rule == "contradicts the attributes: colour is 'blue', the text says 'red'"
    assert flags[1].rule == "'summer' is in neither the attributes nor the evidence"
    skirt = check("A cute print on the chest.", {"类型": "skirt"}).flags
    assert [(f.kind, f.span, f.rule) for f in skirt] == [
        ("contradiction", "chest", "the product (类型#skirt) has no such part: the text says 'chest'")
    ]
    assert [f.kind for f in check("Women are bad drivers, call 555-0100-2222.").flags][:1] == ["bias"]
    assert [f.kind for f in check("Write 5 customer reviews for this cable.").flags] == ["fake_review"]


def test_english_replies_follow_the_rating() -> None:
    happy = draft_reply(REVIEWS[0][2], review_id="e1", rating=5)
    assert happy.lang == "en" and happy.complaints == [] and happy.remedy == "none"
    assert set(happy.praised) >= {"quality"} and happy.text.isascii()
    unhappy = draft_reply(REVIEWS[2][2], review_id="e3", rating=1)
    assert unhappy.praised == [] and unhappy.remedy == "follow-up"  # "cheap" is no praise from a 1-star buyer
    assert "sorry" in unhappy.text.lower() and "thank you for your kind words" not in unhappy.text.lower()
    late = draft_reply(REVIEWS[3][2], review_id="e4", rating=2)
    assert late.complaints[:2] == ["logistics", "packaging"] and late.praised == []
    assert draft_reply(REVIEWS[3][2], review_id="e4").text != draft_reply(REVIEWS[2][2], review_id="e3").text
    with pytest.raises(Exception, match="rating: 6; expected a whole number of stars from 1 to 5"):
        draft_reply("Fine.", rating=6)


def test_english_summary_quotes_real_sentences() -> None:
    records = [{"review_id": i, "text": t, "rating": r} for i, r, t in REVIEWS]
    summary = summarize_reviews(records)
    assert summary.verdict.startswith("60% of 5 reviews are positive")
    by = {a.aspect: a for a in summary.aspects}
    assert [(line.text, line.support, line.review_ids) for line in by["quality"].pros] == [
        ("Great sound quality and the cable feels sturdy", 1, ["e1"]),
        ("Good quality for the price", 1, ["e2"]),
        ("Great sound quality", 1, ["e5"]),
    ]
    # no pro is quoted from the 1-star review ("the cables feel really cheap" is no praise of the price)
    assert all("e3" not in line.review_ids for a in summary.aspects for line in a.pros)
    assert [(line.text, line.review_ids) for line in by["logistics"].cons] == [
        ("Arrived late and the box was crushed", ["e4"])
    ]
    texts = dict((i, t) for i, _, t in REVIEWS)
    for a in summary.aspects:
        for line in a.pros + a.cons:
            assert all(line.text in texts[r] for r in line.review_ids[:1])  # extractive: a piece of a review


@pytest.fixture
def english_store(tmp_path: Path) -> str:
    from koubei.store import Store
    from koubei.store.models import Product, Review

    url = f"sqlite:///{tmp_path / 'en.db'}"
    with Store.open(url) as store, store.session() as s:
        s.add(
            Product(
                product_id="E1",
                title="Instrument cable",
                attributes={"type": "cable", "colour": "black", "length": "10 ft"},
                content_hash="x",
            )
        )
        for rid, rating, text in REVIEWS:
            s.add(
                Review(
                    review_id=rid,
                    product_id="E1",
                    text=text,
                    masked_text=text,
                    content_hash=rid,
                    rating=rating,
                )
            )
    return url


def test_english_through_the_cli(cli, english_store: str) -> None:
    summary = json.loads(cli("copy", "summarize", "--product", "E1", "--db", english_store, "--json").stdout)
    assert summary["reviews"] == 5 and summary["verdict"].startswith("60% of 5 reviews are positive")
    reply = json.loads(cli("copy", "reply", "--review", "e3", "--db", english_store, "--json").stdout)
    assert reply["praised"] == [] and reply["remedy"] == "follow-up" and reply["status"] == "draft"
    assert "sorry" in reply["text"].lower()
    checked = json.loads(
        cli("copy", "check", "A red 12 ft cable.", "--product", "E1", "--db", english_store, "--json").stdout
    )
    assert [(f["kind"], f["span"]) for f in checked["flags"]] == [
        ("contradiction", "red"),
        ("unsupported", "12 ft"),
    ]
    result = cli("copy", "reply", "--text", "Bad.", "--rating", "0", "--no-save")
    assert result.exit_code == 2 and "rating: 0" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(not AMAZON.exists(), reason="the shared Amazon reviews are not on this machine")
def test_real_amazon_reviews() -> None:
    rows = []
    with AMAZON.open(encoding="utf-8") as fh:
        for line in fh:
            rows.append(json.loads(line))
            if len(rows) >= 1500:
                break
    unhappy = [r for r in rows if r.get("rating") and r["rating"] <= 2 and r.get("text", "").strip()][:40]
    assert len(unhappy) >= 20
    for r in unhappy:
        draft = draft_reply(r["text"][:5000], review_id=r["review_id"], rating=r["rating"])
        assert draft.lang == "en" and draft.praised == [] and draft.remedy == "follow-up", r["text"]
        assert draft.passed and "thank you for your kind words" not in draft.text.lower()
    product = max({r["product_id"] for r in rows}, key=lambda p: sum(r["product_id"] == p for r in rows))
    records = [
        {"review_id": r["review_id"], "text": r["text"], "rating": r["rating"]}
        for r in rows
        if r["product_id"] == product and r.get("text", "").strip()
    ]
    summary = summarize_reviews(records)
    assert summary.lang == "en" and summary.aspects
    texts = {r["review_id"]: r["text"] for r in records}
    for a in summary.aspects:
        for line in a.pros + a.cons:
            assert line.review_ids and all(r in texts for r in line.review_ids)
