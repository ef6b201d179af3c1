"""Phrases shared by the failure issue, the regression comments and the tracking findings."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.render.cluster_views import BOT_LOGIN, ClusterState, Resolution, RunRef
from bot.core.safe_markdown import code, inline, link, safe_url
from bot.core.text import format_time
from bot.core.text import plural as plural

_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")

STATE_ICONS: dict[ClusterState, str] = {
    "new": "🆕",
    "open": "❌",
    "resolved": "✅",
    "regressed": "🔁",
    "muted": "🔇",
}
FLAKY_ICON = "⚠️"

OUTCOME_ICONS = {"failed": "❌", "errored": "💥", "flaky": "⚠️", "passed": "✅", "skipped": "⏭️"}


def sha(value: str) -> str:
    """A commit: a short hex sha stays bare (GitHub links it), anything else is code."""
    value = value.strip()
    return value[:7] if _SHA.match(value) else code(value, 64)


def login(name: str) -> str:
    """A GitHub login that pings nobody: code, without ``@``; the bot is named in words."""
    name = name.strip().lstrip("@")
    return "Loopwatch" if name.lower() == BOT_LOGIN else code(name, 60)


def run_label(ref: RunRef) -> str:
    """``[run 4](url)`` (or plain ``run 4`` without a safe URL)."""
    label = f"run {ref.run_id}"
    return link(label, ref.url) if safe_url(ref.url) else label


def run_phrase(ref: RunRef, *, with_time: bool = True) -> str:
    """``[run 4](…) on 9f1c2ab (`main`), 2025-09-10 19:52 UTC``."""
    text = run_label(ref)
    if ref.commit_sha:
        text += f" on {sha(ref.commit_sha)}"
    if ref.branch:
        text += f" ({code(ref.branch, 100)})"
    if with_time:
        text += f", {format_time(ref.at)}"
    return text


def outcome(value: str) -> str:
    word = inline(str(value), 20)
    icon = OUTCOME_ICONS.get(str(value).lower())
    return f"{icon} {word}" if icon else word


def short_test_name(test_id: str) -> str:
    """``test_pipeline_websocket_events`` from ``tests/…/x.py::test_pipeline_websocket_events``."""
    name = test_id.rsplit("::", 1)[-1] if "::" in test_id else test_id.rsplit("/", 1)[-1]
    return name or test_id


def join_names(items: Sequence[str], limit: int = 3) -> str:
    """``a, b and c`` / ``a, b and 4 more`` (items already rendered)."""
    if not items:
        return ""
    shown = list(items[:limit])
    more = len(items) - len(shown)
    if more > 0:
        return ", ".join(shown) + f" and {more} more"
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def pull_request(res: Resolution) -> str:
    """``PR #140 (Fix middleware order)``; the number is ours, the title is untrusted."""
    if res.pull_request is None:
        return ""
    text = f"PR #{int(res.pull_request)}"
    if res.pull_request_title:
        text += f" ({inline(res.pull_request_title, 200)})"
    return text


def resolution_phrase(res: Resolution) -> str:
    """When, by whom and how a cluster was resolved: ``2025-09-11 10:20 UTC, when `ana`
    closed the issue with PR #140 (Fix middleware order), commit a1b2c3d``."""
    when = format_time(res.at)
    how = [part for part in (pull_request(res),) if part]
    if res.commit_sha:
        how.append(f"commit {sha(res.commit_sha)}")
    if res.reason == "green_runs":
        runs = plural(res.green_runs, "consecutive green run") if res.green_runs else "green runs"
        text = f"{when}, by Loopwatch after {runs}"
        return text + (f" (fix: {', '.join(how)})" if how else "")
    if res.reason == "command":
        return f"{when}, when {login(res.by)} typed /resolve"
    text = f"{when}, when {login(res.by)} closed the issue"
    return text + (f" with {', '.join(how)}" if how else "")
