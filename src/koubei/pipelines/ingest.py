"""Ingest use case: load a file (validate, normalize, mask), upsert it in one transaction, quarantine rejects."""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dt_time
from pathlib import Path
from typing import Any

from koubei.artifacts import atomic_write_bytes
from koubei.config import get_settings
from koubei.errors import BadInputError
from koubei.ingest import LoadResult, Rejection, load_file
from koubei.ingest.loader import PROGRESS_MIN_ROWS
from koubei.progress import NULL_PROGRESS, Progress, or_null
from koubei.results import Result
from koubei.store import Store
from koubei.store.entities import upsert_entities
from koubei.store.models import IngestRun


@dataclass
class IngestSummary(Result):
    kind: str
    file: str
    read: int
    stored: int
    updated: int
    unchanged: int
    rejected: int
    pii_masked: int
    quarantine_file: str | None
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "rows_per_second": round(self.rows_per_second, 1)}

    def to_json(self) -> dict[str, Any]:
        """The same as `to_dict()` (the name callers used before typed results)."""
        return self.to_dict()


def default_quarantine_path(kind: str, source: Path, folder: Path | None = None) -> Path:
    """`<folder>/<kind>-<file name>-<time>.jsonl` (folder: KOUBEI_HOME/quarantine)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    safe = re.sub(r"[^\w.-]+", "_", source.name)
    return (folder or get_settings().quarantine_dir) / f"{kind}-{safe}-{stamp}.jsonl"


def _claim_new(path: Path) -> Path:
    """`path`, or `path` with -2, -3 ... before the suffix, whichever does not exist yet; created empty, so two
    ingests of one file in the same second never write into one quarantine file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for n in itertools.count(1):
        candidate = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        try:
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            continue
        return candidate
    raise AssertionError("unreachable")


def quarantine_target(quarantine: Path | None, kind: str, source: Path) -> tuple[Path, bool]:
    """Where the rejected rows of `source` go, and whether that file is new (ours to remove if nothing is stored).

    None: a new file in KOUBEI_HOME/quarantine; an existing folder: a new file inside it; else that file.
    """
    if quarantine is not None and not quarantine.is_dir():
        if quarantine.exists() and source.exists() and quarantine.resolve() == source.resolve():
            raise BadInputError(
                f"the quarantine file {str(quarantine)!r} is the file being ingested; choose another"
            )
        return quarantine, not quarantine.exists()
    try:
        return _claim_new(default_quarantine_path(kind, source, quarantine)), True
    except OSError as error:
        folder = quarantine or get_settings().quarantine_dir
        raise BadInputError(
            f"cannot create a quarantine file in {_printable(str(folder))!r}: {error.strerror or error}; nothing was "
            "stored (choose another quarantine path)"
        ) from None


# Characters that are legal raw inside a JSON string but end a line for str.splitlines() and many editors: escaped,
# so one quarantined row is always one line.
# (json.dumps escapes the ASCII control characters itself.)
_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})
# Raw values nested deeper than this are written as a note (readers already refuse rows nested this deep).
_RAW_DEPTH = 200


