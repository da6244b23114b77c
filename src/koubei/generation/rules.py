"""The rule engine behind the ad-law and bias checks: editable term lists, regex patterns and context exemptions.

Both checks are lists a team must read and edit (a law's wording, a brand's own taboo words), and every flag must
name the rule it breaks, so they are data, not a model. A data file holds `rules` (rule id -> rule text and
suggestion in zh and en), `terms` (groups of literal terms and regex patterns, each naming a rule, optionally with
its own suggestion) and `exemptions` (patterns whose matches cover honest uses; an exemption's `unless` pattern in
the same clause voids it). Every term and pattern is matched on the whole text (one alternation per group of
literal terms), so a 1 MB text costs a few dozen regex passes. Overlapping hits merge into one flag; the rule text
and suggestion come in the language of the clause.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

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

R = TypeVar("R", bound="RuleSet")


@dataclass(frozen=True)
class _Matcher:
    pattern: re.Pattern[str]
    rule: str
    extend: re.Pattern[str] | None = None  # widens the shown span after the exemption test (最安 -> 最安全)
    suggestion: dict[str, str] | None = None  # the group's own suggestion per language (else the rule's)


@dataclass(frozen=True)
class _Exemption:
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None
    note: str


@dataclass(frozen=True)
class RuleSet:
    """Loaded rule data: rule texts, term matchers and exemptions. Load once, check many texts.

    Subclasses set `KIND` (the flag kind) and `DEFAULT_FILE` (the bundled data under `generation/data/`)."""

    rules: dict[str, dict[str, str]]
    matchers: tuple[_Matcher, ...]
    exemptions: tuple[_Exemption, ...]

    KIND: ClassVar[str] = ""
    DEFAULT_FILE: ClassVar[str] = ""

    @classmethod
    def load(cls: type[R], path: str | Path | None = None) -> R:
        """Rules from an edited copy of the data file, or the bundled defaults (cached) when `path` is None."""
        if path is None:
            return _bundled(cls)
        return cls.from_dict(read_data(path, cls.DEFAULT_FILE), str(path))

    @classmethod
    def from_dict(cls: type[R], data: dict[str, Any], where: str = "") -> R:
        where = where or cls.DEFAULT_FILE
        rules = data.get("rules")
        if not isinstance(rules, dict) or not rules:
            raise BadInputError(
                f"{where}: needs a 'rules' object: {{rule_id: {{zh, en, suggestion_zh, suggestion_en}}}}"
            )
        for rule_id, spec in rules.items():
            missing = [
                k
                for k in ("zh", "en", "suggestion_zh", "suggestion_en")
                if not isinstance(spec, dict) or k not in spec
            ]
            if missing:
                raise BadInputError(f"{where}: rule {rule_id!r} lacks {', '.join(missing)}")
        matchers: list[_Matcher] = []
        for i, group in enumerate(data.get("terms", [])):
            rule = str(group.get("rule")) if isinstance(group, dict) else None
            if rule is None or rule not in rules:
                raise BadInputError(
                    f"{where}: terms[{i}] names rule {rule!r}; known rules: {', '.join(rules)}"
                )
            literals = [t for t in group.get("terms", []) if isinstance(t, str)]
            extend = (
                compile_pattern(group["extend"], f"{where} terms[{i}].extend")
                if group.get("extend")
                else None
            )
            own = {
                lang: str(group[f"suggestion_{lang}"])
                for lang in ("zh", "en")
                if group.get(f"suggestion_{lang}")
            }
            suggestion = (
                {"zh": own.get("zh", own.get("en", "")), "en": own.get("en", own.get("zh", ""))}
                if own
                else None
            )
            if literals:
                pattern = compile_pattern(literal_pattern(literals), f"{where} terms[{i}]")
                matchers.append(_Matcher(pattern, rule, extend, suggestion))
            for raw in group.get("patterns", []):
                matchers.append(
                    _Matcher(compile_pattern(raw, f"{where} terms[{i}]"), rule, extend, suggestion)
                )
        exemptions = []
        for i, spec in enumerate(data.get("exemptions", [])):
            if not isinstance(spec, dict) or not isinstance(spec.get("pattern"), str):
                raise BadInputError(f"{where}: exemptions[{i}] needs a 'pattern' string")
            unless = spec.get("unless")
            exemptions.append(
                _Exemption(
                    compile_pattern(spec["pattern"], f"{where} exemptions[{i}]"),
                    compile_pattern(unless, f"{where} exemptions[{i}].unless") if unless else None,
                    str(spec.get("note", "")),
                )
            )
        return cls(rules, tuple(matchers), tuple(exemptions))

    def _flag(self, text: str, start: int, end: int, matcher: _Matcher) -> Flag:
        a, b = clause_bounds(text, start, end)
        spec = self.rules[matcher.rule]
        lang = "zh" if has_cjk(text[a:b]) else "en"
        suggestion = matcher.suggestion[lang] if matcher.suggestion else spec[f"suggestion_{lang}"]
        return Flag(self.KIND, start, end, text[start:end], spec[lang], suggestion)

    def find(self, text: str) -> list[Flag]:
        """Flags in `text`, sorted by position; honest uses covered by an exemption are not flagged."""
        if not text:
            return []
        exempt_spans = [_spans(e.pattern, text) for e in self.exemptions]
        hits: list[Flag] = []
        for matcher in self.matchers:
            for m in matcher.pattern.finditer(text):
                if m.end() > m.start() and not self._exempt(text, m.start(), m.end(), exempt_spans):
                    grown = matcher.extend.match(text, m.end()) if matcher.extend is not None else None
                    hits.append(self._flag(text, m.start(), grown.end() if grown else m.end(), matcher))
        return merge_overlapping(hits, text)

    def explain(self, text: str, start: int, end: int) -> str | None:
        """The note of the exemption that covers text[start:end], or None (for debugging edited data files)."""
        for exemption in self.exemptions:
            if self._exempt(text, start, end, [_spans(exemption.pattern, text)], only=exemption):
                return exemption.note
        return None

    def _exempt(
        self,
        text: str,
        start: int,
        end: int,
        exempt_spans: list[tuple[list[int], list[int]]],
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


_CACHE: dict[type, RuleSet] = {}


def _bundled(cls: type[R]) -> R:
    """The bundled data of a rule set, parsed once per process."""
    if cls not in _CACHE:
        _CACHE[cls] = cls.from_dict(read_data(None, cls.DEFAULT_FILE), f"package data {cls.DEFAULT_FILE}")
    found = _CACHE[cls]
    assert isinstance(found, cls)
    return found
