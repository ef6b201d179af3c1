"""``artifacts:`` in ``.github/loopwatch.yml``: which workflow-run artifacts to ingest.

With the App installed and no config at all, every workflow's artifacts whose names look
like test results are read when the run completes, each workflow becoming a campaign of
its own name. The keys narrow that down or rename the campaign.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_NAMES = ("*test-results*", "*junit*", "*test-report*", "*ctrf*")
MIB = 1024 * 1024
# The operator's ceilings: a repository may lower the limits below, never raise them past.
MAX_ARTIFACT_BYTES = 500 * MIB
MAX_UNPACKED_BYTES = 1024 * MIB


class ArtifactLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The zip as downloaded (GitHub reports the size before the download starts).
    max_download_bytes: int = Field(default=100 * MIB, ge=1, le=MAX_ARTIFACT_BYTES)
    max_entries: int = Field(default=2000, ge=1, le=100_000)
    max_unpacked_bytes: int = Field(default=256 * MIB, ge=1, le=MAX_UNPACKED_BYTES)
    max_file_bytes: int = Field(default=100 * MIB, ge=1, le=MAX_UNPACKED_BYTES)
    max_ratio: float = Field(default=200.0, ge=1, le=10_000)


class ArtifactsConfig(BaseModel):
    """Reports from workflow-run artifacts (``artifacts:`` in the file)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # Artifact names to read, as globs (case-insensitive): ``["e2e-*", "junit"]``.
    names: list[str] = Field(default_factory=lambda: list(DEFAULT_NAMES), max_length=50)
    # Workflows to watch, by name (``E2E``) or file (``e2e.yml`` or its full path);
    # empty: every workflow.
    workflows: list[str] = Field(default_factory=list, max_length=50)
    # Workflow (name or file) → campaign; a workflow not listed is the campaign of its name.
    campaigns: dict[str, str] = Field(default_factory=dict, max_length=50)
    limits: ArtifactLimits = Field(default_factory=ArtifactLimits)

    @field_validator("names", "workflows")
    @classmethod
    def _not_blank(cls, value: list[str]) -> list[str]:
        cleaned = [item.strip() for item in value]
        if any(not item for item in cleaned):
            raise ValueError("entries must not be empty")
        return cleaned

    @field_validator("campaigns")
    @classmethod
    def _campaign_names(cls, value: dict[str, str]) -> dict[str, str]:
        for workflow, campaign in value.items():
            if not campaign.strip() or len(campaign) > 255:
                raise ValueError(f"{workflow}: the campaign name must be 1 to 255 characters")
        return {workflow.strip(): campaign.strip() for workflow, campaign in value.items()}

    def wants_artifact(self, name: str) -> bool:
        lowered = name.lower()
        return any(fnmatchcase(lowered, pattern.lower()) for pattern in self.names)

    def watches(self, workflow_name: str, workflow_path: str) -> bool:
        return not self.workflows or any(
            _names_workflow(entry, workflow_name, workflow_path) for entry in self.workflows
        )

    def campaign_for(self, workflow_name: str, workflow_path: str) -> str:
        for entry, campaign in self.campaigns.items():
            if _names_workflow(entry, workflow_name, workflow_path):
                return campaign
        return workflow_name.strip() or _file_name(workflow_path) or "default"


def _file_name(path: str) -> str:
    return path.rsplit("/", 1)[-1].split("@", 1)[0]


def _names_workflow(entry: str, workflow_name: str, workflow_path: str) -> bool:
    """``entry`` is the workflow's name, its file name or its path (``@ref`` ignored)."""
    path = workflow_path.split("@", 1)[0]
    return entry == workflow_name or entry in (path, _file_name(path))
