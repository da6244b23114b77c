"""`koubei forget USER`: erase one user everywhere koubei keeps data (right to erasure).

The store's rows go first, in one transaction (`koubei.store.forget`). Then the files under KOUBEI_HOME that can
hold the user: ingest quarantine files (rejected rows keep their raw values) lose the user's lines; service
indexes lose the documents of the user's reviews and are rebuilt; a model or index folder whose files name the
user's id or one of their review ids (e.g. a recommender's user list) is deleted, to be rebuilt on next use. The
profile model holds no user ids (checked by the same scan). Files written elsewhere (exports) are the team's to
delete; the report says so.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from koubei.errors import BadInputError, NotFoundError
from koubei.progress import Progress, or_null
from koubei.results import Result
from koubei.store import Store

_TEXT_SUFFIXES = {".json", ".jsonl", ".txt", ".csv", ".tsv"}
_USER_KEYS = ("user_id", "from_user", "to_user", "src", "dst")


@dataclass
class ForgetReport(Result):
    user_id: str
    store_rows: dict[str, int]
    files: list[dict[str, Any]]
    seconds: float
    notes: list[str] = field(default_factory=list)


def _row_names_user(line: str, user_id: str, review_ids: set[str]) -> bool:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return f'"{user_id}"' in line
    raw = record.get("raw", record) if isinstance(record, dict) else {}
    if not isinstance(raw, dict):
        return False
    if any(str(raw.get(k)) == user_id for k in _USER_KEYS if raw.get(k) is not None):
        return True
    return str(raw.get("review_id")) in review_ids


def _clean_quarantine(folder: Path, user_id: str, review_ids: set[str]) -> list[dict[str, Any]]:
    from koubei.artifacts import atomic_write_text

    out = []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [ln for ln in lines if not (ln.strip() and _row_names_user(ln, user_id, review_ids))]
        if len(kept) != len(lines):
            atomic_write_text(path, "".join(kept))
            out.append({"path": str(path), "action": "rows removed", "count": len(lines) - len(kept)})
    return out


def _mentions(folder: Path, needles: list[str]) -> bool:
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix.lower() in _TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8", errors="replace")
            if any(n in text for n in needles):
                return True
    return False


def _clean_indexes(
    folder: Path, user_id: str, review_ids: set[str], progress: Progress
) -> list[dict[str, Any]]:
    from koubei.support.index import META_FILE, ServiceIndex

    out = []
    for index_dir in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
        if (index_dir / META_FILE).is_file():
            index = ServiceIndex.load(index_dir)
            drop = [d.doc_id for d in index.docs_ if d.kind == "review" and d.source_id in review_ids]
            if drop:
                index.remove(drop)
                index.build(progress)
                index.save(index_dir)
                out.append(
                    {
                        "path": str(index_dir),
                        "action": "review documents removed, rebuilt",
                        "count": len(drop),
                    }
                )
        elif _mentions(index_dir, [f'"{user_id}"', *(f'"{r}"' for r in review_ids)]):
            shutil.rmtree(index_dir)
            out.append(
                {
                    "path": str(index_dir),
                    "action": "deleted (named the user; rebuilt on next use)",
                    "count": 1,
                }
            )
    return out


def _clean_models(folder: Path, user_id: str, review_ids: set[str]) -> list[dict[str, Any]]:
    needles = [f'"{user_id}"', *(f'"{r}"' for r in review_ids)]
    out = []
    for model_dir in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
        if _mentions(model_dir, needles):
            shutil.rmtree(model_dir)
            out.append(
                {
                    "path": str(model_dir),
                    "action": "deleted (named the user; rebuilt on next use)",
                    "count": 1,
                }
            )
    return out


def forget_user(store: Store, user_id: str, *, progress: Progress | None = None) -> ForgetReport:
    """Erase `user_id` from the store and from KOUBEI_HOME's files; an unknown user is a NotFoundError."""
    from koubei.config import get_settings
    from koubei.store.forget import erase_user, user_footprint

    progress = or_null(progress)
    started = time.perf_counter()
    user_id = (user_id or "").strip()
    if not user_id:
        raise BadInputError("USER: expected a user id, got an empty string")
    footprint = user_footprint(store, user_id)
    review_ids = list(footprint["review_ids"])
    progress.start(None, "steps", f"forget {user_id}")
    rows = erase_user(store, user_id, review_ids) if footprint["known"] else {}
    settings = get_settings()
    ids = set(review_ids)
    # rejected rows of a user the store never accepted are still theirs: the files are cleaned either way
    files = _clean_quarantine(settings.quarantine_dir, user_id, ids)
    if not footprint["known"] and not files:
        raise NotFoundError(
            f"user {user_id!r} is not in the store {store.url} nor in its files: nothing to forget"
        )
    files += _clean_indexes(settings.indexes_dir, user_id, ids, progress)
    files += _clean_models(settings.models_dir, user_id, ids)
    notes = [
        "files you exported yourself (profile exports, target lists, score files) are not tracked: delete them too",
        "aggregates (counts per product and period) refresh on the next `koubei aspects` / `koubei sentiment score`",
    ]
    return ForgetReport(user_id, rows, files, round(time.perf_counter() - started, 3), notes)
