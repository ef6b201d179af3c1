"""The five-whys / root-cause / fix-strategy record, as given in an upload's ``analysis``.

The upload metadata may carry::

    "analysis": {
      "five_whys": [{"why": "Why did the data pipeline fail?", "because": "WS closed 1011"}],
      "root_cause": "E2E env vars not propagated to Cloud Run staging",
      "fix_strategy": ["Propagate env vars", {"item": "Fix middleware order", "owner": "ana"}],
      "findings": ["WebSocket 1011 blocks the data pipeline"],
      "business_impact": "$200K+ MRR at risk"
    }
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator


class WhyStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    why: str = Field(min_length=1, max_length=2000)
    because: str = Field(default="", max_length=4000)


class FixItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str = Field(min_length=1, max_length=2000)
    owner: str | None = Field(default=None, max_length=100)
    due: date | None = None


class AnalysisBlock(BaseModel):
    """Root-cause analysis supplied by the team's own loop or tooling with a run."""

    model_config = ConfigDict(extra="forbid")

    five_whys: list[WhyStep] = Field(default_factory=list, max_length=5)
    root_cause: str | None = Field(default=None, max_length=4000)
    fix_strategy: list[FixItem] = Field(default_factory=list, max_length=50)
    findings: list[str] = Field(default_factory=list, max_length=50)
    business_impact: str | None = Field(default=None, max_length=2000)

    @field_validator("fix_strategy", mode="before")
    @classmethod
    def _items_may_be_strings(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"item": v} if isinstance(v, str) else v for v in value]
        return value

    @property
    def is_empty(self) -> bool:
        return not (
            self.five_whys
            or self.root_cause
            or self.fix_strategy
            or self.findings
            or self.business_impact
        )
