"""Attribute -> copy pairs: parse attributes (`k#v*k#v` or a JSON object), validate rows, split for development.

Formats accepted per row (AdvertiseGen and koubei's own):
- `{"content": "类型#上衣*材质#牛仔布*...", "summary": "<copy>"}` (AdvertiseGen);
- `{"attributes": {"类型": "上衣", "风格": ["简约", "复古"]}, "text": "<copy>"}`.

Defined behaviour for bad attributes (one message naming the field, the bad piece and what was expected):
- a piece without `#`, an empty key or value, more than `MAX_ATTRIBUTES` pairs, a key/value longer than
  `MAX_VALUE_CHARS`, HTML markup (`<b>`, `&lt;`): refused (`BadInputError`);
- emoji and other pictographs are removed from keys and values (a value that is only emoji is then empty: refused);
- repeated identical pairs are kept once; a key may repeat with different values (风格#复古*风格#文艺).
Bad rows of a file are rejected with their line number and reason; the rest are kept (`read_pairs`).

The development split keeps identical attribute sets on one side (`split_by_attributes`), so a test pair's exact
attribute set was never seen in training (the held-out part of the shared file was split the same way).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from koubei.errors import BadInputError

MAX_ATTRIBUTES = 64
MAX_VALUE_CHARS = 40
MAX_COPY_CHARS = 2000
_HTML = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
# Pictographs, dingbats, flags, variation selectors and joiners: removed from attribute text.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\ufe0e\ufe0f\u200d\u20e3\U000e0020-\U000e007f]"
)
Attributes = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CopyPair:
    """One training / evaluation example: attribute pairs (in input order) and the copy written for them."""

    attributes: Attributes
    text: str
    pair_id: str = ""

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for _, v in self.attributes))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.pair_id, "content": format_attributes(self.attributes), "text": self.text}


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason}


@dataclass
class PairFile:
    pairs: list[CopyPair] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)


def _clean_piece(text: str, what: str, field_name: str) -> str:
    if _HTML.search(text):
        raise BadInputError(f"{field_name}: {what} {text[:60]!r} contains HTML markup; give plain text")
    cleaned = re.sub(r"\s+", " ", _EMOJI.sub("", text)).strip()
    if not cleaned:
        raise BadInputError(
            f"{field_name}: empty {what} (after removing emoji) in {text[:60]!r}; expected text"
        )
    if len(cleaned) > MAX_VALUE_CHARS:
        raise BadInputError(
            f"{field_name}: {what} {cleaned[:40]!r}... is {len(cleaned)} characters, at most {MAX_VALUE_CHARS}"
        )
    return cleaned


def _finish(pairs: list[tuple[str, str]], field_name: str) -> Attributes:
    unique = tuple(dict.fromkeys(pairs))
    if not unique:
        raise BadInputError(f"{field_name}: no attributes; expected 'key#value*key#value' or a JSON object")
    if len(unique) > MAX_ATTRIBUTES:
        raise BadInputError(f"{field_name}: {len(unique)} attribute pairs, at most {MAX_ATTRIBUTES}")
    return unique


def parse_attribute_string(text: str, field_name: str = "attributes") -> Attributes:
    """`类型#上衣*材质#牛仔布` -> (("类型", "上衣"), ("材质", "牛仔布")); bad pieces raise naming the piece."""
    if not isinstance(text, str) or not text.strip():
        raise BadInputError(
            f"{field_name}: empty; expected 'key#value*key#value' (e.g. 类型#上衣*材质#牛仔布)"
        )
    pieces = text.strip().strip("*").split("*")
    if len(pieces) > MAX_ATTRIBUTES * 4:
        raise BadInputError(f"{field_name}: {len(pieces)} attribute pairs, at most {MAX_ATTRIBUTES}")
    pairs: list[tuple[str, str]] = []
    for piece in pieces:
        if not piece.strip():
            raise BadInputError(f"{field_name}: empty pair between two '*' in {text[:80]!r}")
        if "#" not in piece:
            raise BadInputError(
                f"{field_name}: pair {piece[:60]!r} has no '#'; expected key#value (e.g. 材质#牛仔布)"
            )
        key, value = piece.split("#", 1)
        pairs.append(
            (
                _clean_piece(key, "key", field_name),
                _clean_piece(value, f"value of {key.strip()!r}", field_name),
            )
        )
    return _finish(pairs, field_name)


def parse_attribute_object(data: Any, field_name: str = "attributes") -> Attributes:
    """{"类型": "上衣", "风格": ["简约", "复古"]} -> pairs in key order (list values keep their order)."""
    if not isinstance(data, dict):
        raise BadInputError(f"{field_name}: expected a JSON object of key -> value (or list of values)")
    if len(data) > MAX_ATTRIBUTES:
        raise BadInputError(f"{field_name}: {len(data)} attribute keys, at most {MAX_ATTRIBUTES}")
    pairs: list[tuple[str, str]] = []
    for key, raw in data.items():
        values = raw if isinstance(raw, list) else [raw]
        if not values:
            raise BadInputError(f"{field_name}: key {str(key)[:40]!r} has no value")
        for value in values:
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise BadInputError(
                    f"{field_name}: value of {str(key)[:40]!r} must be text or a number, got {type(value).__name__}"
                )
            pairs.append(
                (
                    _clean_piece(str(key), "key", field_name),
                    _clean_piece(str(value), f"value of {key!r}", field_name),
                )
            )
    return _finish(pairs, field_name)


def parse_attributes(value: Any, field_name: str = "attributes") -> Attributes:
    """Attributes from a `k#v*k#v` string, a JSON object, or a string holding a JSON object."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("{"):
            try:
                data = json.loads(stripped)
            except json.JSONDecodeError as error:
                raise BadInputError(
                    f"{field_name}: not valid JSON ({error.msg} at column {error.colno})"
                ) from None
            return parse_attribute_object(data, field_name)
        return parse_attribute_string(value, field_name)
    if isinstance(value, (list, tuple)) and all(isinstance(p, (list, tuple)) and len(p) == 2 for p in value):
        return _finish(
            [
                (_clean_piece(str(k), "key", field_name), _clean_piece(str(v), "value", field_name))
                for k, v in value
            ],
            field_name,
        )
    return parse_attribute_object(value, field_name)


def format_attributes(attributes: Attributes) -> str:
    return "*".join(f"{k}#{v}" for k, v in attributes)


def pair_from_row(values: dict[str, Any], number: int = 0) -> CopyPair:
    """One pair from a parsed JSON row (either format); raises BadInputError naming the field."""
    if "content" in values:
        attributes = parse_attributes(values["content"], "content")
    elif "attributes" in values:
        attributes = parse_attributes(values["attributes"], "attributes")
    else:
        raise BadInputError(
            "no 'content' or 'attributes' field; expected AdvertiseGen content/summary or attributes/text"
        )
    text_field = "summary" if "summary" in values else "text"
    text = values.get(text_field)
    if not isinstance(text, str) or not text.strip():
        raise BadInputError(f"{text_field}: empty or missing copy text")
    text = text.strip()
    if len(text) > MAX_COPY_CHARS:
        raise BadInputError(f"{text_field}: {len(text)} characters, at most {MAX_COPY_CHARS}")
    if _HTML.search(text.replace("<UNK>", "")):
        raise BadInputError(f"{text_field}: contains HTML markup; give plain text")
    digest = hashlib.sha1((format_attributes(attributes) + "\n" + text).encode("utf-8")).hexdigest()[:12]
    return CopyPair(attributes, text, str(values.get("id") or f"p{digest}"))


def pairs_from_rows(rows: Iterable[tuple[int, dict[str, Any] | None, str | None]]) -> PairFile:
    """Rows as (line number, parsed values or None, problem or None) -> pairs and rejects with reasons."""
    out = PairFile()
    seen: set[tuple[Attributes, str]] = set()
    for number, values, problem in rows:
        if problem or values is None:
            out.rejected.append(RejectedRow(number, problem or "unreadable row"))
            continue
        try:
            pair = pair_from_row(values, number)
        except BadInputError as error:
            out.rejected.append(RejectedRow(number, str(error)))
            continue
        key = (pair.attributes, pair.text)
        if key in seen:
            out.rejected.append(RejectedRow(number, "duplicate of an earlier row"))
            continue
        seen.add(key)
        out.pairs.append(pair)
    return out


def read_pairs(path: str | Path) -> PairFile:
    """Pairs from a JSON Lines / JSON / CSV file read by `koubei.ingest.readers` (the one reader of user files)."""
    from koubei.ingest.readers import read_table

    table = read_table(Path(path))
    return pairs_from_rows(
        (row.number, row.values if not row.problem else None, row.problem) for row in table.rows
    )


def attribute_set_key(pair: CopyPair) -> str:
    return format_attributes(tuple(sorted(set(pair.attributes))))


def split_by_attributes(
    pairs: Sequence[CopyPair], test_share: float = 0.2, seed: int = 20261214
) -> tuple[list[CopyPair], list[CopyPair]]:
    """(train, test): whole attribute sets go to one side, chosen by a seeded shuffle of the distinct sets."""
    if not 0.0 < test_share < 1.0:
        raise BadInputError(f"test_share={test_share} must be between 0 and 1")
    groups = sorted({attribute_set_key(p) for p in pairs})
    random.Random(seed).shuffle(groups)
    n_test = max(1, round(len(groups) * test_share)) if len(groups) > 1 else 0
    test_keys = set(groups[:n_test])
    train = [p for p in pairs if attribute_set_key(p) not in test_keys]
    test = [p for p in pairs if attribute_set_key(p) in test_keys]
    return train, test


def kfold_by_attributes(pairs: Sequence[CopyPair], k: int = 5, seed: int = 20261214) -> list[list[CopyPair]]:
    """`k` folds that together hold every pair once; whole attribute sets go to one fold (a seeded shuffle of the
    distinct sets, dealt round-robin), so no fold's attribute set is seen when training on the others."""
    if k < 2:
        raise BadInputError(f"k={k} folds: need at least 2")
    groups = sorted({attribute_set_key(p) for p in pairs})
    if len(groups) < k:
        raise BadInputError(f"{len(groups)} distinct attribute sets cannot fill {k} folds")
    random.Random(seed).shuffle(groups)
    fold_of = {g: i % k for i, g in enumerate(groups)}
    folds: list[list[CopyPair]] = [[] for _ in range(k)]
    for p in pairs:
        folds[fold_of[attribute_set_key(p)]].append(p)
    return folds
