"""One progress protocol for all long work: handed down from the edge, reported by the work, drawn by the edge.

Long-running code (training, batch scoring, index builds, simulations, ingest) takes a `progress: Progress`
argument and calls `start(total, unit)`, `advance(n)` and `note(text)` on it; it never decides how progress is
shown. The edge decides: the CLI passes a `ConsoleProgress` (a bar on a terminal, a plain line every few seconds
when output is redirected, so a log gets a readable trace instead of thousands of bar frames), a job records it
(`RecordingProgress`), tests and library callers that want silence pass nothing and get `NULL_PROGRESS`.

`start` may be called again for the next phase of the same work (e.g. "tokenize" then "train"); a phase's
`total` may be None when the amount of work is not known in advance.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO, runtime_checkable


@runtime_checkable
class Progress(Protocol):
    """What long work reports. Implementations must be cheap to call often (every batch or step)."""

    def start(self, total: int | None, unit: str = "items", desc: str = "") -> None:
        """A phase begins: `total` units of `unit` are to be done (None when unknown)."""

    def advance(self, n: int = 1) -> None:
        """`n` more units of the current phase are done."""

    def note(self, text: str) -> None:
        """A short human-readable status line (e.g. "step 120  loss 3.41")."""

    def close(self) -> None:
        """The work is over (finished, failed or interrupted)."""


class NullProgress:
    """Reports nowhere: the default for library callers and tests."""

    def start(self, total: int | None, unit: str = "items", desc: str = "") -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


NULL_PROGRESS = NullProgress()


def or_null(progress: Progress | None) -> Progress:
    """`progress` itself, or the null one when the caller passed none."""
    return NULL_PROGRESS if progress is None else progress


@dataclass
class ProgressState:
    """A snapshot of reported progress, as a job stores it and the API returns it."""

    desc: str = ""
    unit: str = "items"
    total: int | None = None
    done: int = 0
    note: str = ""
    phases: int = 0
    started_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)

    def to_dict(self) -> dict[str, Any]:
        return {
            "desc": self.desc,
            "unit": self.unit,
            "total": self.total,
            "done": self.done,
            "fraction": self.fraction,
            "note": self.note,
            "phases": self.phases,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
        }


class RecordingProgress:
    """Keeps the latest state (thread-safe) and the last notes: what a background job shows and tests check."""

    def __init__(self, keep_notes: int = 50) -> None:
        self._lock = threading.Lock()
        self.state = ProgressState()
        self.notes: list[str] = []
        self.keep_notes = keep_notes
        self.closed = False

    def start(self, total: int | None, unit: str = "items", desc: str = "") -> None:
        with self._lock:
            self.state = ProgressState(desc=desc, unit=unit, total=total, phases=self.state.phases + 1)

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.state.done += n
            self.state.updated_at = time.time()

    def note(self, text: str) -> None:
        with self._lock:
            self.state.note = text
            self.state.updated_at = time.time()
            self.notes.append(text)
            del self.notes[: -self.keep_notes]

    def close(self) -> None:
        self.closed = True

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return self.state.to_dict()


class ConsoleProgress:
    """The CLI's renderer: a tqdm bar on a terminal, else one plain line every `every` seconds (and at phase ends).

    Writes to stderr so `--json` output on stdout stays clean.
    """

    def __init__(self, stream: TextIO | None = None, every: float = 5.0, enabled: bool = True) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.every = every
        self.enabled = enabled
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self._bar: Any = None
        self._state = ProgressState()
        self._last_line = 0.0
        self._last_written: tuple[int, str] | None = (
            None  # (done, note) of the last line, so a phase end adds none twice
        )

    def __enter__(self) -> ConsoleProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- protocol
    def start(self, total: int | None, unit: str = "items", desc: str = "") -> None:
        if not self.enabled:
            return
        self._finish_phase()
        self._state = ProgressState(desc=desc, unit=unit, total=total)
        if self.interactive:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=total,
                unit=f" {unit}",
                desc=desc or None,
                file=self.stream,
                leave=False,
                dynamic_ncols=True,
            )
        else:
            self._last_line = time.monotonic()
            self._last_written = None

    def advance(self, n: int = 1) -> None:
        if not self.enabled:
            return
        self._state.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif not self.interactive and time.monotonic() - self._last_line >= self.every:
            self._line()

    def note(self, text: str) -> None:
        if not self.enabled:
            return
        self._state.note = text
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)
        elif not self.interactive and time.monotonic() - self._last_line >= self.every:
            self._line()

    def close(self) -> None:
        if self.enabled:
            self._finish_phase()

    # -- rendering
    def _finish_phase(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif (
            not self.interactive
            and (self._state.done or self._state.note)
            and self._last_written != (self._state.done, self._state.note)
        ):
            self._line()
        self._state = ProgressState()

    def _line(self) -> None:
        s = self._state
        elapsed = time.time() - s.started_at
        amount = f"{s.done:,}/{s.total:,}" if s.total else f"{s.done:,}"
        pct = f" ({100 * s.fraction:.0f}%)" if s.fraction is not None else ""
        label = f"{s.desc}: " if s.desc else ""
        note = f"  {s.note}" if s.note else ""
        self.stream.write(f"{label}{amount} {s.unit}{pct} in {elapsed:.0f}s{note}\n")
        self.stream.flush()
        self._last_line = time.monotonic()
        self._last_written = (s.done, s.note)
