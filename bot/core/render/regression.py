"""Regression comments: one on the failure issue per regression event, a short one on the
campaign's tracking issue. Pure and deterministic; logins never ping (code, no ``@``)."""

from __future__ import annotations

from bot.core.render.cluster_text import (
    join_names,
    login,
    outcome,
    plural,
    resolution_phrase,
    run_phrase,
    sha,
    short_test_name,
)
from bot.core.render.cluster_views import RegressionView
from bot.core.safe_markdown import code, inline, link, safe_url

MAX_COMMENT_CHARS = 65_000
COMMENT_TESTS = 20
ENV_KEYS = 20


def _phases(view: RegressionView) -> list[str]:
    phases = list(dict.fromkeys(view.phases)) or sorted({t.phase for t in view.tests if t.phase})
    return [inline(p, 120) for p in phases]


def _tests_where(view: RegressionView) -> str:
    """``2 tests in Data agent pipeline validation``."""
    text = plural(len({t.test_id for t in view.tests}), "test")
    phases = _phases(view)
    return text + (f" in {join_names(phases, 5)}" if phases else "")


def _held_for(view: RegressionView) -> str:
    runs = view.green_runs_before
    return f"; then {plural(runs, 'green run')} passed" if runs else ""


def _since_last_green(view: RegressionView) -> list[str]:
    lines: list[str] = []
    if view.last_green is not None:
        lines.append(f"**Since the last green run** ({run_phrase(view.last_green)}):\n")
    else:
        lines.append("**Since it was resolved** (no green run of this campaign recorded):\n")
    if view.commit_range is not None:
        before, after = view.commit_range
        span = f"{sha(before)}…{sha(after)}"
        if safe_url(view.compare_url):
            span += f" ({link('compare', view.compare_url)})"
        lines.append(f"- Commits: {span}")
    elif safe_url(view.compare_url):
        lines.append(f"- Commits: {link('compare', view.compare_url)}")
    changes = list(view.environment_diff)
    for key, before_value, after_value in changes[:ENV_KEYS]:
        old = code(before_value, 120) if before_value is not None else "_(unset)_"
        new = code(after_value, 120) if after_value is not None else "_(unset)_"
        lines.append(f"- Environment {code(key, 80)}: {old} → {new}")
    if len(changes) > ENV_KEYS:
        lines.append(f"- … and {plural(len(changes) - ENV_KEYS, 'more environment key')}")
    if view.commit_range is None and not safe_url(view.compare_url) and not changes:
        lines.append("- No commit range or environment change recorded.")
    return lines


def _previous_record(view: RegressionView) -> str:
    """``The [five-whys](…) `ana` confirmed (version 2, 2025-09-12) named the root cause “…”.``"""
    by = view.previous_record_by
    assert by is not None
    named = link("five-whys", by.url) if safe_url(by.url) else "five-whys"
    who = f" {login(by.author)}" if by.author else ""
    when = [f"version {by.version}"] if by.version is not None else []
    if by.at is not None:
        when.append(by.at.date().isoformat())
    extra = f" ({', '.join(when)})" if when else ""
    text = f"The {named}{who} confirmed{extra}"
    if view.previous_root_cause:
        return f"{text} named the root cause “{inline(view.previous_root_cause, 500)}”."
    return f"{text} recorded the fix below."


def _fix_in_build(view: RegressionView) -> list[str]:
    """Whether this build contains the fix, as GitHub's compare API said."""
    if view.fix_sha is None or view.fix_in_build is None:
        return []
    fix = sha(view.fix_sha)
    build = sha(view.run.commit_sha) if view.run.commit_sha else "this build"
    if view.fix_in_build == "contained":
        return [f"**The fix is in this build:** {build} contains {fix}.", ""]
    return [
        f"**Is the fix in this build?** GitHub could not compare {fix} with {build} (a "
        "commit it does not know, or one force-pushed away), so this counts as a regression "
        "to be safe.",
        "",
    ]


