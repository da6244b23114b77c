"""`koubei serve keys create / list / revoke` end to end, and their bad input (exit 2, one line)."""

from __future__ import annotations

import json
from pathlib import Path

from koubei.api.auth import verify_key
from koubei.store import Store


def test_keys_create_list_revoke(cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    created = cli("serve", "keys", "create", "--name", "marketing", "--scope", "admin", "--db", url, "--json")
    assert created.exit_code == 0, created.stderr
    body = json.loads(created.stdout)
    key = body["key"]
    assert key.startswith("kb_") and body["info"]["scope"] == "admin"
    with Store.open(url) as store:
        principal = verify_key(store, key)
        assert principal is not None and principal.name == "marketing" and principal.scope == "admin"

    human = cli("serve", "keys", "create", "--name", "viewer", "--db", url)
    assert human.exit_code == 0
    assert "kb_" in human.stdout and "not shown again" in human.stderr

    listed = json.loads(cli("serve", "keys", "list", "--db", url, "--json").stdout)["keys"]
    assert [(k["id"], k["name"], k["scope"]) for k in listed] == [
        (1, "marketing", "admin"),
        (2, "viewer", "read"),
    ]
    assert key not in json.dumps(listed)
    table = cli("serve", "keys", "list", "--db", url)
    assert "marketing" in table.stdout and key not in table.stdout

    revoked = cli("serve", "keys", "revoke", "1", "--db", url, "--json")
    assert revoked.exit_code == 0 and json.loads(revoked.stdout)["revoked_at"]
    with Store.open(url) as store:
        assert verify_key(store, key) is None


def test_keys_bad_input_exits_2_naming_the_field(cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    bad_scope = cli("serve", "keys", "create", "--name", "x", "--scope", "owner", "--db", url)
    assert (
        bad_scope.exit_code == 2 and "scope='owner'" in bad_scope.stderr and "read, admin" in bad_scope.stderr
    )
    blank = cli("serve", "keys", "create", "--name", "  ", "--db", url)
    assert blank.exit_code == 2 and "name" in blank.stderr
    unknown = cli("serve", "keys", "revoke", "7", "--db", url)
    assert unknown.exit_code == 2 and "key id 7 does not exist" in unknown.stderr
    not_a_number = cli("serve", "keys", "revoke", "abc", "--db", url)
    assert not_a_number.exit_code == 2 and "ID='abc'" in not_a_number.stderr
    for result in (bad_scope, blank, unknown, not_a_number):
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_keys_over_the_api_on_each_store(db_url: str) -> None:
    """Create, use, list and revoke keys over HTTP on SQLite and PostgreSQL."""
    from koubei.pipelines.keys import create_api_key
    from tests.api.conftest import bearer, make_client

    with Store.open(db_url) as store:
        admin = create_api_key(store, "admin", "admin").key
        with make_client(store) as client:
            made = client.post("/api/v1/keys", json={"name": "bot", "scope": "read"}, headers=bearer(admin))
            assert made.status_code == 201
            key, key_id = made.json()["key"], made.json()["info"]["id"]
            assert client.get("/api/v1/products", headers=bearer(key)).status_code == 200
            names = [k["name"] for k in client.get("/api/v1/keys", headers=bearer(admin)).json()["keys"]]
            assert names == ["admin", "bot"]
            assert client.delete(f"/api/v1/keys/{key_id}", headers=bearer(admin)).status_code == 200
            assert client.get("/api/v1/products", headers=bearer(key)).status_code == 401
            active = client.get("/api/v1/keys?include_revoked=false", headers=bearer(admin)).json()["keys"]
            assert [k["name"] for k in active] == ["admin"]
            assert client.delete("/api/v1/keys/99999", headers=bearer(admin)).status_code == 404
