"""The bad-input table: each kind of bad text has one defined answer, for every model."""

from __future__ import annotations

import pytest

from koubei.analysis.input_check import check_text, guess_lang
from koubei.analysis.sentiment.fast import FastSentimentConfig, FastSentimentModel

LIMIT = 50

CASES = [
    # (input, reason or None when scorable, flag expected)
    (None, "empty", None),
    ("", "empty", None),
    ("   \n\t ", "empty", None),
    (float("nan"), "empty", None),
    ("！！！。。。", "no_words", None),
    ("12345", "no_words", None),
    ("😀😀👍", "emoji_only", None),
    ("❤️❤️", "emoji_only", None),
    ("很" * (LIMIT + 1), "too_long", None),
    ("Это очень плохой товар", "unsupported_language", None),
    ("この商品はとても良いです", "unsupported_language", None),
    ("Este producto es muy malo y caro", "unsupported_language", None),
    ("<p>质量<b>很好</b></p>", None, "html"),
    ("质量很好 &amp; 便宜", None, "html"),
    ("手机很好用 but battery is bad", None, "mixed_script"),
    ("质量很好😀", None, None),
    ("good product", None, None),
]


@pytest.mark.parametrize(("value", "reason", "flag"), CASES)
def test_check_text_table(value: object, reason: str | None, flag: str | None) -> None:
    check = check_text(value, LIMIT)
    assert check.reason == reason
    if flag:
        assert flag in check.flags
    if reason is None:
        assert check.text and "<" not in check.text


def test_html_is_stripped_before_scoring() -> None:
    assert check_text("<div>很好</div><script>bad()</script>", LIMIT).text == "很好"


def test_language_guess() -> None:
    assert guess_lang("质量很好") == "zh"
    assert guess_lang("The quality is good") == "en"
    assert guess_lang("Это плохо") == "other"


@pytest.mark.parametrize(("value", "reason", "flag"), CASES)
def test_fast_model_never_crashes_on_bad_input(
    value: object, reason: str | None, flag: str | None, tiny_reviews: tuple[list[str], list[str]]
) -> None:
    texts, labels = tiny_reviews
    model = FastSentimentModel(FastSentimentConfig(min_df=1, max_text_chars=LIMIT)).fit(texts, labels)
    pred = model.score_texts([value])[0]
    if reason is None:
        assert pred.label in ("positive", "negative") and pred.score is not None
    else:
        assert pred.label == "unscorable" and pred.reason == reason and pred.score is None


def test_model_trained_on_one_language_refuses_another() -> None:
    texts = ["质量很好", "非常满意", "好评", "质量太差", "非常失望", "差评"]
    labels = ["positive"] * 3 + ["negative"] * 3
    model = FastSentimentModel(FastSentimentConfig(min_df=1)).fit(texts, labels)
    assert model.languages_ == ("zh",)
    pred = model.score_texts(["great product"])[0]
    assert (pred.label, pred.reason) == ("unscorable", "unsupported_language")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Five Stars. fits perfect", "en"),
        ("Best shampoo hands down", "en"),
        ("Este producto es muy malo y caro", "other"),
        ("Das ist nicht gut und sehr teuer", "other"),
        ("C'est un produit très cher et pas bon", "other"),
    ],
)
def test_latin_script_languages(text: str, lang: str) -> None:
    assert guess_lang(text) == lang
