"""Small wording helpers every renderer shares (no imports from other renderers)."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 test``, ``3 tests``; ``many`` for irregular plurals."""
    return f"{count} {word}" if count == 1 else f"{count} {many or word + 's'}"
