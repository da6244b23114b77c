"""Evidence documents: one per attribute / FAQ entry / Q&A pair / review sentence, with citations."""

from __future__ import annotations

import pytest

from koubei.errors import BadInputError
from koubei.support.documents import faq_docs, product_docs, qa_docs, review_docs, split_sentences


def test_product_attributes_from_dict_and_hash_string() -> None:
    docs = {
        d.doc_id: d
        for d in product_docs({"product_id": "V1", "title": "X200", "attributes": "颜色#白色*续航#60分钟"})
    }
    assert set(docs) == {"attr:V1:title", "attr:V1:颜色", "attr:V1:续航"}
    assert docs["attr:V1:续航"].text == "续航: 60分钟"
    assert docs["attr:V1:续航"].search_text == "X200 续航 60分钟"
    assert docs["attr:V1:续航"].citation() == {
        "doc_id": "attr:V1:续航",
        "kind": "attribute",
        "id": "续航",
        "product_id": "V1",
    }
    json_docs = product_docs({"product_id": "P", "attributes": '{"size": ["S", "M"]}'})
    assert [d.text for d in json_docs] == ["size: S, M"]


def test_review_sentences_use_masked_text_only() -> None:
    assert split_sentences("质量很好。OK. 电池很耐用！Version 2.0 works fine.") == [
        "质量很好。",
        "电池很耐用！",
        "Version 2.0 works fine.",
    ]
    docs = review_docs(
        {"review_id": "R", "product_id": "P", "masked_text": "质量很好。物流很快！", "text": "raw"}
    )
    assert [(d.doc_id, d.text, d.meta["sentence"]) for d in docs] == [
        ("review:R#1", "质量很好。", 1),
        ("review:R#2", "物流很快！", 2),
    ]
    with pytest.raises(BadInputError, match="masked_text"):
        review_docs({"review_id": "R", "text": "raw only"})


def test_faq_and_qa_docs() -> None:
    (faq,) = faq_docs({"faq_id": "F", "question": "Q?", "answer": "A."})
    assert faq.product_id is None and faq.search_text == "Q? A." and faq.text == "A."
    (qa,) = qa_docs(
        {"qa_id": "q1", "product_id": "P", "question": "Q?", "answer": "A."}, include_question=False
    )
    assert qa.search_text == "A." and qa.product_id == "P"
    with pytest.raises(BadInputError, match="faq_id"):
        faq_docs({"question": "Q?", "answer": ""})
    with pytest.raises(BadInputError, match="attributes"):
        product_docs({"product_id": "P", "attributes": "{not json"})


def test_attributes_parse_like_ingest() -> None:
    """Support reads a catalog's attributes with ingest's parser: a repeated key keeps every value, a broken pair
    is an error naming the product (the old copy kept the last value and skipped broken pairs)."""
    from koubei.ingest.fields import parse_attributes

    raw = "材质#棉*材质#麻*颜色#白色"
    docs = {d.doc_id: d for d in product_docs({"product_id": "T1", "attributes": raw})}
    assert parse_attributes(raw) == {"材质": ["棉", "麻"], "颜色": "白色"}
    assert docs["attr:T1:材质"].text == "材质: 棉, 麻" and docs["attr:T1:颜色"].text == "颜色: 白色"
    with pytest.raises(BadInputError, match=r"'T2'.*neither a JSON object nor key#value"):
        product_docs({"product_id": "T2", "attributes": "颜色#白色*broken"})
