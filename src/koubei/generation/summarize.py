"""Extractive review summaries: a verdict, then pros and cons per aspect, each line a real review sentence with ids.

Why extractive: a summary that marketing may quote must not invent (DESIGN.md: no fake reviews, grounded content).
Every line is a sentence (or, when the sentence also says something else, the clause) cut from a real, PII-masked
review by the hand-written splitter, so it can be traced to the review ids it quotes. Near-duplicates ("质量很好" x
40) are merged by character-bigram Jaccard into one line whose support count is the number of reviews saying it.

Pros are never quoted from a review rated 1-2 stars: the aspect rules read "the cables feel really cheap" from a
1-star review as praise of the price, and a pro line marketing may quote must not come from there. (A review only
labelled negative keeps its pros: a label may come from a classifier, and mixed reviews such as "质量不错，但是物流太慢"
are common; the stars are the buyer's own verdict.)

Input: records with `review_id`, `text` (masked), optionally `label` (positive/negative/neutral, 1/0) or `rating`,
and `aspects`: the mentions `koubei.analysis.aspects.rules.AspectExtractor` produces (objects or their `to_dict()`:
aspect, sentiment, start, end, term, clause). Records without `aspects` are analysed with the rule-based extractor.
Chinese and English alike; the verdict is written in the reviews' language.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from koubei.analysis.labels import NEGATIVE, NEUTRAL, POSITIVE, label_from_rating, normalize_label
from koubei.errors import BadInputError
from koubei.generation.flags import has_cjk
from koubei.generation.sentences import split_sentences
from koubei.results import Result
from koubei.text.pii import mask_pii


@dataclass(frozen=True)
class SummaryConfig:
    max_lines: int = 3  # pros (and cons) quoted per aspect
    near_duplicate: float = 0.5  # character-bigram Jaccard at or above which two quotes say the same thing
    max_quote_chars: int = 60  # longer sentences are cut (at commas, then cue words) before quoting
    max_aspects: int = 8  # aspects listed, most discussed first


@dataclass
class SummaryLine:
    text: str  # a real sentence or clause of the first review in `review_ids`
    support: int  # reviews that say it (near-duplicates merged)
    review_ids: list[str]


@dataclass
class AspectSummary:
    aspect: str
    label: str
    positive: int  # reviews positive about this aspect
    negative: int
    pros: list[SummaryLine] = field(default_factory=list)
    cons: list[SummaryLine] = field(default_factory=list)


@dataclass
class ReviewSummary(Result):
    verdict: str
    lang: str
    reviews: int
    positive: int
    negative: int
    neutral: int
    positive_share: float | None
    aspects: list[AspectSummary]


@dataclass(frozen=True)
class _Mention:
    aspect: str
    sentiment: str
    start: int
    end: int
    term: str
    clause: str


def _mention(m: Any) -> _Mention:
    get = m.get if isinstance(m, Mapping) else lambda k, d=None: getattr(m, k, d)
    return _Mention(
        str(get("aspect")),
        str(get("sentiment")),
        int(get("start", -1)),
        int(get("end", -1)),
        str(get("term", "")),
        str(get("clause", "")),
    )


def _shingles(text: str) -> set[str]:
    chars = [c for c in text.lower() if c.isalnum()]
    return {a + b for a, b in itertools.pairwise(chars)} or set(chars)


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


class Summarizer:
    """Summaries of one product's reviews; holds the aspect extractor (built on first need) and its labels."""

    def __init__(self, config: SummaryConfig | None = None, extractor: Any = None) -> None:
        self.config = config or SummaryConfig()
        self._extractor = extractor

    @property
    def extractor(self) -> Any:
        if self._extractor is None:
            from koubei.analysis.aspects.rules import AspectExtractor

            self._extractor = AspectExtractor()
        return self._extractor

    def summarize(self, reviews: Sequence[Mapping[str, Any]], lang: str | None = None) -> ReviewSummary:
        records = [self._record(i, r) for i, r in enumerate(reviews)]
        missing = [i for i, (_, _, _, mentions) in enumerate(records) if mentions is None]
        if missing:
            found = self.extractor.extract_many([records[i][1] for i in missing])
            for i, mentions in zip(missing, found, strict=True):
                rid, text, label, _ = records[i]
                records[i] = (rid, text, label, [_mention(m) for m in mentions])
        lang = lang or ("zh" if sum(has_cjk(t) for _, t, _, _ in records) * 2 >= len(records) else "en")
        labels = self._labels(records)
        counts = Counter(labels)
        share = counts[POSITIVE] / len(labels) if labels else None
        unhappy = {
            rec[0]
            for rec, review in zip(records, reviews, strict=True)
            if _stars(review.get("rating")) is not None
            and (_stars(review.get("rating")) or 0) <= UNHAPPY_STARS
        }
        aspects = self._aspects(records, lang, unhappy)
        verdict = _verdict(len(records), share, aspects, lang)
        return ReviewSummary(
            verdict,
            lang,
            len(records),
            counts[POSITIVE],
            counts[NEGATIVE],
            counts[NEUTRAL],
            round(share, 4) if share is not None else None,
            aspects,
        )

    @staticmethod
    def _record(i: int, review: Mapping[str, Any]) -> tuple[str, str, str | None, list[_Mention] | None]:
        if not isinstance(review, Mapping):
            raise BadInputError(
                f"reviews[{i}] must be an object with review_id and text; got {type(review).__name__}"
            )
        rid, text = review.get("review_id"), review.get("text")
        if rid is None or str(rid).strip() == "":
            raise BadInputError(f"reviews[{i}] has no review_id: a summary cites the reviews it quotes")
        if not isinstance(text, str):
            raise BadInputError(
                f"reviews[{i}] (review_id {rid}) needs a 'text' string; got {type(text).__name__}"
            )
        label = normalize_label(review.get("label"))
        if label is None and review.get("rating") is not None:
            label = label_from_rating(review.get("rating"))
        raw = review.get("aspects")
        mentions = None if raw is None else [_mention(m) for m in raw]
        return str(rid), text, label, mentions

    @staticmethod
    def _labels(records: list[tuple[str, str, str | None, list[_Mention] | None]]) -> list[str]:
        """Review labels; unlabelled reviews count by the majority of their aspect sentiments (if any)."""
        out = []
        for _, _, label, mentions in records:
            if label is None and mentions:
                votes = Counter(m.sentiment for m in mentions)
                label = (
                    POSITIVE
                    if votes[POSITIVE] > votes[NEGATIVE]
                    else NEGATIVE
                    if votes[NEGATIVE] > votes[POSITIVE]
                    else NEUTRAL
                )
            if label is not None:
                out.append(label)
        return out

    def _aspects(
        self,
        records: list[tuple[str, str, str | None, list[_Mention] | None]],
        lang: str,
        unhappy: frozenset[str] | set[str] = frozenset(),
    ) -> list[AspectSummary]:
        quotes: dict[
            tuple[str, str], list[tuple[str, str]]
        ] = {}  # (aspect, sentiment) -> [(quote, review id)]
        reviews_for: dict[tuple[str, str], set[str]] = {}
        for rid, text, _, mentions in records:
            sentences = split_sentences(text, self.config.max_quote_chars)
            if rid in unhappy:  # a pro quoted from a 1-2 star review is mostly a misreading ("feels cheap")
                mentions = [m for m in mentions or [] if m.sentiment != POSITIVE]
            seen: set[tuple[str, str]] = set()
            pairs_in: dict[int, set[tuple[str, str]]] = {}
            located = []
            for m in mentions or []:
                idx = _sentence_index(text, sentences, m)
                if idx is not None:
                    pairs_in.setdefault(idx, set()).add((m.aspect, m.sentiment))
                    located.append((idx, m))
            for idx, m in located:
                key = (m.aspect, m.sentiment)
                reviews_for.setdefault(key, set()).add(rid)
                if key in seen or m.sentiment == NEUTRAL:
                    continue
                seen.add(key)
                sentence = sentences[idx].text
                quote = sentence if len(pairs_in[idx]) == 1 else _clause_in(sentence, m.clause)
                quotes.setdefault(key, []).append((mask_pii(quote).text, rid))
        names = sorted(
            {a for a, _ in reviews_for},
            key=lambda a: (
                -len(reviews_for.get((a, POSITIVE), set()) | reviews_for.get((a, NEGATIVE), set())),
                a,
            ),
        )
        labels = self._labels_of(lang)
        out = []
        for aspect in names[: self.config.max_aspects]:
            pos, neg = reviews_for.get((aspect, POSITIVE), set()), reviews_for.get((aspect, NEGATIVE), set())
            if not pos and not neg:
                continue
            out.append(
                AspectSummary(
                    aspect,
                    labels.get(aspect, aspect.replace("_", "/")),
                    len(pos),
                    len(neg),
                    self._lines(quotes.get((aspect, POSITIVE), [])),
                    self._lines(quotes.get((aspect, NEGATIVE), [])),
                )
            )
        return out

    def _labels_of(self, lang: str) -> dict[str, str]:
        if lang != "zh":
            return {}
        taxonomy = getattr(self.extractor, "taxonomy", None)
        return dict(getattr(taxonomy, "labels", {}) or {})

    def _lines(self, quotes: list[tuple[str, str]]) -> list[SummaryLine]:
        """Near-duplicate quotes merged; each cluster is shown by its most central member."""
        clusters: list[list[tuple[str, str, set[str]]]] = []
        for quote, rid in quotes:
            grams = _shingles(quote)
            for cluster in clusters:
                if _jaccard(grams, cluster[0][2]) >= self.config.near_duplicate:
                    cluster.append((quote, rid, grams))
                    break
            else:
                clusters.append([(quote, rid, grams)])
        lines = []
        for order, cluster in enumerate(clusters):
            central = max(
                range(len(cluster)),
                key=lambda i: (sum(_jaccard(cluster[i][2], other[2]) for other in cluster), -i),
            )
            ids = list(dict.fromkeys([cluster[central][1]] + [rid for _, rid, _ in cluster]))
            lines.append((len(ids), -order, SummaryLine(cluster[central][0], len(ids), ids)))
        lines.sort(key=lambda t: (-t[0], -t[1]))
        return [line for _, _, line in lines[: self.config.max_lines]]


