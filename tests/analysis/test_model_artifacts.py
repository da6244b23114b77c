"""Saved sentiment and aspect models go through `koubei.artifacts`: one meta reader, one format-version rule, the
config beside the weights, atomic writes; the aspect model's config is `aspect_config.json` (old ones still load)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from koubei.analysis.aspects.supervised import SupervisedAspectModel
from koubei.analysis.sentiment import fast
from koubei.analysis.sentiment.fast import FastSentimentConfig, FastSentimentModel
from koubei.analysis.sentiment.kinds import load_sentiment_model
from koubei.errors import BadInputError, NotFoundError
from tests.analysis.test_aspect_model import CFG, TERM_RECORDS


@pytest.fixture
def fast_dir(tiny_reviews: tuple[list[str], list[str]], tmp_path: Path) -> Path:
    texts, labels = tiny_reviews
    return FastSentimentModel(FastSentimentConfig(min_df=1)).fit(texts, labels).save(tmp_path / "m")


def _set_version(folder: Path, version: int) -> None:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta["format_version"] = version
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def test_format_version_has_one_meaning(fast_dir: Path, tmp_path: Path) -> None:
    _set_version(fast_dir, 3)
    with pytest.raises(BadInputError, match=r"newer than this koubei reads .*upgrade koubei"):
        load_sentiment_model(fast_dir)
    _set_version(fast_dir, 0)
    with pytest.raises(BadInputError, match=r"older than this koubei reads .*rebuild or retrain"):
        load_sentiment_model(fast_dir)
    SupervisedAspectModel(CFG).fit(TERM_RECORDS).save(tmp_path / "am")
    _set_version(tmp_path / "am", 2)
    with pytest.raises(BadInputError, match="upgrade koubei"):
        SupervisedAspectModel.load(tmp_path / "am")


def test_folders_that_are_not_models_get_plain_errors(fast_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        load_sentiment_model(tmp_path / "missing")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(BadInputError, match="is a file"):
        load_sentiment_model(tmp_path / "file")
    (fast_dir / "meta.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(BadInputError, match="damaged"):
        load_sentiment_model(fast_dir)
    # The model kinds share koubei.artifacts' reader and check; the fast module keeps no copies of them.
    from koubei import artifacts

    for name in ("read_meta", "check_format_version"):
        assert getattr(fast, name, None) in (None, getattr(artifacts, name))


def test_saving_leaves_no_temporary_files_and_writes_the_config(fast_dir: Path) -> None:
    assert sorted(p.name for p in fast_dir.iterdir()) == ["meta.json", "model.npz", "sentiment_config.json"]
    assert json.loads((fast_dir / "sentiment_config.json").read_text(encoding="utf-8"))["ngram_range"] == [
        1,
        4,
    ]
    assert load_sentiment_model(fast_dir).config == FastSentimentConfig(
        min_df=1
    )  # tuples come back as tuples


def test_aspect_model_config_is_its_own_and_old_models_still_load(tmp_path: Path) -> None:
    model = SupervisedAspectModel(CFG).fit(TERM_RECORDS)
    folder = model.save(tmp_path / "am")
    assert sorted(p.name for p in folder.iterdir()) == ["aspect_config.json", "meta.json", "model.npz"]
    assert SupervisedAspectModel.load(folder).config == CFG
    # A model saved before the rename carries its config as sentiment_config.json.
    (folder / "aspect_config.json").rename(folder / "sentiment_config.json")
    old = SupervisedAspectModel.load(folder)
    assert old.config == CFG
    texts = ["电池很好，屏幕很差", "价格很差"]
    assert old.predict(texts) == model.predict(texts)
