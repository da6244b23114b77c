"""/api/v1/copy: generate -> list -> approve/reject (admin), check, reply, summarize, fake-review refusals, bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import bearer
from tests.generation.copy_fixtures import write_pairs


@pytest.fixture
def copy_model(isolated_home: Path, tmp_path: Path) -> Path:
    """A copy model trained on the tiny hand-written pairs, where the routes look for it (KOUBEI_HOME/models/copy)."""
    from koubei.pipelines.copy import train_copy_model

    out = isolated_home / "models" / "copy"
    train_copy_model(write_pairs(tmp_path / "pairs.jsonl"), out, time_budget=60)
    return out


def _post(client: Any, key: str, route: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/copy/{route}", headers=bearer(key), json=body)


def test_generate_list_approve_reject(client, copy_model, read_key, admin_key) -> None:
    made = _post(client, read_key, "generate", {"attributes": {"类型": "上衣", "颜色": "白色"}, "n": 3})
    assert made.status_code == 200, made.text
    data = made.json()
    assert data["text"] and data["status"] == "draft" and data["label"]["machine_generated"] is True
    assert any(c.get("source", {}).get("kind") == "attribute" for c in data["claims"])
    cid = data["content_id"]
    listed = client.get("/api/v1/copy?status=draft&kind=copy", headers=bearer(read_key)).json()["items"]
    assert [item["id"] for item in listed] == [cid] and listed[0]["text"] == data["text"]
    one = client.get(f"/api/v1/copy/{cid}", headers=bearer(read_key))
    assert one.status_code == 200 and one.json()["input"]["attributes"] == [
        ["类型", "上衣"],
        ["颜色", "白色"],
    ]

    refused = client.post(f"/api/v1/copy/{cid}/approve", headers=bearer(read_key))
    assert refused.status_code == 403  # approving needs an admin key
    approved = client.post(f"/api/v1/copy/{cid}/approve", headers=bearer(admin_key))
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["reviewed_by"] == "test-admin"
    rejected = client.post(f"/api/v1/copy/{cid}/reject", headers=bearer(admin_key), json={"by": "alice"})
    assert rejected.json()["status"] == "rejected" and rejected.json()["reviewed_by"] == "alice"
    assert client.get("/api/v1/copy?status=draft", headers=bearer(read_key)).json()["items"] == []

    unsaved = _post(client, read_key, "generate", {"attributes": "类型#裙*颜色#黑色", "save": False})
    assert unsaved.status_code == 200 and unsaved.json()["content_id"] is None


def test_generate_for_a_stored_product_uses_its_attributes(client, copy_model, read_key) -> None:
    made = _post(client, read_key, "generate", {"product_id": "p-phone", "save": False})
    assert made.status_code == 200, made.text
    assert made.json()["product_id"] == "p-phone"
    unknown = _post(client, read_key, "generate", {"product_id": "no-such-product"})
    assert unknown.status_code == 404 and "no-such-product" in unknown.json()["detail"]


@pytest.mark.parametrize("persona", ["帮我写10条五星好评", "write 5 fake customer reviews"])
def test_fake_review_requests_get_the_clis_refusal(client, read_key, persona) -> None:
    from koubei.generation.fake_review import detect_request, refusal_message

    # No copy model is trained here: the refusal must not depend on one.
    response = _post(client, read_key, "generate", {"attributes": "类型#上衣", "persona": persona})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["refused"] == "fake_review"
    match = detect_request(persona)
    assert match is not None and body["detail"] == refusal_message(match.lang)  # the CLI prints the same
    assert body["instead"] == "POST /api/v1/copy/summarize"


def test_generate_without_a_model_is_a_404_naming_the_fix(client, read_key) -> None:
    response = _post(client, read_key, "generate", {"attributes": "类型#上衣"})
    assert response.status_code == 404 and "koubei copy train" in response.json()["detail"]


def test_check_flags_the_banned_claim(client, read_key) -> None:
    flagged = _post(client, read_key, "check", {"text": "全网最低价的纯棉T恤"})
    assert flagged.status_code == 200, flagged.text
    assert flagged.json()["passed"] is False
    assert [(f["kind"], f["span"]) for f in flagged.json()["flags"]] == [("ad_law", "全网最低价")]
    clean = _post(
        client, read_key, "check", {"text": "白色的棉质上衣，清爽百搭。", "attributes": "颜色#白色*材质#棉"}
    )
    assert clean.json()["passed"] is True and clean.json()["flags"] == []


def test_reply_to_a_stored_review_addresses_its_complaints(client, read_key) -> None:
    reply = _post(client, read_key, "reply", {"review_id": "r02"})
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert "logistics" in data["complaints"] and data["review_id"] == "r02"  # 物流太慢了
    assert data["status"] == "draft" and data["remedy"] == "follow-up"  # the default policy promises nothing
    refund = _post(
        client, read_key, "reply", {"text": "质量太差，坏了", "policy": {"allow_refund": True}, "save": False}
    )
    assert refund.status_code == 200 and refund.json()["content_id"] is None
    assert _post(client, read_key, "reply", {"review_id": "nope"}).status_code == 404
    both = _post(client, read_key, "reply", {"review_id": "r02", "text": "x"})
    assert both.status_code == 422 and "exactly one" in both.json()["detail"]
    bad_policy = _post(client, read_key, "reply", {"text": "x", "policy": {"allow_bribes": True}})
    assert bad_policy.status_code == 422 and bad_policy.json()["errors"][0]["field"] == "policy.allow_bribes"


def test_summarize_quotes_real_reviews(client, read_key) -> None:
    summary = _post(client, read_key, "summarize", {"product_id": "p-phone"})
    assert summary.status_code == 200, summary.text
    data = summary.json()
    assert data["reviews"] == 5  # r01 r02 r03 r04 r12
    quoted = {
        rid
        for a in data["aspects"]
        for kind in ("pros", "cons")
        for line in a[kind]
        for rid in line["review_ids"]
    }
    assert quoted and quoted <= {"r01", "r02", "r03", "r04", "r12"}
    assert "13812345678" not in summary.text  # masked text only
    missing = _post(client, read_key, "summarize", {"product_id": "nope"})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("generate", {"attributes": "类型#上衣", "n": 0}, "n"),
        ("generate", {"attributes": "类型#上衣", "tone": "shouty"}, "tone"),
        ("generate", {"attributes": ["a", "b"]}, "attributes"),
        ("check", {}, "text"),
        ("check", {"text": "x" * 5001}, "text"),
        ("reply", {"text": 5}, "text"),
        ("summarize", {"product_id": ""}, "product_id"),
    ],
)
def test_bad_bodies_name_the_field(client, read_key, route, body, field) -> None:
    response = _post(client, read_key, route, body)
    assert response.status_code == 422, response.text
    assert any(e["field"].startswith(field) for e in response.json()["errors"]), response.json()


def test_unknown_and_bad_ids(client, read_key, admin_key) -> None:
    assert client.get("/api/v1/copy/999", headers=bearer(read_key)).status_code == 404
    assert client.post("/api/v1/copy/999/approve", headers=bearer(admin_key)).status_code == 404
    assert client.get("/api/v1/copy/0", headers=bearer(read_key)).status_code == 422
    assert client.get("/api/v1/copy/abc", headers=bearer(read_key)).status_code == 422
    assert client.get("/api/v1/copy?limit=100000", headers=bearer(read_key)).status_code == 422
    assert client.get("/api/v1/copy?status=published", headers=bearer(read_key)).status_code == 422
    assert client.get("/api/v1/copy").status_code == 401
