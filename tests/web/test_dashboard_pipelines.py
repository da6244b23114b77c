"""The dashboard's pipelines on hand-made data, with answers worked out by hand; and the i18n / CSRF helpers."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from koubei.analysis.sentiment.explain import Span
from koubei.pipelines.dashboard import highlight_spans, overview, top_aspects
from koubei.pipelines.dashboard_wom import cascade_tree


def test_overview_weekly_series_by_hand(web_store) -> None:
    data = overview(web_store)
    assert data.totals["reviews"] == 55 and data.totals["products"] == 4 and data.totals["shares"] == 6
    # Only the hand-made reviews are dated: 2026-01-05 (W02) to 2026-03-20 (W12), no gaps (W05 has none).
    assert data.weeks == [f"2026-W{w:02d}" for w in range(2, 13)]
    assert data.volume == [2, 1, 1, 0, 1, 1, 1, 2, 2, 3, 1]
    # W02: r01 + r08 positive; W03: r02 negative; W05: no review at all.
    assert data.net_sentiment[:4] == [1.0, -1.0, 1.0, None]
    # shares: s01-s04 (of r01) in W02, s05-s06 (of r02) in W03
    assert data.shares[:3] == [4, 2, 0]
    # W02: volume 2 reviews + 4 shares = 6, all positive (net 1); reach {u1, u2, u3, u4, u5} = 5
    assert data.wom_index[0] == pytest.approx(round(math.log(7) * math.log(6), 4))
    # W03: r02 by u2 and its 2 shares u5->u6->u7: volume 3, net -1, reach {u2, u5, u6, u7} = 4
    assert data.wom_index[1] == pytest.approx(round(-math.log(4) * math.log(5), 4))


def test_overview_is_kept_until_the_store_changes(web_store, tmp_path: Path) -> None:
    from koubei.pipelines.ingest import ingest_file

    first = overview(web_store)
    assert not first.cached
    again = overview(web_store)
    assert again.cached and again.volume == first.volume and again.computed_at == first.computed_at
    extra = tmp_path / "more.csv"
    extra.write_text(
        "review_id,product_id,label,text,created_at\nz1,p-phone,negative,屏幕坏了,2026-03-21 09:00\n"
    )
    ingest_file(web_store, extra, "reviews", quarantine=tmp_path / "q.jsonl")
    changed = overview(web_store)
    assert not changed.cached
    assert changed.volume[-1] == first.volume[-1] + 1  # 2026-03-21 is in W12 with r13
    assert overview(web_store, refresh=True).cached is False


def test_top_aspects_rank_by_mentions_of_the_sentiment() -> None:
    counts = [
        ("price", "positive", 3),
        ("price", "negative", 1),
        ("quality", "positive", 3),
        ("logistics", "negative", 5),
        ("logistics", "positive", 1),
    ]
    praised = top_aspects(counts, "positive")
    assert [(a.aspect, a.mentions, a.share) for a in praised] == [
        ("price", 3, 0.75),
        ("quality", 3, 1.0),
        ("logistics", 1, round(1 / 6, 4)),
    ]
    assert [a.aspect for a in top_aspects(counts, "negative", k=1)] == ["logistics"]


def test_highlight_spans_keeps_the_heaviest_words_in_order() -> None:
    spans = [
        Span(0, 2, "很好", 0.9),
        Span(2, 4, "但是", -0.1),
        Span(5, 7, "太慢", -0.7),
        Span(8, 9, "的", 0.05),
    ]
    assert highlight_spans(spans, "positive", k=2) == [[0, 2, "positive"], [5, 7, "negative"]]
    assert highlight_spans(spans, "negative", k=3) == [
        [0, 2, "negative"],
        [2, 4, "positive"],
        [5, 7, "positive"],
    ]
    overlapping = [Span(0, 3, "abc", 0.5), Span(1, 2, "b", 0.9)]
    assert highlight_spans(overlapping, "positive") == [[0, 3, "positive"]]


def test_cascade_tree_nests_children_under_parents() -> None:
    parent = {"a": None, "b": "a", "c": "a", "d": "b", "e": "d"}
    tree, drawn = cascade_tree(parent)
    assert drawn == 5
    assert tree == {
        "name": "a",
        "children": [
            {"name": "b", "children": [{"name": "d", "children": [{"name": "e", "children": []}]}]},
            {"name": "c", "children": []},
        ],
    }
    small, drawn = cascade_tree(parent, limit=3)
    assert drawn == 3 and [c["name"] for c in small["children"]] == ["b", "c"]


def test_campaign_plan_checks_its_inputs(web_store) -> None:
    from koubei.errors import BadInputError
    from koubei.pipelines.dashboard_wom import campaign_plan

    with pytest.raises(BadInputError, match="k=0"):
        campaign_plan(web_store, 0)
    with pytest.raises(BadInputError, match="model="):
        campaign_plan(web_store, 1, model="sir")
    plan = campaign_plan(web_store, 1)
    assert [r.method for r in plan.rows] == ["imm", "degree", "pagerank"]
    # the share graph: u1->u2->{u3,u4}, u4->u5, u5->u6->u7 ; from u1 everything downstream of it can be reached
    assert all(len(r.seeds) == 1 for r in plan.rows)
    assert plan.rows[0].expected_spread >= 1.0


def test_accept_language_and_the_cookie() -> None:
    from koubei.web.i18n import choose_language, parse_accept_language

    assert parse_accept_language("en-US,en;q=0.9,zh-CN;q=0.8") == "en"
    assert parse_accept_language("fr-FR,zh;q=0.5,en;q=0.4") == "zh"
    assert parse_accept_language("zh;q=0.2, en;q=0.7") == "en"
    assert parse_accept_language("fr, de") is None
    assert parse_accept_language("en;q=0, zh;q=0.1") == "zh"
    assert choose_language("en", "zh-CN") == "en"
    assert choose_language("xx", "fr") == "zh"


def test_both_languages_carry_the_same_keys_and_placeholders() -> None:
    import re

    from koubei.web.messages import EN, ZH

    assert set(ZH) == set(EN)
    for key in ZH:
        assert set(re.findall(r"{(\w+)}", ZH[key])) == set(re.findall(r"{(\w+)}", EN[key])), key


def test_every_message_a_template_names_exists() -> None:
    import re

    from koubei.web.messages import ZH

    templates = Path(__file__).resolve().parents[2] / "src" / "koubei" / "web" / "templates"
    used = set()
    for path in templates.rglob("*.html"):
        used |= set(re.findall(r"""\bt\(["']([a-z_]+\.[a-z_]+)["']""", path.read_text(encoding="utf-8")))
    prefixes = {k for k in used if k.endswith("_")}  # t("copy.status_" ~ status): some key must start so
    assert used - prefixes and not (used - prefixes) - set(ZH)
    assert all(any(key.startswith(p) for key in ZH) for p in prefixes)


def test_safe_next_stays_on_site() -> None:
    from koubei.web.session import safe_next

    assert safe_next("/reviews?q=1") == "/reviews?q=1"
    for bad in (None, "", "https://evil.example", "//evil.example", "/\\evil.example", "reviews"):
        assert safe_next(bad) == "/"


def test_the_page_gets_the_old_copy_while_a_thread_recomputes(web_store, tmp_path: Path) -> None:
    from koubei.pipelines.dashboard import wait_for_refresh
    from koubei.pipelines.ingest import ingest_file

    first = overview(web_store)
    extra = tmp_path / "more.csv"
    extra.write_text(
        "review_id,product_id,label,text,created_at\nz2,p-phone,positive,好用,2026-03-21 09:00\n"
    )
    ingest_file(web_store, extra, "reviews", quarantine=tmp_path / "q.jsonl")
    served = overview(web_store, background=True)
    assert served.stale and served.cached and served.volume == first.volume  # the old figures, at once
    wait_for_refresh(web_store, timeout=120)
    now = overview(web_store)
    assert now.cached and not now.stale and now.volume[-1] == first.volume[-1] + 1
