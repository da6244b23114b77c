"""Row schemas of every ingestible kind (pydantic), with the canonical field names of DESIGN.md.

A schema validates *one* row that has already been mapped to canonical names; `validate_row` turns pydantic's errors
into plain reasons for the quarantine file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from koubei.ingest import fields as f


def _optional(parser: Any) -> Any:
    def parse(value: Any) -> Any:
        return None if f.is_blank(value) else parser(value)

    return BeforeValidator(parse)


def _id(name: str) -> Any:
    return _optional(lambda v: f.clean_id(v, name))


OptionalId = Annotated[str | None, _id("id")]
Rating = Annotated[int | None, _optional(f.parse_rating)]
Label = Annotated[str | None, _optional(f.parse_label)]
Time = Annotated[datetime | None, _optional(f.parse_time)]
Price = Annotated[float | None, _optional(f.parse_price)]
Attributes = Annotated[
    dict[str, Any], BeforeValidator(lambda v: {} if f.is_blank(v) else f.parse_attributes(v))
]


def _short(limit: int | None) -> Any:
    """A short text stored in a column of `limit` characters (None: unlimited); see `fields.short_text`."""

    def parse(value: Any) -> str | None:  # one call per value: this runs for several fields of every row
        if type(value) is str:
            if not value or value.isspace():
                return None
        elif f.is_blank(value):
            return None
        return f.short_text(value, limit) or None

    return BeforeValidator(parse)


# Column widths of the store (store/models.py; a test keeps the two in step): a longer value is rejected with the
# limit named, on every store alike (PostgreSQL would refuse the whole batch, SQLite would store it).
LABEL_CHARS = 128
SOURCE_CHARS = 64
STATUS_CHARS = 32
OptionalText = Annotated[str | None, _short(None)]
Category = Annotated[str | None, _short(LABEL_CHARS)]
Source = Annotated[str | None, _short(SOURCE_CHARS)]
Status = Annotated[str | None, _short(STATUS_CHARS)]


def _required_text(value: Any) -> str:
    if f.is_blank(value):
        raise ValueError("is empty")
    return f.as_text(value)


RequiredText = Annotated[str, BeforeValidator(_required_text)]
RequiredId = Annotated[str, BeforeValidator(lambda v: f.clean_id(_required_text(v), "id"))]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReviewRow(_Row):
    review_id: OptionalId = None
    product_id: OptionalId = None
    user_id: OptionalId = None
    rating: Rating = None
    label: Label = None
    text: RequiredText
    created_at: Time = None
    category: Category = None
    source: Source = None
    extra: dict[str, Any] = Field(default_factory=dict)


class ProductRow(_Row):
    product_id: RequiredId
    title: OptionalText = None
    category: Category = None
    brand: Category = None
    price: Price = None
    attributes: Attributes = Field(default_factory=dict)


class UserRow(_Row):
    user_id: RequiredId
    attributes: dict[str, Any] = Field(default_factory=dict)


class OrderRow(_Row):
    order_id: RequiredId
    user_id: OptionalId = None
    product_id: OptionalId = None
    quantity: Annotated[int | None, _optional(lambda v: f.parse_int(v, "quantity"))] = None
    amount: Price = None
    status: Status = None
    created_at: Time = None


class FollowRow(_Row):
    src: RequiredId
    dst: RequiredId
    weight: Annotated[float | None, _optional(f.parse_weight)] = None
    created_at: Time = None

    @field_validator("dst")
    @classmethod
    def _no_self_loop(cls, dst: str, info: Any) -> str:
        if info.data.get("src") == dst:
            raise ValueError("is the same user as src (a self-loop)")
        return dst


class ShareRow(_Row):
    share_id: OptionalId = None
    from_user: OptionalId = None
    to_user: OptionalId = None
    item_id: OptionalId = None
    parent_share_id: OptionalId = None
    created_at: Time = None
    extra: dict[str, Any] = Field(default_factory=dict)


class FaqRow(_Row):
    faq_id: OptionalId = None
    product_id: OptionalId = None
    question: RequiredText
    answer: RequiredText


SCHEMAS: dict[str, type[_Row]] = {
    "reviews": ReviewRow,
    "products": ProductRow,
    "users": UserRow,
    "orders": OrderRow,
    "follows": FollowRow,
    "shares": ShareRow,
    "faq": FaqRow,
}

# Key under which the loader hands over columns that match no canonical field.
LEFTOVERS = "__leftovers__"
# Where columns that match no canonical field go (they are kept, not dropped).
EXTRA_FIELD = {"reviews": "extra", "shares": "extra", "users": "attributes", "products": "attributes"}
# Natural key of each kind: re-ingesting a row with the same key updates it instead of adding a copy.
KEYS: dict[str, tuple[str, ...]] = {
    "reviews": ("review_id",),
    "products": ("product_id",),
    "users": ("user_id",),
    "orders": ("order_id",),
    "follows": ("src", "dst"),
    "shares": ("share_id",),
    "faq": ("faq_id",),
}
# Fields whose content is used to derive a stable id when the file has none.
DERIVED_ID_FROM = {
    "reviews": ("product_id", "user_id", "text", "created_at"),
    "shares": ("from_user", "to_user", "item_id", "parent_share_id", "created_at"),
    "faq": ("product_id", "question"),
}
# Fields a file must provide (after --map) for the kind to make sense at all.
REQUIRED_COLUMNS = {
    "reviews": ("text",),
    "products": ("product_id",),
    "users": ("user_id",),
    "orders": ("order_id",),
    "follows": ("src", "dst"),
    "shares": ("from_user",),
    "faq": ("question", "answer"),
}


# Kinds whose extra field is also a real column a file may carry (products' `attributes`): leftover columns are
# merged into it after it has been parsed.
_EXTRA_IS_COLUMN = {"products"}


def canonical_fields(kind: str) -> list[str]:
    return [
        name
        for name in SCHEMAS[kind].model_fields
        if name != EXTRA_FIELD.get(kind) or kind in _EXTRA_IS_COLUMN
    ]


def validate_row(kind: str, row: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    """Validate one canonical-named row. Returns (clean row, []) or (None, [reason, ...])."""
    leftovers = row.pop(LEFTOVERS, None)
    try:
        model = SCHEMAS[kind].model_validate(row)
    except ValidationError as error:
        reasons = []
        for item in error.errors():
            field = ".".join(str(p) for p in item["loc"]) or "row"
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "missing":
                message = "is missing"
            reasons.append(f"{field}: {message}")
        return None, reasons
    clean = model.model_dump()
    extra_field = EXTRA_FIELD.get(kind)
    if extra_field:
        merged = {**leftovers, **(clean.get(extra_field) or {})} if leftovers else clean.get(extra_field)
        if merged:
            try:
                clean[extra_field] = {
                    name: f.json_safe(value, _column_label(name, extra_field, leftovers))
                    for name, value in merged.items()
                }
            except ValueError as error:
                return None, [str(error)]
    return clean, []


def _column_label(name: Any, extra_field: str, leftovers: dict[str, Any] | None) -> str:
    """How a reason names a value of the extra field: by its column when it came from one, else by its key."""
    if leftovers and name in leftovers:
        return f"column {str(name)!r}"
    return f"{extra_field}.{name}"
