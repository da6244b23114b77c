"""The hand-written splitter: exact pieces and offsets on tiny Chinese, English and mixed texts."""

from __future__ import annotations

from koubei.generation.sentences import Span, split_claims, split_sentences


def _texts(text: str, max_chars: int = 60) -> list[str]:
    spans = split_sentences(text, max_chars)
    assert all(text[s.start : s.end] == s.text for s in spans)  # offsets point into the original
    return [s.text for s in spans]


def test_chinese_ends_and_closing_quotes() -> None:
    assert _texts("他说：“太好了！”然后走了。下次还买吗？买！") == [
        "他说：“太好了！”",
        "然后走了。",
        "下次还买吗？",
        "买！",
    ]
    assert _texts("质量不错；物流很快；(推荐。)好") == ["质量不错；", "物流很快；", "(推荐。)", "好"]
    assert split_sentences("好用。 很好") == [Span(0, 3, "好用。"), Span(4, 6, "很好")]


def test_decimals_versions_and_runs_of_marks() -> None:
    assert _texts("屏幕3.5寸，很清晰。价格12.5元。v2.0 版本更好！！！真的吗？！") == [
        "屏幕3.5寸，很清晰。",
        "价格12.5元。",
        "v2.0 版本更好！！！",
        "真的吗？！",
    ]


def test_english_abbreviations() -> None:
    text = "Mr. Smith bought it. It works, e.g. for tea. No. 5 is great! Dr. J. Watson agrees. It costs $3.50 etc. and more."
    assert _texts(text) == [
        "Mr. Smith bought it.",
        "It works, e.g. for tea.",
        "No. 5 is great!",
        "Dr. J. Watson agrees.",
        "It costs $3.50 etc. and more.",
    ]
    assert _texts("See file.txt now. Done") == ["See file.txt now.", "Done"]


def test_ellipses() -> None:
    assert _texts("等了好久……终于到了。Wait... what happened? Fine... Then it broke...") == [
        "等了好久……",
        "终于到了。",
        "Wait... what happened?",
        "Fine...",
        "Then it broke...",
    ]


def test_newlines_split_and_blank_pieces_drop() -> None:
    assert _texts("line one\nline two\r\n\n  third  \n。。\n") == ["line one", "line two", "third"]
    assert split_sentences("") == [] and split_sentences(" \n ！") == []


def test_long_unpunctuated_chinese_is_cut_at_commas_then_cue_words() -> None:
    run = "质量很好但是物流太慢而且客服态度也不好然后我就退货了不过退款很快"
    assert _texts(run, 0) == [run]  # the length rule off: one piece
    assert _texts(run, 20) == ["质量很好但是物流太慢而且客服态度也不好", "然后我就退货了不过退款很快"]
    # As late as the length allows: "质量很好但是物流太慢" (10) fits in 12, adding the next clause would not.
    assert _texts(run, 12) == ["质量很好但是物流太慢", "而且客服态度也不好", "然后我就退货了", "不过退款很快"]
    commas = "衣服很好看，面料也舒服，颜色和图片一样，尺码标准，物流三天就到了"
    assert _texts(commas, 12) == ["衣服很好看，面料也舒服，", "颜色和图片一样，", "尺码标准，物流三天就到了"]
    spaces = "这个很好 物流很快 下次还来 客服也耐心"
    assert _texts(spaces, 10) == ["这个很好 物流很快", "下次还来 客服也耐心"]


def test_claims_are_clauses() -> None:
    text = "简约的牛仔外套，白色的衣身十分百搭。衣身有破洞设计,打破单调"
    assert [c.text for c in split_claims(text)] == [
        "简约的牛仔外套，",
        "白色的衣身十分百搭。",
        "衣身有破洞设计,",
        "打破单调",
    ]
    assert split_claims(text)[1] == Span(8, 18, "白色的衣身十分百搭。")
