"""Parsing of single field values as they appear in real exports: ratings, labels, times, prices, attributes.

Each parser returns the clean value or raises `ValueError` with a message meant for the quarantine file.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from typing import Any

_LABELS = {
    "positive": "positive", "pos": "positive", "1": "positive", "正面": "positive", "好评": "positive", "+1": "positive",
    "negative": "negative", "neg": "negative", "0": "negative", "负面": "negative", "差评": "negative", "-1": "negative",
    "neutral": "neutral", "neu": "neutral", "中性": "neutral", "中评": "neutral",
}
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
                 "%Y年%m月%d日 %H:%M", "%Y年%m月%d日", "%d.%m.%Y", "%m %d, %Y")


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
        moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
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
            raise ValueError(f"time {value!r} is not a date; expected e.g. 2024-05-01, 2024-05-01T12:30:00 or Unix seconds")
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
    text = str(value).strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"attributes are not valid JSON: {error.msg} at character {error.pos}") from None
        if not isinstance(parsed, dict):
            raise ValueError("attributes must be a JSON object")
        return parsed
    attributes: dict[str, Any] = {}
    for pair in text.split("*"):
        key, sep, val = pair.partition("#")
        if not sep or not key.strip():
            raise ValueError(f"attributes {text[:60]!r} are neither a JSON object nor key#value*key#value pairs")
        key = key.strip()
        # A key may repeat (several 材质); keep all values.
        if key in attributes:
            existing = attributes[key]
            attributes[key] = [*existing, val.strip()] if isinstance(existing, list) else [existing, val.strip()]
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
    return int(number)


def clean_id(value: Any, name: str) -> str:
    """Ids are kept as strings; integral floats (pandas turns 12 into 12.0) lose their '.0'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if len(text) > 128:
        raise ValueError(f"{name} is {len(text)} characters long; the limit is 128")
    return text
