"""Keeping a rendered section within GitHub's size limits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

Level = TypeVar("Level")

CUT_NOTE = (
    "\n> [!NOTE]\n> ✂️ The rest of this section was cut to stay within GitHub's size "
    "limit for an issue body.\n"
)


def utf8_size(text: str) -> int:
    """Bytes in UTF-8: how GitHub counts some limits (a check run's summary)."""
    return len(text.encode("utf-8"))


def cut_at_block(
    blocks: Sequence[str],
    max_chars: int,
    *,
    note: str = CUT_NOTE,
    measure: Callable[[str], int] = len,
) -> str:
    """The leading whole blocks that fit in ``max_chars`` with a visible note after them.

    Blocks are whole paragraphs, tables or fences, so nothing is cut in the middle.
    ``measure`` sizes a text (characters by default; ``utf8_size`` for byte limits).
    """
    if measure(note) >= max_chars:
        while note and measure(note) > max_chars:
            note = note[:-1]
        return note
    out: list[str] = []
    size = 0
    for block in blocks:
        block_size = measure(block)
        if size + block_size + measure(note) > max_chars:
            break
        out.append(block)
        size += block_size
    return "".join(out) + note


def fit_levels(
    make_blocks: Callable[[Level], list[str]],
    levels: Sequence[Level],
    max_chars: int,
    *,
    note: str = CUT_NOTE,
    measure: Callable[[str], int] = len,
) -> str:
    """Render at each detail level in turn (most detail first) until the text fits;
    if even the leanest does not, cut it at a block boundary with a note."""
    blocks: list[str] = []
    for level in levels:
        blocks = make_blocks(level)
        text = "".join(blocks)
        if measure(text) <= max_chars:
            return text
    return cut_at_block(blocks, max_chars, note=note, measure=measure)
