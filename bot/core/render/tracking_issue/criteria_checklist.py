"""The critical validation criteria as a checklist, each with why it is (not) met."""

from __future__ import annotations

from bot.core.analysis.criterion_verdicts import CriterionResult
from bot.core.analysis.run_status import Status
from bot.core.render.tracking_issue.detail_levels import Detail
from bot.core.render.tracking_issue.issue_view import TrackingIssueView
from bot.core.safe_markdown import code, inline
from bot.core.text import plural


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


def criteria_blocks(view: TrackingIssueView, detail: Detail) -> list[str]:
    if not view.analysis.criteria:
        return []
    blocks = ["### Critical validation criteria\n\n"]
    blocks += [_criterion(c, detail.criterion_names) for c in view.analysis.criteria]
    blocks.append("\n")
    return blocks
