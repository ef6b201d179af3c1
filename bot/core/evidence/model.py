"""The bot's five-whys draft as stored (JSON in ``five_whys.record`` with source
``evidence`` and status ``draft``): steps that each say where their facts come from, and
the facts themselves (commits, changed files, environment changes, related failures) for
the issue to list under the steps.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.core.five_whys import AnalysisBlock, WhyStep

MAX_STEPS = 5
MAX_COMMITS = 20
MAX_FILES = 30
MAX_ENVIRONMENT = 20
MAX_RELATED = 10


class _Stored(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class EvidenceStep(_Stored):
    """One why; an empty ``because`` is a question the facts cannot answer."""

    why: str = Field(min_length=1, max_length=2000)
    because: str = Field(default="", max_length=4000)
    sources: list[str] = Field(default_factory=list, max_length=6)


class CommitFact(_Stored):
    sha: str
    title: str
    author: str | None = None
    url: str | None = None


class FileFact(_Stored):
    path: str
    status: str = "modified"
    additions: int = 0
    deletions: int = 0
    near_failure: bool = False  # under a failing test's folder or in its trace


class EnvironmentChange(_Stored):
    key: str
    before: str | None = None
    after: str | None = None


class RelatedFailure(_Stored):
    title: str
    issue_number: int | None = None
    tests: int = 0
    fingerprint: str = ""


class EvidenceDraft(_Stored):
    """What Loopwatch drafted from the data it has, for a person to confirm or correct."""

    run_id: int  # the run the draft explains (first failure, or the regression)
    steps: list[EvidenceStep] = Field(default_factory=list, max_length=MAX_STEPS)
    base_sha: str | None = None  # the last green run's commit
    head_sha: str | None = None
    compare_url: str | None = None
    total_commits: int | None = None
    commits: list[CommitFact] = Field(default_factory=list, max_length=MAX_COMMITS)
    total_files: int | None = None
    files: list[FileFact] = Field(default_factory=list, max_length=MAX_FILES)
    environment: list[EnvironmentChange] = Field(default_factory=list, max_length=MAX_ENVIRONMENT)
    related: list[RelatedFailure] = Field(default_factory=list, max_length=MAX_RELATED)

    def as_block(self) -> AnalysisBlock:
        """The whys alone, as a person's record starts from it (``/why N`` on a draft)."""
        return AnalysisBlock(
            five_whys=[WhyStep(why=step.why, because=step.because) for step in self.steps]
        )
