"""Aspect-based sentiment with the editable taxonomy: which aspects a review mentions and how it feels about each.

For each clause (see `clauses.py`) the taxonomy's cue terms say which aspects it talks about; the clause's
sentiment becomes the sentiment toward those aspects. The polarity comes from a trained model when given (better
on real reviews) or from the lexicon (no training needed). Works on Chinese and English alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from koubei.analysis.aspects.clauses import ClauseScorer, LexiconScorer, ModelScorer, split_clauses
from koubei.analysis.aspects.taxonomy import Taxonomy
from koubei.analysis.input_check import check_texts
from koubei.analysis.labels import NEGATIVE, NEUTRAL, POSITIVE


@dataclass(frozen=True)
class AspectMention:
    """One aspect mentioned in a text: where (span of the cue term), in which clause, with what sentiment."""

    aspect: str
    sentiment: str  # positive | negative | neutral
    score: float  # confidence of `sentiment`
    start: int
    end: int
    term: str
    clause: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "aspect": self.aspect,
            "sentiment": self.sentiment,
            "score": round(self.score, 4),
            "start": self.start,
            "end": self.end,
            "term": self.term,
            "clause": self.clause,
        }


class AspectExtractor:
    """Rule-based aspect sentiment: taxonomy cue terms x clause-level polarity. Nothing to fit."""

    def __init__(
        self, taxonomy: Taxonomy | None = None, scorer: ClauseScorer | None = None, max_chars: int = 5000
    ) -> None:
        self.taxonomy = taxonomy or Taxonomy.load()
        self.scorer: ClauseScorer = scorer or LexiconScorer()
        self.max_chars = max_chars

    @classmethod
    def with_model(
        cls, model: Any, taxonomy: Taxonomy | None = None, max_chars: int = 5000
    ) -> AspectExtractor:
        """Use a trained polarity model (anything with `score_texts`) for clause sentiment."""
        return cls(taxonomy, ModelScorer(model), max_chars)

    def extract_many(self, texts: Sequence[Any]) -> list[list[AspectMention]]:
        """Mentions for each text; bad input (see guard.py) gives no mentions, never an error."""
        found: list[list[tuple[int, int, str, str, int, int, str]]] = []
        clause_texts: list[str] = []
        for value, check in zip(texts, check_texts(list(texts), self.max_chars), strict=True):
            hits: list[tuple[int, int, str, str, int, int, str]] = []
            if check.ok and isinstance(value, str) and check.text == value.strip():
                offset = len(value) - len(value.lstrip())
            else:
                offset = None  # text was cleaned (HTML...): spans refer to the cleaned text
            text = check.text
            for clause in split_clauses(text) if check.ok else []:
                seen: set[str] = set()
                for s, e, term, aspect in self.taxonomy.matcher.find(clause.text):
                    if aspect in seen:
                        continue
                    seen.add(aspect)
                    base = clause.start + (offset or 0)
                    hits.append((base + s, base + e, term, aspect, len(clause_texts), 0, clause.text))
                if seen:
                    clause_texts.append(clause.text)
            found.append(hits)
        polarity = self.scorer(clause_texts) if clause_texts else []
        out: list[list[AspectMention]] = []
        for hits in found:
            mentions = []
            for start, end, term, aspect, ci, _, clause_text in hits:
                label, score = polarity[ci]
                mentions.append(AspectMention(aspect, label, score, start, end, term, clause_text))
            out.append(mentions)
        return out

    def extract(self, text: Any) -> list[AspectMention]:
        return self.extract_many([text])[0]


def summarize_mentions(mentions: Sequence[AspectMention]) -> dict[str, str]:
    """Review-level sentiment per aspect: the majority over its mentions (ties -> neutral)."""
    votes: dict[str, Counter[str]] = {}
    for m in mentions:
        votes.setdefault(m.aspect, Counter())[m.sentiment] += 1
    out = {}
    for aspect, c in votes.items():
        pos, neg = c[POSITIVE], c[NEGATIVE]
        out[aspect] = POSITIVE if pos > neg else NEGATIVE if neg > pos else NEUTRAL
    return out
