"""Format detection and dispatch.

Each format lives in ``bot/core/reports/formats/<module>.py`` and exposes ``NAME``,
``sniff(head) -> bool`` (``head``: the first 64 KiB as UTF-8 without a BOM) and
``parse(data, *, path) -> Report``. Modules are imported when first asked for; every
format is built in, so one that fails to import is a bug and raises (it is not skipped).
Detection asks them in ``_REGISTRY`` order, the more specific formats first.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType
from typing import Protocol, cast

from bot.core.reports import xmlsafe
from bot.core.reports.model import Report, ReportError
from bot.core.reports.sanitize import sanitize_report

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
HEAD_BYTES = 64 * 1024

# (format name, module under bot.core.reports.formats, XML-based?) — detection order.
_REGISTRY: tuple[tuple[str, str, bool], ...] = (
    ("trx", "trx", True),
    ("nunit", "nunit", True),
    ("xunit", "xunit", True),
    ("junit", "junit", True),
    ("ctrf", "ctrf", False),
    ("pytest-json", "pytest_json", False),
    ("playwright-json", "playwright_json", False),
    ("rspec-json", "rspec_json", False),
    ("mocha-json", "mocha_json", False),
    ("dart-json", "dart_json", False),
    ("go-json", "go_json", False),
    ("tap", "tap", False),
)

FORMATS: tuple[str, ...] = tuple(name for name, _, _ in _REGISTRY)

_XML_HINT = (
    "JUnit <testsuites>/<testsuite>, NUnit <test-run>/<test-results>, "
    "xUnit.net <assemblies>, TRX <TestRun>"
)


class _FormatModule(Protocol):
    NAME: str

    def sniff(self, head: bytes) -> bool: ...

    def parse(self, data: bytes, *, path: str | None) -> Report: ...


def _load(module_name: str) -> _FormatModule:
    module: ModuleType = importlib.import_module(f"bot.core.reports.formats.{module_name}")
    return cast(_FormatModule, module)


def _entry(name: str) -> tuple[str, str, bool]:
    for entry in _REGISTRY:
        if entry[0] == name:
            return entry
    raise ReportError(f"unknown format {name!r}; known formats: {', '.join(FORMATS)}")


def detect_format(data: bytes, path: str | None = None) -> str:
    """The format name of ``data``, judged from its content (BOM and UTF-16 aware)."""
    head = xmlsafe.utf8_head(data, HEAD_BYTES)
    if head.strip():
        for name, module_name, _ in _REGISTRY:
            module = _load(module_name)
            try:
                matched = module.sniff(head)
            except Exception:  # a sniffer must never break detection
                matched = False
            if matched:
                return name
    raise ReportError(f"not a test report: {_describe(head)}", path=path)


def _describe(head: bytes) -> str:
    """Why ``head`` is not a known report, in words a user can act on."""
    text = head.lstrip()
    if not text:
        return "the file is empty"
    if b"\x00" in head[:4096]:
        return "binary data, not text"
    try:
        head[:4096].decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < 4090:
            return "binary data or text that is not UTF-8"
    lowered = text[:2048].lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or re.search(rb"<html[\s>]", lowered):
        return "looks like an HTML page (a report viewer's page, or an error page?)"
    if text.startswith(b"<"):
        root = xmlsafe.root_tag(text)
        if root is None:
            return f"XML without a root element; known XML reports: {_XML_HINT}"
        return f"XML with root element <{root}>; known XML reports: {_XML_HINT}"
    if text.startswith((b"{", b"[")):
        known = ", ".join(name for name, _, xml in _REGISTRY if not xml and name != "tap")
        return f"JSON that matches no known report format (known: {known})"
    return "text in no known format (not XML, JSON or TAP)"


def parse_report(
    data: bytes,
    *,
    path: str | None = None,
    format: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Report:
    """Parse one report. Raises :class:`ReportError` (naming file, line, column) and
    nothing else, whatever the bytes."""
    xmlsafe.check_size(data, path=path, max_bytes=max_bytes)
    xmlsafe.refuse_entities(data, path=path)  # before detection: XXE is named as such
    name = format or detect_format(data, path)
    _, module_name, is_xml = _entry(name)
    module = _load(module_name)
    cut = 0
    if is_xml:
        payload, cut = xmlsafe.cap_text_runs(data)
    else:
        payload = _as_utf8(data, path)
    try:
        report = module.parse(payload, path=path)
    except ReportError:
        raise
    except RecursionError:
        raise ReportError(f"{name} report nested too deeply", path=path) from None
    except Exception as exc:  # never let a parser bug surface as anything but ReportError
        raise ReportError(
            f"could not read this {name} report ({type(exc).__name__}: {exc})", path=path
        ) from None
    report.path = path
    if cut:
        report.warnings.append(
            f"{cut:,} text{'s' if cut > 1 else ''} over {xmlsafe.MAX_TEXT_RUN:,} bytes cut"
            f" to their first {xmlsafe.TEXT_RUN_HEAD // 1024} KiB and last"
            f" {xmlsafe.TEXT_RUN_TAIL // 1024} KiB"
        )
    return sanitize_report(report, text_may_hold_nul=not is_xml)


def _as_utf8(data: bytes, path: str | None) -> bytes:
    """Text formats get UTF-8 without a BOM (UTF-16/32 with a BOM is transcoded)."""
    body, encoding = xmlsafe.strip_bom(data)
    if encoding in (None, "utf-8"):
        return body
    try:
        return body.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReportError(f"invalid {encoding} text: {exc.reason}", path=path) from None
