"""`koubei worker`'s bad input: one line, exit 2, before any worker starts. (Its real runs, killed and restarted,
are in test_restart.py.)"""

from __future__ import annotations

from typing import Any

import pytest


def test_a_malformed_redis_url_is_one_line_and_exit_2(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from koubei.config import get_settings

    monkeypatch.setenv("KOUBEI_REDIS_URL", "http://127.0.0.1:6379")
    get_settings.cache_clear()
    result = cli("worker")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: KOUBEI_REDIS_URL='http://127.0.0.1:6379' is not a Redis URL; expected e.g. redis://127.0.0.1:6379/0"
    ]


def test_workers_must_be_at_least_one(cli: Any) -> None:
    result = cli("worker", "--workers", "0")
    assert result.exit_code == 2
    assert "--workers" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_queue_name_names_the_setting(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from koubei.config import get_settings

    monkeypatch.setenv("KOUBEI_JOBS_QUEUE", "no spaces please")
    get_settings.cache_clear()
    result = cli("worker")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: KOUBEI_JOBS_QUEUE='no spaces please' is not valid")


def test_an_unreachable_redis_is_one_line_and_exit_1(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from koubei.config import get_settings

    monkeypatch.setenv("KOUBEI_REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    result = cli("worker")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot read the job queue (redis): ")
