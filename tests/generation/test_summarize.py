"""Extractive summaries: verdict, pros and cons per aspect from real sentences, support counts and review ids."""

from __future__ import annotations

from typing import Any

import pytest

from koubei.analysis.aspects.rules import AspectExtractor
from koubei.errors import BadInputError
from koubei.generation.summarize import Summarizer, SummaryConfig, summarize_reviews

REVIEWS = [
    {"review_id": "R1", "text": "质量很好，物流也快。", "label": "positive"},
    {"review_id": "R2", "text": "质量很好！物流很快", "label": 1},
    {"review_id": "R3", "text": "衣服质量不错，但是物流太慢了，等了一周。", "label": "negative"},
    {"review_id": "R4", "text": "尺码偏小，建议买大一码。客服态度很好。", "rating": 3},
    {"review_id": "R5", "text": "质量很好，物流也快。", "label": "positive"},
]


def _lines(lines: list[Any]) -> list[tuple[str, int, list[str]]]:
    return [(line.text, line.support, line.review_ids) for line in lines]


def test_chinese_summary_exact() -> None:
    summary = summarize_reviews(REVIEWS)
    assert summary.verdict == "5条评价中60%为好评，多数满意；买家称赞质量、物流/配送、服务；抱怨尺码/合身。"
    assert (
        summary.lang,
        summary.reviews,
        summary.positive,
        summary.negative,
        summary.neutral,
        summary.positive_share,
    ) == ("zh", 5, 3, 1, 1, 0.6)
    by = {a.aspect: a for a in summary.aspects}
    assert [a.aspect for a in summary.aspects] == ["logistics", "quality", "service", "size_fit"]
    assert (by["quality"].label, by["quality"].positive, by["quality"].negative) == ("质量", 4, 0)
    assert _lines(by["quality"].pros) == [("质量很好", 3, ["R1", "R2", "R5"]), ("衣服质量不错", 1, ["R3"])]
    assert _lines(by["logistics"].pros) == [("物流也快", 2, ["R1", "R5"]), ("物流很快", 1, ["R2"])]
    assert _lines(by["logistics"].cons) == [("物流太慢了", 1, ["R3"])]  # the clause, without its leading 但是
    assert _lines(by["size_fit"].cons) == [
        ("尺码偏小，建议买大一码。", 1, ["R4"])
    ]  # a one-aspect sentence whole


def test_every_quote_is_a_verbatim_piece_of_a_quoted_review() -> None:
    texts = {r["review_id"]: r["text"] for r in REVIEWS}
    for aspect in summarize_reviews(REVIEWS).aspects:
        for line in aspect.pros + aspect.cons:
            assert any(line.text in texts[rid] for rid in line.review_ids[:1])
            assert line.support == len(line.review_ids) == len(set(line.review_ids))


def test_near_duplicates_merge_and_lines_are_capped() -> None:
    reviews = [
        {"review_id": f"R{i}", "text": text, "label": "positive"}
        for i, text in enumerate(
            ["质量很好很好", "质量很好很好！", "质量很好很好啊", "质量不错", "质量挺好的", "质量可以"]
        )
    ]
    pros = summarize_reviews(reviews).aspects[0].pros
    assert pros[0].support == 3 and pros[0].review_ids == ["R0", "R1", "R2"] and len(pros) == 3
    strict = Summarizer(SummaryConfig(near_duplicate=0.99, max_lines=10)).summarize(reviews).aspects[0].pros
    assert len(strict) == 5  # only the quotes identical up to punctuation merge
    assert (strict[0].text, strict[0].review_ids) == ("质量很好很好", ["R0", "R1"])


def test_lines_rank_by_support_and_show_the_central_quote() -> None:
    def pros(*texts: str) -> list[tuple[str, int, list[str]]]:
        reviews = [{"review_id": f"R{i}", "text": t, "label": "positive"} for i, t in enumerate(texts)]
        return _lines(summarize_reviews(reviews).aspects[0].pros)

    assert pros("质量不错", "质量很好", "质量很好") == [
        ("质量很好", 2, ["R1", "R2"]),
        ("质量不错", 1, ["R0"]),
    ]
    assert pros("质量很好很好呀呀", "质量很好很好", "质量很好很好") == [
        ("质量很好很好", 3, ["R1", "R0", "R2"])
    ]
    assert pros("质量很好。做工质量真不错。") == [
        ("质量很好。", 1, ["R0"])
    ]  # one quote per review and aspect


def test_english_and_given_mentions() -> None:
    reviews = [
        {
            "review_id": "A",
            "text": "Great quality and fast shipping. The price is terrible.",
            "label": "positive",
        },
        {"review_id": "B", "text": "The quality is great. Shipping was slow.", "label": "negative"},
    ]
    summary = summarize_reviews(reviews)
    assert (
        summary.verdict
        == "50% of 2 reviews are positive: opinions are mixed; praised: quality; criticised: logistics, price."
    )
    by = {a.aspect: a for a in summary.aspects}
    assert _lines(by["logistics"].cons) == [("Shipping was slow.", 1, ["B"])] and by["price"].label == "price"
    mentions = [m.to_dict() for m in AspectExtractor().extract("物流太慢了")]

    class NoExtractor:
        def extract_many(self, texts: Any) -> Any:
            raise AssertionError("mentions were given: the extractor must not run")

    given = Summarizer(extractor=NoExtractor()).summarize(
        [{"review_id": "X", "text": "物流太慢了", "aspects": mentions}]
    )
    assert [(a.aspect, _lines(a.cons)) for a in given.aspects] == [("logistics", [("物流太慢了", 1, ["X"])])]


def test_no_reviews_unmasked_text_and_bad_records() -> None:
    assert summarize_reviews([]).verdict == "没有评价：无法总结"
    assert summarize_reviews([], lang="en").verdict == "no reviews: nothing to summarise"
    plain = summarize_reviews([{"review_id": "Q", "text": "收到了。", "label": "positive"}])
    assert plain.aspects == [] and plain.verdict == "1条评价中100%为好评，口碑很好。"
    leaked = summarize_reviews([{"review_id": "P", "text": "客服很好，电话13812345678", "label": "positive"}])
    assert leaked.aspects[0].pros[0].text == "客服很好，电话<PHONE>"  # personal data never echoed
    with pytest.raises(BadInputError, match=r"reviews\[0\] has no review_id"):
        summarize_reviews([{"text": "好"}])
    with pytest.raises(BadInputError, match=r"reviews\[0\] \(review_id 7\) needs a 'text' string"):
        summarize_reviews([{"review_id": 7, "text": None}])
    with pytest.raises(BadInputError, match="label 'great' is not a sentiment label"):
        summarize_reviews([{"review_id": 1, "text": "好", "label": "great"}])
