"""What the grounding check knows about attribute values: vocabularies per key, synonyms, antonyms, quantities.

To say "纯棉" contradicts 材质#牛仔布 the checker must know that both are values of the same key and that a garment
has one main fabric. The product's attributes alone cannot tell (they list what it is, not what it is not), so the
vocabulary comes from editable data (`data/values.json`: curated groups, which keys are exclusive, key aliases,
synonyms, antonyms, pairing cues, negators, body parts per garment type) plus a lexicon of values per key learned
from training attributes (`learn_lexicon`; the bundled `data/value_lexicon.json` is learned from the shared
AdvertiseGen file's attributes, never its copy). A learned value contradicts only under the keys listed as
`learned_exclusive` (衣领型, 衣袖长...) and never a value it was seen with on one product (v领 with 翻领): a
catalog's 材质 column also holds 水洗 (a process) and 混纺, which exclude nothing, so learned 材质 values stay
*unsupported* at most. Values of `soft_keys` (风格: 简约, 版型: 显瘦) are judgements, never flagged for lack of
support.

Quantities ("10小时", "500ml", "三天", "¥99") are parsed into (value, unit) so that numbers must match exactly,
with units written either way (毫升 = ml, 小时 = h = hours).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from koubei.errors import BadInputError
from koubei.generation.flags import read_data
from koubei.generation.parts import PartRules

DEFAULT_FILE = "values.json"
LEXICON_FILE = "value_lexicon.json"

_UNITS: dict[str, tuple[str, ...]] = {
    "cm": ("厘米", "公分", "cm"),
    "mm": ("毫米", "mm"),
    "km": ("公里", "千米", "km"),
    "m": ("米", "m"),
    "kg": ("公斤", "千克", "kg"),
    "g": ("克", "g"),
    "jin": ("斤",),
    "ml": ("毫升", "ml"),
    "l": ("升", "l"),
    "h": ("个小时", "小时", "hours", "hour", "hrs", "hr", "h"),
    "min": ("分钟", "minutes", "minute", "mins", "min"),
    "s": ("秒", "seconds", "second", "sec"),
    "day": ("天", "日", "days", "day"),
    "week": ("星期", "周", "weeks", "week"),
    "month": ("个月", "月", "months", "month"),
    "year": ("年", "years", "year"),
    "inch": ("英寸", "寸", "inches", "inch"),
    "ft": ("英尺", "feet", "foot", "ft"),
    "lb": ("磅", "pounds", "pound", "lbs", "lb"),
    "oz": ("盎司", "ounces", "ounce", "oz"),
    "%": ("%", "％", "percent"),
    "mah": ("毫安时", "毫安", "mah"),
    "w": ("瓦", "watts", "watt", "w"),
    "v": ("伏", "volts", "volt", "v"),
    "yuan": ("元", "块", "rmb", "yuan"),
    "usd": ("dollars", "dollar", "usd"),
    "deg": ("度", "℃", "°c", "°"),
    "x": ("倍",),
    "piece": ("件", "个", "只", "双", "条", "片", "粒", "包", "袋", "瓶", "盒", "套"),
    "layer": ("层",),
    "person": ("人",),
    "gear": ("档",),
    "db": ("分贝", "db"),
}
_UNIT_OF = {alias: canon for canon, aliases in _UNITS.items() for alias in aliases}
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNIT_OF, key=len, reverse=True))
_NUMBER = re.compile(
    r"(?P<cur>[¥￥$])?(?<![A-Za-z0-9.])(?P<num>\d+(?:\.\d+)?)(?:\s*(?P<unit>"
    + _UNIT_RE
    + r")(?![A-Za-z]))?(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_ZH_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZH_MEASURE = (
    "个小时",
    "小时",
    "分钟",
    "天",
    "周",
    "个月",
    "年",
    "厘米",
    "毫米",
    "公斤",
    "千克",
    "米",
    "斤",
    "克",
    "毫升",
    "升",
    "倍",
    "度",
    "英寸",
    "寸",
)
_ZH_NUMBER = re.compile("(?P<num>[零一二两三四五六七八九十百千]+)(?P<unit>" + "|".join(_ZH_MEASURE) + ")")


class Quantity(NamedTuple):
    start: int
    end: int
    value: float
    unit: str  # canonical unit, "" when none


def _zh_value(text: str) -> float | None:
    """一百二十 -> 120, 十五 -> 15, 两 -> 2; None for forms this small converter does not read."""
    total, current = 0, 0
    for ch in text:
        if ch in _ZH_DIGITS:
            current = _ZH_DIGITS[ch]
        elif ch in "十百千":
            scale = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (current or 1) * scale
            current = 0
        else:
            return None
    return float(total + current)


def quantities(text: str) -> list[Quantity]:
    """Numbers in `text` with their canonical unit. A number glued to letters (3D, V2, A4) is a name and 7+ bare
    digits an identifier (phone, order number), not a quantity;
    a Chinese numeral counts only before a unit of measure and not when it is 一 (一天 is a phrase, not a claim)."""
    out = []
    for m in _NUMBER.finditer(text):
        unit = _UNIT_OF.get((m.group("unit") or "").lower(), "")
        if m.group("cur"):
            unit = "usd" if m.group("cur") == "$" else "yuan"
        if not unit and len(m.group("num")) >= 7 and "." not in m.group("num"):
            continue  # 7+ bare digits: a phone, order or model number, not a quantity
        out.append(Quantity(m.start(), m.end(), float(m.group("num")), unit))
    for m in _ZH_NUMBER.finditer(text):
        value = _zh_value(m.group("num"))
        if value is not None and value != 1:
            out.append(Quantity(m.start(), m.end(), value, _UNIT_OF[m.group("unit")]))
    return sorted(out)


def same_quantity(a: Quantity, b: Quantity) -> bool:
    """Equal values, and equal units unless one side has none ("续航#10" supports "10小时")."""
    return abs(a.value - b.value) < 1e-9 and (a.unit == b.unit or not a.unit or not b.unit)


@dataclass(frozen=True)
class ValueVocabulary:
    """Values per canonical key; `curated` holds the data file's groups (the only ones that can contradict)."""

    curated: dict[str, frozenset[str]]
    learned: dict[str, frozenset[str]] = field(default_factory=dict)
    exclusive: frozenset[str] = frozenset()
    aliases: dict[str, str] = field(default_factory=dict)  # lowercased alias -> canonical key
    synonym_of: dict[str, str] = field(
        default_factory=dict
    )  # lowercased value -> its synonym group's first member
    antonyms: frozenset[frozenset[str]] = frozenset()
    generic: frozenset[str] = frozenset()  # values that never contradict (纯色, 多色)
    pairing_cues: tuple[str, ...] = ()
    negators: tuple[str, ...] = ()
    blend_cues: tuple[str, ...] = ()
    compatible_pairs: frozenset[frozenset[str]] = frozenset()  # agree though neither contains the other
    soft_keys: frozenset[str] = frozenset()  # judgement keys: their values never need support
    learned_exclusive: frozenset[str] = frozenset()  # exclusive keys whose learned values contradict too
    together: frozenset[frozenset[str]] = frozenset()  # learned: values of one key seen on one product
    parts: PartRules = field(default_factory=PartRules)

    @classmethod
    def load(cls, path: str | Path | None = None) -> ValueVocabulary:
        data = read_data(path, DEFAULT_FILE)
        where = str(path) if path else f"package data {DEFAULT_FILE}"
        groups = data.get("groups")
        if not isinstance(groups, dict):
            raise BadInputError(f"{where}: needs a 'groups' object: {{key: [values]}}")
        aliases: dict[str, str] = {}
        for key, names in data.get("key_aliases", {}).items():
            for name in [key, *names]:
                aliases[str(name).strip().lower()] = key
        synonym_of: dict[str, str] = {}
        for group in data.get("synonyms", []):
            members = [str(v).strip().lower() for v in group if str(v).strip()]
            for member in members:
                synonym_of.setdefault(member, members[0])
        return cls(
            curated={k: frozenset(str(v).lower() for v in vs) for k, vs in groups.items()},
            exclusive=frozenset(data.get("exclusive", [])),
            aliases=aliases,
            synonym_of=synonym_of,
            antonyms=frozenset(
                frozenset(str(v).lower() for v in pair) for pair in data.get("antonyms", []) if len(pair) == 2
            ),
            generic=frozenset(str(v).lower() for v in data.get("generic_values", [])),
            pairing_cues=tuple(str(c).lower() for c in data.get("pairing_cues", [])),
            negators=tuple(sorted((str(n).lower() for n in data.get("negators", [])), key=len, reverse=True)),
            blend_cues=tuple(str(c).lower() for c in data.get("blend_cues", [])),
            compatible_pairs=frozenset(
                frozenset(str(v).lower() for v in pair)
                for pair in data.get("compatible", [])
                if len(pair) == 2
            ),
            soft_keys=frozenset(data.get("soft_keys", [])),
            learned_exclusive=frozenset(data.get("learned_exclusive", [])),
            parts=PartRules.from_data(data.get("parts")),
        )

    def key(self, name: str) -> str:
        """The canonical key of an attribute name (color -> 颜色); unknown names are their own key."""
        return self.aliases.get(name.strip().lower(), name.strip())

    def with_learned(self, attribute_dicts: Iterable[Mapping[str, Any]]) -> ValueVocabulary:
        """A copy that also knows every value the given products have (e.g. a whole catalog's attributes)."""
        return self.with_lexicon(learn_lexicon(attribute_dicts, self))

    def with_lexicon(self, lexicon: Mapping[str, Any]) -> ValueVocabulary:
        """A copy that also knows a learned lexicon ({"values": {key: [values]}, "together": [[a, b]...]})."""
        values = lexicon.get("values")
        if not isinstance(values, Mapping):
            raise BadInputError("value lexicon needs a 'values' object: {key: [values]}")
        learned: dict[str, set[str]] = {k: set(v) for k, v in self.learned.items()}
        for name, vs in values.items():
            learned.setdefault(self.key(str(name)), set()).update(str(v).lower() for v in vs)
        together = set(self.together) | {
            frozenset(str(v).lower() for v in pair) for pair in lexicon.get("together", []) if len(pair) == 2
        }
        return replace(
            self, learned={k: frozenset(v) for k, v in learned.items()}, together=frozenset(together)
        )

    def canon(self, value: str) -> str:
        return self.synonym_of.get(value.lower(), value.lower())

    @cached_property
    def _members(self) -> dict[str, frozenset[str]]:
        groups: dict[str, set[str]] = {}
        for member, head in self.synonym_of.items():
            groups.setdefault(head, set()).add(member)
        return {head: frozenset(members) for head, members in groups.items()}

    def forms(self, value: str) -> frozenset[str]:
        """`value` and its synonyms, lowercased."""
        return frozenset({value.lower()}) | self._members.get(self.canon(value), frozenset())

    def compatible(self, claimed: str, actual: str) -> bool:
        """Do two values agree? A form of one (itself or a synonym, 色 dropped) contains a form of the other:
        蓝色 / 深蓝色, 全棉 / 棉麻, 牛仔布 (牛仔) / 牛仔裙."""
        key = (claimed.lower(), actual.lower())
        found = self._compatible_cache.get(key)
        if found is None:
            found = self._compatible(claimed, actual)
            if len(self._compatible_cache) > 100_000:
                self._compatible_cache.clear()
            self._compatible_cache[key] = found
        return found

    @cached_property
    def _compatible_cache(self) -> dict[tuple[str, str], bool]:
        return {}

    def _compatible(self, claimed: str, actual: str) -> bool:
        forms_a = {_bare(f) for f in self.forms(claimed)}
        forms_b = {_bare(f) for f in self.forms(actual)}
        if any(a and b and (a in b or b in a) for a in forms_a for b in forms_b):
            return True
        return any(
            frozenset((a, b)) in self.compatible_pairs
            for a in self.forms(claimed)
            for b in self.forms(actual)
        )

    def seen_together(self, a: str, b: str) -> bool:
        """Were these two values (or synonyms of them) held by one training product under one key?"""
        return any(frozenset((x, y)) in self.together for x in self.forms(a) for y in self.forms(b))

    def is_soft(self, term: str) -> bool:
        """Only values of judgement keys (风格, 版型): mentioning one needs no support."""
        keys = self.keys_of(term)
        return bool(keys) and keys <= self.soft_keys

    def opposite(self, a: str, b: str) -> bool:
        return (
            frozenset((self.canon(a), self.canon(b))) in self.antonyms
            or frozenset((a.lower(), b.lower())) in self.antonyms
        )

    @cached_property
    def term_keys(self) -> dict[str, frozenset[str]]:
        """Every value and synonym worth finding in copy -> the canonical keys it belongs to (a synonym belongs to
        its group's keys). Single Chinese characters are left out: too ambiguous as substrings (麻烦, 粉丝)."""
        keys: dict[str, set[str]] = {}
        for groups in (self.curated, self.learned):
            for key, values in groups.items():
                for value in values:
                    keys.setdefault(value, set()).add(key)
        by_group: dict[str, set[str]] = {}
        for member, head in self.synonym_of.items():
            by_group.setdefault(head, set()).update(keys.get(member, set()))
        for member, head in self.synonym_of.items():
            if by_group.get(head):
                keys.setdefault(member, set()).update(by_group[head])
        return {t: frozenset(k) for t, k in keys.items() if k and (len(t) > 1 or t.isascii())}

    def keys_of(self, value: str) -> frozenset[str]:
        """The canonical keys `value` (or a synonym of it) belongs to."""
        return self.term_keys.get(value.lower(), frozenset())


