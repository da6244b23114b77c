"""`koubei demo`'s content step on the bundled corpus (quick mode), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from io import StringIO

from rich.console import Console

from koubei.cli.demo_views.copy import render
from koubei.pipelines.demo import plan_demo, run_demo
from koubei.pipelines.demo_steps import copy as step
from koubei.store.content import list_content, product_review_records


def test_copy_step_writes_checks_refuses_replies_and_summarises(store, tmp_path) -> None:
    summary = run_demo(store, tmp_path / "demo", quick=True, only=["corpus", "copy"])
    assert summary.failed == []
    result = summary.steps["copy"]
    assert isinstance(result, step.CopyStep)

    # The four shipped products are in the store, each linked to bundled reviews that mention its kind of goods.
    assert [p["product_id"] for p in result.products] == [
        "kb-demo-book",
        "kb-demo-hotel",
        "kb-demo-laptop",
        "kb-demo-cardigan",
    ]
    assert result.products_ingest["stored"] == 4
    assert all(p["linked"] > 0 for p in result.products)
    book_reviews = product_review_records(store, "kb-demo-book")
    assert len(book_reviews) == step.REVIEWS_PER_PRODUCT[0]
    assert all(any(w in r["text"] for w in step.REVIEW_WORDS["kb-demo-book"]) for r in book_reviews)
    assert "40 attribute -> copy pairs" in result.trained_on and result.model["pairs_used"] == 40

    # Copy: from the attributes and the reviews' praise, every claim with a source.
    copy = result.copy
    assert copy["passed"] and copy["flags"] == []
    assert "精装" in copy["text"] and "胶版纸" in copy["text"]
    kinds = {(c["source"] or {}).get("kind") for c in copy["claims"]}
    assert kinds == {"attribute", "review"}
    linked = {r["review_id"] for r in book_reviews}
    review_claims = [s for c in copy["claims"] for s in c.get("sources", []) if s["kind"] == "review"]
    assert review_claims and {s["id"] for s in review_claims} <= linked

    # Guard: ad-law terms and the wrong colour of the laptop are flagged.
    flags = {(f["kind"], f["span"]) for f in result.guard["flags"]}
    assert not result.guard["passed"]
    assert {("ad_law", "全网最低价"), ("ad_law", "第一"), ("contradiction", "黑色")} <= flags

    # Fake-review request refused with the offer to summarise; a reply to a negative review addresses its complaint.
    assert result.refusal["refused"] and "摘要" in result.refusal["message"]
    reply = result.reply
    assert reply["review_id"] in linked and reply["complaints"] and reply["passed"]
    assert next(r for r in book_reviews if r["review_id"] == reply["review_id"])["label"] == "negative"

    # Summary of the book's reviews: counts per aspect and the review ids behind every quoted line.
    assert result.summary["reviews"] == len(book_reviews)
    assert result.summary["aspects"]
    for aspect in result.summary["aspects"]:
        for line in aspect["pros"] + aspect["cons"]:
            assert line["support"] >= 1 and set(line["review_ids"]) <= linked

    # The copy and the reply are stored as drafts for a person to approve.
    drafts = {(d["kind"], d["status"]) for d in list_content(store)}
    assert drafts == {("copy", "draft"), ("reply", "draft")}

    # Running the step again links the same reviews and writes the same copy.
    again = run_demo(store, tmp_path / "demo", quick=True, only=["copy"]).steps["copy"]
    assert again.copy["text"] == copy["text"]
    assert [p["linked"] for p in again.products] == [p["linked"] for p in result.products]
    json.dumps(again.to_dict(), ensure_ascii=False)

    # The view shows review text as written (no markup read from it) and names what the model was trained on.
    out = StringIO()
    render(result, Console(file=out, width=200, color_system=None))
    shown = out.getvalue()
    assert (
        "trained on the 40 attribute -> copy pairs" in shown
        and "blocked: 3 flag(s)" in shown
        and "refused" in shown
    )
    result.reply["review"] = "[red]盗版书[/red] 太差"
    out = StringIO()
    render(result, Console(file=out, width=200, color_system=None))
    assert "“[red]盗版书[/red] 太差”" in out.getvalue()


def test_copy_step_is_planned_after_sentiment_and_before_word_of_mouth() -> None:
    names = [s.name for s in plan_demo(quick=True).steps]
    assert names.index("sentiment") < names.index("copy") < names.index("wom")
