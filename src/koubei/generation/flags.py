"""The one flag type every guard check returns, and the loader for the editable data files behind the checks.

A flag is what `koubei copy check` prints and the API returns: `{"kind", "start", "end", "span", "rule",
"suggestion"}` with offsets into the checked text, so a reviewer (or an editor widget) can highlight the span.
Keeping one type for all checks means the guard only concatenates and sorts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from koubei.errors import BadInputError, NotFoundError

KINDS = ("ad_law", "contradiction", "unsupported", "copied", "bias", "pii", "fake_review")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True)
class Flag:
    """One problem found in a text: where (`text[start:end] == span`), which rule it breaks, what to do instead."""

    kind: str
    start: int
    end: int
    span: str
    rule: str
    suggestion: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "span": self.span,
            "rule": self.rule,
            "suggestion": self.suggestion,
        }


def has_cjk(text: str) -> bool:
    """Chinese rule texts and suggestions for pieces with Chinese characters, English ones otherwise."""
    return bool(_CJK.search(text))


def read_data(path: str | Path | None, default_name: str) -> dict[str, Any]:
    """A JSON object from `path`, or the package's `generation/data/<default_name>` when `path` is None."""
    if path is None:
        return dict(_package_data(default_name))
    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"data file {str(p)!r} does not exist (expected a JSON file like {default_name})")
    return _parse(p.read_text(encoding="utf-8"), str(p))


@lru_cache(maxsize=8)
def _package_data(name: str) -> dict[str, Any]:
    text = resources.files("koubei.generation").joinpath("data", name).read_text(encoding="utf-8")
    return _parse(text, f"package data {name}")


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInputError(f"{where} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise BadInputError(f"{where} must hold a JSON object")
    return data


def compile_pattern(pattern: str, where: str) -> re.Pattern[str]:
    """A case-insensitive regex from a data file; a broken one is reported with where it came from."""
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise BadInputError(
            f"{where}: pattern {pattern!r} is not a valid regular expression ({error})"
        ) from None


def literal_pattern(terms: list[str]) -> str:
    """One alternation for literal terms, longest first; ASCII terms match as whole words.

    Terms with letters or digits at both edges share one word-boundary guard outside the alternation: a guard per
    alternative makes Python's regex engine test it at every position of the text (8x slower on a 1 MB text).
    """
    words: list[str] = []
    others: list[str] = []
    for term in sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True):
        head = term[0].isascii() and term[0].isalnum()
        tail = term[-1].isascii() and term[-1].isalnum()
        if head and tail:
            words.append(re.escape(term))
            continue
        piece = re.escape(term)
        piece = (r"(?<![A-Za-z0-9])" if head else "") + piece + (r"(?![A-Za-z0-9])" if tail else "")
        others.append(piece)
    parts = [r"(?<![A-Za-z0-9])(?:" + "|".join(words) + r")(?![A-Za-z0-9])"] if words else []
    return "|".join(parts + others)


_CLAUSE_END = re.compile(r"[，。！？；,;!?\n]|\.(?!\d)")


def clause_bounds(text: str, start: int, end: int, reach: int = 200) -> tuple[int, int]:
    """The clause around text[start:end]: from after the previous comma / sentence end to the next one."""
    left = lo = max(0, start - reach)
    for m in _CLAUSE_END.finditer(text, lo, start):
        left = m.end()
    m2 = _CLAUSE_END.search(text, end, min(len(text), end + reach))
    right = m2.start() if m2 else min(len(text), end + reach)
    return left, right


def merge_overlapping(flags: list[Flag], text: str) -> list[Flag]:
    """One flag per overlapping group (same kind): the union span, rule and suggestion of its longest member."""
    out: list[Flag] = []
    for flag in sorted(flags, key=lambda f: (f.kind, f.start, -(f.end - f.start))):
        last = out[-1] if out else None
        if last is not None and last.kind == flag.kind and flag.start < last.end:
            keep = last if last.end - last.start >= flag.end - flag.start else flag
            end = max(last.end, flag.end)
            out[-1] = Flag(flag.kind, last.start, end, text[last.start : end], keep.rule, keep.suggestion)
        else:
            out.append(flag)
    return sorted(out, key=lambda f: (f.start, f.end, f.kind))
