"""Process-wide settings, read from `KOUBEI_*` environment variables (and a `.env` file when present).

Algorithms do not read these: each has its own frozen config dataclass. Settings only say *where* things live.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where koubei keeps its data. Every field can be set as `KOUBEI_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="KOUBEI_", env_file=".env", extra="ignore", frozen=True)

    # SQLAlchemy URL of the store. SQLite in the working directory by default, so a fresh machine needs no server;
    # e.g. postgresql+psycopg://user@127.0.0.1:5432/koubei for PostgreSQL.
    database_url: str = "sqlite:///koubei.db"
    # Folder for everything that is not in the database: models, indexes, quarantine files, reports.
    home: Path = Path("koubei_data")
    # Texts longer than this are rejected at ingest (and reported as unscorable by analyses): real reviews are
    # far shorter, and very long texts are usually pasted documents or spam.
    max_text_chars: int = Field(default=5000, ge=1)

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"

    @property
    def indexes_dir(self) -> Path:
        return self.home / "indexes"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (read once). Tests that change the environment call `get_settings.cache_clear()`."""
    return Settings()
