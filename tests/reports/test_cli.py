"""`loopwatch parse` behaviour: summary, --json shape, exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bot.cli.parse import run_parse

GOOD = (
    b'<testsuite name="s" time="0.5"><testcase classname="C" name="ok"/>'
    b'<testcase classname="C" name="bad" file="src/c.py" line="4">'
    b'<failure type="AssertionError" message="expected 1">trace</failure></testcase></testsuite>'
)


def test_json_shape_and_exit_code_with_a_broken_file(tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    good.write_bytes(GOOD)
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b'<testsuite name="s">\n<testcase name="x">\n')
    out = io.StringIO()
    assert run_parse([good, bad], None, True, out) == 2
    reports = json.loads(out.getvalue())["reports"]
    assert reports[0] == reports[0] | {
        "path": str(good),
        "format": "junit",
        "error": None,
        "counts": {"total": 2, "passed": 1, "failed": 1, "errored": 0, "skipped": 0, "flaky": 0},
        "duration_s": 0.5,
    }
    (failure,) = reports[0]["failures"]
    assert failure | {} == failure | {
        "test_id": "src/c.py::C::bad",
        "file": "src/c.py",
        "line": 4,
        "type": "AssertionError",
        "message": "expected 1",
    }
    assert reports[1]["path"] == str(bad)
    assert reports[1]["error"].startswith(f"{bad}:")  # names file:line:column
    assert reports[1]["error"].split(":")[1].isdigit()
    assert reports[1]["counts"] is None


def test_all_parsed_exits_zero_and_prints_a_summary(tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    good.write_bytes(GOOD)
    out = io.StringIO()
    assert run_parse([good], None, False, out) == 0
    text = out.getvalue()
    assert "2 run, 1 passed, 1 failed" in text
    assert "FAILED src/c.py::C::bad (src/c.py:4): expected 1" in text


def test_missing_file_and_forced_format(tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    good.write_bytes(GOOD)
    out = io.StringIO()
    assert run_parse([tmp_path / "nope.xml", good], "junit", True, out) == 2
    first, second = json.loads(out.getvalue())["reports"]
    assert "nope.xml" in first["error"] and second["error"] is None
