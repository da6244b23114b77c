"""Store queries of the customer-service assistant: evidence records in, conversations and turns out.

Reads products, FAQ entries and reviews' *masked* text (raw review text never reaches the index); keeps
conversations (state = product in focus, last question) and their turns, with PII masked before anything is
written (`koubei.text.mask_pii`), including the assistant's own replies, which may quote a customer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from koubei.store import Store
from koubei.store.models import Artifact, Conversation, ConversationTurn, FaqEntry, Product, Review
from koubei.text import mask_pii

_BATCH = 5000
# The longest conversation id the conversations table keeps (PostgreSQL refuses a longer one; SQLite would not).
CONVERSATION_ID_MAX: int = Conversation.__table__.c.conversation_id.type.length  # type: ignore[attr-defined]


def load_products(store: Store) -> list[dict[str, Any]]:
    with store.session() as s:
        rows = s.execute(select(Product).order_by(Product.product_id)).scalars().all()
        return [
            {
                "product_id": p.product_id,
                "title": p.title,
                "category": p.category,
                "brand": p.brand,
                "price": p.price,
                "attributes": dict(p.attributes or {}),
            }
            for p in rows
        ]


def load_faq(store: Store) -> list[dict[str, Any]]:
    with store.session() as s:
        rows = s.execute(select(FaqEntry).order_by(FaqEntry.faq_id)).scalars().all()
        return [
            {
                "faq_id": f.faq_id,
                "product_id": f.product_id,
                "question": f.masked_question,
                "answer": f.masked_answer,
            }
            for f in rows
        ]


def iter_reviews(
    store: Store, limit: int | None = None, product_ids: set[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Reviews' masked text in a stable order (review_id), in batches; `limit` caps the count (quick demos)."""
    last: str | None = None
    seen = 0
    while limit is None or seen < limit:
        size = _BATCH if limit is None else min(_BATCH, limit - seen)
        query = select(Review.review_id, Review.product_id, Review.masked_text, Review.rating).order_by(
            Review.review_id
        )
        if last is not None:
            query = query.where(Review.review_id > last)
        if product_ids is not None:
            query = query.where(Review.product_id.in_(sorted(product_ids)))
        with store.session() as s:
            rows = s.execute(query.limit(size)).all()
        if not rows:
            return
        for rid, pid, text, rating in rows:
            yield {"review_id": rid, "product_id": pid, "masked_text": text, "rating": rating}
        seen += len(rows)
        last = rows[-1][0]


def count_reviews(store: Store) -> int:
    with store.session() as s:
        return int(s.execute(select(func.count()).select_from(Review)).scalar_one())


def product_exists(store: Store, product_id: str) -> bool:
    with store.session() as s:
        return s.get(Product, product_id) is not None


def load_conversation(store: Store, conversation_id: str) -> dict[str, Any] | None:
    """The saved state of a conversation (or None when it does not exist yet)."""
    with store.session() as s:
        conv = s.get(Conversation, conversation_id)
        if conv is None:
            return None
        return {
            **dict(conv.state or {}),
            "conversation_id": conv.conversation_id,
            "product_id": conv.product_id,
        }


def save_turn(
    store: Store,
    state: dict[str, Any],
    user_text: str,
    reply_text: str,
    details: dict[str, Any],
    user_id: str | None = None,
) -> None:
    """Upsert the conversation's state and append the user's and the assistant's turns, PII-masked."""
    now = datetime.now()
    cid = str(state["conversation_id"])
    safe_state = dict(state)
    if safe_state.get("last_question"):
        safe_state["last_question"] = mask_pii(str(safe_state["last_question"])).text
    with store.session() as s:
        conv = s.get(Conversation, cid)
        if conv is None:
            conv = Conversation(conversation_id=cid, user_id=user_id, created_at=now)
            s.add(conv)
        conv.product_id = state.get("product_id")
        conv.state = safe_state
        conv.updated_at = now
        s.add(
            ConversationTurn(
                conversation_id=cid,
                role="user",
                masked_text=mask_pii(user_text).text,
                details={"intent": details.get("intent")},
                created_at=now,
            )
        )
        s.add(
            ConversationTurn(
                conversation_id=cid,
                role="assistant",
                masked_text=mask_pii(reply_text).text,
                details=details,
                created_at=now,
            )
        )


def conversation_turns(store: Store, conversation_id: str) -> list[dict[str, Any]]:
    with store.session() as s:
        rows = (
            s.execute(
                select(ConversationTurn)
                .where(ConversationTurn.conversation_id == conversation_id)
                .order_by(ConversationTurn.id)
            )
            .scalars()
            .all()
        )
        return [{"role": t.role, "text": t.masked_text, "details": dict(t.details or {})} for t in rows]


def record_index_artifact(
    store: Store, name: str, path: str, config: dict[str, Any], metrics: dict[str, Any]
) -> None:
    """Register the service index in the artifacts table (upsert by name)."""
    with store.session() as s:
        art = s.get(Artifact, name)
        if art is None:
            art = Artifact(name=name, kind="index", path=path)
            s.add(art)
        art.path, art.config, art.metrics = path, config, metrics
