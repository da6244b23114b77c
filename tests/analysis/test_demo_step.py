"""The voice-of-the-customer demo step on the quick bundled corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_sentiment_step(cli, tmp_path: Path) -> None:
    result = cli("demo", "--quick", "--only", "corpus", "--only", "sentiment", "--json", "--workdir", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["failed"] == []
    step = summary["steps"]["sentiment"]
    assert Path(step["model_dir"], "meta.json").exists()
    assert 0.8 <= step["accuracy"] <= 1.0
    assert step["scored"] == summary["steps"]["corpus"]["store_counts"]["reviews"]
    assert step["top_praised"] and step["top_criticized"]
    assert step["explanation"]["spans"]
