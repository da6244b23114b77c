"""The aspect taxonomy and the polarity lexicon: editable package data (JSON) with a small loader.

A user edits a copy of `data/aspects.json` (add an aspect, add cue terms) and passes its path; nothing else in
koubei needs to change. Chinese cue terms match as substrings (Chinese has no spaces), English ones as whole words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from koubei.errors import BadInputError, NotFoundError

DEFAULT_ASPECTS = "aspects.json"
DEFAULT_LEXICON = "sentiment_lexicon.json"


def _read_json(path: str | Path | None, default_name: str) -> dict[str, Any]:
    if path is None:
        text = resources.files("koubei.analysis").joinpath("data", default_name).read_text(encoding="utf-8")
        where = f"package data {default_name}"
    else:
        p = Path(path)
        if not p.exists():
            raise NotFoundError(f"taxonomy/lexicon file {str(p)!r} does not exist")
        text = p.read_text(encoding="utf-8")
        where = str(p)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInputError(f"{where} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise BadInputError(f"{where} must hold a JSON object")
    return data


class TermMatcher:
    """Finds terms in text: Chinese (non-ASCII) terms as substrings, ASCII terms as whole words; leftmost-longest.

    A scan with a dict per position (lengths tried longest first) instead of one big regex alternation: learned
    lexicons hold thousands of terms, where a regex alternation is orders of magnitude slower.
    """

    def __init__(self, terms_by_key: dict[str, list[str]]) -> None:
        self.key_of: dict[str, str] = {}
        for key, terms in terms_by_key.items():
            for term in terms:
                t = term.strip().lower()
                if t and t not in self.key_of:
                    self.key_of[t] = key
        self._lengths = sorted({len(t) for t in self.key_of}, reverse=True)
        self._first = {t[0] for t in self.key_of}

    @staticmethod
    def _word_char(ch: str) -> bool:
        return ch.isascii() and (ch.isalnum() or ch == "'")

    def find(self, text: str) -> list[tuple[int, int, str, str]]:
        """Non-overlapping matches as (start, end, term, key), leftmost-longest."""
        low = text.lower()
        n = len(low)
        out = []
        i = 0
        while i < n:
            if low[i] in self._first:
                for length in self._lengths:
                    end = i + length
                    if end > n:
                        continue
                    piece = low[i:end]
                    if piece in self.key_of:
                        if piece.isascii() and (
                            (i > 0 and self._word_char(low[i - 1])) or (end < n and self._word_char(low[end]))
                        ):
                            continue
                        out.append((i, end, piece, self.key_of[piece]))
                        i = end - 1
                        break
            i += 1
        return out


@dataclass(frozen=True)
class Taxonomy:
    """Aspect names, display labels and a matcher over their cue terms."""

    aspects: tuple[str, ...]
    labels: dict[str, str]
    matcher: TermMatcher

    @classmethod
    def load(cls, path: str | Path | None = None) -> Taxonomy:
        data = _read_json(path, DEFAULT_ASPECTS)
        aspects = data.get("aspects")
        if not isinstance(aspects, dict) or not aspects:
            raise BadInputError("taxonomy JSON needs an 'aspects' object: {name: {zh: [...], en: [...]}}")
        terms: dict[str, list[str]] = {}
        labels: dict[str, str] = {}
        for name, spec in aspects.items():
            if not isinstance(spec, dict):
                raise BadInputError(f"aspect {name!r} must map to an object with 'zh' and/or 'en' term lists")
            cues = [*spec.get("zh", []), *spec.get("en", [])]
            if not all(isinstance(c, str) for c in cues) or not cues:
                raise BadInputError(
                    f"aspect {name!r} needs a non-empty list of string cue terms in 'zh' or 'en'"
                )
            terms[name] = cues
            labels[name] = str(spec.get("label_zh", name))
        return cls(tuple(aspects), labels, TermMatcher(terms))


@dataclass(frozen=True)
class Lexicon:
    """Polarity words and negators (matchers over both languages)."""

    polarity: TermMatcher  # key: "positive" | "negative"
    negators: TermMatcher

    @classmethod
    def load(cls, path: str | Path | None = None) -> Lexicon:
        data = _read_json(path, DEFAULT_LEXICON)
        try:
            pos = [*data["positive"].get("zh", []), *data["positive"].get("en", [])]
            neg = [*data["negative"].get("zh", []), *data["negative"].get("en", [])]
            negators = [*data["negators"].get("zh", []), *data["negators"].get("en", [])]
        except (KeyError, AttributeError):
            raise BadInputError(
                "lexicon JSON needs 'positive', 'negative' and 'negators' objects with zh/en lists"
            ) from None
        return cls(TermMatcher({"positive": pos, "negative": neg}), TermMatcher({"not": negators}))
