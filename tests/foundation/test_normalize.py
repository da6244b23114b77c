from __future__ import annotations

from koubei.text import detect_lang, normalize_text


def test_fullwidth_ascii_becomes_halfwidth_but_chinese_punctuation_stays() -> None:
    assert normalize_text("ｉＰｈｏｎｅ　１５，很好！") == "iPhone 15，很好！"


def test_whitespace_and_control_characters() -> None:
    assert normalize_text("  很好\u200b用 \t\t 真的 \r\n\r\n 推荐  ") == "很好用 真的\n推荐"
    assert normalize_text(" \n\t ") == ""


def test_traditional_to_simplified_is_optional() -> None:
    assert normalize_text("這個產品質量很好") == "這個產品質量很好"
    assert normalize_text("這個產品質量很好", t2s=True) == "这个产品质量很好"


def test_language_by_script() -> None:
    assert detect_lang("iPhone很好用，物流快") == "zh"
    assert detect_lang("Great blender, arrived fast") == "en"
    assert detect_lang("😀😀👍") == "other"
    assert detect_lang("12345") == "other"
