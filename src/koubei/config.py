"""Process-wide settings, read from `KOUBEI_*` environment variables (and a `.env` file when present).

Algorithms do not read these: each has its own frozen config dataclass. Settings only say *where* things live.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from koubei.errors import BadInputError


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
    # Seconds a SQLite write waits for another process's write lock before giving up with a plain message (the
    # driver's 5 s default is shorter than one batch of a large ingest).
    db_busy_timeout: float = Field(default=30.0, gt=0)
    # Bring the store's schema up to date when it is opened? Unset: yes for SQLite (one process owns the file) and
    # for an empty PostgreSQL database (its first use); otherwise `koubei db upgrade` is a step of its own, run once
    # per release, not by each of several API workers. true/false force it on or off for every store.
    auto_upgrade: bool | None = None

    # ---- koubei serve (the HTTP API and dashboard) ----
    # Signs the dashboard's session cookie. Unset: one is generated on first start and kept in
    # KOUBEI_HOME/secret_key (0600), so sessions survive a restart without anyone having to invent a secret.
    secret_key: str | None = Field(default=None, repr=False)
    # Send the session cookie only over HTTPS. Off by default because `koubei serve` listens on plain HTTP on
    # 127.0.0.1; turn it on behind a TLS proxy.
    https_only: bool = False
    # Requests per minute per API key (per client address for requests without a key); 0 turns the limit off.
    rate_limit: int = Field(default=600, ge=0)
    # Largest request body accepted, in bytes (uploads included); larger ones get 413 before they are read.
    max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    # Origins allowed to call the API from a browser (CORS). Empty: closed, only same-origin pages (the dashboard).
    cors_origins: list[str] = Field(default_factory=list)

    # ---- background jobs (koubei.jobs) ----
    # Redis URL of the job queue, e.g. redis://127.0.0.1:6379/0. Unset: an SQLite queue file under KOUBEI_HOME/jobs,
    # shared by `koubei serve` and any `koubei worker` on the same machine.
    redis_url: str | None = Field(default=None, repr=False)  # may carry a password
    # The queue's name (huey's): workers of the same name share jobs; another name is another queue.
    jobs_queue: str = Field(default="koubei", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    # Worker threads `koubei serve` runs in its own process; 0 leaves the jobs to `koubei worker` processes.
    job_workers: int = Field(default=1, ge=0, le=64)
    # Run each job inside the request that submits it (huey's immediate mode): for tests, never for serving.
    jobs_immediate: bool = False

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
    """The settings of this process (read once). Tests that change the environment call `get_settings.cache_clear()`.

    A bad value (e.g. KOUBEI_MAX_TEXT_CHARS=abc) is a `BadInputError` naming the variable and what it expects.
    """
    try:
        return Settings()
    except ValidationError as error:
        raise BadInputError(_settings_problem(error)) from None


def _settings_problem(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        name = "KOUBEI_" + "_".join(str(part) for part in item["loc"]).upper()
        expected = item["msg"][0].lower() + item["msg"][1:]
        problems.append(f"{name}={item.get('input')!r} is not valid: {expected}")
    return "; ".join(problems) + " (set it in the environment or .env, or unset it for the default)"
