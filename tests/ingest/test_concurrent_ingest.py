"""Two ingests of the same file at the same time: every row is counted once as stored, by one of them, and the
other finds it unchanged; what each reports is what `ingest_runs` records. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from koubei.pipelines.ingest import IngestSummary, ingest_file
from koubei.store import Store
from koubei.store.models import IngestRun, Review

ROWS = 2_500  # more than one upsert batch


def _write(path: Path, version: str = "") -> Path:
    lines = [
        json.dumps({"review_id": f"r{i}", "text": f"第{i}条评论{version}，很好"}, ensure_ascii=False)
        for i in range(ROWS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _runs(url: str) -> list[tuple[int, int, int]]:
    with Store.open(url) as store, store.session() as session:
        runs = session.scalars(select(IngestRun).order_by(IngestRun.id)).all()
        return sorted((r.stored, r.updated, r.unchanged) for r in runs)


def _together(url: str, sources: list[Path], monkeypatch: pytest.MonkeyPatch) -> list[IngestSummary]:
    """Ingest `sources` in threads that have all validated their file and start writing at the same moment."""
    import koubei.pipelines.ingest as pipeline

    barrier = threading.Barrier(len(sources), timeout=20)
    real_upsert = pipeline.upsert_entities

    def upsert(session: Session, *args: Any, **kwargs: Any) -> Any:
        barrier.wait()  # every ingest is about to read the stored hashes and write
        return real_upsert(session, *args, **kwargs)

    monkeypatch.setattr(pipeline, "upsert_entities", upsert)
    with Store.open(url):
        pass  # the schema exists before the race (the migration race is the store's test)
    summaries: list[IngestSummary | BaseException] = [RuntimeError("not run")] * len(sources)

    def run(i: int) -> None:
        try:
            with Store.open(url) as store:
                summaries[i] = ingest_file(store, sources[i], "reviews")
        except BaseException as error:
            barrier.abort()
            summaries[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(sources))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for summary in summaries:
        if isinstance(summary, BaseException):
            raise summary
    return summaries  # type: ignore[return-value]


def test_two_ingests_of_the_same_file_at_once_count_each_row_once(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _write(tmp_path / "r.jsonl")
    first, second = _together(db_url, [source, source], monkeypatch)
    counts = sorted((s.stored, s.updated, s.unchanged) for s in (first, second))
    assert counts == [(0, 0, ROWS), (ROWS, 0, 0)]
    assert _runs(db_url) == counts
    with Store.open(db_url) as store, store.session() as session:
        assert session.scalar(select(func.count()).select_from(Review)) == ROWS


def test_two_versions_of_a_file_at_once_one_stores_and_the_other_updates(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = _write(tmp_path / "old.jsonl"), _write(tmp_path / "new.jsonl", version="（修改）")
    summaries = _together(db_url, [old, new], monkeypatch)
    counts = sorted((s.stored, s.updated, s.unchanged) for s in summaries)
    assert counts == [(0, ROWS, 0), (ROWS, 0, 0)]
    assert _runs(db_url) == counts


@pytest.mark.slow
def test_two_koubei_ingest_processes_at_once(db_url: str, tmp_path: Path) -> None:
    source = _write(tmp_path / "r.jsonl")
    with Store.open(db_url):
        pass
    command = [
        sys.executable,
        "-c",
        "from koubei.cli.main import run; run()",
        "ingest",
        "reviews",
        str(source),
        "--db",
        db_url,
        "--json",
    ]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], [err for _, err in outputs]
    summaries = [json.loads(out) for out, _ in outputs]
    assert sum(s["stored"] for s in summaries) == ROWS
    assert all(s["stored"] + s["unchanged"] == ROWS and s["updated"] == 0 for s in summaries)
    assert _runs(db_url) == sorted((s["stored"], s["updated"], s["unchanged"]) for s in summaries)
