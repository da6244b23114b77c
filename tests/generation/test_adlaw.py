"""Ad-law flags: forbidden terms with their rule, the SAMR 2023 exemptions as context rules, editable data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from koubei.errors import BadInputError, NotFoundError
from koubei.generation.adlaw import AdLawRules, find_ad_law


def _spans(text: str) -> list[str]:
    return [f.span for f in find_ad_law(text)]


def test_flag_shape_offsets_rule_and_suggestion() -> None:
    text = "面料柔软，全网最低价，国家级品质。"
    flags = find_ad_law(text)
    assert [(f.kind, f.start, f.end, f.span) for f in flags] == [
        ("ad_law", 5, 10, "全网最低价"),
        ("ad_law", 11, 14, "国家级"),
    ]
    assert "价格法" in flags[0].rule and "具体价格" in flags[0].suggestion  # the longest hit's rule: price
    assert flags[1].rule.startswith("《广告法》第九条第（三）项") and "可核实" in flags[1].suggestion
    merged = find_ad_law(
        "最药到病除"
    )  # 最药 (absolute) overlaps the longer 药到病除 (medical): one flag, its rule
    assert [(f.span, "第十七条" in f.rule) for f in merged] == [("最药到病除", True)]
    assert flags[1].to_dict() == {
        "kind": "ad_law",
        "start": 11,
        "end": 14,
        "span": "国家级",
        "rule": flags[1].rule,
        "suggestion": flags[1].suggestion,
    }


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("这是市面上最安全的婴儿奶瓶。", ["最安全"]),  # 最 grows to the word for display
        ("史上最强的降噪耳机", ["史上", "最强"]),
        ("销量第一，顶级面料，极致轻薄", ["第一", "顶级", "极致"]),
        ("独家配方，万能清洁，永久不褪色", ["独家", "万能", "永久"]),
        ("三天治愈脱发，纯天然无副作用", ["治愈", "纯天然", "无副作用"]),
        ("保证一周瘦十斤", ["保证"]),
        ("百分之百有效，100%满意", ["百分之百", "100%"]),
        ("全网销量NO.1", ["NO.1"]),
    ],
)
def test_chinese_claims(text: str, spans: list[str]) -> None:
    assert _spans(text) == spans


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("The best moisturizer ever made.", ["The best"]),
        ("America's #1 selling blender, the number one choice.", ["#1", "number one"]),
        ("Guaranteed cure for acne, 100% safe.", ["Guaranteed", "cure", "100%"]),
        ("The world's best beans and the safest seat.", ["world's best", "the safest"]),
        ("No side effects, all natural and risk-free.", ["No side effects", "all natural", "risk-free"]),
    ],
)
def test_english_claims(text: str, spans: list[str]) -> None:
    assert _spans(text) == spans
    assert all("FTC" in f.rule for f in find_ad_law(text))  # English clause -> English rule text


@pytest.mark.parametrize(
    "text",
    [
        "最佳使用时间为晚上睡前",
        "开封后最佳食用期为三天",
        "每天最多饮用两杯",
        "最多可容纳8人",
        "最长可拉伸到1.5米",
        "最低温度可设置到零下18度",
        "第一步，取出滤网",
        "第一次使用前请充电",
        "第一层放衣物",
        "最近天气转凉",
        "最后一步，拧紧盖子",
        "最初是为户外设计的",
        "这是本系列中最大的尺寸",
        "这是我们店里最轻的一款",
        "最好在阴凉处晾干",
        "最好用温水清洗",
        "唯一需要注意的是不能机洗",
        "最上层是防水涂层",
        "最快明天送达",
        "每人最多限购两件",
        "采用100%纯棉面料",
        "最重要的是，它很轻",
        "整件衬衫最吸睛的就是领口",
        "绝大多数买家认为尺码标准",
        "这件风衣的最大好处在于短款",
        "还记得《王牌特工》中的造型",
        "Best before the date on the lid.",
        "Best served chilled.",
        "Take at most two tablets.",
        "Works best on dry hair.",
        "First, remove the filter.",
        "It is 20% lighter than our previous model.",
        "The lightest bag in our own range.",
        "A 30-day money-back guarantee.",
        "Made with 100% cotton.",
        "Cure time is 24 hours.",
        "For best results, shake well.",
    ],
)
def test_honest_uses_are_not_flagged(text: str) -> None:
    assert _spans(text) == []


def test_a_market_scope_voids_the_exemption() -> None:
    assert _spans("这是本店最轻的一款") == []
    assert _spans("本店价格全国最低") == ["全国最低"]  # a price term of its own
    assert _spans("本店面膜是全网最补水的") == ["最补水"]  # self-scope, but 全网 makes it a market claim
    assert _spans("我们的第一家门店") == [] and _spans("全国第一家门店") == ["第一"]
    assert _spans("The lightest bag in our own range.") == []
    assert _spans("The lightest bag in our range and in the world.") == ["The lightest"]
    assert _spans("最好用的面霜") == ["最好用"] and _spans("这款最好用。") == ["最好用"]


def test_explain_names_the_exemption() -> None:
    rules = AdLawRules.load()
    assert "usage" in (rules.explain("最佳使用时间为睡前", 0, 2) or "")
    assert rules.explain("最佳选择", 0, 2) is None


def test_edited_data_file_is_used(tmp_path: Path) -> None:
    data = {
        "rules": {"r": {"zh": "规则", "en": "rule", "suggestion_zh": "改", "suggestion_en": "change"}},
        "terms": [{"rule": "r", "terms": ["爆款", "must-have"], "patterns": ["神器"]}],
        "exemptions": [{"pattern": "爆款清单"}],
    }
    path = tmp_path / "law.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    rules = AdLawRules.load(path)
    flags = rules.find("爆款神器，不在爆款清单里。A must-have.")
    assert [(f.span, f.rule, f.suggestion) for f in flags] == [
        ("爆款", "规则", "改"),
        ("神器", "规则", "改"),
        ("must-have", "rule", "change"),
    ]
    assert rules.find("最好") == []  # only the edited file's terms


def test_bad_data_files_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        AdLawRules.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"rules": {"r": {"zh": "x"}}}', encoding="utf-8")
    with pytest.raises(BadInputError, match="rule 'r' lacks en, suggestion_zh, suggestion_en"):
        AdLawRules.load(bad)
    bad.write_text(
        '{"rules": {"r": {"zh": "", "en": "", "suggestion_zh": "", "suggestion_en": ""}}, '
        '"terms": [{"rule": "r", "patterns": ["(最"]}]}',
        encoding="utf-8",
    )
    with pytest.raises(BadInputError, match="not a valid regular expression"):
        AdLawRules.load(bad)
    bad.write_text(
        '{"rules": {"r": {"zh": "", "en": "", "suggestion_zh": "", "suggestion_en": ""}}, '
        '"terms": [{"rule": "nope", "terms": ["x"]}]}',
        encoding="utf-8",
    )
    with pytest.raises(BadInputError, match="names rule 'nope'; known rules: r"):
        AdLawRules.load(bad)


def test_a_megabyte_is_checked_quickly() -> None:
    import time

    text = ("面料柔软透气，适合日常通勤。" * 80_000)[:1_000_000] + "全网最低价"
    find_ad_law("最")  # the rules load once; time the scan only
    t0 = time.process_time()  # CPU time: the shared test machine's other load does not count
    flags = find_ad_law(text)
    assert time.process_time() - t0 < 5.0
    assert [f.span for f in flags] == ["全网最低价"] and flags[0].start == 1_000_000
