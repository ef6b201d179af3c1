"""The status of a run, phase or suite, from its counts, with the icon the issues show."""

from __future__ import annotations

from enum import StrEnum

from bot.core.reports.model import Counts


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    FLAKY = "flaky"  # passed, but only after retries
    SKIPPED = "skipped"  # ran nothing but skips
    NOT_RUN = "not_run"  # no matching tests in this run

    @property
    def icon(self) -> str:
        return _ICONS[self]


_ICONS = {
    Status.PASSED: "✅",
    Status.FAILED: "❌",
    Status.FLAKY: "⚠️",
    Status.SKIPPED: "⏭️",
    Status.NOT_RUN: "➖",
}


def status_of(counts: Counts) -> Status:
    if counts.failed or counts.errored:
        return Status.FAILED
    if counts.flaky:
        return Status.FLAKY
    if counts.passed:
        return Status.PASSED
    if counts.skipped:
        return Status.SKIPPED
    return Status.NOT_RUN