def _raw_json(value: Any, depth: int = 0) -> Any:
    """A value as read, as strict JSON: NaN/inf -> null, bytes -> text (\\xNN for non-UTF-8), decimals and times
    -> text, anything else -> its str()."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict | list | tuple):
        if depth >= _RAW_DEPTH:
            return f"[more than {_RAW_DEPTH} levels of nesting: not kept]"
        if isinstance(value, dict):
            return {str(k): _raw_json(v, depth + 1) for k, v in value.items()}
        return [_raw_json(v, depth + 1) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "backslashreplace")
    if isinstance(value, datetime | date | dt_time):
        return value.isoformat()
    return str(value)


def write_rejects(path: Path, records: list[dict[str, Any]]) -> Path | None:
    """Rows a command could not use, one JSON object each (row, reason, ...), where the user can read them.
    Nothing is written, and None returned, when there are none.

    Writes anything a reader can hand over: text that is not valid Unicode (an unpaired surrogate from a `\\ud800`
    escape, undecodable bytes) goes out as a JSON `\\uXXXX` escape, so the file is valid UTF-8 JSON Lines and
    reading it back gives the value as read; non-JSON values (NaN, bytes, decimals, times) become JSON ones.
    """
    if not records:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(_raw_json(record), ensure_ascii=False).translate(_LINE_BREAKS) for record in records]
    # backslashreplace turns a lone surrogate into the six characters \udXXX: inside a JSON string, its escape.
    atomic_write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8", "backslashreplace"))
    return path


def write_quarantine(path: Path, rejected: list[Rejection], kind: str, source: Path) -> None:
    """One JSON object per rejected row: file, row number, reasons and the raw row exactly as read."""
    try:
        write_rejects(
            path, [{"kind": kind, "file": _printable(str(source)), **item.to_json()} for item in rejected]
        )
    except OSError as error:
        raise BadInputError(
            f"cannot write the quarantine file {_printable(str(path))!r}: {error.strerror or error}; "
            "nothing was stored (choose another quarantine path)"
        ) from None


def _printable(name: str) -> str:
    """A file name as text that can be printed and stored (undecodable bytes of a file name -> \\xNN)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def store_loaded(
    store: Store,
    loaded: LoadResult,
    quarantine: Path | None,
    started: float,
    progress: Progress | None = None,
) -> IngestSummary:
    """Write an already loaded file: upserts, the quarantine file and the run record succeed together, or the
    store is left as it was (and a quarantine file this call created is removed again)."""
    progress = or_null(progress) if len(loaded.rows) > PROGRESS_MIN_ROWS else NULL_PROGRESS
    progress.start(len(loaded.rows), "rows", f"storing {loaded.kind}")
    quarantine_file, created = None, False
    if loaded.rejected:
        quarantine_file, created = quarantine_target(quarantine, loaded.kind, loaded.path)
    start_time = datetime.now()
    try:
        with store.session() as session:
            counts = upsert_entities(session, loaded.kind, loaded.rows, on_batch=progress.advance)
            if (
                quarantine_file is not None
            ):  # inside the transaction: when it cannot be written, nothing is stored
                write_quarantine(quarantine_file, loaded.rejected, loaded.kind, loaded.path)
            seconds = time.perf_counter() - started
            summary = IngestSummary(
                kind=loaded.kind,
                file=_printable(str(loaded.path)),
                read=loaded.read,
                stored=counts.stored,
                updated=counts.updated,
                unchanged=counts.unchanged,
                rejected=len(loaded.rejected),
                pii_masked=loaded.pii_masked,
                quarantine_file=_printable(str(quarantine_file)) if quarantine_file else None,
                seconds=round(seconds, 3),
            )
            session.add(
                IngestRun(
                    kind=summary.kind,
                    source_file=summary.file,
                    read=summary.read,
                    stored=summary.stored,
                    updated=summary.updated,
                    unchanged=summary.unchanged,
                    rejected=summary.rejected,
                    quarantine_file=summary.quarantine_file,
                    started_at=start_time,
                    finished_at=datetime.now(),
                )
            )
    except BaseException:
        if created and quarantine_file is not None:
            with contextlib.suppress(OSError):
                quarantine_file.unlink(missing_ok=True)
        raise
    return summary


def ingest_file(
    store: Store,
    path: str | Path,
    kind: str,
    *,
    mapping: dict[str, list[str]] | None = None,
    recipe: str | None = None,
    t2s: bool = False,
    encoding: str = "utf-8",
    file_format: str | None = None,
    undirected: bool | None = None,
    quarantine: Path | None = None,
    progress: Progress | None = None,
) -> IngestSummary:
    """Ingest one file of `kind` into `store`. A file-level problem raises `BadInputError` before anything is written."""
    started = time.perf_counter()
    loaded = load_file(
        path,
        kind,
        mapping,
        recipe,
        t2s=t2s,
        encoding=encoding,
        file_format=file_format,
        undirected=undirected,
        progress=progress,
    )
    return store_loaded(store, loaded, quarantine, started, progress)
