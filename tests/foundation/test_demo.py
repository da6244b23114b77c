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


def test_demo_says_what_it_will_show_and_how_long_first(cli, tmp_path) -> None:
    result = cli("demo", "--quick", "--only", "corpus", "--workdir", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("koubei demo: 1 step, about ") and first.endswith("It will show:")
    assert "bundled real reviews" in result.output.splitlines()[1]


def test_unknown_demo_step_is_refused_naming_the_steps(cli) -> None:
    result = cli("demo", "--only", "nope")
    assert result.exit_code == 2
    assert "unknown demo step(s) nope" in result.output and "corpus, lm, sentiment" in result.output


def test_every_demo_step_has_a_view_and_an_expected_duration() -> None:
    import importlib

    from koubei.pipelines.demo import discover_steps, step_name

    for module in discover_steps():
        quick, full = module.SECONDS
        assert 0 < quick <= full, step_name(module)
        assert module.SHOWS
        importlib.import_module(f"koubei.cli.demo_views.{step_name(module)}").render  # noqa: B018
