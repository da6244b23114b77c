"""A session-wide service index of the api_store data: the ask tests and the schema fuzzing copy it into each
test's KOUBEI_HOME instead of building it per test (tens of seconds each on a shared machine)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.api.conftest import fill_store


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The service index of the api_store data, built once (tens of seconds) and copied into each test's home."""
    from koubei.config import get_settings
    from koubei.pipelines.support import build_index
    from koubei.store import Store

    root = tmp_path_factory.mktemp("ask-index")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KOUBEI_HOME", str(root / "home"))
        get_settings.cache_clear()
        with Store.open(f"sqlite:///{root / 'store.db'}") as store:
            fill_store(store, root / "quarantine")
            build_index(store, directory=root / "service")
    get_settings.cache_clear()
    return root / "service"


def install_index(built: Path, home: Path) -> None:
    """Put the built index where `POST /api/v1/ask` looks for it (KOUBEI_HOME/indexes/service)."""
    shutil.copytree(built, home / "indexes" / "service")
