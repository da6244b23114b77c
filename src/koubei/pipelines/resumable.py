"""Per-row JSONL output that an interrupted run continues: what `score_file` and `aspects_file` share.

A file-scoring flow writes one JSON object per input row, in input order, and flushes after every batch, so a
kill loses at most the batch in flight. Run again with `resume`, it counts the complete lines the earlier run left
(dropping a half-written last line), skips that many input rows and appends the rest.

Skipping rows is only right when the earlier run read the same rows: a sidecar `<output>.resume.json`, written
before the first result line, records a fingerprint of the run (the input file's content hash, the column mapping,
the model). A resume whose fingerprint differs, or an output with lines but no sidecar, is refused with the reason;
`resume` off starts over (and writes a new sidecar).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from koubei.artifacts import read_json, write_json
from koubei.errors import BadInputError

T = TypeVar("T")
SIDECAR_SUFFIX = ".resume.json"
SIDECAR_KIND = "koubei.resume"
SIDECAR_VERSION = 1


class ResumeRefused(BadInputError):
    """Resuming into this output would skip rows it never scored; `reason` says why (without the remedy, which the
    caller names in its own terms)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason}; start over with resume off, or write to another output")
        self.reason = reason


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_fingerprint(
    input_path: str | Path, mapping: dict[str, list[str]] | None, producer: str
) -> dict[str, Any]:
    """What makes two file-scoring runs the same run: the input's content, the column mapping, the model."""
    source = Path(input_path)
    return {
        "input": source.name,
        "input_sha256": file_sha256(source),
        "mapping": {k: list(v) for k, v in sorted((mapping or {}).items())},
        "producer": producer,
    }


def sidecar_path(output: Path) -> Path:
    return output.with_name(output.name + SIDECAR_SUFFIX)


def _check_same_run(out: Path, done: int, fingerprint: dict[str, Any]) -> None:
    sidecar = sidecar_path(out)
    if not sidecar.exists():
        raise ResumeRefused(
            f"output {str(out)!r} already has {done} lines but no record of the input they came from ({sidecar.name})"
        )
    earlier = read_json(sidecar, what="resume record")
    if not isinstance(earlier, dict) or earlier.get("kind") != SIDECAR_KIND:
        raise ResumeRefused(f"{str(sidecar)!r} is not a koubei resume record")
    if earlier.get("input_sha256") != fingerprint["input_sha256"]:
        same_name = earlier.get("input") == fingerprint["input"]
        what = f"{fingerprint['input']} has changed since" if same_name else f"not {fingerprint['input']}"
        raise ResumeRefused(
            f"output {str(out)!r} holds {done} results of another input ({earlier.get('input')}, {what})"
        )
    if earlier.get("mapping") != fingerprint["mapping"]:
        raise ResumeRefused(
            f"output {str(out)!r} holds {done} results read with another column mapping ({earlier.get('mapping')})"
        )
    if earlier.get("producer") != fingerprint["producer"]:
        raise ResumeRefused(
            f"output {str(out)!r} holds {done} results of another model ({earlier.get('producer')}, "
            f"not {fingerprint['producer']})"
        )


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
def open_row_output(
    path: str | Path, n_rows: int, fingerprint: dict[str, Any], resume: bool = True
) -> Iterator[RowOutput]:
    """Open `path` for the results of `n_rows` input rows: continue the same earlier run with `resume` (refused,
    `ResumeRefused`, when the earlier run's `fingerprint` differs), else start over."""
    out = Path(path)
    if out.is_dir():
        raise BadInputError(f"output {str(out)!r} is a folder; expected a JSONL file")
    out.parent.mkdir(parents=True, exist_ok=True)
    done = done_lines(out) if resume else 0
    if done:
        _check_same_run(out, done, fingerprint)
        if done > n_rows:
            raise ResumeRefused(
                f"output {str(out)!r} already has {done} lines but the input has {n_rows} rows"
            )
    else:
        # The record goes first: any result line on disk is then vouched for by it.
        write_json(
            sidecar_path(out),
            {"kind": SIDECAR_KIND, "format_version": SIDECAR_VERSION, "rows": n_rows, **fingerprint},
        )
    with out.open("a" if done else "w", encoding="utf-8") as sink:
        yield RowOutput(out, done, sink)
