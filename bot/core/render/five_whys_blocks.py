"""A five-whys record as markdown blocks, for the tracking issue and the failure issue.

Pure. A person's record says who wrote it and when; a run's upload block is shown as it
came. Every text in the record is untrusted (it comes from comments and uploads).
"""

from __future__ import annotations

from bot.core.five_whys import AnalysisBlock, Attribution
from bot.core.safe_markdown import code, inline, link, safe_url, table_cell
from bot.core.text import format_time

HEADING = "### Five whys\n\n"


def attribution_line(by: Attribution) -> str:
    """``_Confirmed by `ana`, 2026-11-29 19:20 UTC (version 3, [comment](…))._``"""
    words = "Confirmed" if by.status == "confirmed" else "Draft"
    if by.author:
        words += f" by {code(by.author, 100)}"
    if by.at is not None:
        words += f", {format_time(by.at)}"
    extra = [f"version {by.version}"] if by.version is not None else []
    if safe_url(by.url):
        extra.append(link("comment", by.url))
    if extra:
        words += f" ({', '.join(extra)})"
    return f"_{words}._\n\n"


def came_back_warning(run: str) -> str:
    """On a confirmed record whose failure returned after it was written."""
    return (
        "> [!WARNING]\n"
        f"> **This fix did not hold:** the failure came back in {run}, after this record "
        "was confirmed. Update it with `/why N`, `/root-cause` or `/fix`.\n\n"
    )


def five_whys_blocks(
    block: AnalysisBlock | None,
    by: Attribution | None = None,
    *,
    fix_items: int = 50,
    came_back: str | None = None,
) -> list[str]:
    """The five whys, root cause, business impact and fix strategy; [] when empty.

    A person's record (``by`` given) always opens with the heading and who wrote it, so
    a record that has only a root cause or fixes so far still says whose it is.
    ``came_back`` (markdown naming a run) warns that the record's fix did not hold.
    """
    if block is None or block.is_empty:
        return []
    person = by is not None and by.source == "person"
    blocks: list[str] = []
    if block.five_whys or person:
        head = HEADING + (attribution_line(by) if by is not None and person else "")
        if came_back and person:
            head += came_back_warning(came_back)
        if block.five_whys:
            head += "| # | Why? | Because |\n|---:|---|---|\n"
        blocks.append(head)
        for number, step in enumerate(block.five_whys, start=1):
            because = table_cell(step.because, 800) if step.because.strip() else "_open question_"
            blocks.append(f"| {number} | {table_cell(step.why, 500)} | {because} |\n")
        if block.five_whys:
            blocks.append("\n")
    if block.root_cause:
        blocks.append(f"**Root cause:** {inline(block.root_cause, 4000)}\n\n")
    if block.business_impact:
        blocks.append(f"**Business impact:** {inline(block.business_impact, 2000)}\n\n")
    if block.fix_strategy:
        blocks.append("### Fix strategy\n\n")
        for item in block.fix_strategy[:fix_items]:
            extra = []
            if item.owner:
                extra.append(f"owner: {inline(item.owner.lstrip('@'), 100)}")
            if item.due:
                extra.append(f"due {item.due.isoformat()}")
            tail = f" ({', '.join(extra)})" if extra else ""
            blocks.append(f"- [ ] {inline(item.item, 1000)}{tail}\n")
        hidden = len(block.fix_strategy) - fix_items
        if hidden > 0:
            note = "see the run's analysis" if not person else "not shown to fit GitHub's limit"
            blocks.append(f"- _… and {hidden} more ({note})_\n")
        blocks.append("\n")
    return blocks
