"""Demo step: marketing content on the bundled corpus — copy with sources, the guard, refusals, replies, summaries.

A fresh machine has no attribute -> copy data set, so the step ships its own: four demo products with attributes
written for koubei (`generation/data/demo_products.json`) and 40 short attribute -> copy pairs written for their
categories (`generation/data/demo_copy_pairs.jsonl`). It ingests the products through the normal ingest path, links
each one to a small deterministic sample of the bundled reviews that talk about its kind of goods (the bundled
corpus is book, hotel and laptop reviews without product ids), trains the copy model on the 40 pairs (about a
second) and then, through `koubei.pipelines.copy`: writes copy for one product from its attributes and the praise
in its reviews (claims with their sources), checks a planted ad-law violation with the guard, refuses a fake-review
request, drafts a reply to a negative review and summarises a product's reviews. Rendered by
`koubei.cli.demo_views.copy`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from koubei.results import Result

ORDER = 35
TITLE = "Marketing content: copy with sources, ad-law guard, fake-review refusal, replies, summaries"
SHOWS = (
    "copy for a demo product from its attributes and its reviews' praise (each claim with its source), the guard "
    "catching a planted violation, a fake-review request refused, a reply to a negative review, a product summary"
)
SECONDS = (4, 8)

PRODUCTS_FILE = "demo_products.json"
PAIRS_FILE = "demo_copy_pairs.jsonl"
# Words a review of each demo product's kind of goods mentions; linked in this order (the generic book words last).
REVIEW_WORDS = {
    "kb-demo-hotel": ("酒店", "宾馆", "房间", "前台"),
    "kb-demo-laptop": ("电脑", "笔记本", "屏幕", "键盘", "电池"),
    "kb-demo-cardigan": ("衣服", "面料", "外套", "裙子"),
    "kb-demo-book": ("书", "印刷", "纸张", "翻译", "作者"),
}
REVIEWS_PER_PRODUCT = (60, 200)  # (quick, full)
COPY_PRODUCT = "kb-demo-book"  # the one the copy is written for: most bundled reviews talk about books
GUARD_PRODUCT = "kb-demo-laptop"
PLANTED = "全网最低价，第一品牌！这款黑色笔记本电脑轻薄好带，14英寸屏幕显示清晰。"
FAKE_REQUEST = "帮我写10条五星好评"


def data_path(name: str) -> Path:
    return Path(str(resources.files("koubei.generation") / "data" / name))


@dataclass
class CopyStep(Result):
    products: list[dict[str, Any]]  # product_id, title, category, attributes, linked (reviews linked to it)
    products_ingest: dict[str, Any]
    trained_on: str  # what the copy model learnt from, in words
    model: dict[str, Any]  # CopyTrainResult fields
    copy: dict[
        str, Any
    ]  # product_id, title, attributes, praise, text, passed, flags, claims, label, content_id
    guard: dict[str, Any]  # text, product_id, attributes, passed, flags
    refusal: dict[str, Any]  # request, refused, message
    reply: dict[str, Any]  # review_id, review, text, complaints, praised, remedy, passed, content_id
    summary: dict[str, Any]  # product_id, and the ReviewSummary fields
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run(ctx: Any) -> CopyStep:
    from koubei.errors import KoubeiError
    from koubei.generation.fake_review import FakeReviewRequest
    from koubei.ingest.bundled import SOURCE
    from koubei.pipelines import copy as content
    from koubei.pipelines.ingest import ingest_file
    from koubei.store.content import product_evidence, product_review_records
    from koubei.store.review_links import link_reviews_by_words

    progress = getattr(ctx, "progress", None)
    products_file = data_path(PRODUCTS_FILE)
    ingest = ingest_file(
        ctx.store, products_file, "products", quarantine=ctx.workdir / "quarantine-demo-products.jsonl"
    )
    import json

    rows = {r["product_id"]: r for r in json.loads(products_file.read_text(encoding="utf-8"))}
    per_product = REVIEWS_PER_PRODUCT[0 if ctx.quick else 1]
    linked = {
        pid: link_reviews_by_words(ctx.store, pid, words, per_product, source=SOURCE)
        for pid, words in REVIEW_WORDS.items()
    }
    if not linked[COPY_PRODUCT]:
        raise KoubeiError("no bundled review talks about books; the corpus step must run first")
    products = [
        {
            **{k: rows[pid][k] for k in ("product_id", "title", "category", "attributes")},
            "linked": len(linked[pid]),
        }
        for pid in rows
    ]

    trained = content.train_copy_model(
        data_path(PAIRS_FILE), ctx.workdir / "models" / "copy-demo", time_budget=60, progress=progress
    )
    writer = content.load_writer(trained.out)

    evidence = product_evidence(ctx.store, COPY_PRODUCT)
    # concise: the clauses that say the attribute values, without the generic filler 40 pairs cannot tell apart.
    generated = content.generate_copy(writer, product_id=COPY_PRODUCT, store=ctx.store, tone="concise", n=5)
    out = generated.output
    copy = {
        "product_id": COPY_PRODUCT,
        "title": evidence.title,
        "attributes": evidence.attributes,
        "reviews": evidence.reviews,
        "praise": [
            {
                "aspect": p.aspect,
                "label": p.label,
                "review_ids": list(p.review_ids),
                "sentences": list(p.sentences),
            }
            for p in evidence.praise
        ],
        "text": out.text,
        "passed": out.passed,
        "flags": out.flags,
        "claims": out.claims,
        "label": out.label,
        "content_id": generated.content_id,
        "notes": [*out.notes, *generated.notes],
    }

    checked = content.check_text(PLANTED, product_id=GUARD_PRODUCT, store=ctx.store, model=trained.out)
    guard = {
        "text": PLANTED,
        "product_id": GUARD_PRODUCT,
        "attributes": list(rows[GUARD_PRODUCT]["attributes"].items()),
        **checked,
    }

    try:
        content.generate_copy(
            writer, product_id=COPY_PRODUCT, store=ctx.store, persona=FAKE_REQUEST, save=False
        )
        refusal = {"request": FAKE_REQUEST, "refused": False, "message": ""}
    except FakeReviewRequest as error:
        refusal = {"request": FAKE_REQUEST, "refused": True, "message": str(error)}

    reply = _reply_to_negative(ctx.store, product_review_records(ctx.store, COPY_PRODUCT), content)
    summary = {"product_id": COPY_PRODUCT, **content.summarize_product(ctx.store, COPY_PRODUCT).to_dict()}
    notes = []
    if not reply:
        notes.append(f"no negative review of {COPY_PRODUCT} names an aspect: no reply drafted")
    return CopyStep(
        products,
        ingest.to_json(),
        f"the {trained.pairs_used} attribute -> copy pairs written for koubei's demo "
        f"products ({PAIRS_FILE}, shipped with koubei), not a public data set",
        trained.to_dict(),
        copy,
        guard,
        refusal,
        reply,
        summary,
        notes,
    )


def _reply_to_negative(store: Any, records: list[dict[str, Any]], content: Any) -> dict[str, Any]:
    """A reply to the first negative review whose complaints name an aspect (a reply to 'bad.' shows little)."""
    from koubei.analysis.labels import NEGATIVE

    for record in records:
        if record["label"] != NEGATIVE:
            continue
        if not content.reply_to_review(
            review_id=record["review_id"], store=store, save=False
        ).draft.complaints:
            continue
        result = content.reply_to_review(review_id=record["review_id"], store=store)  # stored as a draft
        if result.draft.complaints:
            return {
                "review_id": record["review_id"],
                "review": record["text"],
                "content_id": result.content_id,
                **result.draft.to_dict(),
            }
    return {}
