"""A run in words: the issue's title, the session-log line, counts as phrases."""

from __future__ import annotations

from bot.core.analysis.run_analysis import RunAnalysis
from bot.core.analysis.run_status import Status
from bot.core.config.campaign import CampaignConfig
from bot.core.config.templates import fill_template
from bot.core.render.tracking_issue.issue_view import MAX_TITLE_CHARS, RunInfo
from bot.core.reports.model import Counts


def compact_counts(counts: Counts) -> str:
    """Only the non-zero outcomes: ``2 passed · 1 flaky``."""
    pairs = (
        ("passed", counts.passed),
        ("failed", counts.failed),
        ("errored", counts.errored),
        ("skipped", counts.skipped),
        ("flaky", counts.flaky),
    )
    return " · ".join(f"{n} {word}" for word, n in pairs if n) or "no tests"


def counts_phrase(counts: Counts) -> str:
    parts = [f"{counts.passed} passed", f"{counts.failed} failed"]
    if counts.errored:
        parts.append(f"{counts.errored} errored")
    parts.append(f"{counts.skipped} skipped")
    if counts.flaky:
        parts.append(f"{counts.flaky} flaky")
    return " · ".join(parts)


def tracking_issue_title(campaign: CampaignConfig, name: str) -> str:
    """The issue title from the campaign's template, one line, at most 256 characters."""
    title = " ".join(fill_template(campaign.title, name).split())
    return title[:MAX_TITLE_CHARS] or f"Loopwatch: {name}"[:MAX_TITLE_CHARS]


def run_log_text(analysis: RunAnalysis, run: RunInfo, *, comparison: str = "") -> str:
    """The session-log line for a run (plain text), e.g. for a :class:`LogEntry`.

    ``comparison``: what changed since the campaign's previous run, as plain text
    (``bot.core.steering.run_diff.diff_phrase``); empty for none.
    """
    where = []
    if run.run_id is not None:
        where.append(f"Run {run.run_id}")
    else:
        where.append("Run")
    if run.commit_sha:
        where.append(f"on {run.commit_sha[:7]}")
    if run.branch:
        where.append(f"({run.branch})")
    text = " ".join(where) + f": {analysis.status.icon} {counts_phrase(analysis.counts)}"
    failing = [p.name for p in analysis.phases if p.status is Status.FAILED]
    if failing:
        text += f"; failing phases: {', '.join(failing)}"
    if comparison:
        text += f"; {comparison}"
    return text
