"""Long sentiment and aspect work reports through the one `koubei.progress.Progress` protocol handed down to it."""

from __future__ import annotations

import re
from pathlib import Path

from koubei.pipelines import aspects as aspect_pipeline
from koubei.pipelines import sentiment as pipeline
from koubei.progress import RecordingProgress
from tests.analysis.conftest import NEGATIVE_TEXTS, POSITIVE_TEXTS
from tests.analysis.test_cli import _write_csv

ROOT = Path(__file__).resolve().parents[2]
AREA = [
    *sorted((ROOT / "src" / "koubei" / "analysis").rglob("*.py")),
    *(
        ROOT / "src" / "koubei" / p
        for p in (
            "pipelines/sentiment.py",
            "pipelines/aspects.py",
            "cli/sentiment.py",
            "cli/aspects.py",
            "pipelines/demo_steps/sentiment.py",
        )
    ),
]


def _rows() -> list[pipeline.InputRow]:
    texts = [(t, "positive") for t in POSITIVE_TEXTS * 2] + [(t, "negative") for t in NEGATIVE_TEXTS * 2]
    return [pipeline.InputRow(f"r{i}", t, lab) for i, (t, lab) in enumerate(texts)]


def test_training_and_file_scoring_report_progress(tmp_path: Path) -> None:
    trained = RecordingProgress()
    pipeline.train_rows(_rows(), tmp_path / "m", holdout=0, progress=trained)
    # Two stacked members (SVM, NB-LR), each 3 out-of-fold fits + 1 on all the data.
    assert (trained.state.desc, trained.state.unit, trained.state.total, trained.state.done) == (
        "training fast",
        "fits",
        8,
        8,
    )

    data = _write_csv(tmp_path / "s.csv", [{"review_id": f"x{i}", "text": "质量很好"} for i in range(5)])
    scoring = RecordingProgress()
    pipeline.score_file(tmp_path / "m", data, tmp_path / "out.jsonl", batch_size=2, progress=scoring)
    assert (scoring.state.desc, scoring.state.unit, scoring.state.total, scoring.state.done) == (
        "scoring",
        "reviews",
        5,
        5,
    )

    aspects = RecordingProgress()
    extractor, _ = aspect_pipeline.build_extractor()
    aspect_pipeline.aspects_file(extractor, data, tmp_path / "a.jsonl", batch_size=2, progress=aspects)
    assert (aspects.state.desc, aspects.state.total, aspects.state.done) == ("aspects", 5, 5)


def test_store_scoring_reports_progress(tmp_path: Path) -> None:
    from koubei.pipelines.ingest import ingest_file
    from koubei.store import Store

    pipeline.train_rows(_rows(), tmp_path / "m", holdout=0)
    store = Store.open()
    ingest_file(
        store,
        _write_csv(tmp_path / "r.csv", [{"review_id": f"x{i}", "text": f"质量很好{i}"} for i in range(3)]),
        "reviews",
    )
    scoring = RecordingProgress()
    pipeline.score_store(store, tmp_path / "m", batch_size=2, progress=scoring)
    assert (scoring.state.total, scoring.state.done) == (3, 3)
    aspects = RecordingProgress()
    extractor, name = aspect_pipeline.build_extractor()
    aspect_pipeline.aspects_store(store, extractor, name, batch_size=2, progress=aspects)
    assert (aspects.state.total, aspects.state.done) == (3, 3)


def test_no_progress_flags_or_private_bars_left() -> None:
    """No `progress: bool`, `on_batch` callback or hand-made tqdm bar in the sentiment and aspects area."""
    for path in AREA:
        source = path.read_text(encoding="utf-8")
        assert not re.search(
            r"progress: bool|on_batch|show_progress|from tqdm|_progress\(.*enabled", source
        ), path
