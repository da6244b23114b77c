"""The koubei LM in the copy model: banned terms never sampled (whatever the tokenisation), the LM saved inside the
copy artifact (save -> load -> same candidates), fine-tuning a `koubei lm train` folder with init_from, and the
`koubei copy train --init-from` command end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from koubei.generation.copy_data import CopyPair, parse_attributes
from koubei.generation.copy_lm import CopyLM, cut_clause, decoding_banned_terms
from koubei.generation.copy_model import CopyModel, CopyModelConfig
from tests.generation.copy_fixtures import PAIRS, write_pairs

ZUIHAO = [
    "最好的面料，最好的做工，最好的设计。",
    "最好看的颜色，最好穿的版型。",
    "这是最好的，真的最好。",
] * 12


@pytest.fixture(scope="module")
def zuihao_lm() -> CopyLM:
    """A micro LM overfit on text full of 最好: left alone, it writes 最好 nearly every time."""
    return CopyLM.train(ZUIHAO, preset="micro", vocab_size=300, time_budget=None, max_steps=150, seed=0)


def _sample(lm: CopyLM, banned: tuple[str, ...], seed: int) -> str:
    from koubei.lm.config import SampleConfig
    from koubei.lm.sample import generate

    cfg = SampleConfig(
        max_new_tokens=20, temperature=1.0, top_k=None, top_p=None, seed=seed, banned_words=banned
    )
    return generate(lm.model, lm.tokenizer, "", cfg).text


def test_the_overfit_lm_prefers_the_banned_term(zuihao_lm: CopyLM) -> None:
    unbanned = [_sample(zuihao_lm, (), seed) for seed in range(10)]
    assert sum("最好" in t for t in unbanned) >= 8, unbanned


def test_every_tokenisation_of_a_banned_term_is_blocked(zuihao_lm: CopyLM) -> None:
    tok = zuihao_lm.tokenizer
    pieces = [tok.decode([i]) for i in range(len(tok))]
    # The tokenizer spells 最好 as one merged token and 最 also as byte pieces of other tokens' spellings: the
    # sampler must block both (the merged token up front, byte pieces when they would complete the term).
    assert any("最好" in p for p in pieces)
    assert len(tok("最", add_special_tokens=False)["input_ids"]) >= 1
    for seed in range(20):
        assert "最" not in _sample(zuihao_lm, ("最",), seed)
        assert "最好" not in _sample(zuihao_lm, ("最好",), seed)
    # The copy LM's own clause writer blocks the ad-law list (which holds 最) without being told.
    assert "最" in decoding_banned_terms() and "第一" in decoding_banned_terms()
    for seed in range(10):
        clause = zuihao_lm.clause("", seed=seed, min_chars=1)
        assert clause is None or "最" not in clause


def test_cut_clause_keeps_the_first_clause_only() -> None:
    assert cut_clause("白色的衣身，干净利落。") == "白色的衣身，"
    assert cut_clause("短，很长的一句") is None  # too short before the first mark
    assert cut_clause("没有标点的文字") is None


def test_scores_prefer_text_like_the_training_text(zuihao_lm: CopyLM) -> None:
    like, unlike = zuihao_lm.logprob_per_char(["最好的面料，最好的做工。", "蓝天白云飞机场。"])
    assert like > unlike


@pytest.fixture(scope="module")
def lm_model() -> CopyModel:
    cfg = CopyModelConfig(
        min_fragment_chars=3, lm="koubei", lm_preset="micro", lm_vocab_size=300, lm_max_steps=30
    )
    return CopyModel(cfg).fit([CopyPair(parse_attributes(c), s) for c, s in PAIRS])


def test_a_koubei_lm_copy_model_saves_its_lm_and_loads_to_the_same_candidates(
    lm_model: CopyModel, tmp_path: Path
) -> None:
    attrs = parse_attributes("类型#裙*颜色#红色*风格#简约")
    assert lm_model.lm_ is not None and lm_model.data_record_["copy_lm"]["steps"] == 30
    before = [(c.text, round(c.fluency, 5)) for c in lm_model.generate(attrs, n=4, seed=5)]
    lm_model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "lm" / "koubei_lm.json").read_text(encoding="utf-8"))
    assert meta["kind"] == "koubei-causal-lm" and meta["copy_lm"]["preset"] == "micro"
    loaded = CopyModel.load(tmp_path / "m")
    assert loaded.lm_ is not None
    assert [(c.text, round(c.fluency, 5)) for c in loaded.generate(attrs, n=4, seed=5)] == before
    # The fluency used is the koubei LM's, not the 4-gram's.
    text = before[0][0]
    assert before[0][1] == round(lm_model.lm_.logprob_per_char([text])[0], 5)


def test_sampled_connective_clauses_name_no_foreign_value(lm_model: CopyModel) -> None:
    import dataclasses

    lm_model.config_ = dataclasses.replace(lm_model.config_, lm_fill_draws=6)
    try:
        attrs = parse_attributes("类型#上衣*颜色#黑色*材质#棉")
        for cand in lm_model.generate(attrs, n=6, seed=1):
            for other in ("白色", "红色", "蓝色", "宽松", "复古", "裙", "裤"):
                assert other not in cand.text
            assert "最" not in cand.text
    finally:
        lm_model.config_ = dataclasses.replace(lm_model.config_, lm_fill_draws=0)


@pytest.fixture(scope="module")
def base_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder as `koubei lm train` writes it (micro preset, review-like text)."""
    from koubei.lm.train import train_lm

    out = tmp_path_factory.mktemp("base") / "lm"
    texts = [
        "质量很好，穿着舒服，颜色也好看。",
        "物流很快，包装完好，客服耐心。",
        "面料柔软，做工精细。",
    ] * 15
    train_lm(texts, out, preset_name="micro", max_steps=10, vocab_size=300, device="cpu", precision="fp32")
    return out


def test_init_from_fine_tunes_the_given_lm_and_keeps_its_tokenizer(base_lm: Path, tmp_path: Path) -> None:
    from koubei.lm.tokenizer import load_tokenizer

    cfg = CopyModelConfig(min_fragment_chars=3, init_from=str(base_lm), lm_max_steps=5)
    assert cfg.lm == "koubei"
    model = CopyModel(cfg).fit([CopyPair(parse_attributes(c), s) for c, s in PAIRS])
    assert model.data_record_["copy_lm"]["init_from"] == str(base_lm)
    assert model.lm_ is not None
    assert model.lm_.tokenizer.get_vocab() == load_tokenizer(base_lm).get_vocab()
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / "lm" / "model.safetensors").is_file()


def test_copy_train_cli_with_init_from(
    base_lm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from koubei.cli.main import app

    monkeypatch.setenv("KOUBEI_HOME", str(tmp_path / "home"))
    data = write_pairs(tmp_path / "pairs.jsonl")
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "copy",
            "train",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "m"),
            "--init-from",
            str(base_lm),
            "--time-budget",
            "20",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["lm"]["lm"] == "koubei" and body["lm"]["init_from"] == str(base_lm)
    assert (tmp_path / "m" / "lm" / "config.json").is_file()
    missing = runner.invoke(
        app,
        ["copy", "train", "--data", str(data), "--out", str(tmp_path / "m2"), "--init-from", str(tmp_path)],
    )
    assert missing.exit_code == 2 and "--init-from" in missing.output and "Traceback" not in missing.output
    bad = runner.invoke(app, ["copy", "train", "--data", str(data), "--lm", "gpt"])
    assert bad.exit_code == 2 and "--lm" in bad.output
