"""Tiny attribute -> copy pairs written for these tests (not from any data set), and a store with one product."""

from __future__ import annotations

import json
from pathlib import Path

PAIRS = [
    ("类型#上衣*颜色#白色*材质#棉", "这款上衣清爽百搭。白色的衣身，干净利落。棉质面料，穿着舒适。"),
    ("类型#裙*颜色#黑色*风格#复古", "这款连衣裙很有气质。复古的设计，优雅大方。黑色的裙身，显瘦百搭。"),
    ("类型#裤*颜色#蓝色*版型#宽松", "宽松的版型，不挑身材。蓝色的裤身，清爽干净。这款裤子很好搭配。"),
    ("类型#上衣*颜色#红色*风格#简约", "简约的设计，大方得体。红色的衣身，喜庆吉利。这款上衣轻松百搭。"),
    ("类型#裙*颜色#白色*版型#宽松", "白色的裙身，温柔甜美。宽松的版型，舒适自在。这款半身裙很有气质。"),
    ("类型#裤*材质#棉*风格#简约", "棉质面料，亲肤透气。简约的设计，百搭耐看。这款裤子上身舒适。"),
]


def write_pairs(path: Path, extra_lines: list[str] | None = None) -> Path:
    lines = [json.dumps({"content": c, "summary": s}, ensure_ascii=False) for c, s in PAIRS]
    path.write_text("\n".join(lines + (extra_lines or [])) + "\n", encoding="utf-8")
    return path


def add_product(store, product_id: str = "P1", reviews: list[tuple[str, str]] | None = None) -> None:
    from koubei.store.models import Product, Review

    with store.session() as s:
        s.add(
            Product(
                product_id=product_id,
                title="白色棉质上衣",
                attributes={"类型": "上衣", "颜色": "白色"},
                content_hash="x",
            )
        )
        for rid, text in reviews or []:
            s.add(
                Review(
                    review_id=rid,
                    product_id=product_id,
                    text=text,
                    masked_text=text,
                    content_hash="x",
                    rating=5,
                )
            )
