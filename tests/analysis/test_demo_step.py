"""The voice-of-the-customer demo step on the quick bundled corpus: it returns data, the CLI view prints it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

BEFORE_KEYS = {
    "model_dir",
    "accuracy",
    "macro_f1",
    "n_train",
    "n_heldout",
    "scored",
    "sentiment_model",
    "aspect_model",
    "aspect_mentions",
    "top_praised",
    "top_criticized",
    "explanation",
    "seconds",
}


@pytest.mark.slow
def test_demo_sentiment_step(cli, tmp_path: Path) -> None:
    result = cli(
        "demo", "--quick", "--only", "corpus", "--only", "sentiment", "--json", "--workdir", tmp_path / "demo"
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["failed"] == []
    step = summary["steps"]["sentiment"]
    assert set(step) >= BEFORE_KEYS  # the keys scripts read before the step returned a typed result
    assert Path(step["model_dir"], "meta.json").exists()
    assert 0.8 <= step["accuracy"] <= 1.0
    assert step["scored"] == summary["steps"]["corpus"]["store_counts"]["reviews"]
    assert step["top_praised"] and step["top_criticized"]
    assert step["explanation"]["spans"] and len(step["explanation"]["spans"]) <= 6


@pytest.mark.slow
def test_step_returns_data_and_the_view_renders_it(tmp_path: Path) -> None:
    from rich.console import Console

    from koubei.cli.demo_views import sentiment as view
    from koubei.pipelines.demo import DemoContext
    from koubei.pipelines.demo_steps import corpus, sentiment
    from koubei.progress import RecordingProgress
    from koubei.store import Store

    progress = RecordingProgress()
    with Store.open() as store:
        ctx = DemoContext(
            store=store, workdir=tmp_path, quick=True, progress=progress
        )  # no console: steps never print
        corpus.run(ctx)
        step = sentiment.run(ctx)
    assert isinstance(step, sentiment.SentimentStep)
    assert step.n_train + step.n_heldout > 1000 and step.scored > 0 and progress.state.phases >= 3
    assert step.explanation.label in ("positive", "negative")
    # Punctuation is not a reason (the demo used to show "， +0.30").
    assert all(s.text.strip("，。！？、 ") for s in step.explanation.spans)
    console = Console(record=True, width=200)
    view.render(step, console)
    shown = console.export_text()
    assert "Most praised aspects:" in shown and f"Why '{step.explanation.label}'" in shown
    assert f"{step.n_train:,} reviews" in shown
