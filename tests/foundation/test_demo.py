"""`koubei demo` end to end."""

from __future__ import annotations

import json

import pytest


def test_demo_corpus_step_loads_the_bundled_corpus(cli, tmp_path) -> None:
    result = cli("demo", "--quick", "--only", "corpus", "--json", "--workdir", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    corpus = summary["steps"]["corpus"]
    assert corpus["ingest"]["read"] == 3000
    assert corpus["ingest"]["stored"] + corpus["ingest"]["rejected"] == 3000
    assert set(corpus["label_balance"]) == {"positive", "negative"}
    assert corpus["store_counts"]["reviews"] == corpus["ingest"]["stored"]
    # Running it again changes nothing: ingest is idempotent.
    again = json.loads(
        cli("demo", "--quick", "--only", "corpus", "--json", "--workdir", tmp_path / "demo").stdout
    )
    assert again["steps"]["corpus"]["ingest"]["stored"] == 0


@pytest.mark.slow
def test_whole_demo_quick(cli, tmp_path) -> None:
    result = cli("demo", "--quick", "--json", "--workdir", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["failed"] == []
    assert "corpus" in summary["steps"]
