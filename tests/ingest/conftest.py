"""Helpers for the ingest robustness tests: run `koubei ingest` and read back what was stored and quarantined."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from koubei.store import Store
from koubei.store.entities import MODELS


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str
    summary: dict[str, Any] = field(default_factory=dict)
    rejects: dict[int, dict[str, Any]] = field(default_factory=dict)
    stored: dict[Any, Any] = field(default_factory=dict)

    def reasons(self, row: int) -> str:
        return " | ".join(self.rejects[row]["reasons"])


@pytest.fixture
def ingest(cli, tmp_path: Path):
    """ingest(kind, path, db_url, *options) -> Outcome, with the quarantine file and the stored rows read back."""

    def run(kind: str, path: Path, db_url: str, *options: str) -> Outcome:
        quarantine = tmp_path / f"rejects-{path.name}.jsonl"
        quarantine.unlink(missing_ok=True)
        result = cli("ingest", kind, path, "--db", db_url, "--quarantine", quarantine, "--json", *options)
        outcome = Outcome(result.exit_code, result.stdout, result.stderr)
        if result.exit_code == 0:
            outcome.summary = json.loads(result.stdout)
        if quarantine.exists():
            # The quarantine file must be strict, valid UTF-8 JSON Lines whatever the input was.
            text = quarantine.read_bytes().decode("utf-8")
            for line in text.splitlines():
                record = json.loads(line, parse_constant=_no_constants)
                outcome.rejects[record["row"]] = record
        model: Any = MODELS[kind]
        keys = [c.name for c in model.__table__.primary_key.columns]
        with Store.open(db_url) as store, store.session() as session:
            for item in session.scalars(select(model)):
                key = tuple(getattr(item, k) for k in keys)
                outcome.stored[key[0] if len(key) == 1 else key] = item
        return outcome

    return run


def _no_constants(name: str) -> Any:
    raise AssertionError(f"the quarantine file holds {name}, which is not strict JSON")
