"""Every dashboard page through TestClient: Bearer keys read pages, sessions log in and out, CSRF refusals,
read keys kept from writes, errors as HTML, and user text escaped in the HTML the server sends."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import bearer

PAGES = ["/", "/products/p-phone", "/reviews", "/reviews?q=物流", "/wom", "/copy", "/support", "/jobs"]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def log_in(client, key: str) -> str:
    """Log in through the form; returns the CSRF token of the logged-in session."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"key": key, "csrf_token": token, "next": "/"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    return csrf_of(client.get("/").text)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_a_bearer_key(web_client, read_key, path) -> None:
    response = web_client.get(path, headers=bearer(read_key))
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "<script>" not in response.text  # every script is a static file: no inline script at all
    assert '<script src="/static/' in response.text


@pytest.mark.parametrize("path", PAGES)
def test_pages_without_a_login_go_to_the_login(web_client, path) -> None:
    response = web_client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_htmx_requests_without_a_login_are_told_to_redirect(web_client) -> None:
    response = web_client.get("/jobs/list", headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.status_code == 401
    assert response.headers["hx-redirect"].startswith("/login")


def test_a_wrong_bearer_key_is_401_not_a_redirect(web_client) -> None:
    response = web_client.get("/", headers=bearer("kb_" + "x" * 43), follow_redirects=False)
    assert response.status_code == 401


def test_login_session_logout(web_client, admin_key) -> None:
    token = log_in(web_client, admin_key)
    page = web_client.get("/")
    assert page.status_code == 200 and "test-admin" in page.text
    out = web_client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert web_client.get("/", follow_redirects=False).status_code == 303


def test_login_with_a_bad_key_says_so(web_client) -> None:
    token = csrf_of(web_client.get("/login").text)
    response = web_client.post("/login", data={"key": "kb_nope", "csrf_token": token})
    assert response.status_code == 401
    assert "密钥无效" in response.text
    assert web_client.get("/", follow_redirects=False).status_code == 303


def test_login_never_redirects_off_site(web_client, admin_key) -> None:
    token = csrf_of(web_client.get("/login").text)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = web_client.post(
            "/login", data={"key": admin_key, "csrf_token": token, "next": target}, follow_redirects=False
        )
        assert response.headers["location"] == "/", target
        token = csrf_of(web_client.get("/login").text)


def test_revoked_key_ends_the_session(web_client, web_store, admin_key) -> None:
    from koubei.pipelines.keys import create_api_key, revoke_api_key

    created = create_api_key(web_store, "short-lived", "read")
    log_in(web_client, created.key)
    assert web_client.get("/").status_code == 200
    revoke_api_key(web_store, created.info.id)
    response = web_client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_posts_without_the_sessions_csrf_token_are_refused(web_client, admin_key) -> None:
    token = log_in(web_client, admin_key)
    forms = [
        ("/logout", {}),
        ("/wom/plan", {"k": "1"}),
        ("/support/ask", {"question": "有货吗"}),
        ("/copy/generate", {"product_id": "p-phone"}),
        ("/jobs/start", {"kind": "aspects"}),
    ]
    for path, data in forms:
        missing = web_client.post(path, data=data, follow_redirects=False)
        assert missing.status_code == 403, path
        assert "csrf_token" in missing.json()["detail"]
        wrong = web_client.post(path, data={**data, "csrf_token": token[:-2] + "xx"}, follow_redirects=False)
        assert wrong.status_code == 403, path
        header = web_client.post(path, data=data, headers={"X-CSRF-Token": "x" * 43}, follow_redirects=False)
        assert header.status_code == 403, path
    # the right token in the htmx header passes the check (the support answer is a fragment)
    ok = web_client.post("/support/ask", data={"question": "手机电池怎么样"}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200 and 'class="msg assistant"' in ok.text


def test_a_token_from_another_session_is_refused(web_store, admin_key) -> None:
    from tests.api.conftest import make_client

    with make_client(web_store) as one, make_client(web_store) as two:
        log_in(one, admin_key)
        token_two = log_in(two, admin_key)
        assert one.post("/logout", data={"csrf_token": token_two}).status_code == 403


def test_read_keys_see_the_studio_but_cannot_write(web_client, read_key) -> None:
    token = log_in(web_client, read_key)
    page = web_client.get("/copy")
    assert "需要管理员密钥" in page.text
    for path, data in (("/copy/generate", {"product_id": "p-phone"}), ("/jobs/start", {"kind": "aspects"})):
        response = web_client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 403, path
        assert "管理员" in response.text


def test_unknown_product_is_an_html_404(web_client, read_key) -> None:
    response = web_client.get("/products/no-such-thing", headers=bearer(read_key))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "no-such-thing" in response.text


def test_bad_filter_is_a_422_naming_the_field(web_client, read_key) -> None:
    response = web_client.get("/reviews?label=great", headers=bearer(read_key))
    assert response.status_code == 422
    assert "label=" in response.text and "positive" in response.text


def test_user_text_is_escaped_in_every_page(web_client, read_key) -> None:
    pages = {
        "/reviews": ["<script>alert(1)</script>", "<img src=x onerror=", "<svg onload="],
        "/products/p-xss": ["<img src=x onerror=", "<b>坏品牌</b>"],
        "/reviews?product_id=p-xss": ["<img src=x onerror="],
    }
    for path, raw in pages.items():
        html = web_client.get(path, headers=bearer(read_key)).text
        for fragment in raw:
            assert fragment not in html, (path, fragment)
        assert "&lt;" in html, path
    html = web_client.get("/reviews", headers=bearer(read_key)).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_reviews_page_pages_by_cursor(web_client, read_key) -> None:
    first = web_client.get("/reviews", headers=bearer(read_key)).text
    ids_first = re.findall(r"hx-get=\"(/reviews\?[^\"]*cursor=[^\"]+)\"", first)
    assert len(ids_first) == 1, "the first page offers one 'load more'"
    more = web_client.get(
        ids_first[0].replace("&amp;", "&"), headers={**bearer(read_key), "HX-Request": "true"}
    )
    assert more.status_code == 200
    assert "<html" not in more.text  # a fragment, appended by htmx
    first_texts = set(re.findall(r'<p class="review-text">(.*?)</p>', first, re.S))
    more_texts = re.findall(r'<p class="review-text">(.*?)</p>', more.text, re.S)
    assert more_texts and not first_texts & set(more_texts)


def test_search_filters_the_reviews(web_client, read_key) -> None:
    html = web_client.get("/reviews?q=物流", headers=bearer(read_key)).text
    texts = re.findall(r'<p class="review-text">(.*?)</p>', html, re.S)
    assert texts and all("物流" in t for t in texts)


def test_overview_shows_the_stores_figures(web_client, read_key) -> None:
    html = web_client.get("/", headers=bearer(read_key)).text
    assert "data-chart=" in html
    # api_store (13 hand-made + 40 corpus reviews) + tests/web/data (2) = 55 reviews; 3 + 1 products
    assert "55 条评论 · 4 个商品" in html


def test_product_page_marks_the_decisive_words(web_client, read_key, trained_model) -> None:
    html = web_client.get("/products/p-phone", headers=bearer(read_key)).text
    assert '<mark class="' in html
    assert "星辰手机 X1" in html
    assert "差评回复草稿" in html


def test_wom_page_draws_the_largest_cascade(web_client, read_key) -> None:
    html = web_client.get("/wom", headers=bearer(read_key)).text
    assert 'data-chart=\'{"kind": "tree"' in html
    assert "r01" in html  # the largest cascade (5 people) is drawn first


def test_campaign_planner_compares_three_methods(web_client, admin_key) -> None:
    token = log_in(web_client, admin_key)
    response = web_client.post("/wom/plan", data={"k": "2", "model": "ic"}, headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.text[:300]
    for name in ("IMM", "关注数最多", "PageRank"):
        assert name in response.text
    bad = web_client.post("/wom/plan", data={"k": "0"}, headers={"X-CSRF-Token": token})
    assert bad.status_code == 422 and "k=0" in bad.text


def test_upload_shows_the_quarantine_report(web_client, admin_key) -> None:
    token = log_in(web_client, admin_key)
    csv_text = "review_id,product_id,rating,text\nx1,p-phone,5,很好用\nx2,p-phone,9,评分不对\n"
    response = web_client.post(
        "/jobs/upload",
        data={"kind": "reviews"},
        files={"file": ("../../etc/evil.csv", csv_text.encode(), "text/csv")},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 200, response.text[:300]
    assert "新增 1" in response.text and "拒收 1" in response.text
    assert "rating" in response.text  # the reject's reason names the field
    assert "../../etc" not in response.text


def test_language_switch_and_browser_language(web_client, read_key) -> None:
    english = web_client.get("/", headers={**bearer(read_key), "Accept-Language": "en-US,en;q=0.9,zh;q=0.5"})
    assert "Word of mouth today" in english.text and 'lang="en"' in english.text
    switched = web_client.get("/lang/zh?next=/reviews", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/reviews"
    chinese = web_client.get("/", headers={**bearer(read_key), "Accept-Language": "en-US"})
    assert "今日口碑" in chinese.text  # the cookie the switch set wins over the browser's language
    assert (
        web_client.get("/lang/en?next=https://evil.example", follow_redirects=False).headers["location"]
        == "/"
    )
