"""When a failure cluster gets its own issue (``failures:`` in the file)."""

from __future__ import annotations

from pydantic import Field, model_validator

from bot.core.config.strict_model import StrictModel


class FailuresConfig(StrictModel):
    """When a failure cluster gets its own issue (``failures:`` in the file)."""

    # A cluster gets an issue once it failed in this many of the campaign's last
    # ``window_runs`` runs.
    open_issue_after: int = Field(default=1, ge=1, le=100)
    window_runs: int = Field(default=10, ge=1, le=1000)
    # Branches whose runs may open issues; empty: the default branch when known, else any.
    only_branches: list[str] = Field(default_factory=list, max_length=50)
    max_new_issues_per_run: int = Field(default=1, ge=0, le=50)
    # Consecutive runs of a campaign in which its tests ran and passed resolve a cluster.
    resolve_after_green_runs: int = Field(default=3, ge=1, le=1000)
    labels: list[str] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _window_holds_threshold(self) -> FailuresConfig:
        if self.open_issue_after > self.window_runs:
            raise ValueError(
                f"open_issue_after ({self.open_issue_after}) cannot be more than "
                f"window_runs ({self.window_runs}): the issue would never open"
            )
        return self
