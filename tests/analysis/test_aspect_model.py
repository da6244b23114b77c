from __future__ import annotations

from pathlib import Path

import pytest

from koubei.analysis.aspects.supervised import AspectModelConfig, SupervisedAspectModel
from koubei.errors import BadInputError, NotFittedError


def _term(text: str, term: str, polarity: str) -> dict:
    start = text.index(term)
    return {"term": term, "from": start, "to": start + len(term), "polarity": polarity}


TERM_RECORDS = [
    {
        "text": "电池很好，屏幕很差",
        "aspects": [
            _term("电池很好，屏幕很差", "电池", "positive"),
            _term("电池很好，屏幕很差", "屏幕", "negative"),
        ],
    },
    {"text": "屏幕很好", "aspects": [_term("屏幕很好", "屏幕", "positive")]},
    {"text": "电池很差", "aspects": [_term("电池很差", "电池", "negative")]},
    {"text": "价格很好", "aspects": [_term("价格很好", "价格", "positive")]},
    {"text": "价格很差", "aspects": [_term("价格很差", "价格", "negative")]},
]
CATEGORY_RECORDS = [
    {"text": "菜很好吃", "aspects": [{"category": "taste", "polarity": "positive"}]},
    {"text": "菜很难吃", "aspects": [{"category": "taste", "polarity": "negative"}]},
    {"text": "服务很好", "aspects": [{"category": "service", "polarity": "positive"}]},
    {"text": "服务很差", "aspects": [{"category": "service", "polarity": "negative"}]},
    {
        "text": "菜好吃服务好",
        "aspects": [
            {"category": "taste", "polarity": "positive"},
            {"category": "service", "polarity": "positive"},
        ],
    },
]
CFG = AspectModelConfig(C=100.0, min_category_examples=2)


def test_term_model_overfit_save_load(tmp_path: Path) -> None:
    model = SupervisedAspectModel(CFG).fit(TERM_RECORDS)
    assert model.terms_ == ["价格", "屏幕", "电池"]
    found = model.predict(["电池很好，屏幕很差"])[0]
    assert [(a["term"], a["polarity"]) for a in found] == [("电池", "positive"), ("屏幕", "negative")]
    result = model.evaluate(TERM_RECORDS)
    assert result["detection_f1"] == 1.0 and result["sentiment_accuracy"] == 1.0
    model.save(tmp_path / "am")
    loaded = SupervisedAspectModel.load(tmp_path / "am")
    assert loaded.predict(["电池很好，屏幕很差", "价格很差"]) == model.predict(
        ["电池很好，屏幕很差", "价格很差"]
    )
    mentions = loaded.extract_many(["价格很差", ""])
    assert [(m.aspect, m.sentiment, m.start, m.end) for m in mentions[0]] == [
        ("价格", "negative", 0, 2)
    ] and mentions[1] == []


def test_category_model_overfit_save_load(tmp_path: Path) -> None:
    model = SupervisedAspectModel(CFG).fit(CATEGORY_RECORDS)
    assert model.mode_ == "category" and model.categories_ == ["service", "taste"]
    assert model.evaluate(CATEGORY_RECORDS)["sentiment_accuracy"] == 1.0
    model.save(tmp_path / "cm")
    loaded = SupervisedAspectModel.load(tmp_path / "cm")
    texts = [r["text"] for r in CATEGORY_RECORDS]
    assert loaded.predict(texts) == model.predict(texts)


def test_errors() -> None:
    with pytest.raises(NotFittedError):
        SupervisedAspectModel().predict(["x"])
    with pytest.raises(BadInputError):
        SupervisedAspectModel().fit([{"text": "x", "aspects": []}])
    with pytest.raises(BadInputError):
        SupervisedAspectModel().fit([{"text": "x", "aspects": [{"term": "x"}]}])


def test_cli_aspects_with_supervised_model(cli, tmp_path: Path) -> None:
    import json

    SupervisedAspectModel(CFG).fit(TERM_RECORDS).save(tmp_path / "am")
    data = tmp_path / "in.jsonl"
    data.write_text(
        '{"review_id": "x1", "text": "电池很好，屏幕很差"}\n{"review_id": "x2", "text": "价格很差"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = cli("aspects", "--supervised", tmp_path / "am", "--input", data, "--output", out, "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["summary"] == {"电池": "positive", "屏幕": "negative"} and lines[1]["review_id"] == "x2"


def test_config_validates_when_made_and_names_the_field() -> None:
    for field, value in (
        ("C", 0.0),
        ("window", -1),
        ("min_term_precision", 1.5),
        ("min_term_count", 0),
        ("ngram_range", (3, 1)),
        ("max_text_chars", 0),
        ("min_category_examples", 0),
    ):
        with pytest.raises(BadInputError, match=field):
            AspectModelConfig(**{field: value})
    assert AspectModelConfig(ngram_range=[1, 2]).ngram_range == (1, 2)  # as read back from JSON
