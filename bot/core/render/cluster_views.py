"""View models for everything rendered about failure clusters (issue #4).

Plain frozen data, filled by the analysis/store layers and read by the renderers in
``bot.core.render.failure_issue``, ``bot.core.render.regression`` and
``bot.core.render.tracking_issue``.
Every time comes from here (renderers never call ``now()``). Text fields hold untrusted
text as it was seen; the renderers make it safe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.core.evidence.model import EvidenceDraft
from bot.core.five_whys import AnalysisBlock, Attribution

ClusterKind = Literal["named", "computed", "test-name"]
ClusterState = Literal["new", "open", "resolved", "regressed", "muted"]
ResolutionReason = Literal["issue_closed", "green_runs", "command"]
FindingState = Literal["new", "recurring", "regression", "fix_not_in_build", "flaky", "muted"]

BOT_LOGIN = "loopwatch"  # ``Resolution.by`` when green runs resolved the cluster


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRef:
    """One run, as far as a cluster is concerned."""

    run_id: int
    at: datetime
    commit_sha: str | None = None
    branch: str | None = None
    url: str | None = None  # the CI run page (or Loopwatch's run page)
    campaign: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AffectedTest:
    test_id: str
    phase: str | None = None
    campaign: str | None = None
    occurrences: int = 1  # failing executions of this test in the cluster
    last_outcome: str = "failed"  # an ``Outcome`` value: failed / errored / flaky …


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolution:
    """How a cluster was resolved: its issue closed by a person, or green runs."""

    at: datetime
    by: str  # a GitHub login, or ``BOT_LOGIN`` for green runs
    reason: ResolutionReason
    commit_sha: str | None = None
    pull_request: int | None = None
    pull_request_title: str | None = None
    green_runs: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterView:
    key: str  # "cluster:<fingerprint>"
    fingerprint: str
    signature_version: int | str
    title: str  # the signature's title
    family: str | None = None
    kind: ClusterKind = "computed"
    state: ClusterState = "open"
    flaky: bool = False
    severity: str | None = None
    tests: Sequence[AffectedTest] = ()  # the most affected, a display cap at most
    # How many distinct tests failed with it in all (``tests`` may show fewer); None: as
    # many as ``tests``.
    test_count: int | None = None
    campaigns: Sequence[str] = ()
    first_seen: RunRef
    last_seen: RunRef
    occurrences: int = 0  # failing test executions
    runs_failed: int = 0
    runs_seen: int = 0
    sample_message: str | None = None
    sample_trace: str | None = None
    environments: Sequence[Mapping[str, str]] = ()  # distinct maps seen, a few at most
    resolution: Resolution | None = None
    history: Sequence[tuple[datetime, str]] = ()  # state changes, oldest first
    tracking_issue_url: str | None = None
    five_whys: AnalysisBlock | None = None  # a person's record for this cluster
    five_whys_by: Attribution | None = None
    five_whys_draft: EvidenceDraft | None = None  # the bot's, while no person wrote one
    five_whys_came_back: RunRef | None = None  # a regression after the record was confirmed


@dataclass(frozen=True, slots=True, kw_only=True)
class RegressionView:
    """One regression event: a resolved cluster failing again."""

    cluster: ClusterView
    run: RunRef  # where it came back
    tests: Sequence[AffectedTest]  # failing in that run
    phases: Sequence[str] = ()
    resolved: Resolution
    last_green: RunRef | None = None  # last run of the campaign where its tests passed
    green_runs_before: int | None = None  # runs its tests passed between resolution and now
    commit_range: tuple[str, str] | None = None  # last green sha, this sha
    compare_url: str | None = None
    environment_diff: Sequence[tuple[str, str | None, str | None]] = ()  # key, before, after
    previous_fix: str | None = None  # the fix strategy of the confirmed five-whys
    previous_root_cause: str | None = None
    previous_record_by: Attribution | None = None  # whose five-whys, which version, where
    fix_did_not_hold: bool = False
    fix_sha: str | None = None  # the fix GitHub was asked about (None: nothing to ask)
    fix_in_build: Literal["contained", "unknown"] | None = None  # what GitHub's compare said


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterFinding:
    """A cluster seen in the latest run, for the tracking issue's findings."""

    title: str
    state: FindingState
    tests: Sequence[str] = ()  # test ids affected in the latest run
    phases: Sequence[str] = ()
    issue_url: str | None = None
    occurrences_in_run: int = 0
