from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from koubei.analysis.explain import char_contributions
from koubei.analysis.fast import FastSentimentConfig, FastSentimentModel
from koubei.analysis.models import load_sentiment_model, new_model
from koubei.errors import BadInputError, NotFittedError, NotFoundError


def _fit(texts: list[str], labels: list[str], **kw: object) -> FastSentimentModel:
    return FastSentimentModel(FastSentimentConfig(min_df=1, **kw)).fit(texts, labels)  # type: ignore[arg-type]


def test_overfit_save_load_same_predictions(tiny_reviews: tuple[list[str], list[str]], tmp_path: Path) -> None:
    texts, labels = tiny_reviews
    model = _fit(texts, labels)
    assert list(model.predict(texts)) == labels  # overfits the training set
    model.save(tmp_path / "m")
    loaded = load_sentiment_model(tmp_path / "m")
    np.testing.assert_allclose(loaded.predict_proba(texts), model.predict_proba(texts))
    assert [p.to_dict() for p in loaded.score_texts(texts)] == [p.to_dict() for p in model.score_texts(texts)]
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert meta["format_version"] == 1 and meta["kind"] == "fast"
    config = json.loads((tmp_path / "m" / "sentiment_config.json").read_text())
    assert config["ngram_range"] == [1, 4] and config["min_df"] == 1


@pytest.mark.parametrize("classifier", ["svm", "logreg"])
def test_exact_answers_on_tiny_input(classifier: str) -> None:
    model = _fit(["好", "好好", "好的", "差", "差差", "差的"], ["positive"] * 3 + ["negative"] * 3, classifier=classifier, ngram_range=(1, 1), C=10.0)
    assert list(model.predict(["好", "差", "好好好", "差差差"])) == ["positive", "negative", "positive", "negative"]
    proba = model.predict_proba(["好", "差"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert proba[0, 1] > 0.5 > proba[1, 1]  # classes_ are sorted: negative, positive
    assert list(model.classes_) == ["negative", "positive"]


def test_same_seed_same_model(tiny_reviews: tuple[list[str], list[str]]) -> None:
    texts, labels = tiny_reviews
    a, b = _fit(texts, labels, seed=3), _fit(texts, labels, seed=3)
    np.testing.assert_array_equal(a.predict_proba(texts), b.predict_proba(texts))


def test_three_classes_and_ratings(tmp_path: Path) -> None:
    texts = ["很好很好", "非常好", "一般般", "还行一般", "很差很差", "非常差"]
    labels = ["positive", "positive", "neutral", "neutral", "negative", "negative"]
    model = FastSentimentModel(FastSentimentConfig(min_df=1, calibration_folds=2)).fit(
        texts, labels, ratings=[5, 5, 3, 3, 1, 1]
    )
    assert set(model.classes_) == {"positive", "neutral", "negative"}
    assert list(model.predict(texts)) == labels
    ratings = model.predict_rating(["很好很好", "很差很差"])
    assert ratings is not None and ratings[0] > ratings[1] and ratings.min() >= 1 and ratings.max() <= 5
    model.save(tmp_path / "m3")
    loaded = FastSentimentModel.load(tmp_path / "m3")
    assert [p.rating for p in loaded.score_texts(texts)] == [p.rating for p in model.score_texts(texts)]


def test_explanation_spans_add_up_to_the_decision(tiny_reviews: tuple[list[str], list[str]]) -> None:
    texts, labels = tiny_reviews
    model = _fit(texts, labels)
    text = "质量很好，但是物流太慢"
    contrib = char_contributions(model, text, class_index=1)
    decision = model.linear_.decision(model.transform([text]))[0, 0] - model.linear_.intercept[0]
    assert contrib.sum() == pytest.approx(decision)
    explanation = model.explain(text)
    assert explanation.label in ("positive", "negative") and explanation.spans
    for span in explanation.spans:
        assert text[span.start : span.end] == span.text
    assert model.explain("").reason == "empty"


def test_errors(tiny_reviews: tuple[list[str], list[str]], tmp_path: Path) -> None:
    texts, labels = tiny_reviews
    with pytest.raises(NotFittedError):
        FastSentimentModel().predict(["x"])
    with pytest.raises(BadInputError, match="labels"):
        FastSentimentModel().fit(["a", "b"], ["good", "bad"])
    with pytest.raises(BadInputError, match="at least 2 labels"):
        FastSentimentModel().fit(["a", "b"], ["positive", "positive"])
    with pytest.raises(BadInputError, match="classifier"):
        FastSentimentModel(FastSentimentConfig(classifier="forest")).fit(texts, labels)
    with pytest.raises(NotFoundError):
        load_sentiment_model(tmp_path / "nothing")
    with pytest.raises(BadInputError, match="unknown"):
        new_model("bert")
    model = _fit(texts, labels)
    model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    meta["format_version"] = 99
    (tmp_path / "m" / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(BadInputError, match="format version"):
        FastSentimentModel.load(tmp_path / "m")


def test_sklearn_contract(tiny_reviews: tuple[list[str], list[str]]) -> None:
    texts, labels = tiny_reviews
    model = FastSentimentModel(FastSentimentConfig(min_df=1))
    assert model.fit(texts, labels) is model
    fresh = clone(model)
    assert not hasattr(fresh, "linear_") and fresh.config == model.config
    assert model.score(texts, labels) == 1.0


def test_expected_calibration_error_exact() -> None:
    from koubei.pipelines.sentiment import expected_calibration_error

    assert expected_calibration_error([(0.9, True)] * 9 + [(0.9, False)]) == 0.0
    assert expected_calibration_error([(1.0, False), (1.0, False)]) == 1.0
    assert expected_calibration_error([(0.75, True), (0.75, False)]) == 0.25
