"""Verbatim-copy detection: exact runs and offsets, normalisation, threshold, document boundaries, persistence."""

from __future__ import annotations

from pathlib import Path

import pytest

from koubei.errors import BadInputError
from koubei.generation.copying import CopyConfig, CopyIndex, find_copied, normalize_for_copy

A = "简约而不简单的牛仔外套，白色的衣身十分百搭。衣身多处有做旧破洞设计，打破单调乏味。"
B = "This denim jacket pairs with everything and the embroidered back adds a playful detail."


def test_normalisation() -> None:
    assert normalize_for_copy("Ｈｅｌｌｏ，世界！ ＡＢ_c 3.5寸") == "hello世界abc35寸"


def test_finds_the_copied_run_with_original_offsets() -> None:
    index = CopyIndex.build([A, B], ids=["ad-1", "ad-2"])
    text = "全新开头。" + A[0:21] + "，其余完全不同。"
    [match] = index.find(text)
    assert (match.start, match.end, match.doc_id, match.length) == (5, 26, "ad-1", 20)
    assert match.span == "简约而不简单的牛仔外套，白色的衣身十分百搭"
    [flag] = index.flags(text)
    assert flag.kind == "copied" and flag.span == match.span and "ad-1" in flag.rule and "20" in flag.rule


def test_whitespace_and_punctuation_do_not_hide_a_copy() -> None:
    index = CopyIndex.build([A])
    disguised = "简约 而不简单的牛仔外套!!白色的 衣身，十分百搭"
    [match] = index.find(disguised)
    assert (match.start, match.end, match.length) == (0, len(disguised), 20)
    english = CopyIndex.build([B]).find("Wow: THIS denim-jacket pairs with everything, and more")
    assert [m.span for m in english] == ["THIS denim-jacket pairs with everything, and"]


def test_threshold_is_configurable() -> None:
    nineteen = A[0:20].replace("，", "")[:19]
    assert CopyIndex.build([A]).find("开头" + nineteen + "结尾") == []
    short = CopyIndex.build([A], config=CopyConfig(min_chars=15, window=3))
    assert [m.length for m in short.find("开头" + nineteen + "结尾")] == [19]


def test_every_run_at_the_threshold_is_found_and_none_below() -> None:
    """The winnowing guarantee: every shared run of min_chars has a fingerprint; shorter runs are never flagged."""
    config = CopyConfig(min_chars=10, window=6)
    index = CopyIndex.build([A], config=config)
    norm = normalize_for_copy(A)
    for i in range(len(norm) - 10):
        assert [m.length for m in index.find("开头" + norm[i : i + 10] + "结尾")] == [10], i
        assert index.find("开头" + norm[i : i + 9] + "结尾") == [], i


def test_fingerprints_never_span_two_documents() -> None:
    index = CopyIndex.build([A, B, "短文本", A[:12]])
    k = index.config.k
    assert len(index._positions) > 0
    assert all("\x00" not in index._corpus[p : p + k] for p in index._positions.tolist())


def test_runs_do_not_cross_document_boundaries() -> None:
    first, second = "甲乙丙丁戊己庚辛壬癸子丑", "寅卯辰巳午未申酉戌亥一二"
    index = CopyIndex.build([first, second])
    assert index.find(first + second) == []  # 24 characters in a row, but 12 from each document
    assert [m.doc_id for m in index.find(first + second + first + second)] == []
    whole = CopyIndex.build([first + second])
    assert [m.length for m in whole.find(first + second)] == [24]


def test_every_copied_run_and_the_longest_source_wins_a_merge() -> None:
    index = CopyIndex.build([A, A[:30] + "完全不同的后半段内容写在这里"], ids=["long", "short"])
    flags = index.flags(A)
    assert (
        len(flags) == 1 and "long" in flags[0].rule and flags[0].span == A[:-1]
    )  # trailing 。 is not a character
    assert {m.doc_id for m in index.find(A)} == {"long", "short"}


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    index = CopyIndex.build([A, B], ids=["x", "y"], config=CopyConfig(min_chars=16, window=3))
    loaded = CopyIndex.load(index.save(tmp_path / "copy"))
    query = "前缀" + B[10:60]
    assert loaded.find(query) == index.find(query) and loaded.find(query)[0].doc_id == "y"
    assert loaded.config == CopyConfig(min_chars=16, window=3) and len(loaded) == 2


def test_small_inputs_and_bad_config() -> None:
    assert CopyIndex.build([]).find(A) == [] and CopyIndex.build([A]).find("短") == []
    assert find_copied("前缀" + A[:25], [A])[0].span == A[:25]
    with pytest.raises(BadInputError, match="min_chars=3 is too small"):
        CopyConfig(min_chars=3)
    with pytest.raises(BadInputError, match="window=30"):
        CopyConfig(min_chars=20, window=30)
    with pytest.raises(BadInputError, match="2 ids for 1 texts"):
        CopyIndex.build([A], ids=["a", "b"])
