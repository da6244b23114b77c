"""The copy model: fit on tiny pairs, substitution of same-key values, faithfulness, save -> load -> same output;
the metrics and baselines on tiny inputs; the writer's label, praise claims and refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from koubei.errors import BadInputError
from koubei.generation.baselines import RetrievalBaseline, template_copy
from koubei.generation.copy_data import CopyPair, parse_attributes
from koubei.generation.copy_model import CopyModel, CopyModelConfig, _join
from koubei.generation.evaluate import bleu4, coverage, distinct_2, rouge, score_outputs
from tests.generation.copy_fixtures import PAIRS


@pytest.fixture(scope="module")
def pairs() -> list[CopyPair]:
    return [CopyPair(parse_attributes(c), s) for c, s in PAIRS]


@pytest.fixture(scope="module")
def model(pairs: list[CopyPair]) -> CopyModel:
    return CopyModel(CopyModelConfig(min_fragment_chars=3)).fit(pairs)


def test_a_value_is_realised_from_a_clause_written_for_another_value_of_its_key(model: CopyModel) -> None:
    attrs = parse_attributes("类型#上衣*颜色#黑色*材质#棉")
    for cand in model.generate(attrs, n=3):
        assert "黑色" in cand.text and "上衣" in cand.text and "棉" in cand.text
        for other in ("白色", "红色", "蓝色", "宽松", "复古"):  # values of other products never leak in
            assert other not in cand.text
        assert set(cand.covered) == {"上衣", "黑色", "棉"}


def test_fragments_never_repeat_a_source_and_stay_short(model: CopyModel) -> None:
    assert all(len(f.text) <= 20 for f in model.fragments_)
    assert model.data_record_["pairs"] == 6 and model.data_record_["fragments"] == len(model.fragments_)


def test_save_load_gives_the_same_candidates(model: CopyModel, tmp_path: Path) -> None:
    attrs = parse_attributes("类型#裙*颜色#红色*风格#简约")
    before = [c.text for c in model.generate(attrs, n=4, seed=5)]
    model.save(tmp_path / "m")
    loaded = CopyModel.load(tmp_path / "m")
    assert [c.text for c in loaded.generate(attrs, n=4, seed=5)] == before
    assert len(loaded.train_pairs_) == 6 and loaded.copy_index(tmp_path / "m").find(PAIRS[0][1])


def test_a_model_folder_from_a_newer_koubei_is_refused(model: CopyModel, tmp_path: Path) -> None:
    import json

    model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    meta["format_version"] = 99
    (tmp_path / "m" / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(BadInputError, match="upgrade koubei"):
        CopyModel.load(tmp_path / "m")


def test_untrained_and_bad_settings_are_refused() -> None:
    from koubei.errors import NotFittedError

    with pytest.raises(NotFittedError, match="not trained"):
        CopyModel().generate(parse_attributes("类型#上衣"))
    with pytest.raises(BadInputError, match="max_fragment_chars"):
        CopyModelConfig(max_fragment_chars=25)
    with pytest.raises(BadInputError, match="no training pairs"):
        CopyModel().fit([])


def test_join_keeps_clause_punctuation_and_ends_with_a_full_stop() -> None:
    assert _join(["白色的衣身，", "干净利落。", "穿着舒适，"]) == "白色的衣身，干净利落。穿着舒适。"


def test_metrics_on_tiny_inputs() -> None:
    assert bleu4("白色的衣身十分百搭", "白色的衣身十分百搭") == pytest.approx(100.0)
    assert bleu4("", "白色") == 0.0
    assert rouge("白色的衣身", "白色的衣身") == {"rouge_1": 100.0, "rouge_2": 100.0, "rouge_l": 100.0}
    assert rouge("今天", "白色的衣身")["rouge_l"] == 0.0
    assert coverage("白色的上衣", ["白色", "上衣", "棉"]) == (2, 3)
    assert distinct_2(["abab"]) == pytest.approx(2 / 3)


def test_baselines_on_tiny_inputs(pairs: list[CopyPair]) -> None:
    assert template_copy(parse_attributes("类型#上衣*颜色#白色*材质#棉")) == "这款上衣，白色、棉，值得拥有。"
    assert template_copy(parse_attributes("type#shirt*color#white")) == "This shirt: white. Worth having."
    retrieval = RetrievalBaseline(pairs)
    assert retrieval(parse_attributes("类型#裤*颜色#蓝色")) == PAIRS[2][1]


def test_score_outputs_counts_contradictions_and_banned_terms(pairs: list[CopyPair]) -> None:
    figures = score_outputs("x", pairs[:2], ["这款纯棉上衣是全网最低价。", "白色的裙身，复古。"])
    assert figures.contradiction_rate == 50.0  # 白色 against 颜色#黑色
    assert figures.banned_term_rate == 50.0  # 全网最低价
    assert figures.coverage == 66.67  # 上衣 棉 of 上衣 白色 棉; 裙 复古 of 裙 黑色 复古: 4 / 6
    assert figures.lines == 2


def test_writer_labels_cites_review_ids_and_refuses_fake_reviews(model: CopyModel) -> None:
    from koubei.generation.fake_review import FakeReviewRequest
    from koubei.generation.generate import CopyRequest, CopyWriter, Praise

    writer = CopyWriter(model)
    out = writer.write(
        CopyRequest(parse_attributes("类型#上衣*颜色#白色"), [Praise("quality", "质量", ("r1", "r2"))], n=3)
    )
    assert out.label["machine_generated"] is True
    assert out.text.endswith("不少买家称赞它的质量。")
    praise_claim = out.claims[-1]
    assert praise_claim["source"] == {"kind": "review", "id": "r1"}
    assert [s["id"] for s in praise_claim["sources"]] == ["r1", "r2"]
    assert 1 <= len(out.candidates) <= 3 and out.candidates[0].text == out.text
    with pytest.raises(FakeReviewRequest):
        writer.write(CopyRequest(parse_attributes("类型#上衣"), persona="帮我写10条五星好评"))
    with pytest.raises(BadInputError, match="tone"):
        CopyRequest(parse_attributes("类型#上衣"), tone="angry")


def test_an_english_model_trained_on_english_pairs_writes_english(tmp_path: Path) -> None:
    en = [
        ("type#shirt*color#white", "A clean white shirt, easy to wear. Soft cotton, comfortable all day."),
        ("type#dress*color#black", "A black dress with quiet elegance. Flattering cut, easy to pair."),
        ("type#shirt*color#blue", "A fresh blue shirt for every day. Relaxed fit, easy to wear."),
    ]
    model = CopyModel(CopyModelConfig(min_fragment_chars=3)).fit(
        [CopyPair(parse_attributes(c), s) for c, s in en]
    )
    text = model.generate(parse_attributes("type#dress*color#white"), n=1)[0].text
    assert "white" in text and "black" not in text and "blue" not in text


def test_realise_substitutes_within_a_key_and_refuses_foreign_values(model: CopyModel) -> None:
    from koubei.generation.copy_model import Fragment

    frag = Fragment("白色的复古上衣，", 0, 0.0, [(0, 2, "白色", 1), (3, 5, "复古", 1)])
    attrs = parse_attributes("类型#上衣*颜色#黑色*风格#复古")
    assert model._realise(frag, attrs, {v for _, v in attrs}) == (
        "黑色的复古上衣，",
        {"黑色", "复古", "上衣"},
    )
    no_style = parse_attributes("类型#上衣*颜色#黑色")
    assert model._realise(frag, no_style, {v for _, v in no_style}) is None  # 复古: a value the product lacks
    other_style = parse_attributes(
        "类型#上衣*颜色#黑色*风格#简约"
    )  # styles are not swapped (only colours, fabrics...)
    assert model._realise(frag, other_style, {v for _, v in other_style}) is None
    dress = parse_attributes("类型#裙*颜色#白色*风格#复古")  # another product type named: not this product
    assert model._realise(frag, dress, {v for _, v in dress}) is None
    glued = Fragment("白色系上衣，", 0, 0.0, [(0, 2, "白色", 0)])  # inside a longer word: never substituted
    assert model._realise(glued, attrs, {v for _, v in attrs}) is None


def test_a_clause_naming_a_part_the_product_type_lacks_is_refused(model: CopyModel) -> None:
    from koubei.generation.copy_model import Fragment

    frag = Fragment("黑色的领口，", 0, 0.0, [(0, 2, "黑色", 1)])
    trousers = parse_attributes("类型#裤*颜色#黑色")
    top = parse_attributes("类型#上衣*颜色#黑色")
    assert model._realise(frag, trousers, {v for _, v in trousers}) is None  # trousers have no neckline
    assert model._realise(frag, top, {v for _, v in top}) == ("黑色的领口，", {"黑色"})


def test_tone_length_and_persona_options_change_the_copy(model: CopyModel) -> None:
    from koubei.generation.generate import CopyRequest, CopyWriter, Praise

    writer = CopyWriter(model)
    attrs = parse_attributes("类型#上衣*颜色#白色*材质#棉")
    plain = writer.write(CopyRequest(attrs, n=1)).text
    assert "！" in writer.write(CopyRequest(attrs, n=1, tone="lively")).text
    assert len(writer.write(CopyRequest(attrs, n=1, tone="concise")).text) < len(plain)
    praise = [Praise("quality", "质量", ("r1",)), Praise("price", "价格", ("r2",))]
    assert writer.write(CopyRequest(attrs, praise, n=1, persona="学生党")).text.endswith(
        "称赞它的价格和质量。"
    )
    assert writer.write(CopyRequest(attrs, praise, n=1)).text.endswith("称赞它的质量和价格。")
