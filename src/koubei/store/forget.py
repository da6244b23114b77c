"""Right to erasure in the store: delete one user's rows and everything derived from them, in one transaction.

What goes: the user row; their reviews and those reviews' sentiment scores and aspect mentions; their orders;
follows and shares that name them; their support conversations and every turn of them; their profile; their id
in the stored segments' example lists; generated content whose provenance cites one of their reviews (it may
quote them). Aggregates (counts per product and week) are not personal data and are left to the next
`koubei aspects` / `koubei sentiment score` run to refresh.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, func, or_, select

from koubei.store.db import Store
from koubei.store.models import (
    AspectMention,
    Conversation,
    ConversationTurn,
    Follow,
    GeneratedContent,
    Order,
    ProfileSegment,
    Review,
    SentimentScore,
    Share,
    User,
    UserProfile,
)

_BATCH = 500


def user_footprint(store: Store, user_id: str) -> dict[str, Any]:
    """Whether the store knows `user_id` at all, and the ids of their reviews (needed to clean files too)."""
    with store.session() as s:
        review_ids = [r for (r,) in s.execute(select(Review.review_id).where(Review.user_id == user_id))]
        known = bool(review_ids) or any(
            (s.scalar(select(func.count()).select_from(model).where(condition)) or 0) > 0
            for model, condition in (
                (User, User.user_id == user_id),
                (Order, Order.user_id == user_id),
                (Follow, or_(Follow.src == user_id, Follow.dst == user_id)),
                (Share, or_(Share.from_user == user_id, Share.to_user == user_id)),
                (Conversation, Conversation.user_id == user_id),
                (UserProfile, UserProfile.user_id == user_id),
            )
        )
    return {"known": known, "review_ids": review_ids}


def _mentions(value: Any, needles: set[str]) -> bool:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return any(f'"{n}"' in text for n in needles)


def erase_user(store: Store, user_id: str, review_ids: list[str]) -> dict[str, int]:
    """Delete everything the store holds about `user_id`; returns rows removed per table."""
    counts: dict[str, int] = {}

    def run(name: str, statement: Any, s: Any) -> None:
        counts[name] = counts.get(name, 0) + int(s.execute(statement).rowcount or 0)

    with store.session() as s:
        for begin in range(0, len(review_ids), _BATCH):
            chunk = review_ids[begin : begin + _BATCH]
            run("sentiment_scores", delete(SentimentScore).where(SentimentScore.review_id.in_(chunk)), s)
            run("aspect_mentions", delete(AspectMention).where(AspectMention.review_id.in_(chunk)), s)
        run("reviews", delete(Review).where(Review.user_id == user_id), s)
        run("orders", delete(Order).where(Order.user_id == user_id), s)
        run("follows", delete(Follow).where(or_(Follow.src == user_id, Follow.dst == user_id)), s)
        run("shares", delete(Share).where(or_(Share.from_user == user_id, Share.to_user == user_id)), s)
        conversations = [
            c
            for (c,) in s.execute(select(Conversation.conversation_id).where(Conversation.user_id == user_id))
        ]
        for begin in range(0, len(conversations), _BATCH):
            chunk = conversations[begin : begin + _BATCH]
            run(
                "conversation_turns",
                delete(ConversationTurn).where(ConversationTurn.conversation_id.in_(chunk)),
                s,
            )
        run("conversations", delete(Conversation).where(Conversation.user_id == user_id), s)
        own_segment = s.scalar(select(UserProfile.segment).where(UserProfile.user_id == user_id))
        run("user_profiles", delete(UserProfile).where(UserProfile.user_id == user_id), s)
        run("users", delete(User).where(User.user_id == user_id), s)
        if review_ids:
            needles = set(review_ids)
            cited = [
                cid
                for cid, provenance, given in s.execute(
                    select(GeneratedContent.id, GeneratedContent.provenance, GeneratedContent.input)
                )
                if _mentions(provenance, needles) or _mentions(given, needles)
            ]
            if cited:
                run("generated_content", delete(GeneratedContent).where(GeneratedContent.id.in_(cited)), s)
        scrubbed = 0
        for segment in s.scalars(select(ProfileSegment)):
            examples = list((segment.details or {}).get("examples") or [])
            if user_id in examples:
                segment.details = {**segment.details, "examples": [e for e in examples if e != user_id]}
                scrubbed += 1
            if own_segment is not None and segment.segment == own_segment:
                segment.size = max(0, segment.size - 1)
        counts["profile_segments (example lists)"] = scrubbed
    return {k: v for k, v in counts.items() if v}
