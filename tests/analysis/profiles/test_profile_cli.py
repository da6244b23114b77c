"""`koubei profile build|show|segments|export` and `koubei forget` end to end through the CLI, and their bad input
(exit 2 with one line naming what is wrong)."""

from __future__ import annotations

import json
from pathlib import Path


def _ingest(cli: object, files: dict[str, Path], db: str) -> None:
    for kind in ("users", "reviews", "orders", "follows", "shares"):
        assert cli("ingest", kind, files[kind], "--db", db).exit_code == 0  # type: ignore[operator]


def test_profile_commands_end_to_end(cli: object, store_files: dict[str, Path], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    run = cli  # type: ignore[assignment]
    empty = run("profile", "segments", "--db", db)
    assert empty.exit_code == 2 and "run `koubei profile build` first" in empty.stderr
    _ingest(cli, store_files, db)

    built = run("profile", "build", "--db", db, "--json")
    assert built.exit_code == 0, built.stderr
    data = json.loads(built.stdout)
    assert data["users"] == 12 and data["recomputed"] == 12 and data["value_source"] == "orders"
    again = json.loads(run("profile", "build", "--db", db, "--json").stdout)
    assert again["recomputed"] == 0 and again["unchanged"] == 12
    human = run("profile", "build", "--db", db)
    assert human.exit_code == 0 and "12 users" in human.stdout and "0 profiles built" in human.stdout

    shown = json.loads(run("profile", "show", "u0", "--db", db, "--json").stdout)
    assert shown["user_id"] == "u0" and shown["features"]["orders"] == 4

    seg = run("profile", "segments", "--k-max", "4", "--db", db, "--json")
    assert seg.exit_code == 0, seg.stderr
    segments = json.loads(seg.stdout)
    assert sum(s["size"] for s in segments["segments"]) == 12
    assert all(s["name_zh"] and s["name_en"] and s["persona"] for s in segments["segments"])
    table = run("profile", "segments", "--k-max", "4", "--db", db)
    assert table.exit_code == 0 and "persona" in table.stdout

    out = tmp_path / "p.jsonl"
    exported = json.loads(run("profile", "export", "--output", out, "--db", db, "--json").stdout)
    assert (
        exported["rows"] == 12 and exported["pseudonymous"] and '"u0"' not in out.read_text(encoding="utf-8")
    )

    forgot = json.loads(run("forget", "u0", "--db", db, "--json").stdout)
    assert forgot["user_id"] == "u0" and forgot["store_rows"]["reviews"] == 1
    gone = run("profile", "show", "u0", "--db", db)
    assert gone.exit_code == 2 and "no profile" in gone.stderr


def test_bad_input_is_one_line_exit_2(cli: object, store_files: dict[str, Path], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    run = cli  # type: ignore[assignment]
    nobody = run("forget", "nobody", "--db", db)
    assert nobody.exit_code == 2 and "nothing to forget" in nobody.stderr and "Traceback" not in nobody.stderr
    no_users = run("profile", "build", "--db", db)
    assert no_users.exit_code == 2 and "no users to profile" in no_users.stderr
    bad_k = run("profile", "segments", "--k-min", "5", "--k-max", "3", "--db", db)
    assert bad_k.exit_code == 2 and "--k-min" in bad_k.stderr
    bad_half = run("profile", "build", "--half-life", "0", "--db", db)
    assert bad_half.exit_code == 2 and "--half-life" in bad_half.stderr
    _ingest(cli, store_files, db)
    assert run("profile", "build", "--db", db).exit_code == 0
    bad_out = run("profile", "export", "--output", tmp_path / "x.txt", "--db", db)
    assert bad_out.exit_code == 2 and "--output" in bad_out.stderr
    for command in (("profile", "build"), ("profile", "segments"), ("profile", "export"), ("forget",)):
        helped = run(*command, "--help")
        assert helped.exit_code == 0 and "Example" in helped.stdout and "--json" in helped.stdout
