from __future__ import annotations

import json
from pathlib import Path

import pytest

from koubei.analysis.aspects.clauses import LexiconScorer, ModelScorer, split_clauses
from koubei.analysis.aspects.rules import AspectExtractor, summarize_mentions
from koubei.analysis.aspects.taxonomy import Lexicon, Taxonomy, TermMatcher
from koubei.analysis.sentiment.fast import FastSentimentConfig, FastSentimentModel
from koubei.errors import BadInputError, NotFoundError


def test_default_taxonomy_has_the_ecommerce_aspects() -> None:
    tax = Taxonomy.load()
    assert set(tax.aspects) >= {
        "quality",
        "price",
        "logistics",
        "service",
        "packaging",
        "appearance",
        "size_fit",
        "function",
        "taste_freshness",
    }


def test_clause_split_exact() -> None:
    clauses = split_clauses("质量很好，但是物流太慢了！The box was fine but the size is wrong.")
    assert [c.text for c in clauses] == [
        "质量很好",
        "但是物流太慢了",
        "The box was fine",
        "but the size is wrong",
    ]
    text = "质量很好，但是物流太慢了！The box was fine but the size is wrong."
    for c in clauses:
        assert text[c.start : c.end] == c.text
    assert split_clauses("价格3.5元")[0].text == "价格3.5元"


def test_term_matcher_longest_and_word_boundaries() -> None:
    m = TermMatcher({"a": ["battery", "物流"], "b": ["battery life", "物流速度"]})
    assert [(t, k) for _, _, t, k in m.find("Battery life and 物流速度, batteryX")] == [
        ("battery life", "b"),
        ("物流速度", "b"),
    ]


@pytest.mark.parametrize(
    ("text", "polarity"),
    [
        ("很好", 1.0),
        ("不好", -1.0),
        ("没有问题", 1.0),
        ("太差了", -1.0),
        ("not good", -1.0),
        ("good and fast", 2.0),
        ("一般", -1.0),
        ("桌子", 0.0),
    ],
)
def test_lexicon_polarity_with_negation(text: str, polarity: float) -> None:
    assert LexiconScorer().polarity(text) == polarity


def test_extractor_exact_mentions() -> None:
    text = "质量很好，但是物流太慢了，客服态度也不好"
    mentions = AspectExtractor().extract(text)
    assert [(m.aspect, m.sentiment, m.term) for m in mentions] == [
        ("quality", "positive", "质量"),
        ("logistics", "negative", "物流"),
        ("service", "negative", "客服"),
    ]
    for m in mentions:
        assert text[m.start : m.end] == m.term
    assert summarize_mentions(mentions) == {
        "quality": "positive",
        "logistics": "negative",
        "service": "negative",
    }
    english = AspectExtractor().extract("The price is great but the shipping was slow.")
    assert [(m.aspect, m.sentiment) for m in english] == [("price", "positive"), ("logistics", "negative")]


def test_extractor_bad_input_gives_no_mentions() -> None:
    ex = AspectExtractor(max_chars=20)
    assert ex.extract_many(["", None, "😀😀", "质量" * 30]) == [[], [], [], []]
    html = ex.extract("<b>质量很好</b>")
    assert [(m.aspect, m.term) for m in html] == [("quality", "质量")]


def test_custom_taxonomy_file(tmp_path: Path) -> None:
    path = tmp_path / "tax.json"
    path.write_text(
        json.dumps({"aspects": {"battery": {"zh": ["电池", "续航"], "en": ["battery"]}}}), encoding="utf-8"
    )
    mentions = AspectExtractor(Taxonomy.load(path)).extract("电池续航很好，物流很快")
    assert [(m.aspect, m.sentiment) for m in mentions] == [("battery", "positive")]
    bad = tmp_path / "bad.json"
    bad.write_text('{"aspects": {"x": {"zh": []}}}', encoding="utf-8")
    with pytest.raises(BadInputError, match="cue terms"):
        Taxonomy.load(bad)
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(BadInputError, match="not valid JSON"):
        Taxonomy.load(bad)
    with pytest.raises(NotFoundError):
        Taxonomy.load(tmp_path / "missing.json")
    with pytest.raises(BadInputError):
        Lexicon.load(path)


def test_model_scorer_for_clauses(tiny_reviews: tuple[list[str], list[str]]) -> None:
    texts, labels = tiny_reviews
    model = FastSentimentModel(FastSentimentConfig(min_df=1)).fit(texts, labels)
    ex = AspectExtractor.with_model(model)
    assert isinstance(ex.scorer, ModelScorer)
    mentions = ex.extract("质量很好，物流太慢")
    assert [(m.aspect, m.sentiment) for m in mentions] == [("quality", "positive"), ("logistics", "negative")]
