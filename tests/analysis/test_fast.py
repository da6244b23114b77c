from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from koubei.analysis.sentiment.fast import FastSentimentConfig, FastSentimentModel, char_contributions
from koubei.analysis.sentiment.kinds import load_sentiment_model, new_model
from koubei.errors import BadInputError, NotFittedError, NotFoundError


def _fit(texts: list[str], labels: list[str], **kw: object) -> FastSentimentModel:
    return FastSentimentModel(FastSentimentConfig(min_df=1, **kw)).fit(texts, labels)  # type: ignore[arg-type]


def test_overfit_save_load_same_predictions(
    tiny_reviews: tuple[list[str], list[str]], tmp_path: Path
) -> None:
    texts, labels = tiny_reviews
    model = _fit(texts, labels)
    assert list(model.predict(texts)) == labels  # overfits the training set
    model.save(tmp_path / "m")
    loaded = load_sentiment_model(tmp_path / "m")
    np.testing.assert_allclose(loaded.predict_proba(texts), model.predict_proba(texts))
    assert [p.to_dict() for p in loaded.score_texts(texts)] == [p.to_dict() for p in model.score_texts(texts)]
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert meta["format_version"] == 2 and meta["kind"] == "fast" and meta["categories"] == []
    config = json.loads((tmp_path / "m" / "sentiment_config.json").read_text())
    assert config["ngram_range"] == [1, 4] and config["min_df"] == 1


@pytest.mark.parametrize("classifier", ["svm", "logreg"])
def test_exact_answers_on_tiny_input(classifier: str) -> None:
    model = _fit(
        ["好", "好好", "好的", "差", "差差", "差的"],
        ["positive"] * 3 + ["negative"] * 3,
        classifier=classifier,
        ngram_range=(1, 1),
        C=10.0,
    )
    assert list(model.predict(["好", "差", "好好好", "差差差"])) == [
        "positive",
        "negative",
        "positive",
        "negative",
    ]
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


# "很小" is praise for a phone and a complaint about a hotel room: only per-category weights can tell.
CATEGORY_ROWS = [
    ("房间很小", "negative", "酒店"),
    ("房间太小了", "negative", "酒店"),
    ("卫生间很小", "negative", "酒店"),
    ("房间很大", "positive", "酒店"),
    ("房间挺大的", "positive", "酒店"),
    ("卫生间很大", "positive", "酒店"),
    ("机身很小", "positive", "手机"),
    ("手机很小巧", "positive", "手机"),
    ("机器很小", "positive", "手机"),
    ("机身很大", "negative", "手机"),
    ("手机太大了", "negative", "手机"),
    ("机器很大", "negative", "手机"),
]


def _fit_categories(**kw: object) -> FastSentimentModel:
    texts, labels, categories = (list(x) for x in zip(*CATEGORY_ROWS, strict=True))
    options = {"min_df": 1, "min_category_reviews": 2, "C": 10.0, "nb_C": None, **kw}
    config = FastSentimentConfig(**options)  # type: ignore[arg-type]
    return FastSentimentModel(config).fit(texts, labels, categories=categories)


