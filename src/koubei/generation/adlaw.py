"""Advertising-law absolute and forbidden claims, Chinese and English, with the context rules that exempt honest copy.

Why rules and not a model: the law is a list (《广告法》第九条（三）names 国家级/最高级/最佳; 第十七条 bans medical
claims outside medical ads; SAMR's 2023 《广告绝对化用语执法指南》 says which uses are not absolute claims), a team
must be able to read and edit why a word was flagged, and every flag must name the rule it breaks.

How: every term and pattern of `data/ad_law.json` is matched on the whole text (one alternation per group of
literal terms, so a 1 MB text costs a few dozen regex passes). A hit is dropped when it lies inside a match of an
exemption (usage instructions such as 最佳使用时间 / 每天最多 / 最多可容纳8人, ordinals such as 第一步, 最近 meaning
"recently", self-comparison such as 本系列中最大 / "than our previous model", "best before", "at most") unless the
exemption's `unless` pattern occurs in the same clause (全国/全网/"in the world" make it a market claim again).
Overlapping hits are merged into one flag. The rule text and suggestion come in the language of the clause.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from koubei.errors import BadInputError
from koubei.generation.flags import (
    Flag,
    clause_bounds,
    compile_pattern,
    has_cjk,
    literal_pattern,
    merge_overlapping,
    read_data,
)

DEFAULT_FILE = "ad_law.json"


@dataclass(frozen=True)
class _Matcher:
    pattern: re.Pattern[str]
    rule: str
    extend: re.Pattern[str] | None = None  # widens the shown span after the exemption test (最安 -> 最安全)


@dataclass(frozen=True)
class _Exemption:
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None
    note: str


@dataclass(frozen=True)
class AdLawRules:
    """The loaded ad-law data: rule texts, term matchers and exemptions. Load once, check many texts."""

    rules: dict[str, dict[str, str]]
    matchers: tuple[_Matcher, ...]
    exemptions: tuple[_Exemption, ...]

    @classmethod
    def load(cls, path: str | Path | None = None) -> AdLawRules:
        """Rules from an edited copy of `data/ad_law.json`, or the bundled defaults (cached) when `path` is None."""
        return _default_rules() if path is None else cls.from_dict(read_data(path, DEFAULT_FILE), str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = DEFAULT_FILE) -> AdLawRules:
        rules = data.get("rules")
        if not isinstance(rules, dict) or not rules:
            raise BadInputError(f"{where}: needs a 'rules' object: {{rule_id: {{zh, en, suggestion_zh, suggestion_en}}}}")
        for rule_id, spec in rules.items():
            missing = [k for k in ("zh", "en", "suggestion_zh", "suggestion_en") if not isinstance(spec, dict) or k not in spec]
            if missing:
                raise BadInputError(f"{where}: rule {rule_id!r} lacks {', '.join(missing)}")
        matchers: list[_Matcher] = []
        for i, group in enumerate(data.get("terms", [])):
            rule = str(group.get("rule")) if isinstance(group, dict) else None
            if rule is None or rule not in rules:
                raise BadInputError(f"{where}: terms[{i}] names rule {rule!r}; known rules: {', '.join(rules)}")
            literals = [t for t in group.get("terms", []) if isinstance(t, str)]
            extend = compile_pattern(group["extend"], f"{where} terms[{i}].extend") if group.get("extend") else None
            if literals:
                matchers.append(_Matcher(compile_pattern(literal_pattern(literals), f"{where} terms[{i}]"), rule, extend))
            for pattern in group.get("patterns", []):
                matchers.append(_Matcher(compile_pattern(pattern, f"{where} terms[{i}]"), rule, extend))
        exemptions = []
        for i, spec in enumerate(data.get("exemptions", [])):
            if not isinstance(spec, dict) or not isinstance(spec.get("pattern"), str):
                raise BadInputError(f"{where}: exemptions[{i}] needs a 'pattern' string")
            unless = spec.get("unless")
            exemptions.append(_Exemption(
                compile_pattern(spec["pattern"], f"{where} exemptions[{i}]"),
                compile_pattern(unless, f"{where} exemptions[{i}].unless") if unless else None,
                str(spec.get("note", "")),
            ))
        return cls(rules, tuple(matchers), tuple(exemptions))

    def _flag(self, text: str, start: int, end: int, rule: str) -> Flag:
        a, b = clause_bounds(text, start, end)
        spec = self.rules[rule]
        lang = "zh" if has_cjk(text[a:b]) else "en"
        return Flag("ad_law", start, end, text[start:end], spec[lang], spec[f"suggestion_{lang}"])

    def find(self, text: str) -> list[Flag]:
        """Ad-law flags in `text`, sorted by position; honest uses covered by an exemption are not flagged."""
        if not text:
            return []
        exempt_spans = [_spans(e.pattern, text) for e in self.exemptions]
        hits: list[Flag] = []
        for matcher in self.matchers:
            for m in matcher.pattern.finditer(text):
                if m.end() > m.start() and not self._exempt(text, m.start(), m.end(), exempt_spans):
                    grown = matcher.extend.match(text, m.end()) if matcher.extend is not None else None
                    hits.append(self._flag(text, m.start(), grown.end() if grown else m.end(), matcher.rule))
        return merge_overlapping(hits, text)

    def explain(self, text: str, start: int, end: int) -> str | None:
        """The note of the exemption that covers text[start:end], or None (for debugging edited data files)."""
        for exemption in self.exemptions:
            if self._exempt(text, start, end, [_spans(exemption.pattern, text)], only=exemption):
                return exemption.note
        return None

    def _exempt(
        self, text: str, start: int, end: int, exempt_spans: list[tuple[list[int], list[int]]],
        only: _Exemption | None = None,
    ) -> bool:
        exemptions = (only,) if only is not None else self.exemptions
        for exemption, (starts, ends) in zip(exemptions, exempt_spans, strict=True):
            i = bisect.bisect_right(starts, start) - 1
            if i < 0 or ends[i] < end:
                continue
            if exemption.unless is not None:
                a, b = clause_bounds(text, start, end)
                if exemption.unless.search(text, a, b):
                    continue
            return True
        return False


def _spans(pattern: re.Pattern[str], text: str) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    for m in pattern.finditer(text):
        starts.append(m.start())
        ends.append(m.end())
    return starts, ends


@lru_cache(maxsize=1)
def _default_rules() -> AdLawRules:
    return AdLawRules.from_dict(read_data(None, DEFAULT_FILE), f"package data {DEFAULT_FILE}")


def find_ad_law(text: str, rules: AdLawRules | None = None) -> list[Flag]:
    """Ad-law flags of `text` with the bundled rules (or the given ones)."""
    return (rules or AdLawRules.load()).find(text)
