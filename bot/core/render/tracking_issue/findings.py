"""Critical findings: the uploads' reported findings, then the run's failure clusters."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.render.cluster_views import ClusterFinding
from bot.core.render.tracking_issue.detail_levels import Detail
from bot.core.render.tracking_issue.issue_view import TrackingIssueView
from bot.core.safe_markdown import code, inline, link, safe_url
from bot.core.text import plural

_CLUSTER_ORDER = {
    "regression": 0,
    "new": 1,
    "recurring": 2,
    "fix_not_in_build": 3,
    "muted": 3,
    "flaky": 4,
}
_CLUSTER_LABELS = {
    "regression": "🔁 Regression",
    "fix_not_in_build": "🕰️ Known failure, fix not in this build",
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


def _cluster_finding(index: int, finding: ClusterFinding, detail: Detail) -> str:
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


def _cluster_findings(clusters: Sequence[ClusterFinding], detail: Detail) -> list[str]:
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


def findings_blocks(view: TrackingIssueView, detail: Detail) -> list[str]:
    reported = view.five_whys.findings if view.five_whys else []
    if not reported and not view.clusters:
        return []
    blocks = ["### Critical findings\n\n"]
    if reported:
        lines = [f"- ⚠️ {inline(item, 500)}" for item in reported]
        blocks.append("\n".join(lines) + "\n\n")
    return blocks + _cluster_findings(view.clusters, detail)
