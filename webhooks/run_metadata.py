"""The ``metadata`` part of an upload: validated into ``RunMetadata`` with friendly errors."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.adapters.tokens import normalize_repo_full_name
from bot.core.config.definition import CampaignDefinition
from bot.core.five_whys import AnalysisBlock

_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")


class RunMetadata(BaseModel):
    """What CI tells Loopwatch about a run, beside the report files."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    repository: str = Field(max_length=255)
    campaign: str = Field(default="default", min_length=1, max_length=255)
    commit_sha: str | None = None
    branch: str | None = Field(default=None, max_length=255)
    pull_request: int | None = Field(default=None, ge=1)
    workflow: str | None = Field(default=None, max_length=255)
    workflow_run_id: int | None = Field(default=None, ge=1, lt=2**63)
    run_attempt: int | None = Field(default=None, ge=1, lt=2**31)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    environment: dict[str, str] = Field(default_factory=dict, max_length=200)
    analysis: AnalysisBlock | None = None
    # The campaign's definition for this run on: its keys override the config's.
    definition: CampaignDefinition | None = None
    run_key: str | None = Field(default=None, min_length=1, max_length=255)
    # owner/name of the pull request's head repository; a fork's run is untrusted: it
    # gets its check run, and changes no failure cluster, issue or session log.
    head_repository: str | None = Field(default=None, max_length=255)

    @field_validator("repository")
    @classmethod
    def _repository_name(cls, value: str) -> str:
        return normalize_repo_full_name(value)

    @field_validator("commit_sha")
    @classmethod
    def _hex_sha(cls, value: str | None) -> str | None:
        if value is not None and not _SHA.match(value):
            raise ValueError("must be a git commit sha: 7 to 64 hexadecimal characters")
        return value.lower() if value else value

    @field_validator("environment")
    @classmethod
    def _environment_sizes(cls, value: dict[str, str]) -> dict[str, str]:
        for key, item in value.items():
            if len(key) > 255 or len(item) > 4096:
                raise ValueError(
                    f"entry {key[:40]!r} is too long (names ≤ 255, values ≤ 4096 characters)"
                )
        return value

    @model_validator(mode="after")
    def _times_in_order(self) -> RunMetadata:
        if self.started_at and self.finished_at and self.finished_at < self.started_at:
            raise ValueError("finished_at is before started_at")
        return self

    def effective_run_key(self) -> str | None:
        """The run key the uploader gave, if any.

        None is derived from the CI run on purpose: the jobs of a matrix share the workflow
        run id and attempt, and a derived key would silently drop every shard's reports but
        the first. Retries are covered by the Idempotency-Key the CLI sends.
        """
        return self.run_key


class MetadataError(ValueError):
    """Why the metadata part was refused; ``field`` names the offending field."""

    def __init__(
        self, message: str, field: str, details: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or []


def _describe(error: Any) -> tuple[str, str]:
    location = [str(part) for part in error.get("loc", ())]
    field = ".".join(location) or "metadata"
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    if error.get("type") == "missing":
        message = "this field is required"
    elif error.get("type") == "extra_forbidden":
        message = "unknown field (check the spelling; see docs/api.md for the fields)"
    elif str(error.get("type", "")).startswith(("datetime_", "date_")):
        message += " (use ISO 8601, e.g. 2026-11-29T10:00:00Z)"
    return field, message


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"


MAX_METADATA_BYTES = 1024 * 1024


def parse_metadata(raw: bytes) -> RunMetadata:
    """Bytes of the metadata part → RunMetadata, or MetadataError naming the field."""
    if len(raw) > MAX_METADATA_BYTES:
        raise MetadataError(
            f"metadata is {len(raw)} bytes; at most {MAX_METADATA_BYTES} are accepted",
            "metadata",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MetadataError(
            f"metadata is not valid UTF-8 (bad byte at offset {exc.start}); send JSON in UTF-8",
            "metadata",
        ) from exc
    if not text.strip():
        raise MetadataError("metadata is empty; send a JSON object", "metadata")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MetadataError(
            f"metadata is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            "metadata",
        ) from exc
    except RecursionError as exc:
        raise MetadataError("metadata is nested too deeply to be run metadata", "metadata") from exc
    if not isinstance(document, dict):
        raise MetadataError(
            f"metadata must be a JSON object, not {_json_kind(document)}", "metadata"
        )
    try:
        return RunMetadata.model_validate(document)
    except ValidationError as exc:
        described = [_describe(error) for error in exc.errors()]
        field, message = described[0]
        extra = len(described) - 1
        more = f" (and {extra} more problem{'s' if extra > 1 else ''})" if extra else ""
        raise MetadataError(
            f"metadata field {field!r}: {message}{more}",
            field,
            [{"field": f, "error": m} for f, m in described],
        ) from exc
