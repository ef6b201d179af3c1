"""Step 4: the top in-repo frames of a trace, as ``file:function`` (no line numbers).

Line numbers move with every edit above the failing line; the file and function do not.
Library and runtime frames (site-packages, node_modules, ``node:internal``, JUnit …) are
skipped, so a dependency upgrade does not split a cluster. Frames are returned innermost
first (where the failure was raised), whatever order the language prints them in.
"""

from __future__ import annotations

import re

from bot.core.reports.common import is_repo_path, strip_workspace

MAX_TRACE_INPUT = 16_000
MAX_FRAMES = 3

# Python traceback: File "x.py", line 3, in func        (outermost first)
_PY_FRAME = re.compile(r'^\s*File "(?P<file>[^"\n]++)", line \d+, in (?P<func>[^\s\n]++)', re.M)
# pytest --tb=short/long: "path.py:12: in func" or "path.py:12: ErrorType"  (outermost first)
_PYTEST_LOCATION = re.compile(
    r"^(?P<file>[^\s:\"'()]+\.py):\d+:(?: in (?P<func>[\w.<>]+)| \w[\w.]*)?\s*$", re.M
)
_PY_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(?P<func>\w+)\s*\(", re.M)
# JS / Java / C#: "at func (file:line:col)", "at file:line:col", "at pkg.Cls.m(File.java:12)"
_AT_FRAME = re.compile(
    r"^\s*at (?:(?P<func>[^\s()]+(?: \[as [^\]]+\])?) ?)?"
    r"\(?(?P<file>[^\s()]+?):\d+(?::\d+)?\)?\s*$",
    re.M,
)
_JAVA_FRAME = re.compile(r"^\s*at (?P<func>[\w$.<>]+)\((?P<file>[\w$.-]+):\d+\)\s*$", re.M)
# Go: "    foo_test.go:12: message"  (one frame, the assertion)
_GO_FRAME = re.compile(r"^\s+(?P<file>[\w./-]+_test\.go):\d+:", re.M)
_LIBRARY_FUNCS = re.compile(
    r"^(?:java\.|javax\.|jdk\.|sun\.|kotlin\.|org\.junit\.|junit\.|org\.testng\.|"
    r"org\.opentest4j\.|org\.assertj\.|org\.hamcrest\.|org\.apache\.maven\.|"
    r"org\.gradle\.|System\.|Microsoft\.|NUnit\.|Xunit\.)"
)
_ANONYMOUS = re.compile(r"^(?:Object|Context|Test|Generator|Promise|process)\.(?=<anonymous>|\w)")


def _clean_func(func: str | None) -> str:
    if not func:
        return "?"
    func = func.split(" [as ")[0]
    func = _ANONYMOUS.sub("", func)
    func = re.sub(r"\$\$Lambda\$[\w$/.]*|\$\d+|lambda\$\w+\$\d+", "", func)
    return func or "?"


def _frame(file: str, func: str | None) -> str | None:
    path = strip_workspace(file.replace("\\", "/")) or file
    if path.startswith("file://"):
        path = path[len("file://") :]
    if not is_repo_path(path) or "<" in path:
        return None
    if func and _LIBRARY_FUNCS.match(func):
        return None
    return f"{path}:{_clean_func(func)}"


def _python_frames(trace: str) -> list[str]:
    frames = [_frame(m["file"], m["func"]) for m in _PY_FRAME.finditer(trace)]
    if not frames:
        previous_end = 0
        for match in _PYTEST_LOCATION.finditer(trace):
            func = match["func"]
            if not func:
                # --tb=long: the function is the last ``def`` printed above the location.
                defs = list(_PY_DEF.finditer(trace, previous_end, match.start()))
                func = defs[-1]["func"] if defs else None
            frames.append(_frame(match["file"], func))
            previous_end = match.end()
    return [f for f in reversed(frames) if f]


def _at_frames(trace: str) -> list[str]:
    frames: list[str] = []
    for match in _AT_FRAME.finditer(trace):
        java = _JAVA_FRAME.match(match.group())
        frame = _frame(java["file"], java["func"]) if java else _frame(match["file"], match["func"])
        if frame:
            frames.append(frame)
    return frames


def top_frames(trace: str | None, limit: int = MAX_FRAMES) -> tuple[str, ...]:
    """Up to ``limit`` in-repo frames, innermost first, without duplicates."""
    if not trace:
        return ()
    text = trace[:MAX_TRACE_INPUT]
    frames = _python_frames(text) or _at_frames(text)
    if not frames:
        frames = [f for m in _GO_FRAME.finditer(text) if (f := _frame(m["file"], None))]
    unique: list[str] = []
    for frame in frames:
        if frame not in unique:
            unique.append(frame)
    return tuple(unique[:limit])
