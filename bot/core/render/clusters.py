"""Rendering for failure clusters (issue #4), in one import.

Views live in ``cluster_views``; the failure issue in ``failure_issue``; the regression
comments in ``regression``; the tracking issue's cluster findings in ``tracking``.
"""

from __future__ import annotations

from bot.core.render.cluster_views import (
    BOT_LOGIN,
    AffectedTest,
    ClusterFinding,
    ClusterKind,
    ClusterState,
    ClusterView,
    FindingState,
    RegressionView,
    Resolution,
    ResolutionReason,
    RunRef,
)
from bot.core.render.failure_issue import failure_issue_title, render_failure_issue
from bot.core.render.regression import (
    MAX_COMMENT_CHARS,
    regression_log_text,
    render_regression_comment,
    render_tracking_regression_comment,
)

__all__ = [
    "BOT_LOGIN",
    "MAX_COMMENT_CHARS",
    "AffectedTest",
    "ClusterFinding",
    "ClusterKind",
    "ClusterState",
    "ClusterView",
    "FindingState",
    "RegressionView",
    "Resolution",
    "ResolutionReason",
    "RunRef",
    "failure_issue_title",
    "regression_log_text",
    "render_failure_issue",
    "render_regression_comment",
    "render_tracking_regression_comment",
]
