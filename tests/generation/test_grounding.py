"""The grounding check: claim sources, contradictions, unsupported numbers and features, support's old contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from koubei.errors import BadInputError
from koubei.generation.grounding import (
    Evidence,
    Grounder,
    GroundingConfig,
    as_attributes,
    as_evidence,
    ground,
    sentence_support,
    supported_sentences,
)
from koubei.generation.values import Quantity, ValueVocabulary, quantities

ATTRS = "类型#上衣*材质#牛仔布*颜色#白色*续航#10h"


def _flags(text: str, attributes: object = ATTRS, evidence: object = None) -> list[tuple[str, str]]:
    return [(f.kind, f.span) for f in ground(text, attributes, evidence).flags]  # type: ignore[arg-type]


def test_claims_carry_their_sources() -> None:
    text = "白色的牛仔外套，续航10小时，物流三天就到了，设计很有趣"
    result = ground(text, ATTRS, [{"review_id": "R7", "text": "物流很快，三天就到了"}])
    assert [(c.span, c.source) for c in result.claims] == [
        ("白色的牛仔外套，", {"kind": "attribute", "key": "颜色"}),
        ("续航10小时，", {"kind": "attribute", "key": "续航"}),
        ("物流三天就到了，", {"kind": "review", "id": "R7"}),
        ("设计很有趣", None),
    ]
    assert result.claims[0].sources == [
        {"kind": "attribute", "key": "颜色"},
        {"kind": "attribute", "key": "材质"},
    ]
    assert result.flags == [] and result.to_dict()["claims"][1]["start"] == 8


def test_contradictions_with_the_attributes() -> None:
    flags = ground("纯棉外套，红色衣身", ATTRS).flags
    assert [(f.kind, f.start, f.end, f.span) for f in flags] == [
        ("contradiction", 0, 2, "纯棉"),
        ("contradiction", 5, 7, "红色"),
    ]
    assert (
        flags[0].rule == "与商品属性矛盾：材质为“牛仔布”，文案写了“纯棉”"
        and flags[0].suggestion == "改为“牛仔布”，或删去"
    )
    assert _flags("长袖设计", {"袖长": "短袖"}) == [("contradiction", "长袖")]  # alias 袖长 -> 衣袖长
    assert _flags("宽松版型", {"版型": "修身"}) == [("contradiction", "宽松")]  # antonym pair
    english = ground("A red shirt made of denim.", {"colour": "blue", "fabric": "cotton"}).flags
    assert [(f.kind, f.span) for f in english] == [("contradiction", "red"), ("contradiction", "denim")]
    assert english[0].rule == "contradicts the attributes: colour is 'blue', the text says 'red'"


def test_agreeing_values_are_supported() -> None:
    assert _flags("深蓝色衬衫", {"颜色": "蓝色"}) == []  # one contains the other
    assert _flags("全棉面料，棉质柔软", {"材质": "棉"}) == []  # synonyms
    assert _flags("纯色设计", {"颜色": "黑色"}) == []  # generic value
    assert _flags("a navy cotton tee", {"color": "navy blue", "material": "100% cotton"}) == []
    assert _flags("牛仔布面料", {"裙型": "牛仔裙"}) == []  # a value under another key still supports


def test_unsupported_numbers_and_features() -> None:
    assert _flags("续航12小时，重500克") == [("unsupported", "12小时"), ("unsupported", "500克")]
    assert (
        _flags("续航10小时") == [] and _flags("续航10 hours") == []
    )  # same value and unit, written either way
    assert _flags("容量500ml", {"容量": "500毫升"}) == [] and _flags("只要¥99", {"价格": "99元"}) == []
    assert _flags("三天到货", {}, ["3天就到了"]) == [] and _flags("两年质保", {}) == [("unsupported", "两年")]
    assert (
        _flags("3D剪裁，一天好心情，十分百搭，订单号20240611123", {}) == []
    )  # names, phrases, ids are not numbers
    assert _flags("真丝面料", {"类型": "裙"}) == [("unsupported", "真丝")]
    assert (
        _flags("真丝面料", {"类型": "裙"}, [Evidence("R1", "真丝的，很舒服")]) == []
    )  # a review supports it
    off = Grounder(GroundingConfig(check_numbers=False, check_features=False))
    assert off.ground("纯棉，续航99小时", ATTRS).flags == []


def test_negated_mentions_and_other_items_are_not_claims() -> None:
    assert _flags("不是纯棉的，不含真丝") == []
    assert _flags("非常宽松", {"版型": "修身"}) == [("contradiction", "宽松")]  # 非常 is not a negator
    assert _flags("搭配一条红色短裙，尽显活力") == []
    assert _flags("Not leather. Pair it with red jeans.", {"color": "blue"}) == []
    assert _flags("选用棉质面料，加入氨纶带来弹性", {"材质": "棉"}) == [("unsupported", "氨纶")]  # a blend


def test_learned_values_are_unsupported_never_contradictions() -> None:
    vocab = ValueVocabulary.load().with_learned([{"图案": "格子"}, {"材质": "水洗"}])
    grounder = Grounder(vocabulary=vocab)
    assert [
        (f.kind, f.span)
        for f in grounder.ground("格子图案，水洗工艺", {"图案": "条纹", "材质": "牛仔布"}).flags
    ] == [("unsupported", "格子"), ("unsupported", "水洗")]
    assert Grounder().ground("格子图案", {"图案": "条纹"}).flags == []  # unknown without the learned values


def test_edited_values_file(tmp_path: Path) -> None:
    path = tmp_path / "values.json"
    path.write_text(
        json.dumps({"groups": {"口味": ["香辣", "原味"]}, "exclusive": ["口味"]}, ensure_ascii=False),
        encoding="utf-8",
    )
    result = ground("香辣口味", {"口味": "原味"}, config=GroundingConfig(values_path=str(path)))
    assert [(f.kind, f.span) for f in result.flags] == [("contradiction", "香辣")]


def test_vocabulary_compatibility_and_edges() -> None:
    vocab = ValueVocabulary.load()
    assert (
        vocab.compatible("藏青色", "藏青蓝")
        and vocab.compatible("全棉", "棉麻")
        and not vocab.compatible("红色", "蓝色")
    )
    assert vocab.key("Colour") == "颜色" and vocab.key("产地") == "产地"
    learned = Grounder(vocabulary=vocab.with_learned([{"颜色": "纯色"}]))
    assert learned.ground("纯色设计", {"颜色": "黑色"}).flags == []  # a generic value never needs support
    assert _flags("Piano black finish.", {"color": "white"}) == [
        ("contradiction", "black")
    ]  # "piano" is not "no"
    assert _flags("续航10分钟") == [("unsupported", "10分钟")]  # 10h: same value, another unit
    weak = ground("设计很有趣", {}, ["设计简单大方"])  # 1 of 3 content words: below min_support
    assert weak.claims[0].source is None
    assert ground("设计很有趣", {}, ["设计很有趣味"]).claims[0].source == {"kind": "review", "id": "0"}


def test_quantities() -> None:
    assert quantities("长12.5cm，3D，¥99，两年，V2") == [
        Quantity(1, 7, 12.5, "cm"),
        Quantity(11, 14, 99.0, "yuan"),
        Quantity(15, 17, 2.0, "year"),
    ]
    assert [q.value for q in quantities("一百二十毫升，十五天")] == [120.0, 15.0]


def test_inputs_are_checked() -> None:
    assert as_attributes('{"颜色": "红色"}') == {"颜色": "红色"} and as_attributes(None) == {}
    assert as_attributes("颜色#红色*颜色#白色") == {"颜色": ["红色", "白色"]}
    with pytest.raises(BadInputError, match="attributes: attributes 'no pairs' are neither"):
        as_attributes("no pairs")
    assert as_evidence(["a", {"id": 5, "text": "b", "kind": "faq"}]) == [
        Evidence("0", "a"),
        Evidence("5", "b", "faq"),
    ]
    with pytest.raises(BadInputError, match=r"evidence\[0\] needs a 'text' string"):
        as_evidence([{"id": "x"}])


def test_support_contract_is_kept() -> None:
    """Customer-service answers' sentence check (koubei.support.generate uses this function, not a copy)."""
    from koubei.support import answer, generate
    from koubei.text.analyzer import analyze

    evidence = ["Unused items can be returned within 30 days.", "The lid is a bit stiff."]
    assert sentence_support("Items can be returned within 30 days.", evidence) == (1.0, 0)
    share, idx = sentence_support("The lid is made of titanium.", evidence)
    assert (round(share, 4), idx) == (0.3333, 1)
    assert sentence_support("Here it is.", evidence) == (1.0, -1)
    kept, dropped = supported_sentences(["Returns within 30 days.", "It cures headaches."], evidence, 0.6)
    assert kept == [("Returns within 30 days.", 0)] and dropped == ["It cures headaches."]
    sentences = ["电池续航10小时。", "滤网可以水洗。", "支持蓝牙吗", "Warranty is one year."]
    texts = ["续航：10小时", "滤网可以直接水洗，晾干后装回", "warranty: 1 year"]
    assert supported_sentences(sentences, texts, 0.6) == (
        [("电池续航10小时。", 0), ("滤网可以水洗。", 1), ("Warranty is one year.", 2)],
        ["支持蓝牙吗"],
    )
    # evidence handed in already analysed (word sets) gives the same answer as the texts
    assert sentence_support("滤网可以水洗。", [frozenset(analyze(t)) for t in texts]) == (1.0, 1)
    # one mechanism: support uses this function and keeps no copy of its own
    assert generate.supported_sentences is supported_sentences
    assert not hasattr(answer, "supported_sentences") and not hasattr(answer, "sentence_support")
