"""Keeping a rendered section within GitHub's size limits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

Level = TypeVar("Level")

CUT_NOTE = (
    "\n> [!NOTE]\n> ✂️ The rest of this section was cut to stay within GitHub's size "
    "limit for an issue body.\n"
)


def cut_at_block(blocks: Sequence[str], max_chars: int) -> str:
    """The leading whole blocks that fit in ``max_chars`` with a visible note after them.

    Blocks are whole paragraphs, tables or fences, so nothing is cut in the middle.
    """
    if len(CUT_NOTE) >= max_chars:
        return CUT_NOTE[: max(0, max_chars)]
    out: list[str] = []
    size = 0
    for block in blocks:
        if size + len(block) + len(CUT_NOTE) > max_chars:
            break
        out.append(block)
        size += len(block)
    return "".join(out) + CUT_NOTE


def fit_levels(
    make_blocks: Callable[[Level], list[str]], levels: Sequence[Level], max_chars: int
) -> str:
    """Render at each detail level in turn (most detail first) until the text fits;
    if even the leanest does not, cut it at a block boundary with a note."""
    blocks: list[str] = []
    for level in levels:
        blocks = make_blocks(level)
        text = "".join(blocks)
        if len(text) <= max_chars:
            return text
    return cut_at_block(blocks, max_chars)