def learn_lexicon(
    attribute_dicts: Iterable[Mapping[str, Any]], vocab: ValueVocabulary | None = None
) -> dict[str, Any]:
    """Values per canonical key of the given products, and the value pairs one product held under one key.

    The JSON-ready form `ValueVocabulary.with_lexicon` reads (and `data/value_lexicon.json` holds)."""
    key = vocab.key if vocab is not None else (lambda name: name.strip())
    values: dict[str, set[str]] = {}
    together: set[tuple[str, str]] = set()
    for attributes in attribute_dicts:
        per_key: dict[str, set[str]] = {}
        for name, value in attribute_pairs(attributes):
            per_key.setdefault(key(name), set()).add(value.lower())
        for k, vs in per_key.items():
            values.setdefault(k, set()).update(vs)
            ordered = sorted(vs)
            together.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :])
    return {
        "values": {k: sorted(vs) for k, vs in sorted(values.items())},
        "together": [list(pair) for pair in sorted(together)],
    }


def load_lexicon(path: str | Path | None = None) -> dict[str, Any]:
    """A learned value lexicon: `path`, or the bundled one learned from AdvertiseGen attributes."""
    return read_data(path, LEXICON_FILE)


def _bare(value: str) -> str:
    """A colour without its 色 (深蓝色 -> 深蓝) so that 蓝 / 蓝色 / 深蓝色 compare."""
    return value[:-1] if len(value) > 1 and value.endswith("色") else value


def attribute_pairs(attributes: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, value) pairs of an attribute dict; list values (a repeated key) give one pair each."""
    out = []
    for key, value in attributes.items():
        for v in value if isinstance(value, (list, tuple)) else [value]:
            text = str(v).strip()
            if text and str(key).strip():
                out.append((str(key).strip(), text))
    return out
