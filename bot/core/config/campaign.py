"""A campaign's settings: as written (``campaigns.<name>``, ``defaults``) and resolved."""

from __future__ import annotations

from pydantic import Field

from bot.core.config.criteria import CriterionConfig
from bot.core.config.definition import CampaignDefinition, GoalConfig, LinkConfig
from bot.core.config.labels import DEFAULT_LABELS, LabelList, LabelSpec
from bot.core.config.strict_model import StrictModel
from bot.core.config.templates import DEFAULT_TITLE, Template


class PhaseConfig(StrictModel):
    """A phase: the tests whose file, class or id matches one of ``tests`` (globs)."""

    name: str = Field(min_length=1, max_length=200)
    priority: int | None = Field(default=None, ge=0, le=1000)
    tests: list[str] = Field(default_factory=list, max_length=200)
    description: str | None = Field(default=None, max_length=1000)


class ComparisonConfig(StrictModel):
    """When a phase's time counts as shifted in a run's session-log line: by more than
    ``min_shift_ratio`` of the previous run's time *and* more than ``min_shift_s``."""

    min_shift_ratio: float = Field(default=0.5, gt=0, le=100)
    min_shift_s: float = Field(default=30.0, ge=0, le=86_400)


class _DefinitionKeys(StrictModel):
    """The campaign's definition beside its mission (``bot.core.config.definition``), shown
    above the status of its tracking issue; the same keys in the file and resolved."""

    strategy: str | None = Field(default=None, max_length=2000)
    focus_areas: list[str] | None = Field(default=None, max_length=20)
    business_impact: str | None = Field(default=None, max_length=2000)
    owners: list[str] | None = Field(default=None, max_length=20)
    goal: GoalConfig | None = None
    links: list[LinkConfig] | None = Field(default=None, max_length=20)


class CampaignConfig(_DefinitionKeys):
    """Everything the bot needs to keep one campaign's tracking issue (resolved)."""

    title: Template = Field(default=DEFAULT_TITLE, min_length=1, max_length=256)
    labels: LabelList = Field(default_factory=lambda: list(DEFAULT_LABELS))
    mission: str | None = Field(default=None, max_length=2000)
    phases: list[PhaseConfig] = Field(default_factory=list, max_length=100)
    criteria: list[CriterionConfig] = Field(default_factory=list, max_length=100)
    comparison: ComparisonConfig = Field(default_factory=ComparisonConfig)

    @property
    def definition(self) -> CampaignDefinition:
        return CampaignDefinition(
            mission=self.mission,
            strategy=self.strategy,
            focus_areas=self.focus_areas,
            business_impact=self.business_impact,
            owners=self.owners,
            goal=self.goal,
            links=self.links,
        )

    def labels_for(self, campaign: str) -> list[LabelSpec]:
        """The labels with ``{campaign}`` filled in, duplicates removed."""
        seen: set[str] = set()
        out: list[LabelSpec] = []
        for label in self.labels:
            filled = label.for_campaign(campaign)
            if filled.name.lower() not in seen:
                seen.add(filled.name.lower())
                out.append(filled)
        return out


class CampaignSection(_DefinitionKeys):
    """A campaign as written in the file: unset keys fall back to ``defaults``."""

    title: Template | None = Field(default=None, min_length=1, max_length=256)
    labels: LabelList | None = Field(default=None, max_length=20)
    mission: str | None = Field(default=None, max_length=2000)
    phases: list[PhaseConfig] = Field(default_factory=list, max_length=100)
    criteria: list[CriterionConfig] = Field(default_factory=list, max_length=100)
    comparison: ComparisonConfig | None = None


class DefaultsSection(StrictModel):
    """Used for campaigns the file does not list, and for keys a campaign leaves out."""

    title: Template = Field(default=DEFAULT_TITLE, min_length=1, max_length=256)
    labels: LabelList = Field(default_factory=lambda: list(DEFAULT_LABELS), max_length=20)
    mission: str | None = Field(default=None, max_length=2000)
