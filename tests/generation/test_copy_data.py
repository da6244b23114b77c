"""Attribute parsing, pair rows with rejects, and the attribute-set split: exact answers on tiny inputs."""

from __future__ import annotations

import pytest

from koubei.errors import BadInputError
from koubei.generation.copy_data import (
    CopyPair,
    pairs_from_rows,
    parse_attributes,
    split_by_attributes,
)


def test_string_and_json_forms_give_the_same_pairs() -> None:
    assert parse_attributes("类型#上衣*材质#牛仔布*风格#简约*风格#复古") == (
        ("类型", "上衣"),
        ("材质", "牛仔布"),
        ("风格", "简约"),
        ("风格", "复古"),
    )
    assert parse_attributes('{"类型": "上衣", "风格": ["简约", "复古"]}') == (
        ("类型", "上衣"),
        ("风格", "简约"),
        ("风格", "复古"),
    )
    assert parse_attributes({"size": 42}) == (("size", "42"),)
    assert parse_attributes("类型#上衣*类型#上衣") == (("类型", "上衣"),)  # repeated pair kept once


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "attributes: empty"),
        ("类型上衣", "has no '#'"),
        ("类型#", "empty value of '类型'"),
        ("类型#上衣**颜色#红", "empty pair"),
        ("类型#<b>上衣</b>", "HTML markup"),
        ("类型#&lt;x", "HTML markup"),
        ("颜色#🔥", "empty value of '颜色'"),
        ("*".join(f"k{i}#v{i}" for i in range(500)), "500 attribute pairs, at most 64"),
        ('{"类型": ', "not valid JSON"),
        ('{"类型": {"a": 1}}', "must be text or a number"),
    ],
)
def test_bad_attributes_name_the_field_and_the_piece(value: str, message: str) -> None:
    with pytest.raises(BadInputError, match="attributes") as info:
        parse_attributes(value)
    assert message in str(info.value)


def test_emoji_are_removed_from_values() -> None:
    assert parse_attributes("颜色#红色🔥*风格#简约✨") == (("颜色", "红色"), ("风格", "简约"))


def test_rows_keep_going_and_say_why_each_reject_was_rejected() -> None:
    rows = [
        (1, {"content": "类型#上衣*颜色#白色", "summary": "白色上衣。"}, None),
        (2, {"content": "no hash", "summary": "x"}, None),
        (3, None, "not valid JSON: Expecting value at column 1"),
        (4, {"attributes": {"类型": "裙"}, "text": "一条裙子。"}, None),
        (5, {"content": "类型#上衣*颜色#白色", "summary": "白色上衣。"}, None),
        (6, {"content": "类型#上衣", "summary": "  "}, None),
        (7, {"text": "没有属性"}, None),
    ]
    found = pairs_from_rows(rows)
    assert [p.text for p in found.pairs] == ["白色上衣。", "一条裙子。"]
    assert [(r.line, r.reason.split(":")[0]) for r in found.rejected] == [
        (2, "content"),
        (3, "not valid JSON"),
        (5, "duplicate of an earlier row"),
        (6, "summary"),
        (7, "no 'content' or 'attributes' field; expected AdvertiseGen content/summary or attributes/text"),
    ]


def test_split_keeps_each_attribute_set_on_one_side_and_is_seeded() -> None:
    pairs = [CopyPair((("类型", f"t{i % 10}"),), f"copy {i}") for i in range(40)]
    train, test = split_by_attributes(pairs, 0.2, seed=3)
    assert len(train) + len(test) == 40
    assert {p.attributes for p in train}.isdisjoint({p.attributes for p in test})
    assert len({p.attributes for p in test}) == 2  # 20% of the 10 attribute sets
    assert split_by_attributes(pairs, 0.2, seed=3) == (train, test)
    assert split_by_attributes(pairs, 0.2, seed=4) != (train, test)


def test_kfold_by_attributes_keeps_each_attribute_set_in_one_fold() -> None:
    from koubei.generation.copy_data import CopyPair, kfold_by_attributes, parse_attributes

    sets = [
        "类型#上衣*颜色#白色",
        "颜色#白色*类型#上衣",
        "类型#裙",
        "类型#裤",
        "类型#裤*颜色#蓝色",
        "类型#鞋",
    ]
    pairs = [CopyPair(parse_attributes(a), f"文案{i}") for i, a in enumerate(sets)]
    folds = kfold_by_attributes(pairs, k=3, seed=1)
    assert sorted(p.text for f in folds for p in f) == sorted(
        p.text for p in pairs
    )  # every pair exactly once
    first_two = [i for i, f in enumerate(folds) for p in f if p.text in ("文案0", "文案1")]
    assert len(set(first_two)) == 1  # the same attribute set (in another order) never spans two folds
    assert all(folds) and sum(map(len, folds)) == 6
    assert kfold_by_attributes(pairs, k=3, seed=1) == folds  # seeded
    with pytest.raises(BadInputError, match="folds"):
        kfold_by_attributes(pairs[:2], k=3)
