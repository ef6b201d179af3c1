"""Pull-request check runs (``checks:`` in the file)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from bot.core.config.strict_model import StrictModel
from bot.core.config.templates import Template


class ChecksConfig(StrictModel):
    """Pull-request check runs (``checks:`` in the file)."""

    enabled: bool = True
    # The check run's name; ``{campaign}`` is the campaign's name.
    name: Template = Field(default="Loopwatch / {campaign}", min_length=1, max_length=200)
    # When the check run fails: ``any`` failure (flaky ones aside), only failures ``new``
    # against the base branch, or ``never`` (neutral instead).
    fail_on: Literal["any", "new", "never"] = "any"
    # Annotations per check run; the rest are listed in the summary.
    max_annotations: int = Field(default=200, ge=0, le=1000)
    # A monorepo's subfolder the report's relative paths are in (``services/api``).
    path_prefix: str = Field(default="", max_length=255)
    # Path prefixes to remove besides CI workspaces (``/builds/acme/shop/``).
    strip_prefixes: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("path_prefix")
    @classmethod
    def _relative_prefix(cls, value: str) -> str:
        value = value.strip().strip("/")
        if value.startswith((".", "~")) or ".." in value.split("/") or ":" in value:
            raise ValueError(
                f"path_prefix must be a folder inside the repository, like 'services/api'; "
                f"got {value!r}"
            )
        return value
