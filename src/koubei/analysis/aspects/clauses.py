"""Clause splitting and clause-level sentiment.

A review often praises one thing and criticizes another ("质量很好，但是物流太慢"), so aspect sentiment is taken
from the clause the aspect is mentioned in, not from the whole review. Clauses end at punctuation and before
contrast words (但是, 不过, but, however...). Sentiment of a clause comes from a trained polarity model when one is
given (any object with `score_texts`), else from the editable lexicon with negation handling.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from koubei.analysis.aspects.taxonomy import Lexicon
from koubei.analysis.labels import NEGATIVE, NEUTRAL, POSITIVE

_BOUNDARY = re.compile(r"[，,。！!？?；;～~\n\r…、|]+|(?<!\d)\.(?!\d)|\s+-\s+")
_CONTRAST = re.compile(
    r"但是|不过|可是|然而|只是|就是|但|却|\b(?:but|however|although|though|except|yet)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Clause:
    start: int
    end: int
    text: str


def split_clauses(text: str) -> list[Clause]:
    """Clauses of a text with their character offsets (whitespace-only pieces dropped)."""
    cuts = {0, len(text)}
    for m in _BOUNDARY.finditer(text):
        cuts.update((m.start(), m.end()))
    for m in _CONTRAST.finditer(text):
        cuts.add(m.start())
    bounds = sorted(cuts)
    out = []
    for a, b in itertools.pairwise(bounds):
        piece = text[a:b]
        if _BOUNDARY.fullmatch(piece) or not piece.strip():
            continue
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece.rstrip())
        out.append(Clause(a + lead, a + trail, piece.strip()))
    return out


class ClauseScorer(Protocol):
    def __call__(self, clauses: Sequence[str]) -> list[tuple[str, float]]: ...


class LexiconScorer:
    """Polarity of short texts from the lexicon: count polar words, flip those after a negator."""

    def __init__(self, lexicon: Lexicon | None = None, window: int = 3) -> None:
        self.lexicon = lexicon or Lexicon.load()
        self.window = window

    def polarity(self, text: str) -> float:
        """Sum of +1/-1 per polar word (negated ones flipped)."""
        negs = self.lexicon.negators.find(text)
        total = 0.0
        for start, _end, term, key in self.lexicon.polarity.find(text):
            value = 1.0 if key == "positive" else -1.0
            for _ns, ne, nterm, _ in negs:
                # A negator right before the word (within `window` characters for Chinese, words for English).
                gap = text[ne:start]
                close = (
                    len(gap.split()) <= self.window
                    if term.isascii() and nterm.isascii()
                    else len(gap) <= self.window - 1
                )
                if ne <= start and close:
                    value = -value
                    break
            total += value
        return total

    def __call__(self, clauses: Sequence[str]) -> list[tuple[str, float]]:
        out = []
        for clause in clauses:
            s = self.polarity(clause)
            if s > 0:
                out.append((POSITIVE, min(0.95, 0.6 + 0.1 * s)))
            elif s < 0:
                out.append((NEGATIVE, min(0.95, 0.6 - 0.1 * s)))
            else:
                out.append((NEUTRAL, 0.5))
        return out


class ModelScorer:
    """Clause polarity from a trained polarity model; an unscorable clause counts as neutral."""

    def __init__(self, model: Any, min_confidence: float = 0.0) -> None:
        self.model = model
        self.min_confidence = min_confidence

    def __call__(self, clauses: Sequence[str]) -> list[tuple[str, float]]:
        out = []
        for pred in self.model.score_texts(list(clauses)):
            if (
                pred.score is None
                or pred.label not in (POSITIVE, NEGATIVE, NEUTRAL)
                or pred.score < self.min_confidence
            ):
                out.append((NEUTRAL, 0.5 if pred.score is None else float(pred.score)))
            else:
                out.append((pred.label, float(pred.score)))
        return out
