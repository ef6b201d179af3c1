"""Shared helpers of the JSON-based parsers: safe loading and typed field access.

Loading is defensive: a size cap, strict UTF-8 (a BOM is dropped), JSON syntax errors and
nesting bombs become ``ReportError`` with the file, line and column; so does a top level
that is not an object. Field helpers never raise on a wrong type; they return ``None``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from bot.core.reports.common import location_from_trace, strip_workspace
from bot.core.reports.model import ReportError

MAX_JSON_BYTES = 256 * 1024 * 1024
"""Reports larger than this are refused before decoding (memory is ~10x the file)."""

JsonObject = dict[str, Any]

_BOM = b"\xef\xbb\xbf"


def decode_text(data: bytes, *, path: str | None, max_bytes: int = MAX_JSON_BYTES) -> str:
    """The report as text: size-capped, BOM dropped, strict UTF-8."""
    if len(data) > max_bytes:
        raise ReportError(
            f"report is {len(data)} bytes, more than the limit of {max_bytes}", path=path
        )
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise ReportError(
            "invalid UTF-8 (the report must be UTF-8 encoded)", path=path, line=line, column=column
        ) from None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return line, column


def loads_value(text: str, *, path: str | None, line_offset: int = 0) -> Any:
    """``json.loads`` with every failure turned into ``ReportError``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(
            f"invalid JSON: {exc.msg}", path=path, line=exc.lineno + line_offset, column=exc.colno
        ) from None
    except RecursionError:
        raise ReportError("invalid JSON: nested too deeply", path=path) from None
    except ValueError as exc:  # e.g. an integer with too many digits
        raise ReportError(f"invalid JSON: {exc}", path=path) from None


def load_object(data: bytes, *, path: str | None, max_bytes: int = MAX_JSON_BYTES) -> JsonObject:
    """Parse a whole-file JSON report whose top level must be an object."""
    text = decode_text(data, path=path, max_bytes=max_bytes)
    if not text.strip():
        raise ReportError("empty file, not a test report", path=path)
    value = loads_value(text, path=path)
    if not isinstance(value, dict):
        raise ReportError(
            f"not a test report (top level is a JSON {type(value).__name__})", path=path
        )
    return value


def iter_json_lines(
    data: bytes, *, path: str | None, max_bytes: int = MAX_JSON_BYTES
) -> Iterator[tuple[int, JsonObject | None, str]]:
    """(line number, object or None when the line is not a JSON object, raw line)."""
    text = decode_text(data, path=path, max_bytes=max_bytes)
    if not text.strip():
        raise ReportError("empty file, not a test report", path=path)
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped.startswith("{"):
            yield number, None, raw
            continue
        try:
            value = json.loads(stripped)
        except (ValueError, RecursionError):
            yield number, None, raw
            continue
        yield number, (value if isinstance(value, dict) else None), raw


def require_object(value: Any, what: str, *, path: str | None) -> JsonObject:
    if not isinstance(value, dict):
        raise ReportError(f"not a test report: {what} must be an object", path=path)
    return value


def require_list(value: Any, what: str, *, path: str | None) -> list[Any]:
    if not isinstance(value, list):
        raise ReportError(f"not a test report: {what} must be an array", path=path)
    return value


INT64 = 2**63


def get_str(obj: JsonObject, key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) else None


def get_number(obj: JsonObject, key: str) -> float | None:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        return None
    return number if math.isfinite(number) else None


def get_int(obj: JsonObject, key: str) -> int | None:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if -INT64 <= value < INT64 else None  # no report means more


def get_object(obj: JsonObject, key: str) -> JsonObject | None:
    value = obj.get(key)
    return value if isinstance(value, dict) else None


def get_list(obj: JsonObject, key: str) -> list[Any]:
    value = obj.get(key)
    return value if isinstance(value, list) else []


def ms_to_s(value: float | None) -> float | None:
    return None if value is None else value / 1000.0


def head_text(head: bytes, limit: int = 65_536) -> str:
    """The sniffing head as text, tolerant of a cut multi-byte character."""
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    return head[:limit].decode("utf-8", errors="replace")


def workspace_relative(file: str | None) -> str | None:
    """A CI runner's absolute checkout path made relative to the repository."""
    return strip_workspace(file)


def failure_location(
    file: str | None, line: int | None, trace: str | None
) -> tuple[str | None, int | None]:
    """Keep a known file/line; else take the first trace frame inside the repository
    (only when it names the same file, if the file is known)."""
    if line is not None or not trace:
        return file, line
    trace_file, trace_line = location_from_trace(trace)
    if trace_file is None:
        return file, line
    if file is None:
        return trace_file, trace_line
    if trace_file == file or trace_file.endswith("/" + file) or file.endswith("/" + trace_file):
        return file, trace_line
    return file, line