UNHAPPY_STARS = 2  # a review rated at or below this quotes no pros


def _stars(rating: Any) -> float | None:
    try:
        return float(rating) if rating is not None and not isinstance(rating, bool) else None
    except (TypeError, ValueError):
        return None


def _sentence_index(text: str, sentences: list[Any], m: _Mention) -> int | None:
    """The sentence a mention lies in: by its offsets when they point at its term, else by finding its clause."""
    start = m.start
    if not (0 <= m.start < m.end <= len(text) and text[m.start : m.end].lower() == m.term.lower()):
        start = text.find(m.clause) if m.clause else -1
        if start < 0:
            return None
    for i, s in enumerate(sentences):
        if s.start <= start < s.end:
            return i
    return None


_LEADING_CONTRAST = re.compile(
    r"^(?:但是|不过|可是|然而|只是|但|却|(?:but|however|though|although|yet)\b[,\s]*)\s*", re.IGNORECASE
)


def _clause_in(sentence: str, clause: str) -> str:
    """The mention's clause when it is part of the sentence (so the quote stays verbatim), else the sentence;
    a leading 但是 / "but" is dropped (what remains is still a verbatim piece of the review)."""
    quote = clause if clause and clause in sentence else sentence
    return _LEADING_CONTRAST.sub("", quote) or quote


