"""Ingest reports through the one Progress protocol: validation and storing are phases with exact totals."""

from __future__ import annotations

from pathlib import Path

from koubei.ingest.loader import PROGRESS_MIN_ROWS, load_table
from koubei.ingest.readers import RawRow, RawTable
from koubei.pipelines.ingest import store_loaded
from koubei.progress import RecordingProgress
from koubei.store import Store


class Phases(RecordingProgress):
    def __init__(self) -> None:
        super().__init__()
        self.finished: list[tuple[str, int | None, int]] = []

    def start(self, total: int | None, unit: str = "items", desc: str = "") -> None:
        if self.state.phases:
            self.finished.append((self.state.desc, self.state.total, self.state.done))
        super().start(total, unit, desc)


def test_validation_and_storing_report_their_rows(tmp_path: Path) -> None:
    n = PROGRESS_MIN_ROWS + 1
    table = RawTable(
        ["review_id", "text"],
        [RawRow(i, {"review_id": f"r{i}", "text": f"第{i}条"}) for i in range(1, n + 1)],
    )
    progress = Phases()
    loaded = load_table(table, "reviews", tmp_path / "memory", progress=progress)
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        summary = store_loaded(store, loaded, None, 0.0, progress=progress)
    progress.start(None)
    assert progress.finished == [("validating reviews", n, n), ("storing reviews", n, n)]
    assert summary.to_dict()["stored"] == n and summary.to_json() == summary.to_dict()


def test_small_loads_start_no_phase(tmp_path: Path) -> None:
    progress = RecordingProgress()
    load_table(
        RawTable(["text"], [RawRow(1, {"text": "好"})]), "reviews", tmp_path / "memory", progress=progress
    )
    assert progress.state.phases == 0


def test_a_small_ingest_prints_no_progress_line(cli, tmp_path: Path) -> None:
    source = tmp_path / "r.csv"
    source.write_text("text\n好\n", encoding="utf-8")
    out = cli("ingest", "reviews", source)
    assert out.exit_code == 0 and out.stderr == ""
