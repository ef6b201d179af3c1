"""The bot's evidence draft of a five-whys, as markdown (failure issue, tracking issue).

Pure. The draft is marked as one, says how to confirm or correct it, and lists the facts
behind its steps: each step names its sources, then the commits, the changed files (the
ones near the failure first), the environment changes and the failures that started in
the same run. Every text is escaped (it comes from reports, commits and uploads).
"""

from __future__ import annotations

from bot.core.evidence.model import EvidenceDraft
from bot.core.five_whys import Attribution
from bot.core.safe_markdown import code, inline, link, safe_url, table_cell
from bot.core.text import format_time, plural

HEADING = "### Five whys\n\n"
COMMITS_SHOWN = 10
FILES_SHOWN = 10
KEYS_SHOWN = 10


def draft_notice(by: Attribution | None, about: str | None = None) -> str:
    when = f", {format_time(by.at)}" if by is not None and by.at is not None else ""
    subject = f" about {about}" if about else ""
    return (
        "> [!NOTE]\n"
        f"> **Draft by Loopwatch{subject}, from the facts below**{when}. Nobody has confirmed "
        "it yet. Type `/five-whys confirm` to make it yours, `/why N because …` to correct "
        "a step, or `/five-whys` with your own lines to replace it.\n\n"
    )


def _steps(draft: EvidenceDraft) -> str:
    rows = ["| # | Why? | Because | From |", "|---:|---|---|---|"]
    for number, step in enumerate(draft.steps, start=1):
        because = table_cell(step.because, 800) if step.because.strip() else "_open question_"
        sources = "; ".join(table_cell(s, 120) for s in step.sources) or "—"
        rows.append(f"| {number} | {table_cell(step.why, 500)} | {because} | {sources} |")
    return "\n".join(rows) + "\n\n"


def _short(sha: str | None) -> str:
    return code((sha or "").strip()[:7], 12)


def _commits(draft: EvidenceDraft) -> str:
    total = draft.total_commits if draft.total_commits is not None else len(draft.commits)
    span = f"{_short(draft.base_sha)}…{_short(draft.head_sha)}"
    if safe_url(draft.compare_url):
        span += f", {link('compare', draft.compare_url)}"
    lines = [f"**Commits since the last green run** ({plural(total, 'commit')}, {span}):\n"]
    for commit in draft.commits[:COMMITS_SHOWN]:
        label = code(commit.sha[:7], 12)
        named = f"[{label}]({safe_url(commit.url)})" if safe_url(commit.url) else label
        author = f" — {code(commit.author.lstrip('@'), 60)}" if commit.author else ""
        lines.append(f"- {named} {inline(commit.title, 200)}{author}")
    hidden = total - min(len(draft.commits), COMMITS_SHOWN)
    if hidden > 0:
        lines.append(f"- _… and {plural(hidden, 'more commit')}_")
    return "\n".join(lines) + "\n\n"


def _files(draft: EvidenceDraft) -> str:
    shown = []
    for changed in draft.files[:FILES_SHOWN]:
        text = f"{code(changed.path, 200)} (+{changed.additions} −{changed.deletions})"
        if changed.status not in ("modified", "changed"):
            text += f" {inline(changed.status, 20)}"
        shown.append(text + (" ← near the failure" if changed.near_failure else ""))
    total = draft.total_files if draft.total_files is not None else len(draft.files)
    hidden = total - len(shown)
    tail = f"\n- _… and {plural(hidden, 'more file')}_" if hidden > 0 else ""
    listed = "\n- ".join(shown)
    return f"**Changed files**, nearest the failure first:\n\n- {listed}{tail}\n\n"


def _environment(draft: EvidenceDraft) -> str:
    lines = ["**Environment changes** since the last green run:\n"]
    for change in draft.environment[:KEYS_SHOWN]:
        old = code(change.before, 120) if change.before is not None else "_(unset)_"
        new = code(change.after, 120) if change.after is not None else "_(unset)_"
        lines.append(f"- {code(change.key, 80)}: {old} → {new}")
    hidden = len(draft.environment) - KEYS_SHOWN
    if hidden > 0:
        lines.append(f"- _… and {plural(hidden, 'more key')}_")
    return "\n".join(lines) + "\n\n"


def _related(draft: EvidenceDraft) -> str:
    lines = ["**Started in the same run:**\n"]
    for other in draft.related:
        number = f" (#{other.issue_number})" if other.issue_number else ""
        tests = f", {plural(other.tests, 'test')}" if other.tests else ""
        lines.append(f"- {inline(other.title, 200)}{number}{tests}")
    return "\n".join(lines) + "\n\n"


def evidence_blocks(
    draft: EvidenceDraft, by: Attribution | None = None, *, about: str | None = None
) -> list[str]:
    """The draft, marked as one; ``about`` names the failure when shown elsewhere (the
    tracking issue shows the draft of its main failure)."""
    blocks = [HEADING + draft_notice(by, about), _steps(draft)]
    if draft.commits or draft.total_commits:
        blocks.append(_commits(draft))
    if draft.files:
        blocks.append(_files(draft))
    if draft.environment:
        blocks.append(_environment(draft))
    if draft.related:
        blocks.append(_related(draft))
    return blocks
