"""What the evidence builder is given: facts read from the database and from GitHub.

Plain frozen data, so the builder is a pure function that tests feed by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RunFacts:
    run_id: int
    at: datetime
    commit_sha: str | None = None
    branch: str | None = None
    environment: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``run 5 on d4e5f6a`` (plain text)."""
        text = f"run {self.run_id}"
        if self.commit_sha:
            text += f" on {self.commit_sha.strip()[:7]}"
        return text


@dataclass(frozen=True, slots=True)
class FailingTest:
    test_id: str
    phase: str | None = None
    file: str | None = None  # repository-relative when known


@dataclass(frozen=True, slots=True)
class RelatedCluster:
    """Another failure that started (or came back) in the same run."""

    title: str
    fingerprint: str
    issue_number: int | None = None
    tests: int = 0


@dataclass(frozen=True, slots=True)
class PriorResolution:
    """How the failure was resolved before it came back."""

    at: datetime
    by: str | None = None
    reason: str | None = None  # issue_closed / green_runs / command
    pull_request: int | None = None
    commit_sha: str | None = None
    regressions: int = 1  # times it has come back, this one included
    record_author: str | None = None  # a person's confirmed five-whys at the time
    record_root_cause: str | None = None
    record_fixes: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class ChangedFile:
    path: str
    status: str = "modified"
    additions: int = 0
    deletions: int = 0


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    title: str
    author: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class CommitRange:
    """GitHub's compare of the last green commit with the failing one; ``error`` says
    why it could not be read (then the lists are empty)."""

    base_sha: str
    head_sha: str
    commits: Sequence[Commit] = ()
    files: Sequence[ChangedFile] = ()
    total_commits: int | None = None
    url: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class EvidenceFacts:
    campaign: str
    cluster_title: str
    fingerprint: str
    run: RunFacts  # where it failed: first seen, or came back
    tests: Sequence[FailingTest]
    family: str | None = None
    failure_type: str | None = None
    message: str | None = None
    trace_paths: Sequence[str] = ()  # repository files the failure's trace passes through
    last_green: RunFacts | None = None  # newest earlier run of the campaign where they passed
    related: Sequence[RelatedCluster] = ()
    prior: PriorResolution | None = None  # set when this is a regression

    @property
    def needs_compare(self) -> bool:
        """Whether a commit range is worth asking GitHub for."""
        green = self.last_green
        return bool(
            green is not None
            and green.commit_sha
            and self.run.commit_sha
            and green.commit_sha != self.run.commit_sha
        )
