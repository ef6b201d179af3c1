"""Python frames: ``Traceback`` blocks and pytest's ``--tb=long/short/line`` locations.

Python prints the outermost frame first, and a chain of exceptions oldest first ("The above
exception was the direct cause …", "During handling …"). The frames of the last exception
are where the failure surfaced, so sections are read last-first and each section's frames
are reversed: the result is innermost first, the newest exception before the ones it chains.
"""

from __future__ import annotations

import re

from bot.core.signatures.v2.frames.model import Frame, normalize_path

LANGUAGE = "python"

_CHAIN_SEPARATOR = re.compile(
    r"^\s*(?:The above exception was the direct cause of the following exception"
    r"|During handling of the above exception, another exception occurred)"
)
# "  File "x.py", line 3, in func"; exception groups prefix lines with "| ".
_TRACEBACK_FRAME = re.compile(r'^[\s|+]*File "(?P<file>[^"]++)", line \d++(?:, in (?P<func>\S++))?')
# pytest: "tests/x.py:12: in func" (short), "tests/x.py:12: ErrorType" / "x.py:12: " (long),
# "/abs/x.py:12: AssertionError: msg" (line); indented when a report pretty-prints it.
_PYTEST_LOCATION = re.compile(
    r"^\s*+(?P<file>(?:[A-Za-z]:)?[^\s:\"'()]++):\d++:(?: in (?P<func>\S++)\s*+$| |$)"
)
_DEF = re.compile(r"^\s*+(?:async\s++)?def\s++(?P<func>\w++)\s*+\(")
_NOT_IN_REPO = re.compile(
    r"site-packages/|dist-packages/|/lib/python\d[\d.]*+/|^<|/\.tox/|^\.tox/|/\.nox/|^\.nox/"
    r"|/opt/hostedtoolcache/|/\.pyenv/|^/usr/lib/|^/usr/local/lib/|/_pytest/|/pluggy/"
    r"|(?:^|/)bin/[^/.]++$"  # console scripts: bin/pytest, /usr/local/bin/tox
    r"|hostedtoolcache/|(?:^|/)Lib/|/AppData/Local/Programs/Python/"  # Windows installs
)
# Installed code: keep the path inside the installation, so a venv or Python upgrade
# does not change a library frame.
_INSTALL_PREFIX = re.compile(r"^.*/(?:site-packages|dist-packages|lib/python\d[\d.]*+|Lib)/")
# test modules, conftest, and helpers kept in a tests/ directory
_TEST_FILE = re.compile(r"(?:^|/)(?:test_[^/]*|[^/]*_test|conftest)\.py$|(?:^|/)tests?/")


def _frame(raw_file: str, raw_func: str | None) -> Frame:
    path = normalize_path(raw_file)
    in_repo = not _NOT_IN_REPO.search(path)
    if not in_repo:
        path = _INSTALL_PREFIX.sub("", path, count=1)
    func = raw_func if raw_func and not raw_func.startswith("<") else None
    is_test = bool(_TEST_FILE.search(path)) or bool(func and func.startswith("test"))
    return Frame(path, func, LANGUAGE, in_repo, in_repo and is_test)


def _section_frames(lines: list[str]) -> list[Frame]:
    """The frames of one exception section, outermost first as printed."""
    frames: list[Frame] = []
    last_def: str | None = None
    for line in lines:
        if 'File "' in line and (match := _TRACEBACK_FRAME.match(line)):
            frames.append(_frame(match["file"], match["func"]))
        elif (
            ".py:" in line
            and (match := _PYTEST_LOCATION.match(line))
            and match["file"].endswith(".py")
        ):
            # --tb=long prints no function: it is the last ``def`` shown above.
            frames.append(_frame(match["file"], match["func"] or last_def))
            last_def = None
        elif "def" in line and (match := _DEF.match(line)):
            last_def = match["func"]
    return frames


# faulthandler (a segfault, a hang): "Current thread 0x… (most recent call first):" then
# 'File "x.py", line 7 in func' lines, innermost first; other threads follow as "Thread 0x…".
_FAULT_THREAD = re.compile(
    r"^(?P<current>Current thread|Thread) 0x[0-9a-f]++ \(most recent call first\):"
)
_FAULT_FRAME = re.compile(r'^\s*+File "(?P<file>[^"]++)", line \d++ in (?P<func>\S++)')


def _faulthandler(lines: list[str]) -> list[Frame]:
    """The crashing thread's frames of a faulthandler dump (the current thread, else the
    first thread shown), innermost first as printed."""
    blocks: list[tuple[bool, list[Frame]]] = []
    for line in lines:
        if (header := _FAULT_THREAD.search(line)) is not None:
            blocks.append((header["current"] == "Current thread", []))
        elif blocks and (match := _FAULT_FRAME.match(line)):
            blocks[-1][1].append(_frame(match["file"], match["func"]))
    current = [frames for is_current, frames in blocks if is_current]
    return (current or [frames for _, frames in blocks] or [[]])[0]


def read(lines: list[str]) -> list[Frame]:
    """Every Python frame, innermost first (see the module docstring for chains)."""
    if fault := _faulthandler(lines):
        return fault
    sections: list[list[str]] = [[]]
    for line in lines:
        if _CHAIN_SEPARATOR.match(line):
            sections.append([])
        else:
            sections[-1].append(line)
    frames: list[Frame] = []
    for section in reversed(sections):
        frames.extend(reversed(_section_frames(section)))
    return frames
