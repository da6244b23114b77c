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
from koubei.generation.values import Quantity, ValueVocabulary, learn_lexicon, load_lexicon, quantities

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


def test_learned_values() -> None:
    """A learned value of a learned-exclusive key contradicts, unless one product held both; other learned
    values are unsupported at most."""
    vocab = ValueVocabulary.load().with_learned(
        [{"图案": "格子"}, {"材质": "水洗"}, {"衣领型": "蝴蝶领"}, {"裙领型": ["方圆领", "翻领"]}]
    )
    grounder = Grounder(vocabulary=vocab)

    def flags(text: str, attributes: dict[str, object]) -> list[tuple[str, str]]:
        return [(f.kind, f.span) for f in grounder.ground(text, attributes).flags]

    assert flags("格子图案，水洗工艺", {"图案": "条纹", "材质": "牛仔布"}) == [
        ("unsupported", "格子"),  # 图案 is not exclusive: another pattern is only unsupported
        (
            "unsupported",
            "水洗",
        ),  # 材质 is exclusive, but its learned values (processes, blends) exclude nothing
    ]
    assert flags("蝴蝶领设计", {"领型": "圆领"}) == [("contradiction", "蝴蝶领")]
    assert flags("方圆领设计", {"衣领型": "翻领"}) == [
        ("unsupported", "方圆领")
    ]  # seen with 翻领 on one product
    assert flags("蝴蝶领设计", {"类型": "上衣"}) == [("unsupported", "蝴蝶领")]  # a key the product lacks
    # 勾花镂空 is only in the bundled learned lexicon: unknown without it
    assert [(f.kind, f.span) for f in ground("勾花镂空设计", {"类型": "裙"}).flags] == [
        ("unsupported", "勾花镂空")
    ]
    assert Grounder(GroundingConfig(learned_values=False)).ground("勾花镂空设计", {"类型": "裙"}).flags == []


def test_learn_lexicon_exact() -> None:
    vocab = ValueVocabulary.load()
    lexicon = learn_lexicon([{"Colour": ["红色", "白色"], "类型": "裙"}, {"color": "蓝色"}], vocab)
    assert lexicon == {
        "values": {"类型": ["裙"], "颜色": ["白色", "红色", "蓝色"]},
        "together": [["白色", "红色"]],
    }
    with pytest.raises(BadInputError, match="value lexicon needs a 'values' object"):
        vocab.with_lexicon({"together": []})
    assert "衣领型" in load_lexicon()["values"]  # the bundled one, learned from AdvertiseGen attributes


def test_features_the_product_lacks() -> None:
    top = {"类型": "上衣", "风格": "简约"}
    assert _flags("适合夏季穿着", top) == [("unsupported", "夏季")]  # season
    assert _flags("蓝白条纹", top) == [("unsupported", "蓝白"), ("unsupported", "条纹")]  # colours, pattern
    assert _flags("清新的格纹", {"类型": "上衣", "图案": "格子"}) == []  # 格纹 = 格子
    assert _flags("简约休闲，一件外套", top) == []  # judgement keys (风格) and the garment's kind (衣样式)
    assert _flags("秋季上新", {"季节": "秋冬"}) == []  # compatible pair
    assert _flags("纯白色设计", {"颜色": "纯色"}) == [
        ("unsupported", "白色")
    ]  # a generic value holds no colour
    assert _flags("修身显瘦的宽松版型", {"版型": ["宽松", "显瘦"]}) == []  # 修身 agrees with 显瘦


def test_exclusive_values_are_judged_against_their_own_key() -> None:
    shirt = {"类型": "上衣", "衣样式": "衬衫", "衣领型": "一字领"}
    assert _flags("翻边衬衫领设计", shirt) == [("contradiction", "衬衫领")]  # 衣样式#衬衫 does not support it
    assert _flags("衬衫领设计", {"衣样式": "衬衫"}) == []  # no 衣领型 held: a shirt's collar agrees with 衬衫
    assert _flags("衬衫领设计", {"衣领型": "翻领"}) == []  # a shirt collar is a 翻领
    assert _flags("v字延伸的领型", {"衣领型": "翻领"}) == [("contradiction", "v字")]  # v字 = v领


