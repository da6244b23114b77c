"""SQLAlchemy 2 table definitions of the store: the business data and the results computed from it.

Ids are the user's own natural keys (strings), so re-ingesting a file upserts instead of duplicating. References
between tables (a review's product_id, a share's users) are indexed but carry no foreign-key constraint on purpose:
real exports arrive in any order (reviews before the catalog), and a missing product must not block a review.
Schema changes go through Alembic migrations in `koubei/store/migrations`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Float, Index, Integer, MetaData, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: DateTime(timezone=False)}


class Ingested:
    """Columns every ingested entity carries: a hash of its content (to tell 'updated' from 'unchanged') and times."""

    content_hash: Mapped[str] = mapped_column(String(40))
    ingested_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class Product(Ingested, Base):
    __tablename__ = "products"
    product_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(128), index=True)
    brand: Mapped[str | None] = mapped_column(String(128), index=True)
    price: Mapped[float | None] = mapped_column(Float)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)


class User(Ingested, Base):
    __tablename__ = "users"
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Review(Ingested, Base):
    __tablename__ = "reviews"
    review_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    product_id: Mapped[str | None] = mapped_column(String(128), index=True)
    user_id: Mapped[str | None] = mapped_column(String(128), index=True)
    rating: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(16), index=True)  # positive | negative | neutral
    text: Mapped[str] = mapped_column(Text)  # normalized original; never shown or trained on
    masked_text: Mapped[str] = mapped_column(Text)  # PII masked: what training and display use
    pii_found: Mapped[int] = mapped_column(Integer, default=0)  # how many PII spans were masked
    lang: Mapped[str | None] = mapped_column(String(8))  # zh | en | other
    created_at: Mapped[datetime | None] = mapped_column(index=True)
    category: Mapped[str | None] = mapped_column(String(128), index=True)
    source: Mapped[str | None] = mapped_column(String(64), index=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Order(Ingested, Base):
    __tablename__ = "orders"
    order_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(128), index=True)
    product_id: Mapped[str | None] = mapped_column(String(128), index=True)
    quantity: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime | None] = mapped_column(index=True)


class Follow(Ingested, Base):
    """A directed social edge: `src` follows / is a friend of `dst` (undirected files are stored both ways)."""

    __tablename__ = "follows"
    src: Mapped[str] = mapped_column(String(128), primary_key=True)
    dst: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)
    weight: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime | None] = mapped_column()


class Share(Ingested, Base):
    """One share event: `from_user` passed `item_id` (a product or review) to `to_user`; parent = the share it re-shares."""

    __tablename__ = "shares"
    share_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    from_user: Mapped[str | None] = mapped_column(String(128), index=True)
    to_user: Mapped[str | None] = mapped_column(String(128), index=True)
    item_id: Mapped[str | None] = mapped_column(String(128), index=True)
    parent_share_id: Mapped[str | None] = mapped_column(String(128), index=True)
    created_at: Mapped[datetime | None] = mapped_column(index=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class FaqEntry(Ingested, Base):
    __tablename__ = "faq"
    faq_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    product_id: Mapped[str | None] = mapped_column(String(128), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    masked_question: Mapped[str] = mapped_column(Text)
    masked_answer: Mapped[str] = mapped_column(Text)


# ---- results computed by koubei (written by pipelines, read by the dashboard) --------------------------------


class SentimentScore(Base):
    """Polarity of one review by one model."""

    __tablename__ = "sentiment_scores"
    review_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    model: Mapped[str] = mapped_column(String(128), primary_key=True)
    label: Mapped[str] = mapped_column(String(16), index=True)  # positive | negative | neutral | unscorable
    score: Mapped[float | None] = mapped_column(Float)  # calibrated probability of `label`
    rating_pred: Mapped[float | None] = mapped_column(Float)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    scored_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class AspectMention(Base):
    """One aspect mentioned in one review, with the sentiment toward it."""

    __tablename__ = "aspect_mentions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(String(128), index=True)
    model: Mapped[str] = mapped_column(String(128))
    aspect: Mapped[str] = mapped_column(String(64), index=True)
    sentiment: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    span_start: Mapped[int | None] = mapped_column(Integer)
    span_end: Mapped[int | None] = mapped_column(Integer)
    evidence: Mapped[str | None] = mapped_column(Text)


class Aggregate(Base):
    """A precomputed figure set for the dashboard: e.g. (product, P1, 2026-W47) -> {count, share_positive, ...}."""

    __tablename__ = "aggregates"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)  # e.g. sentiment, wom_index
    group_by: Mapped[str] = mapped_column(String(32), primary_key=True)  # product | category | brand | all
    group_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    period: Mapped[str] = mapped_column(String(32), primary_key=True)  # e.g. 2026-W47, 2026-11-28, all
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    computed_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class GeneratedContent(Base):
    """Text koubei generated (copy, replies, summaries, answers), with provenance for every claim."""

    __tablename__ = "generated_content"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    product_id: Mapped[str | None] = mapped_column(String(128), index=True)
    text: Mapped[str] = mapped_column(Text)
    provenance: Mapped[dict[str, Any]] = mapped_column(default=dict)
    model: Mapped[str | None] = mapped_column(String(128))
    ai_generated: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    # Migration 0002: what was asked, what the guard said, and the human review before anything is published.
    input: Mapped[dict[str, Any]] = mapped_column(default=dict)
    guard: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft", index=True)
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)


class Conversation(Base):
    __tablename__ = "conversations"
    conversation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(128), index=True)
    product_id: Mapped[str | None] = mapped_column(String(128))  # the product in focus
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class ConversationTurn(Base):
    __tablename__ = "conversation_turns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))  # user | assistant | agent
    masked_text: Mapped[str] = mapped_column(Text)  # PII masked before it is stored
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # intent, citations, escalation
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class Artifact(Base):
    """A trained model, index or report on disk, with the config and metrics it was made with."""

    __tablename__ = "artifacts"
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # lm | tokenizer | sentiment | index | ...
    path: Mapped[str] = mapped_column(Text)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class IngestRun(Base):
    """One `koubei ingest` call: what it read and where its rejected rows went."""

    __tablename__ = "ingest_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    source_file: Mapped[str] = mapped_column(Text)
    read: Mapped[int] = mapped_column(Integer)
    stored: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    quarantine_file: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime] = mapped_column()


class ApiKey(Base):
    """A key of the HTTP API (migration 0003). Only a hash is kept: the key itself is shown once, when created."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128))
    scope: Mapped[str] = mapped_column(String(16))  # read | admin
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the key
    prefix: Mapped[str] = mapped_column(String(16))  # the key's first characters, to tell keys apart in lists
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Job(Base):
    """A background job (migration 0003): what was asked, how far it got, what it produced or why it failed."""

    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(
        String(16), index=True
    )  # queued | running | succeeded | failed | cancelled
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    progress: Mapped[dict[str, Any]] = mapped_column(
        default=dict
    )  # what RecordingProgress saw: desc, done, total
    log: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"lines": [...]}, the last lines only
    result: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    cancel_requested: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp(), index=True)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(nullable=True)


