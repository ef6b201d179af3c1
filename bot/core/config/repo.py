"""The whole file (:class:`RepoConfig`) and what loading it gives (:class:`ConfigResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field, field_validator

from bot.core.artifacts.config import ArtifactsConfig
from bot.core.config.campaign import (
    CampaignConfig,
    CampaignSection,
    ComparisonConfig,
    DefaultsSection,
)
from bot.core.config.check_runs import ChecksConfig
from bot.core.config.commands import CommandsConfig
from bot.core.config.failures import FailuresConfig
from bot.core.config.signature_rules import SignatureRule
from bot.core.config.strict_model import StrictModel


class RepoConfig(StrictModel):
    campaigns: dict[str, CampaignSection] = Field(default_factory=dict, max_length=200)
    defaults: DefaultsSection = Field(default_factory=DefaultsSection)
    failures: FailuresConfig = Field(default_factory=FailuresConfig)
    commands: CommandsConfig = Field(default_factory=CommandsConfig)
    checks: ChecksConfig = Field(default_factory=ChecksConfig)
    artifacts: ArtifactsConfig = Field(default_factory=ArtifactsConfig)
    signatures: list[SignatureRule] = Field(default_factory=list, max_length=200)
    # Pin the signature algorithm (docs/signatures.md, "Versions"); None = the newest. The
    # literal lists the supported versions (a test holds it to bot.core.signatures).
    signature_version: Literal[1, 2] | None = None

    @field_validator("signatures")
    @classmethod
    def _unique_signature_ids(cls, rules: list[SignatureRule]) -> list[SignatureRule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ValueError(
                    f"the id {rule.id!r} is used by two signatures; ids must be unique"
                )
            seen.add(rule.id)
        return rules

    def campaign(self, name: str) -> CampaignConfig:
        """The resolved settings for campaign ``name`` (listed, or the defaults)."""
        section = self.campaigns.get(name) or CampaignSection()
        return CampaignConfig(
            title=section.title or self.defaults.title,
            labels=list(section.labels if section.labels is not None else self.defaults.labels),
            mission=section.mission if section.mission is not None else self.defaults.mission,
            phases=list(section.phases),
            criteria=list(section.criteria),
            comparison=section.comparison or ComparisonConfig(),
            strategy=section.strategy,
            focus_areas=section.focus_areas,
            business_impact=section.business_impact,
            owners=section.owners,
            goal=section.goal,
            links=section.links,
        )


@dataclass(frozen=True, slots=True)
class ConfigResult:
    config: RepoConfig
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors
