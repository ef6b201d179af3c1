"""What the tracking issue shows: the campaign, its latest run and its history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.analysis.history import TREND_LENGTH
from bot.core.analysis.run_analysis import RunAnalysis
from bot.core.analysis.run_summary import RunSummary
from bot.core.config.campaign import CampaignConfig
from bot.core.config.definition import CampaignDefinition
from bot.core.evidence.model import EvidenceDraft
from bot.core.five_whys import AnalysisBlock, Attribution
from bot.core.render.cluster_views import ClusterFinding
from bot.core.steering.coverage import CampaignCoverage
from bot.core.steering.goal import GoalProgress

MAX_ISSUE_CHARS = 65_536
DEFAULT_MAX_CHARS = 60_000
MAX_TITLE_CHARS = 256


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Facts about the latest run, from its upload metadata."""

    run_id: int | None = None
    commit_sha: str | None = None
    branch: str | None = None
    pull_request: int | None = None
    workflow: str | None = None
    run_url: str | None = None  # the CI run (e.g. the Actions run page)
    run_attempt: int | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    environment: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One session-log line: plain text (escaped when rendered), newest last."""

    at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class TrackingIssueView:
    repository: str
    campaign_name: str
    campaign: CampaignConfig
    run: RunInfo
    analysis: RunAnalysis
    history: Sequence[RunSummary] = ()  # earlier runs of the campaign, oldest first
    five_whys: AnalysisBlock | None = None
    five_whys_by: Attribution | None = None  # a person's record: who, when
    five_whys_draft: EvidenceDraft | None = None  # the main failure's, with no record
    five_whys_about: str | None = None  # markdown naming that failure
    session_log: Sequence[LogEntry] = ()  # oldest first
    config_errors: Sequence[str] = ()
    links: Sequence[Link] = ()
    trend_length: int = TREND_LENGTH
    clusters: Sequence[ClusterFinding] = ()  # the failure clusters seen in the latest run
    # The campaign's definition with the latest upload's keys over the config's (None:
    # the config's, ``campaign.definition``), and how far it is from its goal.
    definition: CampaignDefinition | None = None
    goal: GoalProgress | None = None
    coverage: CampaignCoverage | None = None  # what to run next
