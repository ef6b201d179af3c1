"""The whole tracking issue: its sections in order, fitted within ``max_chars``.

When the full text is too long, detail is given up in this order: older session-log
entries, then findings detail (test lists), then whole trailing blocks, with a visible
note. Blocks (a table row, a fence, a ``<details>`` element) are never cut in the middle.
"""

from __future__ import annotations

from bot.core.render.budget import fit_levels
from bot.core.render.evidence_blocks import evidence_blocks
from bot.core.render.five_whys_blocks import five_whys_blocks
from bot.core.render.goal_blocks import definition_blocks, goal_blocks
from bot.core.render.steering import coverage_blocks
from bot.core.render.tracking_issue.config_errors import config_error_blocks
from bot.core.render.tracking_issue.criteria_checklist import criteria_blocks
from bot.core.render.tracking_issue.detail_levels import LEVELS, Detail
from bot.core.render.tracking_issue.findings import findings_blocks
from bot.core.render.tracking_issue.issue_view import DEFAULT_MAX_CHARS, TrackingIssueView
from bot.core.render.tracking_issue.phase_table import phase_blocks
from bot.core.render.tracking_issue.session_log import session_log_blocks
from bot.core.render.tracking_issue.status_block import status_blocks
from bot.core.safe_markdown import link, safe_url


def _five_whys(view: TrackingIssueView, detail: Detail) -> list[str]:
    """The campaign's five-whys (a person's or an upload's), else the evidence draft of
    the latest run's main failure."""
    if view.five_whys is None and view.five_whys_draft is not None:
        return evidence_blocks(view.five_whys_draft, view.five_whys_by, about=view.five_whys_about)
    return five_whys_blocks(view.five_whys, view.five_whys_by, fix_items=detail.fix_items)


def _footer(view: TrackingIssueView) -> list[str]:
    parts = [link(item.label, item.url) for item in view.links if safe_url(item.url)]
    parts.append(
        "kept by Loopwatch: this section is rewritten after every run; "
        "write your notes above or below it"
    )
    return ["---\n<sub>" + " · ".join(parts) + "</sub>\n"]


def _blocks(view: TrackingIssueView, detail: Detail) -> list[str]:
    return [
        *config_error_blocks(view.config_errors),
        *definition_blocks(view.definition or view.campaign.definition),
        *status_blocks(view),
        *goal_blocks(view.goal),
        *phase_blocks(view, detail),
        *criteria_blocks(view, detail),
        *(
            coverage_blocks(view.coverage, max_rows=detail.coverage_rows)
            if view.coverage is not None
            else []
        ),
        *findings_blocks(view, detail),
        *_five_whys(view, detail),
        *session_log_blocks(view, detail),
        *_footer(view),
    ]


def render_tracking_issue(view: TrackingIssueView, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The bot's section of the campaign's tracking issue, at most ``max_chars`` long."""
    return fit_levels(lambda detail: _blocks(view, detail), LEVELS, max_chars)
