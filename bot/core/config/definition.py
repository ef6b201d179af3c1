"""A campaign's definition: what it is for and how far along it is meant to get.

Written in the repository's config (``campaigns.<name>``: mission, strategy, focus areas,
business impact, owners, goal, links) and overridable per upload (the run metadata's
``definition``, key by key). Shown at the top of the tracking issue, above the status.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_TEXT = 2000


class LinkConfig(BaseModel):
    """A link shown with the campaign: reports, dashboards, runbooks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=2000)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError(f"the link {value!r} must start with https:// (or http://)")
        return value


class GoalConfig(BaseModel):
    """Where the campaign is headed; at least one measurable target.

    ``tests_passing``: that many tests passing in the latest run, across all phases (the
    seed's "all 1000 tests pass"). ``criteria_green_runs``: every validation criterion met
    in that many consecutive runs.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str | None = Field(default=None, max_length=500)
    tests_passing: int | None = Field(default=None, ge=1, le=10_000_000)
    criteria_green_runs: int | None = Field(default=None, ge=1, le=100)

    @model_validator(mode="after")
    def _measurable(self) -> GoalConfig:
        if self.tests_passing is None and self.criteria_green_runs is None:
            raise ValueError(
                "a goal needs a target: tests_passing (e.g. 1000) or criteria_green_runs (e.g. 5)"
            )
        return self


class CampaignDefinition(BaseModel):
    """The definition keys, all optional (an upload's override sets only some)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mission: str | None = Field(default=None, max_length=MAX_TEXT)
    strategy: str | None = Field(default=None, max_length=MAX_TEXT)
    focus_areas: list[str] | None = Field(default=None, max_length=20)
    business_impact: str | None = Field(default=None, max_length=MAX_TEXT)
    owners: list[str] | None = Field(default=None, max_length=20)
    goal: GoalConfig | None = None
    links: list[LinkConfig] | None = Field(default=None, max_length=20)

    @field_validator("focus_areas", "owners")
    @classmethod
    def _short_items(cls, values: list[str] | None) -> list[str] | None:
        if values is None:
            return None
        for value in values:
            if not value.strip() or len(value) > 200:
                raise ValueError("each item must be 1 to 200 characters long")
        return [value.strip() for value in values]

    def over(self, base: CampaignDefinition) -> CampaignDefinition:
        """This definition's keys that are set, over ``base`` (the config's)."""
        merged = {
            **base.model_dump(exclude_none=True),
            **self.model_dump(exclude_none=True, exclude_unset=True),
        }
        return CampaignDefinition.model_validate(merged)

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.mission,
                self.strategy,
                self.focus_areas,
                self.business_impact,
                self.owners,
                self.goal,
                self.links,
            )
        )
