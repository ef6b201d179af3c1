"""What a check run is made of, before it is Markdown and API calls (pure data).

``bot/app/checks/build.py`` fills these from the database; ``bot/core/checks/annotations.py``
turns failures into annotations; ``bot/core/render/check_run.py`` writes the title and the
summary. Everything here is plain data so the rendering is golden-tested.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Category(StrEnum):
    """How a failing test relates to the base branch, in the order annotations are sent."""

    NEW = "new"  # failing here, not on the base run
    REGRESSION = "regression"  # a resolved failure cluster that came back in this run
    STILL_FAILING = "still_failing"  # failing on the base run already
    # a resolved cluster failing in a build that does not contain its fix: known, no regression
    FIX_NOT_IN_BUILD = "fix_not_in_build"
    FLAKY = "flaky"  # failed, then passed on a retry (or on the same commit)


LEVELS = {
    Category.NEW: "failure",
    Category.REGRESSION: "failure",
    Category.STILL_FAILING: "warning",
    Category.FIX_NOT_IN_BUILD: "warning",
    Category.FLAKY: "notice",
}


@dataclass(frozen=True, slots=True)
class FailedTest:
    """One failing (or flaky) test of the check run, with what is known about it."""

    test_id: str
    category: Category
    file: str | None  # as the report gave it (absolute paths included)
    line: int | None
    message: str | None
    trace: str | None
    cluster_key: str  # the failure cluster's fingerprint (groups annotations)
    cluster_title: str  # the signature title, e.g. "WebSocket closed 1011 (internal error)"
    issue_number: int | None = None  # the cluster's failure issue, when it has one
    issue_url: str | None = None
    phase: str | None = None
    fix_sha: str | None = None  # FIX_NOT_IN_BUILD: the cluster's fix, not in this build


@dataclass(frozen=True, slots=True)
class PhaseCounts:
    name: str
    passed: int = 0
    failed: int = 0  # failed + errored
    skipped: int = 0
    flaky: int = 0


@dataclass(frozen=True, slots=True)
class Counts:
    total: int = 0
    passed: int = 0
    failed: int = 0  # failed + errored, flaky excluded
    skipped: int = 0
    flaky: int = 0
    duration_s: float | None = None


@dataclass(frozen=True, slots=True)
class BaseRun:
    """The base branch's latest run the check compares with."""

    run_id: int
    branch: str
    commit_sha: str | None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Annotation:
    """One check-run annotation (GitHub's fields), already within GitHub's limits."""

    key: str  # stable identity: cluster key + path + line (to send each once)
    path: str
    start_line: int
    end_line: int
    annotation_level: str  # notice | warning | failure
    title: str  # ≤ 255 characters
    message: str  # ≤ 64 KB
    raw_details: str | None = None  # ≤ 64 KB

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "path": self.path,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "annotation_level": self.annotation_level,
            "title": self.title,
            "message": self.message,
        }
        if self.raw_details:
            data["raw_details"] = self.raw_details
        return data


@dataclass(frozen=True, slots=True)
class CheckView:
    """Everything the check run's title and summary show."""

    campaign: str
    head_sha: str
    counts: Counts
    phases: list[PhaseCounts]
    failures: list[FailedTest]  # every failing and flaky test, any order
    base: BaseRun | None  # None: no base run to compare with
    fixed: list[str] = field(default_factory=list)  # test ids failing on base, passing here
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    newly_skipped: list[str] = field(default_factory=list)
    runs: int = 1  # uploads merged into this check run (a matrix)
    tracking_issue_url: str | None = None
    annotations_sent: int = 0  # how many failures got an annotation
    annotations_left_out: list[FailedTest] = field(default_factory=list)  # over the cap
    no_file: int = 0  # failures without a file: in the summary only
    note: str | None = None  # e.g. what became of a "Re-run" request
