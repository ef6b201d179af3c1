"""The shared text helpers: counts in words, first lines, one-line text."""

from __future__ import annotations

import pytest

from bot.core.text import first_line, one_line, plural


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("first\nsecond", "first"),
        ("\n\n  first  \nsecond", "first"),
        ("", None),
        (" \n\t\n", None),
        (None, None),
    ],
)
def test_first_line(message: str | None, expected: str | None) -> None:
    assert first_line(message) == expected


def test_plural_counts_in_words() -> None:
    assert plural(1, "test") == "1 test"
    assert plural(0, "test") == "0 tests"
    assert plural(2, "earlier entry", "earlier entries") == "2 earlier entries"
    assert plural(1234, "failure", thousands=True) == "1,234 failures"


def test_one_line_flattens_whitespace_and_cuts_with_an_ellipsis() -> None:
    assert one_line("a\n  b\tc", 10) == "a b c"
    assert one_line("abcdefghij", 5) == "abcd…"
    assert len(one_line("word " * 100, 20)) == 20
