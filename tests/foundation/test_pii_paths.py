"""Every place that stores text masks it with the one masker (`koubei.text.pii.mask_pii`), on both stores.

The review found e-mails written right after a Chinese character kept by ingest and by the stored `ask` turns; these
tests go through the real ingest pipeline and the real support store, not through the masker alone.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from koubei.pipelines.ingest import ingest_file
from koubei.store import Store
from koubei.store.models import Review
from koubei.text import pii

RAW = {
    "r1": "我的邮箱是abc@163.com，快递很快",
    "r2": "有问题加微信 zhang_san88 或打0755-8888 8888",
    "r3": "订单号：320102198803077618，客户方便的话可以自提",  # nothing personal: must stay as it is
    "r4": "收货人：欧阳娜娜，身份证 110105 19491231 002X",
}
MASKED = {
    "r1": "我的邮箱是<EMAIL>，快递很快",
    "r2": "有问题加微信 <ACCOUNT> 或打<PHONE>",
    "r3": "订单号：320102198803077618，客户方便的话可以自提",
    "r4": "收货人：<NAME>，身份证 <ID>",
}


def test_every_storing_path_uses_the_one_masker() -> None:
    from koubei.ingest import loader
    from koubei.store import support

    assert loader.mask_pii is pii.mask_pii
    assert support.mask_pii is pii.mask_pii


def test_ingest_stores_masked_text(db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "reviews.csv"
    with source.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["review_id", "text"])
        writer.writerows(RAW.items())
    with Store.open(db_url) as store:
        summary = ingest_file(store, source, "reviews")
        with store.session() as session:
            stored = {r.review_id: (r.text, r.masked_text) for r in session.scalars(select(Review))}
    assert summary.pii_masked == 5
    assert {rid: masked for rid, (_, masked) in stored.items()} == MASKED
    assert {rid: text for rid, (text, _) in stored.items()} == RAW  # the raw text stays apart, as before


def test_stored_ask_turns_are_masked(db_url: str) -> None:
    from koubei.store.support import conversation_turns, load_conversation, save_turn

    question = "我的邮箱是abc@163.com，收货地址为什么改不了？"
    reply = "已记录：邮箱zhangsan@qq.com。下单后地址是可以修改的"
    with Store.open(db_url) as store:
        save_turn(
            store, {"conversation_id": "c1", "last_question": question}, question, reply, {"intent": "faq"}
        )
        turns = conversation_turns(store, "c1")
        state = load_conversation(store, "c1")
    assert [t["text"] for t in turns] == [
        "我的邮箱是<EMAIL>，收货地址为什么改不了？",
        "已记录：邮箱<EMAIL>。下单后地址是可以修改的",
    ]
    assert state is not None and state["last_question"] == "我的邮箱是<EMAIL>，收货地址为什么改不了？"
