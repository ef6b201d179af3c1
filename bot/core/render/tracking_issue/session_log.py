"""The session log: the latest entries open, older ones folded, the oldest dropped first."""

from __future__ import annotations

from bot.core.render.tracking_issue.detail_levels import Detail
from bot.core.render.tracking_issue.issue_view import LogEntry, TrackingIssueView
from bot.core.safe_markdown import inline
from bot.core.text import format_time, plural

OPEN_LOG_ENTRIES = 10


def _log_line(entry: LogEntry) -> str:
    return f"- **{format_time(entry.at)}** — {inline(entry.text, 1000)}"


def session_log_blocks(view: TrackingIssueView, detail: Detail) -> list[str]:
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
