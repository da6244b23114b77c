"""Tokenizer: exact round trips on any text, special tokens as single ids, HF loading, determinism, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from koubei.errors import BadInputError, NotFoundError
from koubei.lm.tokenizer import PII_TOKENS, PROMPT_TOKENS, SPECIAL_TOKENS, load_tokenizer, train_tokenizer

CASES = [
    "",
    "这个手机很好用，电池很耐用。",
    "The phone is great, battery lasts two days.",
    "😀👍🏽🇨🇳 emoji only",
    "混合 mixed 文本 123，价格¥99.5！\n第二行\t制表",
    "  leading and trailing spaces  ",
    "繁體字與罕見字：龘靐齉",
    "<PHONE> 和 <|review|> 是特殊符号",
]


@pytest.mark.parametrize("text", CASES)
def test_round_trip(tokenizer_dir: Path, text: str) -> None:
    tok = load_tokenizer(tokenizer_dir)
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert tok.decode(ids) == text
    assert (len(ids) == 0) == (text == "")


def test_no_unknown_tokens_for_unseen_characters(tokenizer_dir: Path) -> None:
    tok = load_tokenizer(tokenizer_dir)
    ids = tok("𠜎𠜱 ꦲꦏ", add_special_tokens=False)["input_ids"]  # never seen in training: byte tokens
    assert tok.unk_token_id is None or tok.unk_token_id not in ids
    assert tok.decode(ids) == "𠜎𠜱 ꦲꦏ"


def test_special_tokens_are_single_ids(tokenizer_dir: Path) -> None:
    tok = load_tokenizer(tokenizer_dir)
    for special in SPECIAL_TOKENS:
        ids = tok(special, add_special_tokens=False)["input_ids"]
        assert len(ids) == 1, special
        assert tok.convert_ids_to_tokens(ids) == [special]
    assert tok.eos_token == "<|endoftext|>" and tok.eos_token_id == tok.pad_token_id == tok.bos_token_id
    assert set(PROMPT_TOKENS) | set(PII_TOKENS) <= set(tok.all_special_tokens)


def test_loads_with_transformers_auto_and_fast_classes(tokenizer_dir: Path) -> None:
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    auto = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    fast = PreTrainedTokenizerFast(tokenizer_file=str(tokenizer_dir / "tokenizer.json"))
    text = "质量不错 good 👍"
    assert (
        auto(text, add_special_tokens=False)["input_ids"] == fast(text, add_special_tokens=False)["input_ids"]
    )


def test_merges_form_multi_character_chinese_tokens(corpus: list[str]) -> None:
    tok = train_tokenizer(corpus, 1200)
    ids = tok("电池很耐用", add_special_tokens=False)["input_ids"]
    assert len(ids) < len("电池很耐用")  # fewer tokens than characters: merges span characters


def test_deterministic(corpus: list[str]) -> None:
    a = train_tokenizer(corpus, 350)
    b = train_tokenizer(corpus, 350)
    assert a.get_vocab() == b.get_vocab()


def test_bad_input(tmp_path: Path, corpus: list[str]) -> None:
    with pytest.raises(BadInputError, match="vocab_size"):
        train_tokenizer(corpus, 10)
    with pytest.raises(BadInputError, match="no non-empty document"):
        train_tokenizer(["", ""], 400)
    with pytest.raises(NotFoundError):
        load_tokenizer(tmp_path)
