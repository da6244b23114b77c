"""The sentiment and aspect pipelines return typed results (`koubei.results.Result`) whose `to_dict()` keeps the
JSON keys scripts read, and they (not the CLI) decide the default model folders."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from koubei.pipelines import aspects as aspect_pipeline
from koubei.pipelines import sentiment as pipeline
from koubei.results import Result
from tests.analysis.conftest import NEGATIVE_TEXTS, POSITIVE_TEXTS
from tests.analysis.test_cli import _write_csv

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rows() -> list[pipeline.InputRow]:
    texts = [(t, "positive") for t in POSITIVE_TEXTS * 2] + [(t, "negative") for t in NEGATIVE_TEXTS * 2]
    return [
        pipeline.InputRow(f"r{i}", t, lab, 5.0 if lab == "positive" else 1.0)
        for i, (t, lab) in enumerate(texts)
    ]


def test_sentiment_results_are_typed_with_the_json_keys_of_before(
    rows: list[pipeline.InputRow], tmp_path: Path
) -> None:
    report = pipeline.train_rows(rows, tmp_path / "m", holdout=0.25)
    assert isinstance(report, pipeline.TrainReport) and isinstance(report, Result)
    assert list(report.to_dict()) == [
        "model_dir",
        "kind",
        "n_train",
        "n_heldout",
        "metrics",
        "seconds",
        "skipped",
        "skipped_file",
    ]
    assert (report.kind, report.n_train, report.n_heldout) == ("fast", 18, 6)

    evaluated = pipeline.evaluate_model(tmp_path / "m", rows)
    assert isinstance(evaluated, pipeline.EvalReport)
    as_json = evaluated.to_dict()
    assert as_json["model"] == str(tmp_path / "m") and as_json["n"] == 24
    assert {"accuracy", "macro_f1", "accuracy_all_rows", "ece", "rating_mae", "unscorable"} <= set(as_json)

    data = _write_csv(
        tmp_path / "s.csv", [{"review_id": "a", "text": "质量很好"}, {"review_id": "b", "text": ""}]
    )
    scored = pipeline.score_file(tmp_path / "m", data, tmp_path / "out.jsonl")
    assert isinstance(scored, pipeline.ScoreFileReport)
    assert list(scored.to_dict()) == [
        "input",
        "output",
        "rows",
        "skipped_already_done",
        "scored",
        "labels",
        "seconds",
    ]
    assert (scored.rows, scored.scored, scored.labels) == (2, 2, {"positive": 1, "unscorable": 1})
    json.dumps(scored.to_dict())


def test_default_model_folders_are_decided_by_the_pipeline(
    rows: list[pipeline.InputRow], isolated_home: Path
) -> None:
    report = pipeline.train_rows(rows, holdout=0)
    assert Path(report.model_dir) == isolated_home / "models" / "sentiment-fast"
    assert (
        pipeline.explain_texts(None, ["质量很好"])[0].label == "positive"
    )  # found without naming the folder
    assert pipeline.with_default_sources("transfer", {}) == {
        "base_model": str(isolated_home / "models" / "lm")
    }
    assert pipeline.with_default_sources("distilled", {}) == {
        "teacher": str(isolated_home / "models" / "sentiment-transfer")
    }
    assert pipeline.with_default_sources("transfer", {"base_model": "x"}) == {"base_model": "x"}
    assert pipeline.with_default_sources("fast", {"C": 1.0}) == {"C": 1.0}


def test_cli_default_model_is_the_pipelines(
    cli, rows: list[pipeline.InputRow], isolated_home: Path, tmp_path: Path
) -> None:
    data = _write_csv(
        tmp_path / "train.csv", [{"review_id": r.review_id, "text": r.text, "label": r.label} for r in rows]
    )
    assert cli("sentiment", "train", "--data", data, "--json").exit_code == 0
    assert (isolated_home / "models" / "sentiment-fast" / "meta.json").exists()
    result = cli("sentiment", "eval", "--data", data, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model"] == str(isolated_home / "models" / "sentiment-fast")


def test_sentiment_cli_loads_no_model_and_decides_no_path() -> None:
    """The CLI parses, calls the pipeline and renders: it imports no model loader and builds no model path."""
    source = (ROOT / "src" / "koubei" / "cli" / "sentiment.py").read_text(encoding="utf-8")
    imported = {
        node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not {
        m for m in imported if m.startswith("koubei.analysis") and m != "koubei.analysis.sentiment.explain"
    }
    assert (
        "load_sentiment_model" not in source and "models_dir" not in source and 'f"sentiment-' not in source
    )


def test_aspect_results_are_typed_with_the_json_keys_of_before(tmp_path: Path) -> None:
    from koubei.store import Store

    data = _write_csv(
        tmp_path / "r.csv",
        [
            {"review_id": "r1", "text": "质量很好，但是物流太慢了"},
            {"review_id": "r2", "text": "价格实惠，很满意"},
        ],
    )
    extractor, name = aspect_pipeline.build_extractor()
    found = aspect_pipeline.aspects_file(extractor, data, tmp_path / "a.jsonl")
    assert isinstance(found, aspect_pipeline.AspectsFileReport)
    assert list(found.to_dict()) == ["input", "output", "rows", "skipped_already_done", "aspects", "seconds"]
    assert found.aspect_counts() == {
        "quality": {"positive": 1},
        "logistics": {"negative": 1},
        "price": {"positive": 1},
    }

    store = Store.open()
    from koubei.pipelines.ingest import ingest_file

    ingest_file(store, data, "reviews")
    stored = aspect_pipeline.aspects_store(store, extractor, name)
    assert isinstance(stored, aspect_pipeline.AspectsStoreReport) and stored.aggregates is not None
    as_json = stored.to_dict()
    assert list(as_json) == ["aspect_model", "reviews", "mentions", "seconds", "aggregates"]
    assert list(as_json["aggregates"]) == ["sentiment_model", "aspect_model", "aggregate_rows", "overall"]
    assert (stored.reviews, stored.mentions) == (2, 3)
    assert stored.aspect_counts()["logistics"] == {"negative": 1}
    json.dumps(as_json)
