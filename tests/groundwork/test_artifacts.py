"""Artifacts: atomic writes, the artifact record, one meaning of the format version."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from koubei.artifacts import (
    atomic_path,
    atomic_write_text,
    check_format_version,
    load_config,
    read_json,
    read_meta,
    save_config,
    write_json,
    write_meta,
)
from koubei.errors import BadInputError, NotFoundError


def test_atomic_write_leaves_the_old_file_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "model.bin"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half-writ")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["model.bin"]  # no temp file left behind
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"


def test_meta_round_trip_and_plain_errors(tmp_path: Path) -> None:
    write_meta(tmp_path, "fast-sentiment", 2, labels=["negative", "positive"])
    meta = read_meta(tmp_path, "sentiment model", kinds=("fast-sentiment",))
    assert meta == {"kind": "fast-sentiment", "format_version": 2, "labels": ["negative", "positive"]}
    with pytest.raises(BadInputError, match="expected a language model"):
        read_meta(tmp_path, "language model", kinds=("koubei-causal-lm",))
    (tmp_path / "sub").mkdir()
    with pytest.raises(NotFoundError, match="is not a koubei index folder"):
        read_meta(tmp_path / "sub", "index")
    with pytest.raises(NotFoundError, match="does not exist"):
        read_meta(tmp_path / "missing", "index")
    (tmp_path / "meta.json").write_text('{"kind": "fast', encoding="utf-8")  # truncated by a kill
    with pytest.raises(BadInputError, match="is damaged"):
        read_meta(tmp_path, "sentiment model")
    assert read_meta(tmp_path / "sub", "index", required=False) == {}
    with pytest.raises(BadInputError, match="is a file"):
        read_meta(tmp_path / "meta.json", "index")


def test_write_json_refuses_nan_and_reads_back(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_json(tmp_path / "x.json", {"a": float("nan")})
    assert not (tmp_path / "x.json").exists()
    assert read_json(write_json(tmp_path / "y.json", {"a": 1, "t": "口碑"})) == {"a": 1, "t": "口碑"}


@pytest.mark.parametrize(
    ("version", "outcome"),
    [(1, "ok"), (2, "ok"), (3, "newer"), (0, "older"), ("x", "unreadable")],
)
def test_format_version_has_one_meaning(tmp_path: Path, version: object, outcome: str) -> None:
    meta = {"format_version": version}
    if outcome == "ok":
        assert check_format_version(tmp_path, meta, current=2, oldest=1) == version
    else:
        message = {"newer": "upgrade koubei", "older": "rebuild or retrain", "unreadable": "unreadable"}[
            outcome
        ]
        with pytest.raises(BadInputError, match=message):
            check_format_version(tmp_path, meta, current=2, oldest=1)


def test_config_round_trip_ignores_unknown_keys(tmp_path: Path) -> None:
    @dataclass(frozen=True)
    class Cfg:
        alpha: float = 0.5
        layers: int = 2

    save_config(tmp_path / "config.json", Cfg(alpha=0.25))
    data = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**data, "from_the_future": 1}))
    assert load_config(tmp_path / "config.json", Cfg) == Cfg(alpha=0.25, layers=2)
