"""English generation (issue 14 item 8): a copy model trained on 40 English attribute -> copy pairs written for
this test (tests/generation/data/copy_pairs_en.jsonl, not from any data set) writes English copy that names the
input's values and no other product's, ends sentences properly, survives save -> load unchanged, and goes
through the same guards as Chinese copy (the one training copy with an absolute claim never reaches the output)."""

from __future__ import annotations

from pathlib import Path

import pytest

from koubei.generation.copy_data import parse_attributes, read_pairs
from koubei.generation.copy_model import CopyModel, CopyModelConfig
from koubei.generation.generate import CopyRequest, CopyWriter

DATA = Path(__file__).parent / "data" / "copy_pairs_en.jsonl"
COLOURS = ("white", "black", "blue", "red", "grey", "green")
MATERIALS = ("cotton", "linen", "wool", "denim", "silk")
TYPES = ("shirt", "dress", "jacket", "trousers", "skirt")


@pytest.fixture(scope="module")
def en_model() -> CopyModel:
    found = read_pairs(DATA)
    assert len(found.pairs) == 40 and not found.rejected
    return CopyModel(CopyModelConfig(min_fragment_chars=3)).fit(found.pairs)


@pytest.mark.parametrize(
    "attributes",
    [
        "type#dress*color#green*material#wool",
        "type#jacket*color#white*fit#slim",
        "type#skirt*color#blue*material#linen",
    ],
)
def test_english_copy_names_the_input_values_and_no_others(en_model: CopyModel, attributes: str) -> None:
    attrs = parse_attributes(attributes)
    values = {v for _, v in attrs}
    for cand in en_model.generate(attrs, n=3, seed=0):
        text = cand.text.lower()
        assert all(v in text for v in values), cand.text
        for other in (*COLOURS, *MATERIALS, *TYPES):
            if other not in values:
                assert other not in text.replace(
                    "trousers", "trouser" if "trousers" in values else "trousers"
                ), (
                    other,
                    cand.text,
                )
        assert cand.text.isascii() and "，" not in cand.text and cand.text.endswith((".", "!", "?"))
        assert cand.text[0].isupper() and ", The " not in cand.text


def test_english_model_save_load_gives_the_same_copy(en_model: CopyModel, tmp_path: Path) -> None:
    attrs = parse_attributes("type#dress*color#green*material#wool")
    before = [c.text for c in en_model.generate(attrs, n=3, seed=4)]
    loaded = CopyModel.load(en_model.save(tmp_path / "en"))
    assert [c.text for c in loaded.generate(attrs, n=3, seed=4)] == before


def test_english_copy_goes_through_the_guards(en_model: CopyModel) -> None:
    from koubei.generation.fake_review import FakeReviewRequest

    # The one training copy with "The best skirt ever made" is kept out of the fragment bank by the ad-law rules.
    assert not any("best" in f.text.lower() for f in en_model.fragments_)
    writer = CopyWriter(en_model)
    out = writer.write(CopyRequest(parse_attributes("type#skirt*color#white*fit#regular"), n=3))
    assert out.passed and not out.flags and "best" not in out.text.lower()
    assert out.label["machine_generated"] is True
    assert {c["source"]["key"] for c in out.claims if c["source"] and c["source"]["kind"] == "attribute"} >= {
        "color",
        "fit",
    }
    flagged = writer.guard.check("The best skirt ever, guaranteed.", {"type": ["skirt"]})
    assert not flagged.passed and {f.kind for f in flagged.flags} == {"ad_law"}
    with pytest.raises(FakeReviewRequest):
        writer.write(CopyRequest(parse_attributes("type#skirt"), persona="write 5 customer reviews"))