class UserProfile(Base):
    """A user's profile (migration 0004): what `koubei profile build` computed from their reviews, orders and graph.

    `signature` is a digest of the user's input rows when the profile was built, so a rebuild recomputes only the
    users whose data changed; `model_version` names the fitted profile model that made it.
    """

    __tablename__ = "user_profiles"
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    model_version: Mapped[str] = mapped_column(String(64), index=True)
    signature: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), index=True)  # advocate | detractor | neutral
    segment: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    # interests, aspects, rfm, influence, value (see koubei.analysis.profiles.features)
    features: Mapped[dict[str, Any]] = mapped_column(default=dict)
    embedding: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"dims": n, "vector": [...]}
    built_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class ProfileSegment(Base):
    """One segment of the latest `koubei profile segments` run (migration 0004): its plain-word names and figures."""

    __tablename__ = "profile_segments"
    segment: Mapped[int] = mapped_column(Integer, primary_key=True)
    segmentation: Mapped[str] = mapped_column(String(64))  # the run that made it
    name_en: Mapped[str] = mapped_column(Text)
    name_zh: Mapped[str] = mapped_column(Text)
    persona: Mapped[str] = mapped_column(Text)  # usable as `koubei copy generate --persona`
    size: Mapped[int] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # features, RFM overlap, value, examples
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


Index("ix_reviews_product_created", Review.product_id, Review.created_at)
Index("ix_shares_item_created", Share.item_id, Share.created_at)
