"""The tracking issue of a campaign, as markdown (the bot's section only).

Modelled on the hand-kept issue #132 (``shared/seeds/``): mission, status, phase table,
validation criteria, critical findings, five whys / root cause / fix strategy, session log.
Pure and deterministic: every time comes from the view. The GitHub side wraps the result
in its markers; people's text outside them is kept.

The result is at most ``max_chars`` long. When the full text is too long, detail is given
up in this order: older session-log entries, then findings detail (messages, test lists),
then whole trailing blocks, with a visible note. Blocks (a table row, a fence, a
``<details>`` element) are never cut in the middle.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.core.analysis import (
    TREND_LENGTH,
    CriterionResult,
    FindingGroup,
    PhaseResult,
    RunAnalysis,
    RunSummary,
    Status,
    phase_trends,
)
from bot.core.config import CONFIG_PATH, CampaignConfig, fill_template
from bot.core.evidence.model import EvidenceDraft
from bot.core.five_whys import AnalysisBlock, Attribution
from bot.core.render.budget import fit_levels
from bot.core.render.cluster_views import ClusterFinding
from bot.core.render.evidence import evidence_blocks
from bot.core.render.five_whys import five_whys_blocks
from bot.core.render.goal import definition_blocks, goal_blocks
from bot.core.render.safe import code, fence, inline, link, safe_url, table_cell
from bot.core.render.steering import coverage_blocks
from bot.core.render.words import plural
from bot.core.reports.model import Counts
from bot.core.steering.coverage import CampaignCoverage
from bot.core.steering.definition import CampaignDefinition
from bot.core.steering.goal import GoalProgress

MAX_ISSUE_CHARS = 65_536
DEFAULT_MAX_CHARS = 60_000
MAX_TITLE_CHARS = 256
OPEN_LOG_ENTRIES = 10

_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")


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
    # Clusters seen in the latest run; when set, they replace the message grouping.
    clusters: Sequence[ClusterFinding] | None = None
    # The campaign's definition with the latest upload's keys over the config's (None:
    # the config's, ``campaign.definition``), and how far it is from its goal.
    definition: CampaignDefinition | None = None
    goal: GoalProgress | None = None
    coverage: CampaignCoverage | None = None  # what to run next


# --- small formatters -------------------------------------------------------------------


def format_duration(seconds: float | None) -> str:
    if seconds is None or seconds <= 0:
        return "—"
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def format_time(value: datetime) -> str:
    """``2025-09-10 19:52 UTC`` (naive times are taken as UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _compact_counts(counts: Counts) -> str:
    """Only the non-zero outcomes: ``2 passed · 1 flaky``."""
    pairs = (
        ("passed", counts.passed),
        ("failed", counts.failed),
        ("errored", counts.errored),
        ("skipped", counts.skipped),
        ("flaky", counts.flaky),
    )
    return " · ".join(f"{n} {word}" for word, n in pairs if n) or "no tests"


def _counts_phrase(counts: Counts) -> str:
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
    text = " ".join(where) + f": {analysis.status.icon} {_counts_phrase(analysis.counts)}"
    failing = [p.name for p in analysis.phases if p.status is Status.FAILED]
    if failing:
        text += f"; failing phases: {', '.join(failing)}"
    if comparison:
        text += f"; {comparison}"
    return text


# --- detail levels ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Detail:
    """How much to show; each later level in ``_LEVELS`` shows less."""

    folded_log: int | None = None  # older log entries kept in <details>; None = all
    suite_details: bool = True
    finding_groups: int = 20
    finding_tests: int = 5
    finding_message_chars: int = 1_500
    criterion_names: int = 5
    fix_items: int = 50
    coverage_rows: int = 100  # the "What to run next" table


_LEVELS = (
    _Detail(),
    _Detail(folded_log=50),
    _Detail(folded_log=0),
    _Detail(
        folded_log=0,
        suite_details=False,
        finding_tests=3,
        finding_message_chars=400,
        fix_items=20,
        coverage_rows=30,
    ),
    _Detail(
        folded_log=0,
        suite_details=False,
        finding_groups=10,
        finding_tests=3,
        finding_message_chars=0,
        criterion_names=3,
        fix_items=20,
        coverage_rows=10,
    ),
    _Detail(
        folded_log=0,
        suite_details=False,
        finding_groups=5,
        finding_tests=1,
        finding_message_chars=0,
        criterion_names=1,
        fix_items=10,
        coverage_rows=0,
    ),
)


# --- sections ---------------------------------------------------------------------------
# Each section returns a list of blocks; a block is text that is never split.


def _config_error(error: str) -> str:
    """``campaigns.e2e.phases[0].priority: must be …`` with the location as code."""
    where, sep, what = error.partition(": ")
    if sep and where and " " not in where:
        return f"{code(where, 200)}: {inline(what, 400)}"
    return inline(error, 400)


def _config_errors(errors: Sequence[str]) -> list[str]:
    if not errors:
        return []
    lines = [
        "> [!WARNING]",
        f"> **{code(CONFIG_PATH)} has problems.** Until it is fixed, the parts it could not "
        "read use the defaults:",
        ">",
    ]
    lines += [f"> - {_config_error(error)}" for error in errors[:20]]
    if len(errors) > 20:
        lines.append(f"> - … and {len(errors) - 20} more")
    lines += [
        ">",
        "> Fix the file on the default branch; the next run picks up the change. "
        "The keys are described in Loopwatch's docs/configuration.md.",
    ]
    return ["\n".join(lines) + "\n\n"]


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


def _status(view: TrackingIssueView) -> list[str]:
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
    tests += f" — {_counts_phrase(counts)}"
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


def _phase_row(phase: PhaseResult, trend: str) -> str:
    counts = phase.counts
    failed = counts.failed + counts.errored
    failed_cell = f"**{failed}**" if failed else "0"
    passed_cell = str(counts.passed) + (f" (+{counts.flaky} flaky)" if counts.flaky else "")
    cells = [
        f"{phase.status.icon} {table_cell(phase.name, 120)}",
        str(phase.priority) if phase.priority is not None else "—",
        str(len(phase.suites)),
        passed_cell,
        failed_cell,
        str(counts.skipped),
        format_duration(phase.duration_s),
        trend or "—",
    ]
    return "| " + " | ".join(cells) + " |\n"


def _phases(view: TrackingIssueView, detail: _Detail) -> list[str]:
    analysis = view.analysis
    if not analysis.phases:
        return ["### Phases\n\n_No test results in this run._\n\n"]
    trends = phase_trends(view.history, analysis.summary, max(1, view.trend_length))
    blocks = [
        "### Phases\n\n"
        "| Phase | Priority | Suites | Passed | Failed | Skipped | Duration | Trend |\n"
        "|---|---:|---:|---:|---:|---:|---:|---|\n"
    ]
    blocks += [_phase_row(p, trends.get(p.name, "")) for p in analysis.phases]
    blocks.append(
        f"\n<sub>Trend: up to the last {view.trend_length} runs, oldest first "
        "(➖ = the phase did not run).</sub>\n\n"
    )
    if detail.suite_details and any(len(p.suites) > 1 for p in analysis.phases):
        lines = ["<details><summary>Suites by phase</summary>", ""]
        for phase in analysis.phases:
            if not phase.suites:
                continue
            lines.append(f"**{inline(phase.name, 120)}**")
            lines.append("")
            for suite in phase.suites[:100]:
                lines.append(
                    f"- {suite.status.icon} {code(suite.name, 200)} — "
                    f"{_compact_counts(suite.counts)} ({format_duration(suite.duration_s)})"
                )
            if len(phase.suites) > 100:
                lines.append(f"- … and {len(phase.suites) - 100} more suites")
            lines.append("")
        lines.append("</details>")
        blocks.append("\n".join(lines) + "\n\n")
    return blocks


def _criterion(result: CriterionResult, names: int) -> str:
    box = "x" if result.met else " "
    label = inline(result.name, 300)
    if result.kind != "all_pass":
        # The other kinds judge more than pass/fail: their own line says why (or what held),
        # shorter when the issue has to shrink (``names`` falls with the detail level).
        limit = 60 + 120 * names
        if result.reason is not None:
            note = "❌ " + inline(result.reason, limit)
        else:
            note = "✅ " + inline(result.note or "met", limit)
    elif result.status is Status.FAILED:
        shown = ", ".join(code(t, 150) for t in result.failing[:names])
        more = len(result.failing) - names
        extra = f" and {more} more" if more > 0 else ""
        note = f"❌ {len(result.failing)} of {len(result.matched)} failing: {shown}{extra}"
    elif result.status is Status.NOT_RUN:
        note = "⚠️ no matching tests ran"
    elif result.status is Status.SKIPPED:
        note = f"⏭️ all {plural(len(result.matched), 'matching test')} skipped"
    else:
        ran = len(result.matched) - result.skipped
        note = f"✅ {ran} of {ran} passed" + (
            " (some only after retries)" if result.status is Status.FLAKY else ""
        )
        if result.skipped:
            note += f", {result.skipped} skipped"
    return f"- [{box}] {label} — {note}\n"


def _criteria(view: TrackingIssueView, detail: _Detail) -> list[str]:
    if not view.analysis.criteria:
        return []
    blocks = ["### Critical validation criteria\n\n"]
    blocks += [_criterion(c, detail.criterion_names) for c in view.analysis.criteria]
    blocks.append("\n")
    return blocks


def _finding(index: int, group: FindingGroup, detail: _Detail) -> str:
    kind = code(group.failure_type, 120) + " — " if group.failure_type else ""
    where = ", ".join(inline(p, 80) for p in group.phases[:5])
    if group.errored == group.count:
        errored = " (errored)" if group.count == 1 else " (all errored)"
    else:
        errored = f" ({group.errored} errored)" if group.errored else ""
    lines = [
        f"**{index}. {kind}{inline(group.summary, 200)}** — "
        f"{plural(group.count, 'test')}{errored} in {where}",
        "",
    ]
    lines += [f"- {code(t, 200)}" for t in group.test_ids[: detail.finding_tests]]
    if group.count > detail.finding_tests:
        lines.append(f"- … and {group.count - detail.finding_tests} more")
    text = "\n".join(lines) + "\n"
    if detail.finding_message_chars and group.sample_message.strip():
        text += "\n" + fence(group.sample_message, limit=detail.finding_message_chars)
    return text + "\n"


_CLUSTER_ORDER = {"regression": 0, "new": 1, "recurring": 2, "muted": 3, "flaky": 4}
_CLUSTER_LABELS = {
    "regression": "🔁 Regression",
    "new": "🆕 New",
    "recurring": "❌ Recurring",
    "muted": "🔇 Muted",
    "flaky": "⚠️ Flaky",
}
_ISSUE_NUMBER = re.compile(r"/issues/(\d+)/?$")


def _issue_link(url: str | None) -> str:
    target = safe_url(url)
    if not target:
        return "no issue yet"
    number = _ISSUE_NUMBER.search(target)
    # The number is digits from a URL we were given: safe to show as a reference.
    return f"[issue #{number.group(1)}]({target})" if number else link("its issue", target)


def _cluster_finding(index: int, finding: ClusterFinding, detail: _Detail) -> str:
    label = _CLUSTER_LABELS.get(finding.state, inline(finding.state, 20))
    tests = list(dict.fromkeys(finding.tests))
    count = plural(len(tests), "test")
    if finding.occurrences_in_run > len(tests):
        count += f" ({finding.occurrences_in_run} failures with retries)"
    where = ", ".join(inline(p, 80) for p in list(dict.fromkeys(finding.phases))[:5])
    lines = [
        f"**{index}. {label} — {inline(finding.title, 200)}** — {count}"
        + (f" in {where}" if where else "")
        + f" · {_issue_link(finding.issue_url)}",
        "",
    ]
    lines += [f"- {code(t, 200)}" for t in tests[: detail.finding_tests]]
    if len(tests) > detail.finding_tests:
        lines.append(f"- … and {len(tests) - detail.finding_tests} more")
    return "\n".join(lines) + "\n\n"


def _cluster_findings(clusters: Sequence[ClusterFinding], detail: _Detail) -> list[str]:
    ordered = sorted(clusters, key=lambda c: _CLUSTER_ORDER.get(c.state, 3))
    blocks = [
        _cluster_finding(index, finding, detail)
        for index, finding in enumerate(ordered[: detail.finding_groups], start=1)
    ]
    hidden = ordered[detail.finding_groups :]
    if hidden:
        tests = sum(len(set(c.tests)) for c in hidden)
        blocks.append(
            f"_… and {plural(len(hidden), 'more failure cluster')} ({plural(tests, 'test')})._\n\n"
        )
    return blocks


def _five_whys(view: TrackingIssueView, detail: _Detail) -> list[str]:
    """The campaign's five-whys (a person's or an upload's), else the evidence draft of
    the latest run's main failure."""
    if view.five_whys is None and view.five_whys_draft is not None:
        return evidence_blocks(view.five_whys_draft, view.five_whys_by, about=view.five_whys_about)
    return five_whys_blocks(view.five_whys, view.five_whys_by, fix_items=detail.fix_items)


def _findings(view: TrackingIssueView, detail: _Detail) -> list[str]:
    reported = view.five_whys.findings if view.five_whys else []
    groups = view.analysis.findings
    if view.clusters is not None:
        if not reported and not view.clusters:
            return []
        groups = []
    elif not reported and not groups:
        return []
    blocks = ["### Critical findings\n\n"]
    if reported:
        lines = [f"- ⚠️ {inline(item, 500)}" for item in reported]
        blocks.append("\n".join(lines) + "\n\n")
    if view.clusters is not None:
        return blocks + _cluster_findings(view.clusters, detail)
    for index, group in enumerate(groups[: detail.finding_groups], start=1):
        blocks.append(_finding(index, group, detail))
    hidden = groups[detail.finding_groups :]
    if hidden:
        tests = sum(g.count for g in hidden)
        blocks.append(f"_… and {plural(len(hidden), 'more group')} ({plural(tests, 'test')})._\n\n")
    return blocks


def _log_line(entry: LogEntry) -> str:
    return f"- **{format_time(entry.at)}** — {inline(entry.text, 1000)}"


def _session_log(view: TrackingIssueView, detail: _Detail) -> list[str]:
    entries = list(view.session_log)
    if not entries:
        return []
    recent = entries[-OPEN_LOG_ENTRIES:]
    older = entries[:-OPEN_LOG_ENTRIES] if len(entries) > OPEN_LOG_ENTRIES else []
    blocks = ["### Session log\n\n"]
    if older:
        keep = len(older) if detail.folded_log is None else detail.folded_log
        kept = older[max(0, len(older) - keep) :] if keep else []
        dropped = len(older) - len(kept)
        lines = []
        if kept:
            summary = plural(len(older), "earlier entry", "earlier entries")
            lines += [f"<details><summary>{summary}</summary>", ""]
            if dropped:
                lines.append(f"- _… {dropped} older entries not shown_")
            lines += [_log_line(e) for e in kept]
            lines += ["", "</details>"]
        else:
            lines.append(f"_{plural(dropped, 'earlier entry', 'earlier entries')} not shown._")
        blocks.append("\n".join(lines) + "\n\n")
    blocks.append("\n".join(_log_line(e) for e in recent) + "\n\n")
    return blocks


def _footer(view: TrackingIssueView) -> list[str]:
    parts = [link(item.label, item.url) for item in view.links if safe_url(item.url)]
    parts.append(
        "kept by Loopwatch: this section is rewritten after every run; "
        "write your notes above or below it"
    )
    return ["---\n<sub>" + " · ".join(parts) + "</sub>\n"]


def _blocks(view: TrackingIssueView, detail: _Detail) -> list[str]:
    return [
        *_config_errors(view.config_errors),
        *definition_blocks(view.definition or view.campaign.definition),
        *_status(view),
        *goal_blocks(view.goal),
        *_phases(view, detail),
        *_criteria(view, detail),
        *(
            coverage_blocks(view.coverage, max_rows=detail.coverage_rows)
            if view.coverage is not None
            else []
        ),
        *_findings(view, detail),
        *_five_whys(view, detail),
        *_session_log(view, detail),
        *_footer(view),
    ]


def render_tracking_issue(view: TrackingIssueView, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The bot's section of the campaign's tracking issue, at most ``max_chars`` long."""
    return fit_levels(lambda detail: _blocks(view, detail), _LEVELS, max_chars)