def test_parts_the_product_type_lacks() -> None:
    skirt = {"类型": "裙", "裙型": "a字", "裙长": "短裙"}
    flags = ground("胸前的小心机，修饰颈部线条", skirt).flags
    assert [(f.kind, f.span) for f in flags] == [("contradiction", "胸前"), ("contradiction", "颈部")]
    assert flags[0].rule == "商品（类型#裙、裙长#短裙）没有这个部位：文案写了“胸前”"
    assert _flags("胸前的小心机", {"类型": "裙"}) == [
        ("unsupported", "胸前")
    ]  # maybe a dress: only unsupported
    assert _flags("胸前的小心机", {"类型": "裙", "裙长": "连衣裙"}) == []  # a dress has a bodice
    assert _flags("领口的小心机", {"类型": "裙", "裙领型": "圆领"}) == []  # a neckline key says so too
    assert _flags("胸前的小心机", {"类型": "裤", "裤长": "连体裤"}) == []  # a jumpsuit
    assert _flags("裤脚微喇", {"类型": "上衣"}) == [("unsupported", "裤脚")]
    assert _flags("搭配一件胸前有口袋的衬衫", skirt) == []  # another item
    assert _flags("胸前的小心机", {"颜色": "红色"}) == []  # no 类型: nothing says which parts it has
    assert ground("胸前的小心机", skirt, ["胸前有个小心机"]).flags == []  # the evidence names it
    english = ground("A cute print on the chest.", {"type": "skirt", "类型": "skirt"}).flags
    assert [(f.kind, f.span) for f in english] == [("contradiction", "chest")]
    off = Grounder(GroundingConfig(check_parts=False))
    assert off.ground("胸前的小心机", skirt).flags == []


HANDCHECKED = [  # generated outputs of benchmarks/results/copy_handcheck.md's first batch (inner-val 30-59)
    (
        "类型#上衣*风格#休闲*图案#撞色*衣样式#衬衫*衣领型#一字领*衣袖型#喇叭袖*衣款式#腰带",
        "精致干练的翻边衬衫领设计，让整件上衣多了一些柔美和俏皮。一字领设计，撞色的喇叭袖设计结合了当下的潮流元素,"
        "穿着舒适休闲。可调节同色系腰带装饰，凸显气质。",
        [("contradiction", "衬衫领")],
    ),
    (
        "类型#裙*版型#显瘦*材质#牛仔布*风格#复古*图案#卡通*图案#刺绣*裙型#a字*裙型#牛仔裙*裙长#短裙*裙款式#口袋",
        "这款牛仔布短裙，a字裙摆遮肉显瘦。自在显瘦的牛仔裙，胸前的可爱卡通图案还富有童趣感，修饰颈部线条，"
        "配上精致的刺绣图案，复古时尚，藏肉显瘦前口袋设计。",
        [("contradiction", "胸前"), ("contradiction", "颈部")],
    ),
    (
        "类型#上衣*材质#蕾丝*风格#简约*风格#清新*图案#蕾丝*衣样式#衫*衣领型#立领*衣袖长#短袖*衣款式#盘扣",
        "短袖搭配立领的版型设计，蕾丝的面料，简约的版型设计，清新的格纹，盘扣的设计，穿着舒适。",
        [("unsupported", "格纹")],
    ),
    (
        "类型#上衣*版型#显瘦*风格#复古*风格#知性*图案#复古*衣样式#衬衫*衣领型#翻领",
        "显瘦十足的v字延伸衬衫领设计，显瘦的上衣塑造完美身形，翻领设计，呈现出了更为复古知性的优雅感。",
        [("contradiction", "v字")],
    ),
    (
        "类型#上衣*材质#针织*风格#休闲*衣样式#开衫*衣门襟#单排扣*衣款式#罗纹",
        "但是这款开衫是夏季的，让整件上衣多了一些柔美和俏皮。这款针织开衫，穿着舒适休闲。罗纹的袖口与下摆。",
        [("unsupported", "夏季")],
    ),
    (
        "类型#裙*风格#清新*图案#条纹*裙下摆#垂坠*裙长#连衣裙*裙领型#翻领*裙袖型#插肩袖*裙款式#拼接",
        "这一款连衣裙精致翻领的设计，的清新蓝白条纹十分给人自然干净的感觉，富有特色的拼接设计，插肩袖设计，"
        "浪漫垂坠的裙摆，穿着舒适。",
        [("unsupported", "蓝白")],
    ),
    (  # two faithful ones stay clean
        "类型#裤*材质#棉*颜色#黑色*颜色#卡其色*裤型#直筒裤",
        "裤的设计，棉的面料，黑色的设计，而配色采用经典又时髦的卡其色，直筒裤裤型上身舒适不束缚，穿着舒适。",
        [],
    ),
    (
        "类型#上衣*版型#宽松*颜色#黑色*风格#休闲*图案#纯色*图案#印花*图案#撞色*衣样式#polo*衣领型#翻领*衣款式#拼接",
        "polo衫领设计，让整件上衣多了一些柔美和俏皮。纯黑色拼接的设计，选用纯色的版型，翻领设计，"
        "趣味感十足的个性印花设计，做了撞色的设计处理。宽松的造型着身更是舒适休闲。",
        [],
    ),
]


@pytest.mark.parametrize(("attributes", "text", "expected"), HANDCHECKED)
def test_the_hand_checks_misses_are_caught(
    attributes: str, text: str, expected: list[tuple[str, str]]
) -> None:
    assert _flags(text, attributes) == expected


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
