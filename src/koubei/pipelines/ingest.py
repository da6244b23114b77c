"""Ingest use case: load a file (validate, normalize, mask), upsert it in one transaction, quarantine rejects."""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from koubei.config import get_settings
from koubei.ingest import LoadResult, Rejection, load_file
from koubei.store import Store
from koubei.store.entities import upsert_entities
from koubei.store.models import IngestRun


@dataclass
class IngestSummary:
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

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "rows_per_second": round(self.rows_per_second, 1)}


def default_quarantine_path(kind: str, source: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    safe = re.sub(r"[^\w.-]+", "_", source.name)
    return get_settings().quarantine_dir / f"{kind}-{safe}-{stamp}.jsonl"


def write_rejects(path: Path, records: list[dict[str, Any]]) -> Path | None:
    """Rows a command could not use, one JSON object each (row, reason, ...), where the user can read them.
    Nothing is written, and None returned, when there are none."""
    if not records:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    return path


def write_quarantine(path: Path, rejected: list[Rejection], kind: str, source: Path) -> None:
    """One JSON object per rejected row: file, row number, reasons and the raw row exactly as read."""
    write_rejects(path, [{"kind": kind, "file": str(source), **item.to_json()} for item in rejected])


def store_loaded(store: Store, loaded: LoadResult, quarantine: Path | None, started: float, progress: bool = False) -> IngestSummary:
    """Write an already loaded file: upserts and the run record commit together, or not at all."""
    bar = None
    if progress and len(loaded.rows) > 5000:
        from tqdm import tqdm

        bar = tqdm(total=len(loaded.rows), desc=f"storing {loaded.kind}", unit="row", leave=False)
    quarantine_file = None
    if loaded.rejected:
        quarantine_file = quarantine or default_quarantine_path(loaded.kind, loaded.path)
        write_quarantine(quarantine_file, loaded.rejected, loaded.kind, loaded.path)
    start_time = datetime.now()
    with store.session() as session:
        counts = upsert_entities(session, loaded.kind, loaded.rows, on_batch=bar.update if bar else None)
        seconds = time.perf_counter() - started
        summary = IngestSummary(
            kind=loaded.kind,
            file=str(loaded.path),
            read=loaded.read,
            stored=counts.stored,
            updated=counts.updated,
            unchanged=counts.unchanged,
            rejected=len(loaded.rejected),
            pii_masked=loaded.pii_masked,
            quarantine_file=str(quarantine_file) if quarantine_file else None,
            seconds=round(seconds, 3),
        )
        session.add(
            IngestRun(
                kind=summary.kind, source_file=summary.file, read=summary.read, stored=summary.stored,
                updated=summary.updated, unchanged=summary.unchanged, rejected=summary.rejected,
                quarantine_file=summary.quarantine_file, started_at=start_time, finished_at=datetime.now(),
            )
        )
    if bar:
        bar.close()
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
    progress: bool = False,
) -> IngestSummary:
    """Ingest one file of `kind` into `store`. A file-level problem raises `BadInputError` before anything is written."""
    started = time.perf_counter()
    loaded = load_file(
        path, kind, mapping, recipe, t2s=t2s, encoding=encoding, file_format=file_format,
        undirected=undirected, progress=progress,
    )
    return store_loaded(store, loaded, quarantine, started, progress)
