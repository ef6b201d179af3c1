"""A check run's title and summary, as GitHub shows them on a pull request (pure).

The summary is at most 65,535 bytes of UTF-8 (GitHub's limit for ``output.summary``;
a multi-byte test name counts several bytes). When the full text is too long, detail is
given up in this order: rows of the failure tables and items of the lists (with
"… and N more"), then the folded lists (counts stay), then whole trailing blocks with a
visible note. A table, a list or a ``<details>`` element is never cut in the middle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.checks.model import BaseRun, Category, CheckView, FailedTest, PhaseCounts
from bot.core.render.budget import fit_levels, utf8_size
from bot.core.render.cluster_text import sha
from bot.core.safe_markdown import cell_code, code, inline, link, safe_url, table_cell
from bot.core.text import format_duration, plural

MAX_SUMMARY_BYTES = 65_535
MAX_TITLE_CHARS = 255

CUT_NOTE = (
    "\n> [!NOTE]\n> ✂️ The rest of this summary was cut to stay within GitHub's limit of "
    "65,535 bytes for a check run summary.\n"
)


@dataclass(frozen=True, slots=True)
class _Detail:
    """How much to show; each later level in ``_LEVELS`` shows less."""

    rows: int = 250  # table rows of new failures and regressions (what this change did)
    other_rows: int = 250  # table rows of still failing and flaky tests
    items: int = 500  # items of a list (fixed, added, removed, …)
    id_chars: int = 300  # characters of a test id
    title_chars: int = 150  # characters of a signature title
    folded: bool = True  # False: the folded lists give way to their counts


# Rows of (new and regression, still failing and flaky) tables once the folded lists are
# gone, in small steps so that a big run keeps as many rows as the limit allows.
_LEAN_ROWS = ((50, 20), (45, 15), (40, 15), (35, 12), (30, 10), (25, 8), (20, 5), (15, 5))

_LEVELS = (
    _Detail(),
    _Detail(rows=100, other_rows=100, items=100),
    _Detail(rows=50, other_rows=50, items=30, id_chars=200),
    _Detail(rows=50, other_rows=20, items=30, id_chars=200),
    _Detail(rows=50, other_rows=20, items=10, id_chars=200),
    *(
        _Detail(rows=rows, other_rows=other, items=10, id_chars=200, folded=False)
        for rows, other in _LEAN_ROWS
    ),
    _Detail(rows=10, other_rows=5, items=5, id_chars=120, title_chars=80, folded=False),
    _Detail(rows=5, other_rows=3, items=3, id_chars=80, title_chars=60, folded=False),
)


def _n(count: int) -> str:
    return f"{count:,}"


def _plural(count: int, word: str) -> str:
    return plural(count, word, thousands=True)


def _by_category(view: CheckView) -> dict[Category, list[FailedTest]]:
    found: dict[Category, list[FailedTest]] = {category: [] for category in Category}
    for test in view.failures:
        found[test.category].append(test)
    for tests in found.values():
        tests.sort(key=lambda t: t.test_id)
    return found


def _failure_parts(view: CheckView) -> list[str]:
    """``3 new failures``, ``1 regression``, ``2 still failing``, ``1 flaky test``,
    ``1 known failure (fix not in this build)``."""
    groups = _by_category(view)
    new, regressions = len(groups[Category.NEW]), len(groups[Category.REGRESSION])
    still, flaky = len(groups[Category.STILL_FAILING]), len(groups[Category.FLAKY])
    known = len(groups[Category.FIX_NOT_IN_BUILD])
    parts: list[str] = []
    if view.base is None:
        if new + still:
            parts.append(_plural(new + still, "failure"))
    else:
        if new:
            parts.append(_plural(new, "new failure"))
    if regressions:
        parts.append(_plural(regressions, "regression"))
    if still and view.base is not None:
        parts.append(f"{_n(still)} still failing")
    if known:
        parts.append(_plural(known, "known failure") + " (fix not in this build)")
    if not parts and view.counts.failed:  # failures without details
        parts.append(_plural(view.counts.failed, "failure"))
    if flaky or view.counts.flaky:
        parts.append(_plural(max(flaky, view.counts.flaky), "flaky test"))
    return parts


def check_title(view: CheckView) -> str:
    """One line: ``3 new failures, 2 still failing · 1,204 passed, 4 skipped``."""
    counts = view.counts
    parts = _failure_parts(view)
    rest = [f"{_n(counts.passed)} passed"] if counts.passed else []
    if counts.skipped:
        rest.append(f"{_n(counts.skipped)} skipped")
    if parts:
        failing = len(parts) > 1 or not parts[0].endswith(("flaky test", "flaky tests"))
        joiner = " · " if failing else ", "
        title = ", ".join(parts) + (joiner + ", ".join(rest) if rest else "")
    elif counts.passed:
        title = f"All {_plural(counts.passed, 'test')} passed"
        if counts.skipped:
            title += f", {_n(counts.skipped)} skipped"
    elif counts.skipped:
        title = f"All {_plural(counts.skipped, 'test')} skipped"
    else:
        title = "No tests ran"
    return title[:MAX_TITLE_CHARS]


def _icon(view: CheckView) -> str:
    groups = _by_category(view)
    if view.counts.failed or any(groups[c] for c in Category if c is not Category.FLAKY):
        return "❌"
    if view.counts.flaky or groups[Category.FLAKY]:
        return "⚠️"
    return "✅" if view.counts.passed else "➖"


# --- blocks -----------------------------------------------------------------------------


def _note(view: CheckView) -> list[str]:
    if not view.note or not view.note.strip():
        return []
    return [f"> [!NOTE]\n> {inline(view.note, 1_000)}\n\n"]


def _headline(view: CheckView) -> str:
    counts = view.counts
    total = counts.total or counts.passed + counts.failed + counts.skipped + counts.flaky
    parts = [f"{_n(counts.passed)} passed", f"{_n(counts.failed)} failed"]
    parts.append(f"{_n(counts.skipped)} skipped")
    if counts.flaky:
        parts.append(f"{_n(counts.flaky)} flaky")
    line = f"**{_plural(total, 'test')}** — " + " · ".join(parts)
    if counts.duration_s:
        line += f" — took {format_duration(counts.duration_s)}"
    if view.runs > 1:
        line += f" · merged from {_n(view.runs)} uploads (a matrix)"
    return f"## {_icon(view)} {check_title(view)}\n\n{line}\n\n"


def _run_label(base: BaseRun) -> str:
    label = f"run {base.run_id}"
    return link(label, base.url) if safe_url(base.url) else label


def _comparison(view: CheckView) -> str:
    base = view.base
    if base is None:
        return (
            f"No earlier run of {code(view.campaign, 100)} on the base branch to compare "
            "with, so new and pre-existing failures cannot be told apart.\n\n"
        )
    where = f"{code(base.branch, 100)} at {sha(base.commit_sha)}" if base.commit_sha else ""
    where = where or code(base.branch, 100)
    return f"Compared with {where} ({_run_label(base)}).\n\n"


def _phase_icon(phase: PhaseCounts) -> str:
    if phase.failed:
        return "❌"
    if phase.flaky:
        return "⚠️"
    return "✅" if phase.passed else "⏭️"


def _phases(view: CheckView) -> list[str]:
    if not view.phases:
        return []
    rows = [
        "| Phase | Passed | Failed | Skipped | Flaky |",
        "|---|---:|---:|---:|---:|",
    ]
    for phase in view.phases:
        failed = f"**{_n(phase.failed)}**" if phase.failed else "0"
        rows.append(
            f"| {_phase_icon(phase)} {table_cell(phase.name, 120)} | {_n(phase.passed)} | "
            f"{failed} | {_n(phase.skipped)} | {_n(phase.flaky)} |"
        )
    return ["\n".join(rows) + "\n\n"]


def _base_name(view: CheckView) -> str:
    return code(view.base.branch, 100) if view.base else "the base branch"


def _section_heading(category: Category, view: CheckView, count: int) -> tuple[str, str]:
    """The heading and the one-line explanation of a failure section."""
    base = _base_name(view)
    if category is Category.NEW:
        if view.base is None:
            return f"❌ Failures ({_n(count)})", ""
        return (
            f"🆕 New failures ({_n(count)})",
            f"Failing here, not on {base}: introduced by this change.",
        )
    if category is Category.REGRESSION:
        return (
            f"🔁 Regressions ({_n(count)})",
            "Failures that had been fixed and came back in this run.",
        )
    if category is Category.STILL_FAILING:
        return (
            f"❌ Still failing ({_n(count)})",
            f"Already failing on {base}, so not caused by this change.",
        )
    if category is Category.FIX_NOT_IN_BUILD:
        return (
            f"🕰️ Known failures, fix not in this build ({_n(count)})",
            "Failures that were fixed, in a build that does not contain the fix (an older "
            "branch, or a branch not rebased): not regressions. Merge or rebase to pick "
            "up the fix.",
        )
    return f"⚠️ Flaky ({_n(count)})", "Failed, then passed on a retry."


_NOUNS = {
    Category.NEW: "new failures",
    Category.REGRESSION: "regressions",
    Category.STILL_FAILING: "tests still failing",
    Category.FIX_NOT_IN_BUILD: "known failures",
    Category.FLAKY: "flaky tests",
}


def _issue_cell(test: FailedTest) -> str:
    if test.issue_number is None:
        return "—"
    number = f"#{int(test.issue_number)}"
    target = safe_url(test.issue_url)
    return f"[{number}]({target})" if target else number


def _more(count: int, what: str) -> str:
    return f"… and {_n(count)} more {what}.\n\n" if count > 0 else ""


def _failure_section(
    category: Category, tests: Sequence[FailedTest], view: CheckView, detail: _Detail
) -> list[str]:
    if not tests:
        return []
    heading, explanation = _section_heading(category, view, len(tests))
    shown = detail.rows if category in (Category.NEW, Category.REGRESSION) else detail.other_rows
    rows = ["| Test | Signature | Failure issue |", "|---|---|---|"]
    for test in tests[:shown]:
        signature = table_cell(test.cluster_title, detail.title_chars) or "—"
        if category is Category.FIX_NOT_IN_BUILD and test.fix_sha:
            signature += f" · known failure, fix {sha(test.fix_sha)} not in this build"
        rows.append(
            f"| {cell_code(test.test_id, detail.id_chars)} | {signature} | {_issue_cell(test)} |"
        )
    intro = f"### {heading}\n\n" + (f"{explanation}\n\n" if explanation else "")
    noun = "failures" if category is Category.NEW and view.base is None else _NOUNS[category]
    return [intro, "\n".join(rows) + "\n\n" + _more(len(tests) - shown, noun)]


def _id_list(test_ids: Sequence[str], detail: _Detail, what: str) -> str:
    items = [f"- {code(t, detail.id_chars)}" for t in sorted(test_ids)[: detail.items]]
    more = len(test_ids) - detail.items
    if more > 0:
        items.append(f"- … and {_n(more)} more {what}")
    return "\n".join(items) + "\n\n"


def _fixed(view: CheckView, detail: _Detail) -> list[str]:
    if not view.fixed:
        return []
    return [
        f"### ✅ Fixed ({_n(len(view.fixed))})\n\nFailing on {_base_name(view)}, passing here.\n\n",
        _id_list(view.fixed, detail, "fixed tests"),
    ]


def _folded(summary: str, test_ids: Sequence[str], detail: _Detail) -> str:
    items = _id_list(test_ids, detail, "tests")
    return f"<details><summary>{summary}</summary>\n\n{items}</details>\n\n"


def _test_changes(view: CheckView, detail: _Detail) -> list[str]:
    changes = [
        ("➕", _plural(len(view.added), "test") + " added", view.added),
        ("➖", _plural(len(view.removed), "test") + " removed", view.removed),
        ("⏭️", _plural(len(view.newly_skipped), "test") + " newly skipped", view.newly_skipped),
    ]
    changes = [change for change in changes if change[2]]
    if not changes:
        return []
    heading = f"### Test changes\n\nCompared with {_base_name(view)}.\n\n"
    if not detail.folded:
        counts = " · ".join(f"{icon} {words}" for icon, words, _ in changes)
        return [heading, f"{counts} (lists left out to fit GitHub's size limit).\n\n"]
    return [heading, *(_folded(f"{icon} {words}", ids, detail) for icon, words, ids in changes)]


def _not_annotated(view: CheckView, detail: _Detail) -> list[str]:
    left_out = [t.test_id for t in view.annotations_left_out]
    if not left_out and not view.no_file:
        return []
    lines = ["### Not annotated\n\nThese failures are listed in this summary, not annotated:\n"]
    if left_out:
        lines.append(
            f"- {_plural(len(left_out), 'failure')} over the annotation cap "
            f"({_plural(view.annotations_sent, 'failure')} annotated)"
        )
    if view.no_file:
        lines.append(
            f"- {_plural(view.no_file, 'failure')} with no file and line in the report or trace"
        )
    blocks = ["\n".join(lines) + "\n\n"]
    if left_out and detail.folded:
        blocks.append(_folded("Failures over the annotation cap", left_out, detail))
    return blocks


def _footer(view: CheckView) -> list[str]:
    target = safe_url(view.tracking_issue_url)
    if not target:
        return []
    return [f"📋 [Tracking issue]({target}) of {code(view.campaign, 100)}\n"]


def _blocks(view: CheckView, detail: _Detail) -> list[str]:
    groups = _by_category(view)
    blocks = [*_note(view), _headline(view), _comparison(view), *_phases(view)]
    for category in (
        Category.NEW,
        Category.REGRESSION,
        Category.STILL_FAILING,
        Category.FIX_NOT_IN_BUILD,
    ):
        blocks.extend(_failure_section(category, groups[category], view, detail))
    blocks.extend(_fixed(view, detail))
    blocks.extend(_failure_section(Category.FLAKY, groups[Category.FLAKY], view, detail))
    blocks.extend(_test_changes(view, detail))
    blocks.extend(_not_annotated(view, detail))
    blocks.extend(_footer(view))
    return blocks


def render_summary(view: CheckView, *, max_bytes: int = MAX_SUMMARY_BYTES) -> str:
    """The check run's summary (Markdown), at most ``max_bytes`` of UTF-8."""
    text = fit_levels(
        lambda detail: _blocks(view, detail),
        _LEVELS,
        max_bytes,
        note=CUT_NOTE,
        measure=utf8_size,
    )
    while text.endswith("\n\n"):  # blocks end in a blank line; the summary in one newline
        text = text[:-1]
    return text
