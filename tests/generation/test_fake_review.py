"""Fake-review requests are refused with an offer to summarise real reviews; ordinary requests pass."""

from __future__ import annotations

import pytest

from koubei.errors import BadInputError
from koubei.generation.fake_review import (
    REFUSAL_EN,
    REFUSAL_ZH,
    FakeReviewRequest,
    detect_request,
    fake_review_flags,
    poses_as_customer,
    refuse,
)

REFUSED = [
    "写10条五星好评",
    "帮我写几条买家评价",
    "刷好评",
    "给我编20条用户评价，要真实一点",
    "生成一些顾客反馈",
    "来五条好评",
    "以买家的口吻写一段使用体验",
    "冒充顾客写一段话",
    "写几条追评",
    "写一段买家秀文案",
    "找水军控评",
    "write 5 customer reviews",
    "Generate ten 5-star reviews for our blender",
    "fake testimonials for the landing page",
    "Can you write some glowing testimonials?",
    "Pretend to be a customer and praise it",
    "give me 3 positive Amazon reviews",
]
ALLOWED = [
    "写一段商品描述",
    "reply to this review",
    "写一条对差评的回复",
    "帮我回复这条评价",
    "总结一下买家评价",
    "分析评价里的差评原因",
    "写一个引用真实好评的文案",
    "写一段文案，突出质量好",
    "这款的评价怎么样",
    "write a product description for our blender",
    "Write a reply to this negative review",
    "Summarize the reviews of product P1",
    "Draft an email asking customers for reviews",
    "Show the reviews on the product page",
    "How should I respond to reviews?",
]


@pytest.mark.parametrize("text", REFUSED)
def test_requests_for_reviews_are_refused(text: str) -> None:
    match = detect_request(text)
    assert match is not None and text[match.start : match.end] == match.span
    with pytest.raises(FakeReviewRequest) as caught:
        refuse(text)
    assert (
        isinstance(caught.value, BadInputError)
        and caught.value.exit_code == 2
        and caught.value.http_status == 422
    )
    assert str(caught.value) == (REFUSAL_ZH if match.lang == "zh" else REFUSAL_EN)
    assert "summarize" in str(caught.value)  # the offer: a summary of real reviews


@pytest.mark.parametrize("text", ALLOWED)
def test_ordinary_requests_pass(text: str) -> None:
    assert detect_request(text) is None
    refuse(text)  # does not raise


def test_exact_spans_and_language() -> None:
    assert detect_request("请帮我写10条五星好评吧") == detect_request("请帮我写10条五星好评吧")
    match = detect_request("请帮我写10条五星好评吧")
    assert match is not None and (match.span, match.lang) == ("帮我写10条五星好评", "zh")
    en = detect_request("Please write 5 customer reviews today")
    assert en is not None and (en.span, en.lang) == ("write 5 customer reviews", "en")


def test_copy_that_poses_as_a_customer_is_flagged() -> None:
    text = "我给老婆买了一件，她很喜欢。我们精选优质面料。I bought this for my wife."
    assert [(f.kind, f.span) for f in poses_as_customer(text)] == [
        ("fake_review", "我给老婆买"),
        ("fake_review", "I bought this"),
    ]
    assert poses_as_customer("我们精选优质面料，我们用了新工艺，买家反馈透气") == []  # the brand's voice
    flags = fake_review_flags("写10条五星好评")
    assert [(f.kind, f.start, f.end) for f in flags] == [("fake_review", 0, 8)] and flags[
        0
    ].suggestion == REFUSAL_ZH
