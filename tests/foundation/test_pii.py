"""PII masking on realistic Chinese and English review / service text, and no false positives on numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from koubei.text import mask_pii, normalize_text

_CASES_FILE = Path(__file__).parent / "data" / "pii_cases.txt"


@dataclass(frozen=True)
class Case:
    expect: str
    lang: str
    kind: str
    text: str
    masked: str | None
    line: int


def _load_cases() -> list[Case]:
    cases = []
    for number, raw in enumerate(_CASES_FILE.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        line = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), raw)
        fields = [f.strip() for f in line.split(" | ")]
        expect, lang, kind, text = fields[:4]
        assert expect in ("mask", "keep") and lang in ("zh", "en"), f"{_CASES_FILE.name}:{number}: {raw}"
        assert len(fields) == (5 if expect == "mask" else 4), (
            f"{_CASES_FILE.name}:{number}: wrong column count"
        )
        cases.append(Case(expect, lang, kind, text, fields[4] if expect == "mask" else None, number))
    return cases


CASES = _load_cases()
MASK_CASES = [c for c in CASES if c.expect == "mask"]
KEEP_CASES = [c for c in CASES if c.expect == "keep"]


def test_case_table_is_large_and_bilingual() -> None:
    assert len(MASK_CASES) >= 70 and len(KEEP_CASES) >= 42
    assert {c.lang for c in MASK_CASES} == {c.lang for c in KEEP_CASES} == {"zh", "en"}


@pytest.mark.parametrize("case", MASK_CASES, ids=lambda c: f"L{c.line}-{c.kind}")
def test_masks_personal_data(case: Case) -> None:
    masked = mask_pii(normalize_text(case.text)).text
    assert masked == case.masked
    assert mask_pii(masked).text == masked  # masking masked text (the store re-masks turns) changes nothing


@pytest.mark.parametrize("case", KEEP_CASES, ids=lambda c: f"L{c.line}-{c.kind}")
def test_leaves_prices_orders_and_plain_text_alone(case: Case) -> None:
    normalized = normalize_text(case.text)
    result = mask_pii(normalized)
    assert result.text == normalized, [(s.kind, normalized[s.start : s.end]) for s in result.spans]


def test_spans_point_into_the_original_text() -> None:
    text = "电话13812345678 邮箱 a@b.cn"
    result = mask_pii(text)
    assert [(s.kind, text[s.start : s.end]) for s in result.spans] == [
        ("phone", "13812345678"),
        ("email", "a@b.cn"),
    ]


def test_id_number_needs_a_valid_checksum() -> None:
    assert mask_pii("号码110105194912310021").text == "号码110105194912310021"  # wrong check digit
    assert mask_pii("号码11010519491231002X").text == "号码<ID>"


def test_bank_card_needs_luhn() -> None:
    assert mask_pii("卡 6222020200001234560").text == "卡 6222020200001234560"
    assert mask_pii("卡 6222 0202 0000 1234 562").text == "卡 <CARD>"
