"""All settings in one place (pydantic-settings, prefix ``LOOPWATCH_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOOPWATCH_", extra="ignore")

    app_id: int | None = None
    app_slug: str = "loopwatch"
    private_key: SecretStr | None = None
    private_key_path: Path | None = None
    webhook_secret: SecretStr | None = None
    database_url: str = "sqlite:///loopwatch.db"
    github_api_url: str = "https://api.github.com"
    log_format: Literal["console", "json", "auto"] = "auto"
    log_level: str = "INFO"

    # Upload API
    max_upload_bytes: int = 100 * 1024 * 1024
    public_url: str = "http://127.0.0.1:8000"
    # GitHub Actions OIDC tokens accepted in place of an upload token (bot/adapters/oidc.py).
    oidc_issuer: str = "https://token.actions.githubusercontent.com"
    oidc_audience: str = "loopwatch"
    oidc_jwks_ttl_s: float = 3600
    oidc_leeway_s: float = 60

    # GitHub client behaviour
    github_timeout_s: float = 30.0
    # Pause between mutating GitHub calls per installation (GitHub asks for >= 1 s).
    write_pause_s: float = 1.0
    # Writes that notify people (issues, comments) are paced further apart.
    notify_pause_s: float = 3.0
    # After a create whose outcome is unknown (timeout, 5xx, connection reset), how long
    # GitHub may still store it (a late write) or not list it yet: until then the sync
    # looks for the object by its hidden key and waits instead of creating it again.
    # Never shorter than github_timeout_s (the effective window is the larger of the two).
    late_write_window_s: float = Field(default=60.0, ge=0)

    # A burst of runs within this many seconds becomes one GitHub edit.
    sync_debounce_s: float = 2.0
    # A sync waits while its repository's runs are being processed (a burst becomes one
    # edit with any number of workers), but no longer than this.
    sync_max_wait_s: float = 60.0
    # A run waits at most this long for an earlier run of its campaign that is still queued
    # or retried (docs/design.md, "Order of runs"); after that it is processed, and the
    # earlier one, when it comes, is a late run (kept, but it changes no cluster).
    run_order_wait_s: float = Field(default=1800.0, ge=0)

    # Slash commands: how long a person's repository permission is trusted before asking
    # GitHub again (0: ask for every comment).
    command_permission_ttl_s: float = 60.0

    # Worker / jobs
    # With the capped backoff below, 20 attempts keep retrying for about two hours (an outage).
    job_max_attempts: int = 20
    # A SIGKILLed worker's job is taken over once its lease runs out (heartbeats come from a
    # thread of their own, so a busy event loop does not lose the lease).
    job_lease_s: float = 10.0
    job_heartbeat_s: float = 2.0
    job_poll_s: float = 0.5
    job_backoff_base_s: float = 2.0
    job_backoff_max_s: float = 600.0
    # Done jobs are deleted after this many days by the daily purge_jobs job (dead jobs
    # are kept for an operator). At least 1: a periodic job's slot key lives with its job.
    job_keep_days: int = Field(default=14, ge=1)
    # Idle PostgreSQL workers LISTEN for new jobs (off: poll only, e.g. behind a
    # transaction-pooling PgBouncer, which does not deliver notifications).
    job_listen: bool = True
    worker_id: str | None = None

    @model_validator(mode="after")
    def _load_key_file(self) -> Settings:
        if self.private_key is None and self.private_key_path is not None:
            self.private_key = SecretStr(self.private_key_path.read_text())
        return self

    @property
    def private_key_pem(self) -> str | None:
        return self.private_key.get_secret_value() if self.private_key else None

    @property
    def webhook_secret_value(self) -> str | None:
        return self.webhook_secret.get_secret_value() if self.webhook_secret else None

    @property
    def github_web_url(self) -> str:
        """Where people see GitHub: github.com, a GHE host, or the sandbox itself."""
        api = self.github_api_url.rstrip("/")
        if api == "https://api.github.com":
            return "https://github.com"
        return api.removesuffix("/api/v3")

    @property
    def sqlalchemy_url(self) -> str:
        """``postgresql://`` means psycopg 3 here (SQLAlchemy would pick psycopg2)."""
        url = self.database_url
        if url.startswith("postgres://"):
            url = "postgresql://" + url.removeprefix("postgres://")
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
