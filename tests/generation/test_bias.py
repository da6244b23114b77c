"""Bias flags: slurs and group + generalisation + negative trait are flagged; naming a group alone is not."""

from __future__ import annotations

import pytest

from koubei.generation.bias import BiasRules, find_bias


@pytest.mark.parametrize(
    ("text", "span", "rule_word"),
    [
        ("河南人都是骗子，别买他家的", "河南人都是骗子", "地域"),
        ("东北人天生就爱占便宜", "东北人天生就爱占便宜", "地域"),
        ("女司机必备的倒车神器", "女司机", "性别"),
        ("真男人必备", "真男人", "性别"),
        ("大妈专用广场舞音箱", "大妈专用", "年龄"),
        ("老年人根本学不会用智能手机", "老年人根本学不会", "年龄"),
        ("别学阿三那一套", "阿三", "民族"),
        ("这设计简直是脑残", "脑残", "残"),
        ("For real men only.", "For real men", "Gender"),
        ("Old people can't use smartphones, so we made this.", "Old people can't use", "Ageist"),
        ("A ghetto fix for a broken zipper.", "ghetto", "Regional"),
        ("Women are bad at parking, so buy the sensor.", "Women are bad at", "Gender"),
        ("Not for the wheelchair-bound.", "wheelchair-bound", "Disability"),
    ],
)
def test_flagged_with_rule_and_neutral_suggestion(text: str, span: str, rule_word: str) -> None:
    flags = find_bias(text)
    assert [f.span for f in flags] == [span] and flags[0].kind == "bias"
    assert rule_word in flags[0].rule and flags[0].suggestion
    assert text[flags[0].start : flags[0].end] == span


def test_group_specific_suggestions() -> None:
    assert find_bias("女司机必备")[0].suggestion.startswith("写“司机”")
    assert "makeshift" in find_bias("a ghetto fix")[0].suggestion
    assert find_bias("东北人都很懒")[0].suggestion == "删去对某地人群的概括，只描述商品本身"  # the rule's own


@pytest.mark.parametrize(
    "text",
    [
        "河南的胡辣汤很正宗",
        "东北大米，颗粒饱满",
        "上海人都喜欢这个口味",
        "专为老年人设计，字大声音大",
        "女士专用剃毛器",
        "吃了个哑巴亏",
        "谁说女司机不行",
        "Men's running shoes for trail.",
        "Seniors love the large buttons.",
        "Designed for women who run.",
        "The Warsaw Ghetto museum shop.",
        "A phone for grandparents with big keys.",
    ],
)
def test_group_mentions_alone_are_not_bias(text: str) -> None:
    assert find_bias(text) == []


def test_bundled_rules_cover_every_category() -> None:
    assert set(BiasRules.load().rules) == {"region", "gender", "age", "ethnicity", "disability"}
