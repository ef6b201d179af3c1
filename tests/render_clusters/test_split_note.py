"""The note an older failure issue gets when a new signature version splits its cluster."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.render.split_note import SplitNoteView, render_split_note

VIEW = SplitNoteView(
    version=2,
    kept_title="Timeout: TimeoutException in tests/e2e/checkout.py:test_checkout",
    moved_title="Timeout: ReadTimeout from api.internal",
    moved_issue_number=57,
    moved_tests=(
        "tests/e2e/test_tools.py::test_real_tool_usage",
        "tests/e2e/test_tools.py::test_real_tool_usage",
        "tests/e2e/test_api.py::test_orders",
    ),
)


def test_split_note(golden: Callable[[str, str], None]) -> None:
    golden("split_note_v2.md", render_split_note(VIEW))


def test_names_the_new_issue_as_a_reference_and_neutralizes_titles() -> None:
    text = render_split_note(SplitNoteView(2, "kept", "@ana broke `#12`", moved_issue_number=58))
    assert "now go to #58;" in text  # a real reference to our own issue
    assert "@ana" in text and "`` @ana broke `#12` ``" in text  # inside a code span: no ping
    assert "Tests whose failures" not in text  # no tests known: no line
