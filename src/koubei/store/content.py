"""Store queries of content generation: a product's evidence (title, attributes, praise from masked reviews), a
review to reply to, and the generated_content drafts a team approves or rejects before anything is published.

Only masked review text leaves here (`Review.masked_text`); raw text never reaches generation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from koubei.errors import BadInputError, NotFoundError
from koubei.store import Store
from koubei.store.models import GeneratedContent, Product, Review

STATUSES = ("draft", "approved", "rejected")
KINDS = ("copy", "reply", "summary")
MAX_REVIEWS = 2000  # reviews read per product for praise (the newest by id order first)


@dataclass
class PraiseItem:
    aspect: str
    label: str
    review_ids: tuple[str, ...]
    sentences: tuple[str, ...]


@dataclass
class ProductEvidence:
    product_id: str
    title: str | None
    attributes: list[tuple[str, str]]
    praise: list[Any] = field(default_factory=list)  # generation.generate.Praise
    reviews: int = 0


def _attribute_pairs(raw: dict[str, Any]) -> list[tuple[str, str]]:
    from koubei.generation.copy_data import parse_attribute_object

    pairs: list[tuple[str, str]] = []
    for key, value in (raw or {}).items():
        try:
            pairs.extend(parse_attribute_object({key: value}))
        except BadInputError:
            continue  # a stored value the copy model cannot use (nested object, HTML): left out
    return pairs


def product_reviews(
    store: Store, product_id: str, limit: int = MAX_REVIEWS
) -> tuple[Product, list[tuple[str, str]]]:
    with store.session() as s:
        product = s.get(Product, product_id)
        if product is None:
            raise NotFoundError(f"product {product_id!r} is not in the store (ingest products first)")
        s.expunge(product)
        rows = s.execute(
            select(Review.review_id, Review.masked_text)
            .where(Review.product_id == product_id)
            .order_by(Review.review_id)
            .limit(limit)
        ).all()
    return product, [(str(r[0]), str(r[1] or "")) for r in rows]


def product_evidence(store: Store, product_id: str, top_aspects: int = 3) -> ProductEvidence:
    """Title, attributes and the aspects buyers praise most (positive mentions of `analysis.aspects.rules`),
    each with the ids and masked clauses of the reviews that praise it."""
    from koubei.analysis.aspects.rules import AspectExtractor
    from koubei.analysis.labels import POSITIVE
    from koubei.generation.generate import Praise

    product, reviews = product_reviews(store, product_id)
    extractor = AspectExtractor()
    labels = extractor.taxonomy.labels
    found: dict[str, list[tuple[str, str]]] = {}
    for (review_id, _text), mentions in zip(
        reviews, extractor.extract_many([t for _, t in reviews]), strict=True
    ):
        for m in mentions:
            if m.sentiment == POSITIVE:
                found.setdefault(m.aspect, []).append((review_id, m.clause))
    ranked = sorted(found.items(), key=lambda kv: (-len({r for r, _ in kv[1]}), kv[0]))[:top_aspects]
    praise = []
    for aspect, hits in ranked:
        ids = tuple(dict.fromkeys(r for r, _ in hits))
        label = str(labels.get(aspect, aspect)).split("/")[0]
        praise.append(Praise(aspect, label, ids[:10], tuple(dict.fromkeys(c for _, c in hits))[:3]))
    return ProductEvidence(
        product.product_id,
        product.title,
        _attribute_pairs(dict(product.attributes or {})),
        praise,
        len(reviews),
    )


def product_review_records(store: Store, product_id: str, limit: int = MAX_REVIEWS) -> list[dict[str, Any]]:
    """{review_id, text (masked), label, rating} of a product's reviews, for summaries."""
    with store.session() as s:
        if s.get(Product, product_id) is None:
            raise NotFoundError(f"product {product_id!r} is not in the store (ingest products first)")
        rows = s.execute(
            select(Review.review_id, Review.masked_text, Review.label, Review.rating)
            .where(Review.product_id == product_id)
            .order_by(Review.review_id)
            .limit(limit)
        ).all()
    return [{"review_id": str(r[0]), "text": str(r[1] or ""), "label": r[2], "rating": r[3]} for r in rows]


def review_text(store: Store, review_id: str) -> tuple[str, str | None]:
    """(masked text, product id) of a review."""
    with store.session() as s:
        row = s.execute(
            select(Review.masked_text, Review.product_id).where(Review.review_id == review_id)
        ).first()
    if row is None:
        raise NotFoundError(f"review {review_id!r} is not in the store")
    return str(row[0] or ""), row[1]


def review_rating(store: Store, review_id: str) -> int | None:
    """The star rating (1-5) of a stored review, None when it has none."""
    with store.session() as s:
        rating = s.execute(select(Review.rating).where(Review.review_id == review_id)).scalar()
    return int(rating) if rating is not None else None


def save_content(
    store: Store,
    kind: str,
    text: str,
    *,
    product_id: str | None = None,
    input_data: dict[str, Any] | None = None,
    provenance: dict[str, Any] | None = None,
    guard: dict[str, Any] | None = None,
    model: str | None = None,
) -> int:
    """Store generated text as a draft; returns its id."""
    if kind not in KINDS:
        raise BadInputError(f"content kind {kind!r} is not one of {', '.join(KINDS)}")
    row = GeneratedContent(
        kind=kind,
        product_id=product_id,
        text=text,
        provenance=provenance or {},
        model=(model or "")[:128],
        ai_generated=1,
        input=input_data or {},
        guard=guard or {},
        status="draft",
    )
    with store.session() as s:
        s.add(row)
        s.flush()
        return int(row.id)


def _as_dict(row: GeneratedContent) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "product_id": row.product_id,
        "text": row.text,
        "model": row.model,
        "passed": (row.guard or {}).get("passed"),
        "input": row.input,
        "guard": row.guard,
        "provenance": row.provenance,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "reviewed_by": row.reviewed_by,
    }


def list_content(
    store: Store, status: str | None = None, kind: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    if status is not None and status not in STATUSES:
        raise BadInputError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    if kind is not None and kind not in KINDS:
        raise BadInputError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    if limit < 1:
        raise BadInputError(f"limit={limit} must be at least 1")
    query = select(GeneratedContent).order_by(GeneratedContent.id.desc()).limit(limit)
    if status:
        query = query.where(GeneratedContent.status == status)
    if kind:
        query = query.where(GeneratedContent.kind == kind)
    with store.session() as s:
        return [_as_dict(r) for r in s.execute(query).scalars().all()]


def get_content(store: Store, content_id: int) -> dict[str, Any]:
    with store.session() as s:
        row = s.get(GeneratedContent, content_id)
        if row is None:
            raise NotFoundError(f"generated content {content_id} does not exist (see `koubei copy list`)")
        return _as_dict(row)


def set_status(store: Store, content_id: int, status: str, reviewer: str | None = None) -> dict[str, Any]:
    """Approve or reject a draft (or send it back to draft); the change time and reviewer are recorded."""
    if status not in STATUSES:
        raise BadInputError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    with store.session() as s:
        row = s.get(GeneratedContent, content_id)
        if row is None:
            raise NotFoundError(f"generated content {content_id} does not exist (see `koubei copy list`)")
        row.status = status
        row.updated_at = datetime.now(timezone.utc).replace(tzinfo=None)
        row.reviewed_by = (reviewer or "")[:128] or None
        s.flush()
        return _as_dict(row)
