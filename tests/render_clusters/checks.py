"""Checks a reader of the rendered markdown would make: nothing pings, nothing links,
nothing can close the bot's section, tables parse as GFM."""

from __future__ import annotations

import re

from tests.render.test_tracking import GFM, assert_well_formed, table_rows

__all__ = ["GFM", "assert_well_formed", "outside_code", "table_rows", "tables"]


def outside_code(text: str) -> str:
    """The text with fences and code spans removed (where GitHub pings and links)."""
    text = re.sub(r"(`{3,})[^\n]*\n.*?\n\1\n", "", text, flags=re.S)
    return re.sub(r"(`+).+?\1", "", text)


def tables(text: str) -> list[list[list[str]]]:
    """Every GFM table in ``text`` as rows of cell contents (markdown-it's parse)."""
    found: list[list[list[str]]] = []
    rows: list[list[str]] | None = None
    row: list[str] | None = None
    for token in GFM.parse(text):
        if token.type == "table_open":
            rows = []
        elif token.type == "table_close" and rows is not None:
            found.append(rows)
            rows = None
        elif rows is not None and token.type == "tr_open":
            row = []
        elif rows is not None and token.type == "tr_close" and row is not None:
            rows.append(row)
            row = None
        elif rows is not None and row is not None and token.type == "inline":
            row.append(token.content)
    return found
