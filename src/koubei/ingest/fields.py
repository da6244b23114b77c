"""Parsing of single field values as they appear in real exports: ratings, labels, times, prices, attributes.

Each parser returns the clean value or raises `ValueError` with a message meant for the quarantine file. Values
come from every reader (CSV strings, JSON numbers and nested objects, Parquet bytes / decimals / timestamps), and what
a parser returns must store the same on SQLite and PostgreSQL: no NUL characters, no unpaired surrogates, no NaN in
JSON, no string longer than its column.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

_LABELS = {
    "positive": "positive",
    "pos": "positive",
    "1": "positive",
    "正面": "positive",
    "好评": "positive",
    "+1": "positive",
    "negative": "negative",
    "neg": "negative",
    "0": "negative",
    "负面": "negative",
    "差评": "negative",
    "-1": "negative",
    "neutral": "neutral",
    "neu": "neutral",
    "中性": "neutral",
    "中评": "neutral",
}
# JSON values (extra columns, attributes) nested deeper than this are rejected: real exports nest a few levels, and
# every JSON encoder and decoder on the way to the database recurses once per level.
MAX_JSON_DEPTH = 100
# Ids are keys people compare by eye: control characters, zero-width characters and bidirectional overrides
# (U+202A-U+202E, U+2066-U+2069, which make "abc" display as "cba") and line separators have no place in them.
_ID_FORBIDDEN = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SHORT_TEXT_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_SHORT_TEXT_SUSPECT = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_INT32 = 2**31 - 1
_BINARY = (bytes, bytearray, memoryview)
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%d.%m.%Y",
    "%m %d, %Y",
)


def as_text(value: Any) -> str:
    """A field value as a string: bytes (Parquet binary) must be UTF-8; unpaired surrogates (a JSON `\\ud800`
    escape) are not text and cannot be stored."""
    if type(value) is str:  # nearly always: the fast path
        text = value
    elif isinstance(value, _BINARY):
        try:
            text = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("is binary data that is not UTF-8 text") from None
    else:
        text = str(value)
    if not text.isascii() and _SURROGATE.search(text):
        raise ValueError(_surrogate_message(text))
    return text


def _surrogate_message(text: str) -> str:
    found = _SURROGATE.search(text)
    code = f"U+{ord(found.group()):04X}" if found else "?"
    return f"contains an unpaired surrogate ({code}), which is not valid Unicode text (a broken \\u escape?)"


def short_text(value: Any, limit: int | None) -> str:
    """A short label (category, brand, source, status, title): text without control characters, at most `limit`."""
    text = value if type(value) is str else as_text(value)
    if _SHORT_TEXT_SUSPECT.search(text):  # one look for both; most labels have neither
        if _SURROGATE.search(text):
            raise ValueError(_surrogate_message(text))
        text = _SHORT_TEXT_CONTROL.sub(" ", text)
    text = text.strip()
    if limit is not None and len(text) > limit:
        raise ValueError(f"is {len(text)} characters long; the limit is {limit}")
    return text


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def parse_rating(value: Any) -> int:
    """A star rating 1-5; accepts 4, "4", "4.0", "4星"."""
    text = str(value).strip().rstrip("星").strip()
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"rating {value!r} is not a number; expected an integer from 1 to 5") from None
    if not number.is_integer() or not 1 <= number <= 5:
        raise ValueError(f"rating {value!r} is out of range; expected an integer from 1 to 5")
    return int(number)


def parse_label(value: Any) -> str:
    """Polarity label: positive|negative|neutral, or 1/0 (also pos/neg, 好评/差评)."""
    key = str(value).strip().lower()
    if key.endswith(".0"):
        key = key[:-2]
    if key not in _LABELS:
        raise ValueError(f"label {value!r} is not recognised; expected positive, negative, neutral, 1 or 0")
    return _LABELS[key]


def parse_time(value: Any) -> datetime:
    """A time: ISO 8601, common Chinese/English date formats, or Unix seconds/milliseconds. Stored naive UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) or re.fullmatch(r"\d{9,13}(\.\d+)?", str(value).strip()):
        seconds = float(value)
        if seconds > 1e11:  # milliseconds
            seconds /= 1000
        try:
            moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):  # 1e20, inf, NaN: no such moment on any clock
            raise ValueError(
                f"time {value!r} is outside 1990-2100 (as Unix seconds or milliseconds)"
            ) from None
    elif isinstance(value, dt.date):  # a Parquet date32 column
        moment = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        parsed: datetime | None = None
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _DATE_FORMATS:
                try:
                    parsed = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if parsed is None:
            raise ValueError(
                f"time {value!r} is not a date; expected e.g. 2024-05-01, 2024-05-01T12:30:00 or Unix seconds"
            )
        moment = parsed
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    if not 1990 <= moment.year <= 2100:
        raise ValueError(f"time {value!r} is outside 1990-2100")
    return moment


