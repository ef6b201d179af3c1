"""Every report format is built in: one that fails to import is a bug, never skipped."""

from __future__ import annotations

import sys

import pytest

from bot.core.reports import detect_format, parse_report

TAP = b"TAP version 13\n1..1\nok 1 - works\n"


def test_a_built_in_format_that_fails_to_import_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    # ``None`` in sys.modules makes the import fail, as a broken module would.
    monkeypatch.setitem(sys.modules, "bot.core.reports.formats.tap", None)
    with pytest.raises(ImportError):
        parse_report(TAP, format="tap")
    with pytest.raises(ImportError):
        detect_format(TAP)


def test_formats_import_and_read_when_nothing_is_broken() -> None:
    assert detect_format(TAP) == "tap"
    assert [case.outcome.value for case in parse_report(TAP).cases] == ["passed"]
