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