def parse_price(value: Any) -> float:
    text = str(value).strip().lstrip("¥￥$€£").replace(",", "").rstrip("元")
    try:
        price = float(text)
    except ValueError:
        raise ValueError(f"price {value!r} is not a number") from None
    if price < 0 or math.isinf(price) or math.isnan(price):
        raise ValueError(f"price {value!r} must be a non-negative number")
    return price


def parse_attributes(value: Any) -> dict[str, Any]:
    """Product attributes: a JSON object, or the `key#value*key#value` form of AdvertiseGen-style exports."""
    if isinstance(value, dict):
        return value
    text = as_text(value).strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"attributes are not valid JSON: {error.msg} at character {error.pos}") from None
        except RecursionError:
            raise ValueError(f"attributes are nested deeper than {MAX_JSON_DEPTH} levels") from None
        if not isinstance(parsed, dict):
            raise ValueError("attributes must be a JSON object")
        return parsed
    attributes: dict[str, Any] = {}
    for pair in text.split("*"):
        key, sep, val = pair.partition("#")
        if not sep or not key.strip():
            raise ValueError(
                f"attributes {text[:60]!r} are neither a JSON object nor key#value*key#value pairs"
            )
        key = key.strip()
        # A key may repeat (several 材质); keep all values.
        if key in attributes:
            existing = attributes[key]
            attributes[key] = (
                [*existing, val.strip()] if isinstance(existing, list) else [existing, val.strip()]
            )
        else:
            attributes[key] = val.strip()
    return attributes


def parse_int(value: Any, name: str) -> int:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a number") from None
    if not number.is_integer():
        raise ValueError(f"{name} {value!r} is not a whole number")
    if abs(number) > _INT32:
        raise ValueError(f"{name} {value!r} is out of range; the limit is {_INT32:,}")
    return int(number)


def parse_weight(value: Any) -> float:
    """An edge weight: a finite number (NaN would store as NULL on SQLite and as NaN on PostgreSQL)."""
    try:
        weight = float(as_text(value).strip()) if not isinstance(value, int | float) else float(value)
    except ValueError:
        raise ValueError(f"weight {value!r} is not a number") from None
    if not math.isfinite(weight):
        raise ValueError(f"weight {value!r} must be a finite number")
    return weight


def clean_id(value: Any, name: str) -> str:
    """Ids are kept as strings; integral floats (pandas turns 12 into 12.0) lose their '.0'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = as_text(value).strip()
    if len(text) > 128:
        raise ValueError(f"{name} is {len(text)} characters long; the limit is 128")
    bad = _ID_FORBIDDEN.search(text)
    if bad:
        raise ValueError(
            f"{name} contains the invisible or control character U+{ord(bad.group()):04X}; ids must be plain text"
        )
    return text


def json_safe(value: Any, where: str) -> Any:
    """`value` as a JSON value that stores the same on SQLite and PostgreSQL (extra columns, attributes).

    Parquet types become JSON ones (timestamps and dates -> ISO text, decimals -> numbers, UTF-8 bytes -> text,
    other bytes -> "base64:..."), NaN and infinities -> null (strict JSON has neither), NUL characters are dropped
    (PostgreSQL text cannot hold them). Raises `ValueError` naming `where` for unpaired surrogates and for nesting
    deeper than MAX_JSON_DEPTH.
    """
    return _json_safe(value, where, 0)


def _json_safe(value: Any, where: str, depth: int) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise ValueError(f"{where}: {_surrogate_message(value)}")
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict | list | tuple | set | frozenset):
        if depth >= MAX_JSON_DEPTH:
            raise ValueError(f"{where}: is nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(value, dict):
            return {
                _json_safe(str(k), where, depth): _json_safe(v, where, depth + 1) for k, v in value.items()
            }
        return [_json_safe(v, where, depth + 1) for v in value]
    if isinstance(value, datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, _BINARY):
        raw = bytes(value)
        try:
            return _json_safe(raw.decode("utf-8"), where, depth)
        except (UnicodeDecodeError, ValueError):
            return "base64:" + base64.b64encode(raw).decode("ascii")
    item = getattr(value, "item", None)  # numpy scalars (a table built with pandas)
    if callable(item):
        return _json_safe(item(), where, depth)
    return _json_safe(str(value), where, depth)
