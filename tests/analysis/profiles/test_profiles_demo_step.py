"""The profiles demo step on the quick bundled corpus: generated users (the corpus has no user ids), said so,
kept out of the user's store; profiles and named segments come back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_profiles_step(cli, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    result = cli(
        "demo",
        "--quick",
        "--only",
        "corpus",
        "--only",
        "profiles",
        "--json",
        "--workdir",
        tmp_path / "demo",
        "--db",
        db,
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["failed"] == []
    step = summary["steps"]["profiles"]
    assert step["generated_users"] and step["source"].startswith("GENERATED users")
    assert step["users"] == 300 and step["profiles_built"] == 300
    assert sum(s["size"] for s in step["segments"]) == 300 and step["k"] == len(step["segments"])
    assert all(s["name_en"] and s["name_zh"] for s in step["segments"])
    assert "proxy" in step["value_source"]
    assert (tmp_path / "demo" / "profiles-demo.db").exists()
    shown = cli("profile", "show", "g000001", "--db", db)  # nothing generated went into the user's store
    assert shown.exit_code == 2
