"""Format detection and dispatch. (Placeholder: the parser work replaces this module.)"""

from __future__ import annotations

from bot.reports.model import Report, ReportError

FORMATS: tuple[str, ...] = ()


def detect_format(data: bytes, path: str | None = None) -> str:
    raise ReportError("no parsers are installed yet", path=path)


def parse_report(data: bytes, *, path: str | None = None, format: str | None = None) -> Report:
    raise ReportError("no parsers are installed yet", path=path)
