"""Turning a file into clean, canonical, PII-masked records plus a list of rejected rows with reasons.

This is the compute half of ingest (no database): `pipelines.ingest` writes what it returns.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from koubei.config import get_settings
from koubei.errors import BadInputError
from koubei.ingest.pool import worker_pool
from koubei.ingest.readers import RawRow, RawTable, read_table
from koubei.ingest.recipes import Recipe, get_recipe
from koubei.ingest.schemas import (
    DERIVED_ID_FROM,
    EXTRA_FIELD,
    KEYS,
    LEFTOVERS,
    REQUIRED_COLUMNS,
    SCHEMAS,
    canonical_fields,
    validate_row,
)
from koubei.progress import NULL_PROGRESS, Progress, or_null
from koubei.text import detect_lang, mask_pii, normalize_text

KINDS = tuple(SCHEMAS)
# Files with at least this many rows are cleaned on several cores; below it, starting workers costs more than it saves.
PARALLEL_MIN_ROWS = 20_000
CHUNK_ROWS = 2_000
MAX_WORKERS = 4
# Phases shorter than this many rows are not worth a progress line.
PROGRESS_MIN_ROWS = 5000
# Text fields that are normalized and PII-masked, and the column their masked form goes to.
_MASKED = {
    "reviews": {"text": "masked_text"},
    "faq": {"question": "masked_question", "answer": "masked_answer"},
}


@dataclass
class Rejection:
    row: int
    raw: dict[str, Any]
    reasons: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "reasons": self.reasons, "raw": self.raw}


@dataclass
class LoadResult:
    kind: str
    path: Path
    read: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    pii_masked: int = 0


def stable_id(prefix: str, values: Iterable[Any]) -> str:
    """A short id derived from content, identical on every run (so re-ingest upserts instead of duplicating)."""
    digest = hashlib.sha1(
        "\x1f".join("" if v is None else str(v) for v in values).encode("utf-8")
    ).hexdigest()
    return f"{prefix}{digest[:16]}"


def content_hash(row: dict[str, Any]) -> str:
    # repr of the sorted items is deterministic for the same input and several times cheaper than JSON.
    return hashlib.sha1(repr(sorted(row.items())).encode("utf-8")).hexdigest()


def _resolve_mapping(
    kind: str, columns: list[str], mapping: dict[str, list[str]], recipe: Recipe | None
) -> dict[str, list[str]]:
    """Canonical field -> candidate source columns; identity for columns already named canonically."""
    fields = canonical_fields(kind)
    resolved = {name: [name] for name in fields if name in columns}
    if recipe:
        resolved.update(recipe.mapping)
    resolved.update(mapping)
    unknown = sorted(set(mapping) - set(fields))
    if unknown:
        raise BadInputError(
            f"--map names unknown field(s) {unknown} for {kind}; fields are: {', '.join(fields)}"
        )
    for name, sources in resolved.items():
        missing = [c for c in sources if c not in columns]
        if missing and columns and len(missing) == len(sources):
            raise BadInputError(
                f"--map {name}={'|'.join(sources)}: no column {missing[0]!r} in the file; columns are: "
                f"{', '.join(columns)}"
            )
    absent = [name for name in REQUIRED_COLUMNS[kind] if name not in resolved]
    if absent and columns:
        raise BadInputError(
            f"the file has no column for required field(s) {absent} of {kind}; columns are: {', '.join(columns)}. "
            f"Name them with --map, e.g. --map {absent[0]}=COLUMN"
        )
    return resolved


def _map_row(
    kind: str, values: dict[str, Any], resolved: dict[str, list[str]], recipe: Recipe | None
) -> dict[str, Any]:
    row: dict[str, Any] = {}
    used: set[str] = set()
    for name, sources in resolved.items():
        used.update(sources)
        for source in sources:
            value = values.get(source)
            if value is not None and not (isinstance(value, str) and not value.strip()):
                row[name] = value
                break
    if recipe:
        for name, value in recipe.constants.items():
            row.setdefault(name, value)
    if EXTRA_FIELD.get(kind):
        leftovers = {k: v for k, v in values.items() if k not in used and v is not None}
        if leftovers:
            row[LEFTOVERS] = leftovers
    return row


def _finish_row(
    kind: str, row: dict[str, Any], t2s: bool, max_chars: int
) -> tuple[dict[str, Any] | None, list[str], int]:
    """Normalize + mask text fields, derive ids, enforce the length limit. Returns (row, reasons, PII count)."""
    masked_count = 0
    for source, target in _MASKED.get(kind, {}).items():
        text = normalize_text(row[source], t2s=t2s)
        if not text:
            return None, [f"{source}: is empty after removing whitespace and control characters"], 0
        if len(text) > max_chars:
            return (
                None,
                [
                    f"{source}: is {len(text)} characters long; the limit is {max_chars} (KOUBEI_MAX_TEXT_CHARS)"
                ],
                0,
            )
        masked = mask_pii(text)
        row[source] = text
        row[target] = masked.text
        masked_count += len(masked.spans)
    if kind == "reviews":
        row["lang"] = detect_lang(row["text"])
        row["pii_found"] = masked_count
    if kind in DERIVED_ID_FROM:
        key = KEYS[kind][0]
        if not row.get(key):
            prefix = {"reviews": "r_", "shares": "s_", "faq": "faq_"}[kind]
            row[key] = stable_id(prefix, (row.get(name) for name in DERIVED_ID_FROM[kind]))
    return row, [], masked_count


def load_file(
    path: str | Path,
    kind: str,
    mapping: dict[str, list[str]] | None = None,
    recipe: str | None = None,
    *,
    t2s: bool = False,
    encoding: str = "utf-8",
    file_format: str | None = None,
    undirected: bool | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Read `path` as rows of `kind`; return the clean rows and the rejected ones with reasons.

    Raises `BadInputError` for problems with the file as a whole (format, encoding, quoting, missing columns).
    Within the file, a later row with the same natural key as an earlier one is rejected as a duplicate.
    """
    if kind not in SCHEMAS:
        raise BadInputError(f"kind {kind!r} is unknown; expected one of {', '.join(KINDS)}")
    path = Path(path)
    chosen = get_recipe(recipe, kind) if recipe else None
    table = read_table(path, file_format or (chosen.file_format if chosen else None), encoding)
    return load_table(table, kind, path, mapping, chosen, t2s=t2s, undirected=undirected, progress=progress)


