"""Ingest of an uploaded file (the API's `POST /api/v1/ingest/{kind}`, the dashboard's upload form).

The same validation, normalization, masking and quarantine as `koubei ingest` (it calls the same functions); the
rejected rows come back in the answer as well as in the quarantine file. The upload's name is only ever used for
its extension (which tells the format) and, reduced to safe characters, as a label: the bytes are written to a
fresh temporary folder under a name koubei makes, so `../../etc/x.csv` or `C:\\x.csv` can never name a path.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from koubei.config import get_settings
from koubei.errors import BadInputError
from koubei.ingest.loader import KINDS, load_file
from koubei.ingest.readers import FORMATS
from koubei.pipelines.ingest import IngestSummary, default_quarantine_path, store_loaded
from koubei.results import Result
from koubei.store import Store

# Rejected rows returned in the answer (all of them are in the quarantine file).
MAX_REJECTS_SHOWN = 100
MAX_NAME_CHARS = 100


@dataclass
class UploadReport(Result):
    kind: str
    file: str  # the upload's name, reduced to safe characters
    summary: IngestSummary
    rejects: list[dict[str, Any]] = field(
        default_factory=list
    )  # row, reasons, raw (the first MAX_REJECTS_SHOWN)
    rejects_shown: int = 0
    quarantine_file: str | None = None  # relative to KOUBEI_HOME

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        summary = out["summary"]
        summary["file"] = self.file
        summary["quarantine_file"] = self.quarantine_file
        return out


def safe_upload_name(name: str | None) -> str:
    """The last component of an upload's name, in [A-Za-z0-9_.-] (anything else becomes `_`), never hidden."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.-]", "_", base, flags=re.ASCII).lstrip(".")[-MAX_NAME_CHARS:]
    return base or "upload"


def upload_format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise BadInputError(
            f"file: the name {name!r} has extension {suffix or '(none)'!r}; expected one of "
            f"{', '.join(sorted(FORMATS))} (it tells the format)"
        )
    return FORMATS[suffix]


def parse_mapping(pairs: list[str] | None) -> dict[str, list[str]]:
    """`["text=review", "category=cat|type"]` -> {field: [columns in preference order]}, as `--map` reads them."""
    mapping: dict[str, list[str]] = {}
    for pair in pairs or []:
        name, sep, columns = pair.partition("=")
        names = [c.strip() for c in columns.split("|") if c.strip()]
        if not sep or not name.strip() or not names:
            raise BadInputError(f"map: expected FIELD=COLUMN (e.g. text=review), got {pair[:100]!r}")
        mapping[name.strip()] = names
    return mapping


def ingest_upload(
    store: Store,
    kind: str,
    filename: str | None,
    content: BinaryIO,
    mapping: dict[str, list[str]] | None = None,
) -> UploadReport:
    """Ingest one uploaded file of `kind`: rows stored in one transaction, rejects quarantined and returned."""
    if kind not in KINDS:
        raise BadInputError(f"kind={kind!r} is not valid; expected one of {', '.join(KINDS)}")
    name = safe_upload_name(filename)
    upload_format(name)
    started = time.perf_counter()
    settings = get_settings()
    with tempfile.TemporaryDirectory(prefix="koubei-upload-") as folder:
        path = Path(folder) / f"upload{Path(name).suffix.lower()}"
        with path.open("wb") as out:
            shutil.copyfileobj(content, out)
        if path.stat().st_size == 0:
            raise BadInputError(f"file: {name!r} is empty; expected a {kind} file with a header row")
        loaded = load_file(path, kind, mapping)
        quarantine = default_quarantine_path(kind, Path(name), settings.quarantine_dir)
        summary = store_loaded(store, loaded, quarantine, started)
    shown = [r.to_json() for r in loaded.rejected[:MAX_REJECTS_SHOWN]]
    relative = None
    if summary.quarantine_file:
        relative = str(Path(summary.quarantine_file).relative_to(settings.home))
    return UploadReport(kind, name, summary, shown, len(shown), relative)
