"""Linking stored reviews to a product: used where reviews arrive without a product id (the bundled corpus) and a
product's reviews are known by what they talk about, e.g. `koubei demo` drawing its demo products' praise.

Deterministic: candidates are taken in review-id order (ids are content hashes, so this is an arbitrary but stable
sample), only among reviews that have no product yet or already belong to this product, so running it twice links
the same reviews.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select, update

from koubei.errors import BadInputError, NotFoundError
from koubei.store import Store
from koubei.store.models import Product, Review


def link_reviews_by_words(
    store: Store, product_id: str, words: Sequence[str], limit: int, source: str | None = None
) -> list[str]:
    """Give up to `limit` unlinked reviews whose masked text contains one of `words` the product id `product_id`
    (reviews already linked to it count towards `limit`); returns the ids of its linked reviews, in id order."""
    words = [w for w in words if w]
    if not words:
        raise BadInputError("words: none given; expected at least one word the product's reviews mention")
    if limit < 1:
        raise BadInputError(f"limit={limit} must be at least 1")
    with store.session() as s:
        if s.get(Product, product_id) is None:
            raise NotFoundError(f"product {product_id!r} is not in the store (ingest products first)")
        query = (
            select(Review.review_id, Review.product_id)
            .where(or_(Review.product_id.is_(None), Review.product_id == product_id))
            .where(or_(*[Review.masked_text.contains(w, autoescape=True) for w in words]))
            .order_by(Review.review_id)
            .limit(limit)
        )
        if source is not None:
            query = query.where(Review.source == source)
        rows = s.execute(query).all()
        new = [str(r[0]) for r in rows if r[1] is None]
        if new:
            s.execute(update(Review).where(Review.review_id.in_(new)).values(product_id=product_id))
    return [str(r[0]) for r in rows]