@dataclass(frozen=True)
class _RowJob:
    """What a worker needs to clean rows (picklable, so big files can be cleaned on every core)."""

    kind: str
    resolved: dict[str, list[str]]
    recipe: Recipe | None
    t2s: bool
    max_chars: int


def _clean_row(job: _RowJob, raw: RawRow) -> tuple[dict[str, Any] | None, list[str], int]:
    if raw.problem:
        return None, [raw.problem], 0
    mapped = _map_row(job.kind, raw.values, job.resolved, job.recipe)
    clean, reasons = validate_row(job.kind, mapped)
    masked = 0
    if clean is not None:
        clean, reasons, masked = _finish_row(job.kind, clean, job.t2s, job.max_chars)
    if clean is not None:
        clean["content_hash"] = content_hash(clean)
    return clean, reasons, masked


def _clean_rows(job: _RowJob, rows: list[RawRow]) -> list[tuple[dict[str, Any] | None, list[str], int]]:
    """Map, validate, normalize and mask each row: (clean row with content hash, or None; reasons; PII count).

    Whatever goes wrong with one row makes that row a reject, never the end of the batch. The reason names the
    error's type only: its message could quote the row's (unmasked) text, which belongs in the quarantine file's
    raw row and nowhere else.
    """
    out: list[tuple[dict[str, Any] | None, list[str], int]] = []
    for raw in rows:
        try:
            out.append(_clean_row(job, raw))
        except Exception as error:  # one bad row must never stop the batch
            out.append(
                (None, [f"could not be processed ({type(error).__name__}); please report this row"], 0)
            )
    return out


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _clean_all(
    job: _RowJob, rows: list[RawRow], progress: Progress
) -> list[tuple[dict[str, Any] | None, list[str], int]]:
    """Clean every row, on all cores for big files (row cleaning is pure Python and CPU-bound), in input order."""
    chunks = [rows[i : i + CHUNK_ROWS] for i in range(0, len(rows), CHUNK_ROWS)]
    workers = min(_usable_cores(), MAX_WORKERS, len(chunks))
    if len(rows) > PROGRESS_MIN_ROWS:
        progress.start(len(rows), "rows", f"validating {job.kind}")
    else:
        progress = NULL_PROGRESS  # no phase, no stray "n rows" line
    results: list[tuple[dict[str, Any] | None, list[str], int]] = []
    if len(rows) < PARALLEL_MIN_ROWS or workers < 2:
        for chunk in chunks:
            results += _clean_rows(job, chunk)
            progress.advance(len(chunk))
    else:
        with worker_pool(workers) as pool:  # workers that die with this process, even on kill -9
            for chunk, cleaned in zip(chunks, pool.map(partial(_clean_rows, job), chunks), strict=True):
                results += cleaned
                progress.advance(len(chunk))
    return results


def load_table(
    table: RawTable,
    kind: str,
    path: Path,
    mapping: dict[str, list[str]] | None = None,
    recipe: Recipe | None = None,
    *,
    t2s: bool = False,
    undirected: bool | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Validate, normalize and mask rows already read (from a file, or built in memory like the bundled corpus)."""
    resolved = _resolve_mapping(kind, table.columns, mapping or {}, recipe)
    both_ways = undirected if undirected is not None else bool(recipe and recipe.undirected)
    job = _RowJob(kind, resolved, recipe, t2s, get_settings().max_text_chars)
    result = LoadResult(kind=kind, path=path, read=len(table.rows))
    first_seen: dict[tuple[Any, ...], int] = {}
    keys = KEYS[kind]
    for raw, (clean, reasons, masked) in zip(
        table.rows, _clean_all(job, table.rows, or_null(progress)), strict=True
    ):
        if clean is None:
            result.rejected.append(Rejection(raw.number, raw.values, reasons))
            continue
        candidates = [clean]
        if both_ways:
            reverse = {**clean, "src": clean["dst"], "dst": clean["src"]}
            reverse["content_hash"] = content_hash({k: v for k, v in reverse.items() if k != "content_hash"})
            candidates.append(reverse)
        for candidate in candidates:
            key = tuple(candidate[k] for k in keys)
            if key in first_seen:
                if candidate is clean:
                    label = ", ".join(f"{k}={v!r}" for k, v in zip(keys, key, strict=True))
                    result.rejected.append(
                        Rejection(
                            raw.number, raw.values, [f"duplicate {label} (same as row {first_seen[key]})"]
                        )
                    )
                    break
                continue  # the reverse arc of an undirected edge listed both ways
            first_seen[key] = raw.number
            result.rows.append(candidate)
        else:
            result.pii_masked += masked
    return result
