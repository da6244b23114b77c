"""The app's skeleton: health, key authentication (401 / 403 / revoked), problem bodies and security headers."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from koubei.store.models import ApiKey
from tests.api.conftest import bearer


def test_health_needs_no_key_and_reports_the_store(client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["store"]["reachable"] is True
    assert body["store"]["dialect"] == "sqlite"
    assert body["store"]["revision"] == body["store"]["head"]


def test_security_headers_on_every_answer(client) -> None:
    for response in (client.get("/health"), client.get("/api/v1/keys")):
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_missing_and_wrong_keys_get_401_problems(client, admin_key) -> None:
    for headers in (
        {},
        bearer("kb_" + "x" * 43),
        bearer(admin_key + "x"),
        {"Authorization": f"Basic {admin_key}"},
    ):
        response = client.get("/api/v1/keys", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["www-authenticate"] == "Bearer"
        body = response.json()
        assert body["status"] == 401 and body["title"] == "Unauthorized" and body["detail"]


def test_read_key_on_admin_route_is_403(client, read_key) -> None:
    response = client.get("/api/v1/keys", headers=bearer(read_key))
    assert response.status_code == 403
    assert "admin" in response.json()["detail"]


def test_key_lifecycle_over_the_api(client, api_store, admin_key) -> None:
    created = client.post(
        "/api/v1/keys", json={"name": "analyst", "scope": "read"}, headers=bearer(admin_key)
    )
    assert created.status_code == 201
    new_key = created.json()["key"]
    key_id = created.json()["info"]["id"]
    assert new_key.startswith("kb_") and len(new_key) == 3 + 43
    # Only the sha256 is stored, never the key.
    with api_store.session() as session:
        row = session.scalars(select(ApiKey).where(ApiKey.id == key_id)).one()
        assert row.key_hash == hashlib.sha256(new_key.encode()).hexdigest()
        assert new_key not in (row.prefix, row.name, row.key_hash)
    listed = client.get("/api/v1/keys", headers=bearer(admin_key)).json()["keys"]
    assert [k["name"] for k in listed] == ["test-admin", "analyst"]
    assert all("key" not in k and "key_hash" not in k for k in listed)
    assert client.get("/api/v1/keys", headers=bearer(new_key)).status_code == 403  # valid, read scope
    revoked = client.delete(f"/api/v1/keys/{key_id}", headers=bearer(admin_key))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/api/v1/keys", headers=bearer(new_key)).status_code == 401


def test_bad_key_requests_name_the_field(client, admin_key) -> None:
    response = client.post("/api/v1/keys", json={"name": "x", "scope": "owner"}, headers=bearer(admin_key))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "scope"
    response = client.post(
        "/api/v1/keys",
        content=b"{not json",
        headers={**bearer(admin_key), "Content-Type": "application/json"},
    )
    assert response.status_code == 422 and "JSON" in response.json()["detail"]
    response = client.delete("/api/v1/keys/999", headers=bearer(admin_key))
    assert response.status_code == 404 and "999" in response.json()["detail"]
    response = client.delete("/api/v1/keys/abc", headers=bearer(admin_key))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "key_id"


def test_unknown_path_is_a_problem(client) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_docs_page_is_served_offline_without_inline_script(client) -> None:
    import re

    page = client.get("/docs")
    assert page.status_code == 200
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, flags=re.S)
    assert scripts and all('src="/' in attrs and not body.strip() for attrs, body in scripts)
    assert "cdn" not in page.text.lower()
    for path in ("/docs/static/swagger-ui-bundle.js", "/docs/static/swagger-ui.css", "/docs/init.js"):
        assert client.get(path).status_code == 200, path
    assert "/openapi.json" in client.get("/docs/init.js").text
    assert client.get("/openapi.json").json()["paths"]["/api/v1/sentiment/score"]["post"]
