"""The status lines: the overall verdict, the run's facts, its tests and what changed."""

from __future__ import annotations

import re

from bot.core.analysis.run_analysis import RunAnalysis
from bot.core.analysis.run_status import Status
from bot.core.render.tracking_issue.issue_view import TrackingIssueView
from bot.core.render.tracking_issue.run_text import counts_phrase
from bot.core.safe_markdown import code, inline, link, safe_url
from bot.core.text import format_duration, format_time, plural

_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")


def _overall(analysis: RunAnalysis) -> str:
    phases = [p for p in analysis.phases if p.status is not Status.NOT_RUN]
    failing_phases = [p for p in phases if p.status is Status.FAILED]
    failing = analysis.counts.failed + analysis.counts.errored
    match analysis.status:
        case Status.FAILED:
            return (
                f"❌ **{plural(failing, 'test')} failing** in "
                f"{len(failing_phases)} of {plural(len(phases), 'phase')}"
            )
        case Status.FLAKY:
            return f"⚠️ **Passing, with {plural(analysis.counts.flaky, 'flaky test')}**"
        case Status.PASSED:
            return "✅ **All tests passed**"
        case Status.SKIPPED:
            return "⏭️ **Every test was skipped**"
        case _:
            return "➖ **No tests ran**"


def status_blocks(view: TrackingIssueView) -> list[str]:
    run, analysis = view.run, view.analysis
    lines: list[str] = []
    facts = [_overall(analysis)]
    label = f"run {run.run_id}" if run.run_id is not None else "latest run"
    if run.run_attempt and run.run_attempt > 1:
        label += f" (attempt {run.run_attempt})"
    facts.append(link(label, run.run_url) if safe_url(run.run_url) else inline(label))
    if run.workflow:
        facts.append(f"workflow {code(run.workflow, 100)}")
    if run.commit_sha:
        sha = run.commit_sha
        facts.append(f"commit {sha}" if _SHA.match(sha) else f"commit {code(sha, 64)}")
    if run.branch:
        facts.append(f"branch {code(run.branch, 100)}")
    if run.pull_request is not None:
        facts.append(f"PR #{int(run.pull_request)}")
    if run.finished_at is not None:
        facts.append(f"finished {format_time(run.finished_at)}")
    elif run.started_at is not None:
        facts.append(f"started {format_time(run.started_at)}")
    lines.append(f"**Status:** {' · '.join(facts)}  ")
    counts = analysis.counts
    wall = None
    if run.started_at is not None and run.finished_at is not None:
        wall = (run.finished_at - run.started_at).total_seconds()
    duration = format_duration(wall if wall and wall > 0 else analysis.duration_s)
    cases = counts.passed + counts.failed + counts.errored + counts.skipped + counts.flaky
    tests = f"**Tests:** {plural(cases, 'test')}"
    if counts.total > cases:
        tests += f" ({counts.total} executions with retries)"
    tests += f" — {counts_phrase(counts)}"
    lines.append(tests + (f" — took {duration}" if duration != "—" else ""))
    if analysis.new_failures or analysis.fixed:
        change = []
        if analysis.new_failures:
            change.append(f"🆕 {plural(len(analysis.new_failures), 'new failure')}")
        if analysis.fixed:
            change.append(f"✔️ {len(analysis.fixed)} fixed")
        lines[-1] += "  "
        lines.append("**Since the previous run:** " + " · ".join(change))
    if run.environment:
        pairs = sorted(run.environment.items())[:12]
        env = " · ".join(code(f"{k}={v}", 80) for k, v in pairs)
        lines[-1] += "  "
        lines.append(f"**Environment:** {env}")
    return ["\n".join(lines) + "\n\n"]