def test_category_weights_tell_what_a_word_means_in_each_category(tmp_path: Path) -> None:
    model = _fit_categories()
    assert model.categories_ == ["手机", "酒店"]
    assert list(model.predict(["很小", "很大"], categories=["酒店", "酒店"])) == ["negative", "positive"]
    assert list(model.predict(["很小", "很大"], categories=["手机", "手机"])) == ["positive", "negative"]
    texts, labels, categories = (list(x) for x in zip(*CATEGORY_ROWS, strict=True))
    assert list(model.predict(texts, categories=categories)) == labels
    # An unknown category is scored with the shared weights and says so; no category at all is not flagged.
    scored = model.score_texts(["很小", "很小"], categories=["书籍", None])
    assert "unknown_category" in scored[0].flags and "unknown_category" not in scored[1].flags
    assert scored[0].probabilities == scored[1].probabilities
    model.save(tmp_path / "m")
    loaded = FastSentimentModel.load(tmp_path / "m")
    assert loaded.categories_ == model.categories_
    for cats in (categories, None, ["书籍"] * len(texts)):
        np.testing.assert_allclose(loaded.predict_proba(texts, cats), model.predict_proba(texts, cats))
    # Explanations use the category's weights: the spans add up to that category's decision value.
    for category in ("酒店", "手机"):
        index = int(model.category_index([category])[0])  # type: ignore[index]
        contrib = char_contributions(model, "房间很小", 1, index)
        X = model.transform(["房间很小"])
        decision = model.linear_.decision(X, np.array([index]))[0, 0] - model.linear_.intercept[0]
        assert contrib.sum() == pytest.approx(decision)
    assert model.explain("很小", category="酒店").label == "negative"
    assert model.explain("很小", category="手机").label == "positive"


def test_categories_can_be_switched_off_and_need_two_frequent_ones() -> None:
    assert _fit_categories(category_features=False).categories_ == []
    assert (
        _fit_categories(min_category_reviews=7).categories_ == []
    )  # 6 reviews each: none is frequent enough
    texts, labels, _ = (list(x) for x in zip(*CATEGORY_ROWS, strict=True))
    config = FastSentimentConfig(min_df=1, min_category_reviews=2)
    one = FastSentimentModel(config).fit(texts, labels, categories=["酒店"] * len(texts))
    assert one.categories_ == [] and one.linear_.category_coef is None
    with pytest.raises(BadInputError, match="categories differ in length"):
        FastSentimentModel(config).fit(texts, labels, categories=["酒店"])
    with pytest.raises(BadInputError, match="min_category_reviews"):
        FastSentimentConfig(min_category_reviews=0)


def test_version_1_models_still_load(tiny_reviews: tuple[list[str], list[str]], tmp_path: Path) -> None:
    texts, labels = tiny_reviews
    model = _fit(texts, labels)
    model.save(tmp_path / "m")
    meta_path = tmp_path / "m" / "meta.json"
    meta = json.loads(meta_path.read_text())
    del meta["categories"]
    meta["format_version"] = 1
    meta_path.write_text(json.dumps(meta))
    loaded = FastSentimentModel.load(tmp_path / "m")
    assert loaded.categories_ == []
    np.testing.assert_allclose(loaded.predict_proba(texts, ["x"] * len(texts)), model.predict_proba(texts))


def test_explanations_leave_out_punctuation_whitespace_and_digits() -> None:
    """Product detail: the demo listed `， +0.30` as a reason. The model may weigh punctuation; reasons skip it."""
    from koubei.analysis.sentiment.explain import is_reason

    # Every positive review ends in "！" and carries a "5": the model learns both as strong positive n-grams.
    texts = [
        "质量好！5",
        "很满意！5",
        "物流快！5",
        "推荐！5",
        "质量差。1",
        "很失望。1",
        "物流慢。1",
        "退货。1",
    ]
    labels = ["positive"] * 4 + ["negative"] * 4
    model = _fit(texts, labels, ngram_range=(1, 1), C=10.0)
    text = "服务好！5， 很满意"
    contrib = char_contributions(model, text, class_index=1)
    assert contrib[text.index("！")] > 0.05 and contrib[text.index("5")] > 0.05  # the model does weigh them
    explanation = model.explain(text)
    shown = [s.text for s in explanation.spans]
    assert shown and not {"！", "5", "，"} & set(shown)
    assert all(text[s.start : s.end] == s.text for s in explanation.spans)
    assert [is_reason(x) for x in ("，", "!?", " ", "2024", "3.5%", "好", "bad", "😀", "5星")] == [
        False,
        False,
        False,
        False,
        False,
        True,
        True,
        True,
        True,
    ]
