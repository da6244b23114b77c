"""Evidence documents: what the service index holds, built from products, FAQ entries, past Q&A pairs and reviews.

Each document is one citable piece of evidence: one product attribute, one FAQ entry, one past Q&A pair or one
sentence of a (PII-masked) review. Small pieces make answers precise and citations exact. `product_id=None` marks
global evidence (shop-wide FAQ such as the returns policy) that answers questions about any product.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from koubei.errors import BadInputError
from koubei.ingest.fields import parse_attributes

KINDS = ("attribute", "faq", "qa", "review")

# Sentence ends: Chinese and Western punctuation, and line breaks. Western '.' only when followed by a space/end,
# so "3.5 inches" and "v2.0" stay whole.
_SENT_SPLIT = re.compile(r"(?<=[。！？!?；;])|(?<=\.)(?=\s|$)|\n+")
_MIN_SENTENCE_CHARS = 4  # "好。" or "ok." alone answers nothing


@dataclass(frozen=True)
class Doc:
    """One citable piece of evidence."""

    doc_id: str  # unique within an index, e.g. "faq:F1", "attr:P1:color", "review:R9#2"
    kind: str  # attribute | faq | qa | review
    text: str  # the evidence as shown to the customer (and quoted in answers)
    search_text: str  # what retrieval sees (e.g. an FAQ's question + answer)
    product_id: str | None = None  # None: global evidence
    source_id: str = ""  # faq_id / qa id / review_id / attribute key
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """Changes when anything retrieval or display depends on changes (drives incremental re-indexing)."""
        payload = json.dumps([self.kind, self.product_id, self.text, self.search_text], ensure_ascii=False)
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()

    def citation(self) -> dict[str, Any]:
        """How an answer cites this piece: kind + id (+ product, attribute key or sentence number)."""
        out: dict[str, Any] = {"doc_id": self.doc_id, "kind": self.kind, "id": self.source_id}
        if self.product_id is not None:
            out["product_id"] = self.product_id
        if self.kind == "review" and "sentence" in self.meta:
            out["sentence"] = self.meta["sentence"]
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Doc:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def split_sentences(text: str) -> list[str]:
    """Sentences of a review, stripped, dropping fragments too short to be evidence."""
    parts = (p.strip() for p in _SENT_SPLIT.split(text or ""))
    return [p for p in parts if len(p) >= _MIN_SENTENCE_CHARS]


def _clean_id(value: Any, what: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value).strip()


def _parse_attributes(raw: Any, product_id: str) -> dict[str, Any]:
    """Attributes as a dict: a dict, a JSON object string or `key#value*key#value` (DESIGN.md), parsed by ingest's
    own field parser so a catalog row means the same here as when it was ingested."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, Mapping):
        return dict(raw)
    try:
        return parse_attributes(raw)
    except ValueError as error:
        raise BadInputError(f"product {product_id!r}: {error}") from None


def product_docs(product: Mapping[str, Any]) -> list[Doc]:
    """One document per fact of a product: title, brand, category, price and each attribute."""
    pid = _clean_id(product.get("product_id"), "product_id")
    if pid is None:
        raise BadInputError(f"product record needs a product_id, got {dict(product)!r}")
    title = str(product.get("title") or "").strip()
    facts: dict[str, Any] = {}
    for key in ("title", "brand", "category", "price"):
        if product.get(key) not in (None, ""):
            facts[key] = product[key]
    facts.update(_parse_attributes(product.get("attributes"), pid))
    docs = []
    for key, value in facts.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        text = f"{key}: {shown}"
        # The title goes into every attribute's search text so "battery of the X200" finds X200's battery fact.
        search = f"{title} {key} {shown}" if key != "title" else f"{key} {shown}"
        docs.append(
            Doc(
                doc_id=f"attr:{pid}:{key}",
                kind="attribute",
                text=text,
                search_text=search,
                product_id=pid,
                source_id=str(key),
                meta={"key": str(key), "value": shown},
            )
        )
    return docs


def faq_docs(entry: Mapping[str, Any]) -> list[Doc]:
    """An FAQ entry (masked question/answer preferred) as one document; product-less entries are global."""
    fid = _clean_id(entry.get("faq_id"), "faq_id")
    question = str(entry.get("masked_question") or entry.get("question") or "").strip()
    answer = str(entry.get("masked_answer") or entry.get("answer") or "").strip()
    if fid is None or not answer:
        raise BadInputError(f"FAQ record needs faq_id and answer, got {dict(entry)!r}")
    return [
        Doc(
            doc_id=f"faq:{fid}",
            kind="faq",
            text=answer,
            search_text=f"{question} {answer}",
            product_id=_clean_id(entry.get("product_id"), "product_id"),
            source_id=fid,
            meta={"question": question},
        )
    ]


def qa_docs(pair: Mapping[str, Any], include_question: bool = True) -> list[Doc]:
    """A past question/answer pair. `include_question=False` indexes the answer alone (held-out-question benchmarks)."""
    qid = _clean_id(pair.get("qa_id"), "qa_id")
    question = str(pair.get("question") or "").strip()
    answer = str(pair.get("answer") or "").strip()
    if qid is None or not answer:
        raise BadInputError(f"Q&A record needs qa_id and answer, got {dict(pair)!r}")
    return [
        Doc(
            doc_id=f"qa:{qid}",
            kind="qa",
            text=answer,
            search_text=f"{question} {answer}" if include_question else answer,
            product_id=_clean_id(pair.get("product_id"), "product_id"),
            source_id=qid,
            meta={"question": question} if include_question else {},
        )
    ]


def review_docs(review: Mapping[str, Any]) -> list[Doc]:
    """One document per sentence of a review's *masked* text (raw text is never indexed)."""
    rid = _clean_id(review.get("review_id"), "review_id")
    text = review.get("masked_text")
    if rid is None or text is None:
        raise BadInputError("review record needs review_id and masked_text (raw text is never indexed)")
    pid = _clean_id(review.get("product_id"), "product_id")
    docs = []
    for number, sentence in enumerate(split_sentences(str(text)), start=1):
        docs.append(
            Doc(
                doc_id=f"review:{rid}#{number}",
                kind="review",
                text=sentence,
                search_text=sentence,
                product_id=pid,
                source_id=rid,
                meta={"sentence": number, "rating": review.get("rating")},
            )
        )
    return docs


def build_docs(
    products: Iterable[Mapping[str, Any]] = (),
    faq: Iterable[Mapping[str, Any]] = (),
    qa: Iterable[Mapping[str, Any]] = (),
    reviews: Iterable[Mapping[str, Any]] = (),
) -> list[Doc]:
    """All evidence documents from in-memory records (canonical field names of DESIGN.md)."""
    docs: list[Doc] = []
    for p in products:
        docs.extend(product_docs(p))
    for f in faq:
        docs.extend(faq_docs(f))
    for q in qa:
        docs.extend(qa_docs(q))
    for r in reviews:
        docs.extend(review_docs(r))
    return docs
