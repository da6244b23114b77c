"""Sentiment label vocabulary and conversions (file labels, star ratings) shared by every polarity model."""

from __future__ import annotations

import math
from typing import Any

from koubei.errors import BadInputError

POSITIVE = "positive"
NEGATIVE = "negative"
NEUTRAL = "neutral"
UNSCORABLE = "unscorable"
LABELS = (NEGATIVE, NEUTRAL, POSITIVE)

# Spellings seen in real exports (0/1 files, pos/neg, Chinese, -1/0/1 ASAP style) mapped to canonical labels.
_ALIASES = {
    "1": POSITIVE,
    "1.0": POSITIVE,
    "pos": POSITIVE,
    "positive": POSITIVE,
    "正面": POSITIVE,
    "好评": POSITIVE,
    "0": NEGATIVE,
    "0.0": NEGATIVE,
    "neg": NEGATIVE,
    "negative": NEGATIVE,
    "负面": NEGATIVE,
    "差评": NEGATIVE,
    "-1": NEGATIVE,
    "neu": NEUTRAL,
    "neutral": NEUTRAL,
    "中性": NEUTRAL,
    "中评": NEUTRAL,
}


def normalize_label(value: Any) -> str | None:
    """Canonical label for a file's label value; None when the value is empty (unlabelled row).

    Raises BadInputError for a value that is not a known label spelling.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return POSITIVE if value else NEGATIVE
    if isinstance(value, float) and math.isnan(value):
        return None
    text = str(value).strip().lower()
    if not text:
        return None
    if text in _ALIASES:
        return _ALIASES[text]
    raise BadInputError(
        f"label {value!r} is not a sentiment label; expected one of positive/negative/neutral, 1/0, pos/neg"
    )


def label_from_rating(rating: Any) -> str | None:
    """Polarity implied by a 1-5 star rating: 4-5 positive, 1-2 negative, 3 neutral; None when missing."""
    if rating is None or (isinstance(rating, float) and math.isnan(rating)) or rating == "":
        return None
    try:
        stars = float(rating)
    except (TypeError, ValueError):
        raise BadInputError(f"rating {rating!r} is not a number from 1 to 5") from None
    if not 1.0 <= stars <= 5.0:
        raise BadInputError(f"rating {rating!r} is outside 1-5")
    if stars >= 4.0:
        return POSITIVE
    if stars <= 2.0:
        return NEGATIVE
    return NEUTRAL


def row_label(row: dict[str, Any]) -> str | None:
    """The training label of a canonical review row: its `label`, else the polarity of its `rating`."""
    label = normalize_label(row.get("label"))
    return label if label is not None else label_from_rating(row.get("rating"))
