"""Review replies: every complaint addressed, promises only within the policy, no PII echoed, varied per review."""

from __future__ import annotations

import pytest

from koubei.errors import BadInputError
from koubei.generation.reply import PROMISE_TERMS, ReplyPolicy, draft_reply


def test_each_complained_about_aspect_is_addressed_and_praise_is_thanked() -> None:
    draft = draft_reply("质量很好，但是物流太慢了，客服态度也差", review_id="r1")
    assert draft.complaints == ["logistics", "service"] and draft.praised == ["quality"]
    assert "质量" in draft.text
    assert any(w in draft.text for w in ("物流", "配送", "发货"))
    assert any(w in draft.text for w in ("服务", "客服的回应"))
    assert draft.remedy == "follow-up" and draft.passed and draft.label["machine_generated"] is True


def test_no_refund_or_compensation_unless_the_policy_allows_it() -> None:
    texts = [
        draft_reply(t, review_id=str(i)).text
        for i, t in enumerate(
            [
                "物流太慢",
                "质量太差了，要求退款",
                "包装破了，尺码也不对",
                "The delivery was slow and support was rude.",
            ]
        )
    ]
    for text in texts:
        for terms in PROMISE_TERMS.values():
            assert not any(t in text.lower() for t in terms), text
    allowed = draft_reply("质量太差了", review_id="r9", policy=ReplyPolicy(allow_refund=True))
    assert "退款" in allowed.text and "补偿" not in allowed.text and allowed.remedy == "policy:refund"
    with pytest.raises(BadInputError, match="unknown keys"):
        ReplyPolicy.from_dict({"allow_free_money": True})


def test_personal_data_in_the_review_is_never_echoed() -> None:
    draft = draft_reply("物流太慢了，我叫张三，电话13812345678，地址北京市朝阳区建国路88号", review_id="r2")
    for secret in ("13812345678", "张三", "建国路"):
        assert secret not in draft.text
    assert not [f for f in draft.flags if f["kind"] == "pii"]


def test_replies_vary_between_reviews_but_not_between_runs() -> None:
    texts = {draft_reply("物流太慢了", review_id=f"r{i}").text for i in range(12)}
    assert len(texts) >= 4
    assert draft_reply("物流太慢了", review_id="r1").text == draft_reply("物流太慢了", review_id="r1").text


def test_english_review_gets_an_english_reply_and_empty_text_is_refused() -> None:
    draft = draft_reply(
        "The delivery was slow and the package was damaged, but quality is great.", review_id="e1"
    )
    assert (
        draft.lang == "en" and draft.complaints == ["logistics", "packaging"] and draft.praised == ["quality"]
    )
    assert any(w in draft.text for w in ("delivery", "carrier", "shipping")) and "pack" in draft.text
    with pytest.raises(BadInputError, match="empty"):
        draft_reply("  ")
    with pytest.raises(BadInputError, match="at most"):
        draft_reply("好" * 6000)
