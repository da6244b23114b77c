"""Labelled aspect data read from a file, checked row by row, for training and evaluating the supervised aspect model.

Two layouts, the two the shared data sets use:
- JSONL, one review per line: `{"text": ..., "aspects": [...]}`, each aspect either a term with its character span
  (`{"term", "from", "to", "polarity"}`, SemEval/PyABSA style, e.g. absa_zh / absa_en) or a category
  (`{"category", "polarity"}`);
- CSV in the ASAP wide layout: a text column and one column per aspect category holding 1 (positive), 0 (neutral),
  -1 (negative) or -2 / empty (not mentioned). A column is a category column when every value is one of those.
A row may say which part of the data it belongs to (`split`, `orig_split` or `orig_file`): values starting with
"test" mark the data's own held-out part, so a model is evaluated where its authors evaluated it.

A bad row never stops the read: it is set aside with its row number and the reason, and the caller writes those
where the user can see them (`koubei.pipelines.ingest.write_rejects`).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from koubei.errors import BadInputError

POLARITIES = ("positive", "negative", "neutral")
# ASAP's codes; -2 means "not mentioned".
ASAP_CODES = {"1": "positive", "0": "neutral", "-1": "negative"}
_NOT_MENTIONED = {"-2", ""}
TEXT_COLUMNS = ("text", "review", "reviewbody", "content", "comment")
SPLIT_FIELDS = ("split", "orig_split", "orig_file")
# Columns of an ASAP-style file that are never categories even when their values look like codes.
_NON_CATEGORY = {"index", "id", "review_id", "star", "stars", "rating", *SPLIT_FIELDS}


@dataclass
class AspectData:
    """Usable records (`text`, `aspects`, `split`, `row`) and rejected rows (`row`, `reason`) of one file.

    `row` is the 1-based position among the file's data rows (a CSV's header is not counted), as `koubei ingest`
    counts, so a user can find the row."""

    records: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    layout: str = "jsonl"

    @property
    def has_test_split(self) -> bool:
        return any(is_test(r) for r in self.records) and any(not is_test(r) for r in self.records)


def is_test(record: dict[str, Any]) -> bool:
    """Whether the data marks this record as part of its own held-out (test) part."""
    return str(record.get("split") or "").strip().lower().startswith("test")


def read_aspect_file(path: str | Path, text_column: str | None = None) -> AspectData:
    """Read labelled aspects from a .jsonl/.json or .csv file (see the module docstring for the layouts)."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(f"aspect data file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        data = _read_jsonl(path)
    elif suffix in (".csv", ".tsv"):
        data = _read_wide_csv(path, text_column, delimiter="\t" if suffix == ".tsv" else ",")
    else:
        raise BadInputError(
            f"aspect data must be .jsonl (records with an 'aspects' list) or .csv (ASAP layout), got {path.name!r}"
        )
    _keep_one_mode(data)
    if not data.records:
        reasons = Counter(r["reason"] for r in data.rejected).most_common(3)
        detail = "; ".join(f"{reason} ({n} rows)" for reason, n in reasons) or "the file is empty"
        raise BadInputError(f"no usable labelled aspects in {path.name}: {detail}")
    return data


# ---- JSONL ----------------------------------------------------------------------------------------------------------


def _read_jsonl(path: Path) -> AspectData:
    data = AspectData(layout="jsonl")
    with path.open(encoding="utf-8-sig") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as error:
                data.rejected.append(
                    {"row": number, "reason": f"not valid JSON ({error.msg} at column {error.colno})"}
                )
                continue
            record, reason = _check_record(raw)
            if record is None:
                data.rejected.append({"row": number, "reason": reason})
            else:
                data.records.append({**record, "row": number})
    return data


def _check_record(raw: Any) -> tuple[dict[str, Any] | None, str]:
    if not isinstance(raw, dict):
        return None, "expected a JSON object with 'text' and 'aspects'"
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        return None, "'text' must be a non-empty string"
    aspects = raw.get("aspects")
    if not isinstance(aspects, list):
        return None, "'aspects' must be a list (empty when the review mentions none)"
    checked = []
    for i, aspect in enumerate(aspects):
        clean, reason = _check_aspect(text, aspect)
        if clean is None:
            return None, f"aspects[{i}]: {reason}"
        checked.append(clean)
    split = next((raw[k] for k in SPLIT_FIELDS if raw.get(k) not in (None, "")), None)
    return {"text": text, "aspects": checked, "split": None if split is None else str(split)}, ""


