"""Per-row JSONL output that an interrupted run continues: what `score_file` and `aspects_file` share.

A file-scoring flow writes one JSON object per input row, in input order, and flushes after every batch, so a
kill loses at most the batch in flight. Run again with `resume`, it counts the complete lines the earlier run left
(dropping a half-written last line), skips that many input rows and appends the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from koubei.errors import BadInputError

T = TypeVar("T")


def check_batch_size(batch_size: int) -> None:
    if batch_size < 1:
        raise BadInputError(f"batch_size must be >= 1, got {batch_size!r}")


def done_lines(path: Path) -> int:
    """How many complete result lines an earlier (interrupted) run left in `path`; a half-written last line is
    cut off so the file is valid JSONL again before appending."""
    if not path.exists():
        return 0
    data = path.read_bytes()
    complete = data.count(b"\n")
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])
    return complete


@dataclass
class RowOutput:
    """An open output: `done` rows were already written by an earlier run; `write` appends one batch."""

    path: Path
    done: int
    sink: IO[str]

    def pending(self, rows: Sequence[T], batch_size: int) -> Iterator[Sequence[T]]:
        """The rows still to do, in batches."""
        for begin in range(self.done, len(rows), batch_size):
            yield rows[begin : begin + batch_size]

    def write(self, records: list[dict[str, Any]]) -> None:
        """Append one batch of records and flush it (it survives an interruption from here on)."""
        self.sink.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        self.sink.flush()


@contextmanager
def open_row_output(path: str | Path, n_rows: int, resume: bool = True) -> Iterator[RowOutput]:
    """Open `path` for the results of `n_rows` input rows: continue an earlier run with `resume`, else start over."""
    out = Path(path)
    if out.is_dir():
        raise BadInputError(f"output {str(out)!r} is a folder; expected a JSONL file")
    out.parent.mkdir(parents=True, exist_ok=True)
    done = done_lines(out) if resume else 0
    if done > n_rows:
        raise BadInputError(
            f"output {str(out)!r} already has {done} lines but the input has {n_rows} rows: it holds another run's "
            "results (start over with resume off, or write to another output)"
        )
    with out.open("a" if done else "w", encoding="utf-8") as sink:
        yield RowOutput(out, done, sink)