def _verdict(n: int, share: float | None, aspects: list[AspectSummary], lang: str) -> str:
    zh = lang == "zh"
    if n == 0:
        return "没有评价：无法总结" if zh else "no reviews: nothing to summarise"
    praised = [a.label for a in sorted(aspects, key=lambda a: -a.positive) if a.positive > a.negative][:3]
    criticised = [
        a.label for a in sorted(aspects, key=lambda a: -a.negative) if a.negative >= a.positive and a.negative
    ][:3]
    if share is None:
        head = f"{n}条评价" if zh else f"{n} reviews"
    else:
        judge = (
            ("口碑很好", "多数满意", "评价不一", "多数不满意")
            if zh
            else (
                "buyers are very satisfied",
                "most buyers are satisfied",
                "opinions are mixed",
                "most buyers are dissatisfied",
            )
        )
        word = (
            judge[0] if share >= 0.8 else judge[1] if share >= 0.6 else judge[2] if share >= 0.4 else judge[3]
        )
        head = (
            f"{n}条评价中{share:.0%}为好评，{word}"
            if zh
            else f"{share:.0%} of {n} reviews are positive: {word}"
        )
    parts = [head]
    if praised:
        parts.append(f"买家称赞{'、'.join(praised)}" if zh else f"praised: {', '.join(praised)}")
    if criticised:
        parts.append(f"抱怨{'、'.join(criticised)}" if zh else f"criticised: {', '.join(criticised)}")
    return "；".join(parts) + "。" if zh else "; ".join(parts) + "."


def summarize_reviews(
    reviews: Sequence[Mapping[str, Any]], config: SummaryConfig | None = None, lang: str | None = None
) -> ReviewSummary:
    """Verdict, pros and cons per aspect of one product's reviews (see the module docstring)."""
    return Summarizer(config).summarize(reviews, lang)