def _check_aspect(text: str, aspect: Any) -> tuple[dict[str, Any] | None, str]:
    if not isinstance(aspect, dict):
        return None, "expected an object"
    polarity = str(aspect.get("polarity", "")).strip().lower()
    if polarity not in POLARITIES:
        return None, f"'polarity' must be one of {', '.join(POLARITIES)}, got {aspect.get('polarity')!r}"
    if "term" in aspect or "from" in aspect or "to" in aspect:
        start, end, term = aspect.get("from"), aspect.get("to"), aspect.get("term")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(text):
            return (
                None,
                f"'from'/'to' must be character offsets with 0 <= from < to <= {len(text)}, got {start!r}/{end!r}",
            )
        if not isinstance(term, str) or text[start:end] != term:
            return None, f"'term' {term!r} is not the text at {start}:{end} ({text[start:end]!r})"
        return {"term": term, "from": start, "to": end, "polarity": polarity}, ""
    category = aspect.get("category")
    if not isinstance(category, str) or not category.strip():
        return None, "needs either a 'term' with 'from'/'to' or a 'category'"
    return {"category": category.strip(), "polarity": polarity}, ""


# ---- ASAP-style wide CSV ------------------------------------------------------------------------------------------


def _read_wide_csv(path: Path, text_column: str | None, delimiter: str) -> AspectData:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=delimiter))
    if not rows:
        return AspectData(layout="csv")
    columns = list(rows[0])
    text_col = text_column or next((c for c in columns if c.strip().lower() in TEXT_COLUMNS), None)
    if text_col is None or text_col not in columns:
        wanted = text_column or " / ".join(TEXT_COLUMNS)
        raise BadInputError(f"{path.name}: no text column ({wanted}); columns are {', '.join(columns)}")
    allowed = set(ASAP_CODES) | _NOT_MENTIONED
    categories = [
        c
        for c in columns
        if c != text_col
        and c.strip().lower() not in _NON_CATEGORY
        and all((r.get(c) or "").strip() in allowed for r in rows)
    ]
    if not categories:
        raise BadInputError(
            f"{path.name}: no aspect category columns (columns whose values are all 1 / 0 / -1 / -2 or empty); "
            f"columns are {', '.join(columns)}"
        )
    split_col = next((c for c in columns if c.strip().lower() in SPLIT_FIELDS), None)
    data = AspectData(layout="csv")
    for number, row in enumerate(rows, start=1):
        text = (row.get(text_col) or "").strip()
        if not text:
            data.rejected.append({"row": number, "reason": f"empty {text_col!r}"})
            continue
        aspects = [
            {"category": c, "polarity": ASAP_CODES[(row.get(c) or "").strip()]}
            for c in categories
            if (row.get(c) or "").strip() not in _NOT_MENTIONED
        ]
        split = (row.get(split_col) or "").strip() if split_col else ""
        data.records.append({"text": text, "aspects": aspects, "split": split or None, "row": number})
    return data


# ---- one kind of aspect per file ------------------------------------------------------------------------------------


def _keep_one_mode(data: AspectData) -> None:
    """A model learns either terms or categories: keep the records of the file's main kind, reject the others."""

    def mode(record: dict[str, Any]) -> str | None:
        kinds = {"category" if "category" in a else "term" for a in record["aspects"]}
        return kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else None)

    counts = Counter(m for m in map(mode, data.records) if m in ("term", "category"))
    if not counts:
        return
    main = counts.most_common(1)[0][0]
    kept = []
    for record in data.records:
        m = mode(record)
        if m in (None, main):
            kept.append(record)
        else:
            what = (
                "mixes term and category aspects"
                if m == "mixed"
                else f"has {m} aspects in a file of {main} aspects"
            )
            data.rejected.append({"row": record["row"], "reason": f"the record {what}"})
    data.records = kept
