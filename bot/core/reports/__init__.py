"""Test-report parsing: bytes in, :class:`Report` out. No IO beyond reading bytes given."""

from bot.core.reports.model import (
    Attempt,
    Counts,
    Outcome,
    Report,
    ReportError,
    Suite,
    TestCase,
)
from bot.core.reports.registry import FORMATS, detect_format, parse_report

__all__ = [
    "FORMATS",
    "Attempt",
    "Counts",
    "Outcome",
    "Report",
    "ReportError",
    "Suite",
    "TestCase",
    "detect_format",
    "parse_report",
]