def render_regression_comment(view: RegressionView) -> str:
    """The one comment a failure issue gets when its resolved cluster fails again."""
    cluster = view.cluster
    flaky = " (flaky)" if cluster.flaky else ""
    lines = [
        f"🔁 **Regression{flaky}: {inline(cluster.title, 300)}** is failing again in "
        f"{run_phrase(view.run)}.",
        "",
    ]
    if view.fix_did_not_hold:
        lines += [
            "> [!CAUTION]",
            "> **This fix did not hold.** It had been resolved on "
            f"{resolution_phrase(view.resolved)}{_held_for(view)}.",
        ]
        if view.previous_record_by is not None:
            lines.append(f"> {_previous_record(view)}")
        lines.append("")
    lines.append(f"**Failing again:** {_tests_where(view)}")
    lines.append("")
    tests = sorted(view.tests, key=lambda t: t.test_id)
    several_phases = len({t.phase for t in tests}) > 1
    for test in tests[:COMMENT_TESTS]:
        phase = f" ({inline(test.phase, 120)})" if test.phase and several_phases else ""
        lines.append(f"- {code(test.test_id, 300)}{phase} — {outcome(test.last_outcome)}")
    if len(tests) > COMMENT_TESTS:
        lines.append(f"- … and {plural(len(tests) - COMMENT_TESTS, 'more test')}")
    lines.append("")
    lines += _fix_in_build(view)
    if not view.fix_did_not_hold:
        lines += [
            f"**Had been resolved:** {resolution_phrase(view.resolved)}{_held_for(view)}",
            "",
        ]
    lines += _since_last_green(view)
    lines.append("")
    if view.previous_fix and view.previous_fix.strip():
        lines += [f"**Fix recorded at the time:** {inline(view.previous_fix, 2000)}", ""]
    if view.previous_record_by is not None:
        lines += [
            "The five-whys on this issue is kept as it was; the evidence of this run is "
            "above. Update it with `/why N`, `/root-cause` or `/fix`.",
            "",
        ]
    lines.append(
        f"<sub>Signature {code(cluster.fingerprint, 100)} "
        f"(version {inline(str(cluster.signature_version), 20)}) · one comment per "
        "regression; later runs only update the counts in the issue body.</sub>"
    )
    text = "\n".join(lines) + "\n"
    if len(text) > MAX_COMMENT_CHARS:  # only reachable with absurd input; keep it whole
        note = "\n\n> [!NOTE]\n> ✂️ Cut to stay within GitHub's size limit for a comment.\n"
        text = text[: MAX_COMMENT_CHARS - len(note)].rsplit("\n", 1)[0] + note
    return text


def render_tracking_regression_comment(view: RegressionView, failure_issue_url: str | None) -> str:
    """The short note a campaign's tracking issue gets when a regression appears there."""
    cluster = view.cluster
    title = inline(cluster.title, 200)
    named = link(cluster.title[:200], failure_issue_url) if safe_url(failure_issue_url) else title
    tests = [
        code(short_test_name(t.test_id), 120) for t in sorted(view.tests, key=lambda t: t.test_id)
    ]
    lines = [
        f"🔁 **Regression:** {named} is failing again in {run_phrase(view.run, with_time=False)} "
        f"— {_tests_where(view)}: {join_names(tests)}.",
        f"It had been resolved on {resolution_phrase(view.resolved)}.",
    ]
    if safe_url(failure_issue_url):
        lines.append(
            "What changed since the last green run is in "
            f"{link('the failure issue', failure_issue_url)}."
        )
    return "  \n".join(lines) + "\n"


def regression_log_text(view: RegressionView) -> str:
    """The tracking issue's session-log line for a regression (plain text, escaped later)."""
    run = view.run
    where = f"run {run.run_id}"
    if run.commit_sha:
        where += f" on {run.commit_sha.strip()[:7]}"
    if run.branch:
        where += f" ({run.branch})"
    count = plural(len({t.test_id for t in view.tests}), "test")
    resolved = view.resolved
    who = "Loopwatch (green runs)" if resolved.reason == "green_runs" else resolved.by.lstrip("@")
    via = f", PR {resolved.pull_request}" if resolved.pull_request is not None else ""
    return (
        f"Regression: {view.cluster.title} failing again in {where}, {count}; "
        f"resolved {resolved.at.date().isoformat()} by {who}{via}"
    )
