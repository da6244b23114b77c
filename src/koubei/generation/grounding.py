"""The one grounding check: which attribute or evidence each claim of a text rests on, and which claims rest on none.

Used by copy generation (rerank and guard), by `koubei copy check`, and by customer-service answers
(`koubei.support.generate` keeps only generated sentences that `supported_sentences` finds in the cited evidence).
The dependency runs one way: support imports this module; generation never imports support.

For a text and its evidence (an attribute dict and/or evidence sentences with ids: review sentences, FAQ entries):
1. the text is cut into claims (clauses, `sentences.split_claims`);
2. every attribute value (and its synonyms) a claim mentions supports it with that attribute key; otherwise the
   evidence text that holds the largest share of the claim's content words (>= `min_support`) supports it;
3. every number in a claim must appear, with the same value and unit, in an attribute value or an evidence text,
   else it is flagged `unsupported`;
4. every *feature* (a value of the value vocabulary: 纯棉, 红色, 长袖...) must agree with the attributes: a value
   of the same exclusive key that the product does not have, or an antonym of one it has, is a `contradiction`
   (纯棉 when 材质#牛仔布; 红色 when 颜色#蓝色); a feature found neither in the attributes nor in the evidence is
   `unsupported`. Negated mentions (不是纯棉, "not leather") and clauses about another item (搭配牛仔裤, "pair it
   with jeans") are not claims about this product and are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from koubei.analysis.aspects.taxonomy import TermMatcher
from koubei.errors import BadInputError
from koubei.generation.flags import Flag, has_cjk
from koubei.generation.sentences import Span, split_claims
from koubei.generation.values import (
    Quantity,
    ValueVocabulary,
    attribute_pairs,
    load_lexicon,
    quantities,
    same_quantity,
)
from koubei.results import Result
from koubei.text.analyzer import analyze as content_terms

Analyzer = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class GroundingConfig:
    min_support: float = 0.6  # share of a claim's content words one evidence text must hold to support it
    check_numbers: bool = True  # flag numbers found in no attribute or evidence
    check_features: bool = True  # flag vocabulary values that contradict the attributes or have no support
    values_path: str | None = None  # an edited copy of generation/data/values.json (None: the bundled one)
    learned_values: bool = (
        True  # also know the values of a learned lexicon (a value per key seen in training)
    )
    lexicon_path: str | None = None  # that lexicon (None: the bundled data/value_lexicon.json)
    check_parts: bool = True  # flag body parts the product type lacks (胸前 on a 半身裙)


@dataclass(frozen=True)
class Evidence:
    """One citable piece of evidence: a review sentence, an FAQ entry..."""

    id: str
    text: str
    kind: str = "review"


@dataclass
class Claim:
    """One claim of the text and what it rests on (`source` None: nothing; `sources`: everything found)."""

    start: int
    end: int
    span: str
    source: dict[str, str] | None
    sources: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "span": self.span,
            "start": self.start,
            "end": self.end,
            "source": self.source,
            "sources": self.sources,
        }


@dataclass
class GroundingResult(Result):
    claims: list[Claim]
    flags: list[Flag]


def as_evidence(items: Sequence[Evidence | Mapping[str, Any] | str] | None) -> list[Evidence]:
    """Evidence from objects, dicts ({"id"|"review_id", "text", "kind"?}) or plain strings (ids "0", "1"...)."""
    out = []
    for i, item in enumerate(items or []):
        if isinstance(item, Evidence):
            out.append(item)
        elif isinstance(item, str):
            out.append(Evidence(str(i), item))
        elif isinstance(item, Mapping):
            text = item.get("text")
            if not isinstance(text, str):
                raise BadInputError(f"evidence[{i}] needs a 'text' string; got {type(text).__name__}")
            ident = item.get("id", item.get("review_id", item.get("doc_id", i)))
            out.append(Evidence(str(ident), text, str(item.get("kind", "review"))))
        else:
            raise BadInputError(
                f"evidence[{i}] must be a string or an object with 'text'; got {type(item).__name__}"
            )
    return out


def as_attributes(attributes: Mapping[str, Any] | str | None) -> dict[str, Any]:
    """An attribute dict from a dict, a JSON object string or the `key#value*key#value` form."""
    if attributes is None:
        return {}
    if isinstance(attributes, Mapping):
        return dict(attributes)
    from koubei.ingest.fields import parse_attributes

    try:
        return parse_attributes(attributes)
    except ValueError as error:
        raise BadInputError(f"attributes: {error}") from None


@lru_cache(maxsize=4)
def _vocabulary(path: str | None, learned: bool, lexicon_path: str | None) -> ValueVocabulary:
    vocab = ValueVocabulary.load(path)
    return vocab.with_lexicon(load_lexicon(lexicon_path)) if learned else vocab


class Grounder:
    """Claims and flags of texts against their evidence. Holds the loaded vocabulary; reuse it for many texts."""

    def __init__(
        self,
        config: GroundingConfig | None = None,
        vocabulary: ValueVocabulary | None = None,
        analyzer: Analyzer | None = None,
    ) -> None:
        self.config = config or GroundingConfig()
        cfg = self.config
        self.vocabulary = vocabulary or _vocabulary(cfg.values_path, cfg.learned_values, cfg.lexicon_path)
        self.analyzer: Analyzer = analyzer or content_terms
        # Every vocabulary value plus the product's own values (and their synonyms) are found in the claims; the
        # vocabulary's matcher is built once, a product with values outside it gets its own (cached: few differ).
        self._base_terms = frozenset(self.vocabulary.term_keys)
        self._matchers: dict[frozenset[str], TermMatcher] = {}
        parts = self.vocabulary.parts.region_of
        self._parts = TermMatcher({t: [t] for t in parts if len(t) > 1 or t.isascii()})

    def ground(
        self,
        text: str,
        attributes: Mapping[str, Any] | str | None = None,
        evidence: Sequence[Evidence | Mapping[str, Any] | str] | None = None,
    ) -> GroundingResult:
        pairs = attribute_pairs(as_attributes(attributes))
        docs = as_evidence(evidence)
        vocab = self.vocabulary
        own = {v.lower() for _, v in pairs} | {m for _, v in pairs for m in vocab.forms(v)}
        matcher = self._matcher(frozenset(t for t in own - self._base_terms if len(t) > 1 or t.isascii()))
        attr_quantities = [(k, q) for k, v in pairs for q in quantities(v)]
        doc_quantities = [(d, q) for d in docs for q in quantities(d.text)]
        doc_terms = [set(self.analyzer(d.text)) for d in docs]
        lowered_docs = [d.text.lower() for d in docs]
        missing = vocab.parts.missing(pairs, vocab.key) if self.config.check_parts else {}
        claims: list[Claim] = []
        flags: list[Flag] = []
        for span in split_claims(text):
            sources: list[dict[str, str]] = []
            skip = self._about_another_item(span.text)
            for s, e, term, _ in self._parts.find(span.text) if missing and not skip else []:
                region = vocab.parts.region_of[term]
                in_evidence = any(term in low for low in lowered_docs)
                if region in missing and not in_evidence and not self._negated(span.text, s):
                    flags.append(_part_flag(text, span.start + s, span.start + e, pairs, missing[region]))
            for s, e, term, _ in matcher.find(span.text):
                if skip or self._negated(span.text, s):
                    continue
                blend = any(
                    span.text[max(0, s - 8) : s].lower().endswith(c) for c in self.vocabulary.blend_cues
                )
                flag, source = self._feature(
                    text, span.start + s, span.start + e, term, pairs, docs, lowered_docs, blend
                )
                if source is not None and source not in sources:
                    sources.append(source)
                if flag is not None and self.config.check_features:
                    flags.append(flag)
            if self.config.check_numbers and not skip:
                for q in quantities(span.text):
                    found = self._number(q, attr_quantities, doc_quantities)
                    if found is None:
                        flags.append(_number_flag(text, span.start + q.start, span.start + q.end))
                    elif found not in sources:
                        sources.append(found)
            if not any(s["kind"] == "attribute" for s in sources):
                share, best = _best_overlap(set(self.analyzer(span.text)), doc_terms)
                if best >= 0 and share >= self.config.min_support:
                    ev = {"kind": docs[best].kind, "id": docs[best].id}
                    if ev not in sources:
                        sources.append(ev)
            claims.append(Claim(span.start, span.end, span.text, sources[0] if sources else None, sources))
        return GroundingResult(claims, sorted(flags, key=lambda f: (f.start, f.end)))

    def _matcher(self, extra: frozenset[str]) -> TermMatcher:
        found = self._matchers.get(extra)
        if found is None:
            if len(self._matchers) > 256:
                self._matchers.clear()
            found = TermMatcher({t: [t] for t in self._base_terms | extra})
            self._matchers[extra] = found
        return found

    def _about_another_item(self, clause: str) -> bool:
        low = clause.lower()
        return any(cue in low for cue in self.vocabulary.pairing_cues)

    def _negated(self, clause: str, start: int) -> bool:
        """A negator right before the mention (不是纯棉, 不含棉, "not leather"), possibly with one filler (不采用)."""
        before = clause[max(0, start - 6) : start].lower().rstrip()
        if self._ends_with_negator(before):
            return True
        for filler in ("采用", "是", "为", "含", "用", "的", "了", " a", " an"):
            if before.endswith(filler):
                return self._ends_with_negator(before[: -len(filler)].rstrip())
        return False

    def _ends_with_negator(self, before: str) -> bool:
        for negator in self.vocabulary.negators:
            if before.endswith(negator):
                head = before[: -len(negator)]
                if not negator.isascii() or not head or not head[-1].isalpha():
                    return True
        return False

    def _feature(
        self,
        text: str,
        start: int,
        end: int,
        term: str,
        pairs: list[tuple[str, str]],
        docs: list[Evidence],
        lowered_docs: list[str],
        blend: bool = False,
    ) -> tuple[Flag | None, dict[str, str] | None]:
        vocab = self.vocabulary
        keys = vocab.keys_of(term)
        # A value of an exclusive key the product holds is judged against that key's values only: 衬衫领 is not
        # supported by 衣样式#衬衫 when the product's 衣领型 is 一字领.
        own = keys & vocab.exclusive & {vocab.key(k) for k, _ in pairs} if not blend else set()
        for key, value in pairs:
            if (not own or vocab.key(key) in own) and vocab.compatible(term, value):
                return None, {"kind": "attribute", "key": key}
        for key, value in pairs:
            if vocab.opposite(term, value):
                return _contradiction(text, start, end, key, [value]), None
        if term in vocab.generic:
            return None, None
        for key in sorted(keys & vocab.exclusive) if not blend else []:
            held = [v for k, v in pairs if vocab.key(k) == key and v.lower() not in vocab.generic]
            if not held:  # none, or only generic ones (颜色#纯色 says no colour)
                continue
            if term in vocab.curated.get(key, frozenset()) | _synonyms_in(vocab, key, term) or (
                key in vocab.learned_exclusive
                and term in vocab.learned.get(key, frozenset())
                and not any(vocab.seen_together(term, v) for v in held)
            ):
                return _contradiction(
                    text, start, end, next(k for k, _ in pairs if vocab.key(k) == key), held
                ), None
        if vocab.is_soft(term):
            return None, None
        forms = vocab.forms(term)
        for doc, low in zip(docs, lowered_docs, strict=True):
            if any(f in low for f in forms if len(f) > 1 or f.isascii()):
                return None, {"kind": doc.kind, "id": doc.id}
        return _feature_flag(text, start, end), None

    @staticmethod
    def _number(
        q: Quantity,
        attr_quantities: list[tuple[str, Quantity]],
        doc_quantities: list[tuple[Evidence, Quantity]],
    ) -> dict[str, str] | None:
        for key, aq in attr_quantities:
            if same_quantity(q, aq):
                return {"kind": "attribute", "key": key}
        for doc, dq in doc_quantities:
            if same_quantity(q, dq):
                return {"kind": doc.kind, "id": doc.id}
        return None


def _synonyms_in(vocab: ValueVocabulary, key: str, term: str) -> frozenset[str]:
    """`term` when a synonym of it is a curated value of `key` (全棉 for 材质 through 棉)."""
    head = vocab.canon(term)
    curated = vocab.curated.get(key, frozenset())
    return frozenset({term}) if any(vocab.canon(v) == head for v in curated) else frozenset()


def _contradiction(text: str, start: int, end: int, key: str, held: list[str]) -> Flag:
    span = text[start:end]
    values = "、".join(held) if has_cjk(span + key) else ", ".join(held)
    if has_cjk(span + key):
        return Flag(
            "contradiction",
            start,
            end,
            span,
            f"与商品属性矛盾：{key}为“{values}”，文案写了“{span}”",
            f"改为“{held[0]}”，或删去",
        )
    return Flag(
        "contradiction",
        start,
        end,
        span,
        f"contradicts the attributes: {key} is {values!r}, the text says {span!r}",
        f"write {held[0]!r} or remove it",
    )


def _feature_flag(text: str, start: int, end: int) -> Flag:
    span = text[start:end]
    if has_cjk(span) or has_cjk(text[max(0, start - 10) : end + 10]):
        return Flag(
            "unsupported",
            start,
            end,
            span,
            f"“{span}”在商品属性和证据中都没有，无法核实",
            "删去，或在商品属性中补充这一项",
        )
    return Flag(
        "unsupported",
        start,
        end,
        span,
        f"{span!r} is in neither the attributes nor the evidence",
        "remove it, or add it to the product attributes",
    )


def _part_flag(text: str, start: int, end: int, pairs: list[tuple[str, str]], certain: bool) -> Flag:
    span = text[start:end]
    kind = "contradiction" if certain else "unsupported"
    product = "、".join(f"{k}#{v}" for k, v in pairs if k == "类型" or v.endswith(("裙", "裤")))
    if has_cjk(text[max(0, start - 10) : end + 10]):
        why = "没有这个部位" if certain else "属性里看不出有这个部位"
        return Flag(kind, start, end, span, f"商品（{product}）{why}：文案写了“{span}”", "删去这一处描写")
    why = "has no such part" if certain else "shows no such part in its attributes"
    return Flag(kind, start, end, span, f"the product ({product}) {why}: the text says {span!r}", "remove it")


def _number_flag(text: str, start: int, end: int) -> Flag:
    span = text[start:end]
    if has_cjk(text[max(0, start - 10) : end + 10]):
        return Flag(
            "unsupported",
            start,
            end,
            span,
            f"数字“{span}”在商品属性和证据中都找不到",
            "核对数字并写入商品属性，或删去",
        )
    return Flag(
        "unsupported",
        start,
        end,
        span,
        f"the number {span!r} is in neither the attributes nor the evidence",
        "check the figure and add it to the attributes, or remove it",
    )


def _best_overlap(words: set[str], doc_terms: list[set[str]]) -> tuple[float, int]:
    if not words:
        return 1.0, -1
    best, best_i = 0.0, -1
    for i, terms in enumerate(doc_terms):
        share = len(words & terms) / len(words)
        if share > best:
            best, best_i = share, i
    return best, best_i


def ground(
    text: str,
    attributes: Mapping[str, Any] | str | None = None,
    evidence: Sequence[Evidence | Mapping[str, Any] | str] | None = None,
    config: GroundingConfig | None = None,
) -> GroundingResult:
    """Claims of `text` with their sources, and `contradiction` / `unsupported` flags."""
    return Grounder(config).ground(text, attributes, evidence)


def sentence_support(
    sentence: str, evidence_texts: Sequence[str | Set[str]], analyzer: Analyzer | None = None
) -> tuple[float, int]:
    """(share of the sentence's content words found in the best single evidence text, index of that text).

    `evidence_texts` may be given already analysed (word sets: analyse once, check many sentences). A sentence
    with no content words ("Sure!") counts as supported: it states no fact.
    """
    analyze = analyzer or content_terms
    docs = [set(analyze(t)) if isinstance(t, str) else set(t) for t in evidence_texts]
    return _best_overlap(set(analyze(sentence)), docs)


def supported_sentences(
    sentences: Sequence[str],
    evidence_texts: Sequence[str],
    min_support: float,
    analyzer: Analyzer | None = None,
) -> tuple[list[tuple[str, int]], list[str]]:
    """Split sentences into (kept sentence, index of the evidence text that supports it) and dropped ones.

    The check customer-service answers put generated sentences through (`koubei.support.generate`): a sentence
    is kept when one evidence text holds at least `min_support` of its content words.
    """
    analyze = analyzer or content_terms
    doc_terms = [set(analyze(t)) for t in evidence_texts]  # once, not once per sentence
    kept: list[tuple[str, int]] = []
    dropped: list[str] = []
    for sentence in sentences:
        share, idx = _best_overlap(set(analyze(sentence)), doc_terms)
        if share >= min_support:
            kept.append((sentence, idx))
        else:
            dropped.append(sentence)
    return kept, dropped


__all__ = [
    "Claim",
    "Evidence",
    "Grounder",
    "GroundingConfig",
    "GroundingResult",
    "Span",
    "as_attributes",
    "as_evidence",
    "ground",
    "sentence_support",
    "supported_sentences",
]
