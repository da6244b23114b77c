"""The protective layers: per-key rate limit (429 + Retry-After), body limits (413), CORS closed by default,
dashboard sessions re-checked against the store, the session secret, and errors that never leak."""

from __future__ import annotations

import base64
import json
import logging
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import create_engine

from koubei.api.app import SESSION_COOKIE, create_app
from koubei.api.security import TokenBuckets, session_secret
from koubei.errors import StoreError
from koubei.pipelines.keys import create_api_key, revoke_api_key
from koubei.store import Store
from tests.api.conftest import api_settings, bearer, make_client


def test_token_buckets_exact() -> None:
    now = [100.0]
    buckets = TokenBuckets(rate=3, clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(20.0)  # 3 a minute: one token every 20 s
    assert buckets.take("b") == 0.0  # another key has its own bucket
    now[0] += 10.0
    assert buckets.take("a") == pytest.approx(10.0)
    now[0] += 10.0
    assert buckets.take("a") == 0.0


def test_rate_limit_per_key_answers_429_with_retry_after(api_store, read_key, admin_key) -> None:
    with make_client(api_store, rate_limit=3) as client:
        statuses = [client.get("/api/v1/products", headers=bearer(read_key)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = client.get("/api/v1/products", headers=bearer(read_key))
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "KOUBEI_RATE_LIMIT" in refused.json()["detail"]
        assert client.get("/api/v1/products", headers=bearer(admin_key)).status_code == 200
        assert all(client.get("/health").status_code == 200 for _ in range(5))  # health is not counted
    with make_client(api_store, rate_limit=0) as client:
        assert all(
            client.get("/api/v1/products", headers=bearer(read_key)).status_code == 200 for _ in range(8)
        )


def test_streamed_body_over_the_limit_is_413(api_store, read_key) -> None:
    with make_client(api_store, max_body_bytes=2048) as client:

        def chunks():
            for _ in range(10):
                yield b'{"texts": ["' + b"a" * 400 + b'"]}'

        response = client.post(
            "/api/v1/sentiment/score",
            content=chunks(),
            headers={**bearer(read_key), "Content-Type": "application/json"},
        )
        assert response.status_code == 413
        assert "2048" in response.json()["detail"]


def test_cors_closed_by_default_open_when_configured(api_store, read_key) -> None:
    headers = {**bearer(read_key), "Origin": "https://elsewhere.example"}
    with make_client(api_store) as client:
        response = client.get("/api/v1/products", headers=headers)
        assert "access-control-allow-origin" not in response.headers
    with make_client(api_store, cors_origins=["https://elsewhere.example"]) as client:
        response = client.get("/api/v1/products", headers=headers)
        assert response.headers["access-control-allow-origin"] == "https://elsewhere.example"


def _session_cookie(secret: str, data: dict[str, object]) -> str:
    # What Starlette's SessionMiddleware writes: base64 JSON, signed with itsdangerous' TimestampSigner.
    payload = base64.b64encode(json.dumps(data).encode())
    return TimestampSigner(secret).sign(payload).decode()


def test_dashboard_session_is_rechecked_against_the_store(api_store) -> None:
    settings = api_settings(secret_key="s" * 40)
    created = create_api_key(api_store, "browser", "read")
    client = TestClient(create_app(settings, store=api_store))
    client.cookies.set(SESSION_COOKIE, _session_cookie("s" * 40, {"key_id": created.info.id}))
    assert client.get("/api/v1/products").status_code == 200
    assert client.get("/api/v1/keys").status_code == 403  # a read key's session
    forged = TestClient(create_app(settings, store=api_store))
    forged.cookies.set(SESSION_COOKIE, _session_cookie("another secret", {"key_id": created.info.id}))
    assert forged.get("/api/v1/products").status_code == 401
    revoke_api_key(api_store, created.info.id)
    response = client.get("/api/v1/products")
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_session_secret_is_made_once_and_private(isolated_home: Path) -> None:
    settings = api_settings()
    first = session_secret(settings)
    path = isolated_home / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert session_secret(settings) == first and len(first) >= 40
    assert session_secret(api_settings(secret_key="from-env")) == "from-env"


def test_unexpected_errors_are_generic_500s_logged_without_their_message(
    api_store, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(api_settings(), store=api_store)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("review text 13812345678 leaked")

    @app.get("/store-down")
    def store_down() -> None:
        raise StoreError("cannot reach the database")

    client = TestClient(app)  # raises what reaches the server: nothing does
    with caplog.at_level(logging.INFO):
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "13812345678" not in response.text and "Traceback" not in response.text
    assert "RuntimeError" in caplog.text and "13812345678" not in caplog.text
    down = client.get("/store-down")
    assert down.status_code == 503 and down.json()["detail"] == "cannot reach the database"


def test_health_is_503_when_the_store_cannot_be_reached(api_store) -> None:
    unreachable = Store(create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", hide_parameters=True))
    client = TestClient(create_app(api_settings(), store=unreachable))
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded" and body["store"]["reachable"] is False and body["store"]["problem"]
