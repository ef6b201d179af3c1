"""``loopwatch parse``: parse report files and print a summary or JSON.

Exit status 0 when every file parsed, 2 when any could not be (its entry carries
``error``; the other files are still reported).
"""

from __future__ import annotations

import json
import pathlib
from typing import Any, TextIO

from bot.core.reports.model import Report, ReportError
from bot.core.reports.registry import DEFAULT_MAX_BYTES, parse_report

EXIT_OK = 0
EXIT_UNPARSED = 2


def run_parse(paths: list[pathlib.Path], fmt: str | None, as_json: bool, out: TextIO) -> int:
    entries = [_entry(path, fmt) for path in paths]
    if as_json:
        json.dump({"reports": entries}, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        for entry in entries:
            out.write(_summary(entry))
    return EXIT_UNPARSED if any(entry["error"] for entry in entries) else EXIT_OK


def _entry(path: pathlib.Path, fmt: str | None) -> dict[str, Any]:
    name = str(path)
    try:
        data = _read(path)
        report = parse_report(data, path=name, format=fmt)
    except ReportError as exc:
        return {
            "path": name,
            "format": fmt,
            "error": str(exc),
            "counts": None,
            "duration_s": None,
            "failures": [],
        }
    return _report_entry(name, report)


def _read(path: pathlib.Path) -> bytes:
    """The file's bytes; refuses over-large files before reading them."""
    try:
        size = path.stat().st_size
        if size > DEFAULT_MAX_BYTES:
            raise ReportError(
                f"report is {size} bytes, more than the limit of {DEFAULT_MAX_BYTES} bytes",
                path=str(path),
            )
        return path.read_bytes()
    except OSError as exc:
        raise ReportError(f"cannot read the file: {exc.strerror or exc}", path=str(path)) from None


def _report_entry(name: str, report: Report) -> dict[str, Any]:
    return {
        "path": name,
        "format": report.format,
        "error": None,
        "counts": report.counts.as_dict(),
        "duration_s": report.duration_s,
        "failures": [
            {
                "test_id": case.test_id,
                "file": case.file,
                "line": case.line,
                "type": case.failure_type,
                "message": case.message,
                "outcome": case.outcome.value,
            }
            for case in report.failures
        ],
        "suites": len(report.suites),
        "warnings": report.warnings,
    }


def _summary(entry: dict[str, Any]) -> str:
    if entry["error"]:
        return f"ERROR {entry['error']}\n"
    counts = entry["counts"]
    parts = [f"{counts['total']} run"] + [
        f"{counts[key]} {key}"
        for key in ("passed", "failed", "errored", "skipped", "flaky")
        if counts[key]
    ]
    duration = entry["duration_s"]
    took = f" in {duration:.2f}s" if duration is not None else ""
    lines = [f"{entry['path']} ({entry['format']}): {', '.join(parts)}{took}"]
    for failure in entry["failures"]:
        where = ""
        if failure["file"]:
            where = f" ({failure['file']}" + (f":{failure['line']})" if failure["line"] else ")")
        message = (failure["message"] or "").strip().splitlines()
        reason = f": {message[0]}" if message else ""
        kind = failure["outcome"].upper()
        lines.append(f"  {kind} {failure['test_id']}{where}{reason}")
    return "\n".join(lines) + "\n"
