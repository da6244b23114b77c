"""The dashboard in Debian's headless Chromium (Playwright) against a real uvicorn on 127.0.0.1: the login, each
page's main flow, and the XSS cases (hostile review, product title and question render as text; no dialog fires).

Every page is checked for JavaScript errors and console errors too: a CSP refusal (an inline script or style the
policy blocks) shows up there.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.slow


def clean(page: Any, allow: tuple[str, ...] = ()) -> None:
    assert page.dialogs == [], f"a dialog fired: {page.dialogs}"
    assert page.page_errors == [], page.page_errors
    errors = [e for e in page.console_errors if not any(a in e for a in allow)]
    assert errors == [], errors


def test_login_then_overview_draws_its_charts(live_server, new_page, admin_key) -> None:
    page = new_page()
    page.goto(live_server.url + "/reviews")
    assert page.url.startswith(live_server.url + "/login")
    page.fill("#key", "kb_wrong")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text().startswith("密钥无效")
    page.fill("#key", admin_key)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/reviews")  # back where the login was asked for
    page.goto(live_server.url + "/")
    page.wait_for_selector("[data-chart][data-drawn] canvas")
    assert page.locator("[data-chart][data-drawn]").count() == 2
    assert page.locator(".kpi-value").first.inner_text() == "55"
    clean(page, allow=("status of 401",))  # the refused login answers 401, which the console reports
    page.click("button:has-text('退出')")
    page.wait_for_url(live_server.url + "/login")
    page.goto(live_server.url + "/")
    assert page.url.startswith(live_server.url + "/login")


def test_hostile_text_renders_as_text_everywhere(live_server, logged_in_page, admin_key) -> None:
    page = logged_in_page(admin_key)
    page.goto(live_server.url + "/reviews")
    body = page.locator("#review-list").inner_text()
    assert "<script>alert(1)</script>" in body
    assert "<img src=x onerror=alert('review')>" in body
    assert page.locator("#review-list img, #review-list script, #review-list svg").count() == 0
    page.goto(live_server.url + "/products/p-xss")
    assert "<img src=x onerror=alert('title')>" in page.locator("h1").inner_text()
    assert "<b>坏品牌</b>" in page.locator(".page-head").inner_text()
    assert page.locator("main img, main b").count() == 0
    page.goto(live_server.url + "/copy")
    assert "<img src=x onerror=alert('title')>" in page.locator("#product_id").inner_text()
    clean(page)  # the hostile question is asked in test_support_chat_cites_and_keeps_the_conversation


def test_reviews_search_and_load_more(live_server, logged_in_page, read_key) -> None:
    page = logged_in_page(read_key)
    page.goto(live_server.url + "/reviews")
    before = page.locator("#review-list article.review").count()
    assert before == 25
    page.click("#more-wrap button")
    # (locator waits: wait_for_function evaluates a string, which the page's CSP refuses)
    page.locator("#review-list article.review").nth(25).wait_for()
    assert page.locator("#review-list article.review").count() > 25
    page.fill("#q", "物流")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r".*q=%E7%89%A9%E6%B5%81.*"))
    texts = page.locator("#review-list .review-text").all_inner_texts()
    assert texts and all("物流" in t for t in texts)
    clean(page)


def test_product_page_marks_words_and_copies_a_reply(
    live_server, logged_in_page, admin_key, trained_model
) -> None:
    page = logged_in_page(admin_key)
    page.goto(live_server.url + "/products/p-phone")
    page.wait_for_selector("[data-chart][data-drawn] canvas")
    assert page.locator(".review-text mark").count() > 0
    assert page.locator("[data-copy-target]").count() >= 1  # reply drafts for its negative reviews
    clean(page)


def test_wom_tree_and_campaign_planner(live_server, logged_in_page, read_key) -> None:
    page = logged_in_page(read_key)
    page.goto(live_server.url + "/wom")
    page.wait_for_selector("[data-chart][data-drawn] canvas")
    page.fill("#k", "2")
    page.click("#plan-title ~ form button[type=submit]")
    page.wait_for_selector("#plan-result table", timeout=60_000)
    rows = page.locator("#plan-result tbody tr").all_inner_texts()
    assert len(rows) == 3 and "IMM" in rows[0] and "PageRank" in rows[2]
    page.wait_for_selector("#plan-result [data-chart][data-drawn] canvas")
    page.fill("#k", "500")  # over the limit: the form's max stops it, the server would say k=500
    assert page.locator("#k:invalid").count() == 1
    clean(page)


def test_copy_studio_approves_a_draft(live_server, logged_in_page, admin_key, web_store) -> None:
    from koubei.store.content import save_content

    content_id = save_content(
        web_store,
        "copy",
        "星辰手机 X1,电池 5000mAh。",
        product_id="p-phone",
        guard={"passed": True, "flags": []},
    )
    page = logged_in_page(admin_key)
    page.goto(live_server.url + "/copy")
    draft = page.locator(f"#draft-{content_id}")
    assert "草稿" in draft.inner_text()
    draft.locator("button:has-text('通过')").click()
    page.wait_for_selector(f"#draft-{content_id} .badge.approved")
    assert "test-admin" in page.locator(f"#draft-{content_id}").inner_text()
    # generating needs a trained copy model: without one the studio says how to train it, in place
    page.click("#gen-title ~ form button[type=submit]")
    page.wait_for_selector("#copy-result .notice")
    assert "koubei copy train" in page.locator("#copy-result").inner_text()
    clean(
        page, allow=("status of 404", "Error Code 404")
    )  # that answer is a 404 (no model), reported as such


def test_support_chat_cites_and_keeps_the_conversation(live_server, logged_in_page, read_key) -> None:
    page = logged_in_page(read_key)
    page.goto(live_server.url + "/support")
    hostile = "<img src=x onerror=alert('question')>手机电池耐用吗"
    page.fill("#question", hostile)
    page.click("#ask-form button[type=submit]")
    # the first question builds the service index from the store (tens of seconds on a busy 2-core machine)
    page.wait_for_selector("#chat .msg.assistant", timeout=240_000)
    assert hostile in page.locator("#chat .msg.user").last.inner_text()
    assert page.locator("#chat img").count() == 0
    answer = page.locator("#chat .msg.assistant").last.inner_text()
    assert answer.strip()  # (it quotes the hostile review and title: as text, no element made)
    assert (
        page.locator("#chat .msg.assistant .cites").count() + page.locator("#chat .escalation").count() >= 1
    )
    page.reload()
    assert page.locator("#chat .msg").count() == 2  # the session keeps the conversation
    page.fill("#question", "你们卖的是假货，我要投诉！")
    page.click("#ask-form button[type=submit]")
    page.locator("#chat .msg").nth(3).wait_for(timeout=120_000)
    assert page.locator("#chat .escalation").count() >= 1
    clean(page)


def test_jobs_upload_shows_rejects(live_server, logged_in_page, admin_key, tmp_path) -> None:
    bad = tmp_path / "reviews.csv"
    bad.write_text("review_id,rating,text\nj1,5,很好\nj2,11,评分超出范围\n", encoding="utf-8")
    page = logged_in_page(admin_key)
    page.goto(live_server.url + "/jobs")
    page.set_input_files("#file", str(bad))
    page.click("#upload-title ~ form button[type=submit]")
    page.wait_for_selector("#upload-report .notice")
    report = page.locator("#upload-report").inner_text()
    assert "新增 1" in report and "拒收 1" in report and "rating" in report
    clean(page)


def test_english_and_a_narrow_screen(live_server, logged_in_page, read_key) -> None:
    page = logged_in_page(read_key, locale="en-US", width=390, height=844)
    assert "Word of mouth today" in page.locator("h1").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the overview scrolls sideways on a phone ({width}px)"
    page.click("a.lang:has-text('中文')")
    page.wait_for_selector("h1:has-text('今日口碑')")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"  # first Tab: skip to content
    clean(page)
