"""INTERIM frame reader until branch ``frames`` lands (replaced by theirs at merge).

Same interface: ``Frame``, ``read_frames`` (innermost first), ``frame_key``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.reports.common import is_repo_path, strip_workspace

MAX_TRACE_INPUT = 16_000

_PY_FRAME = re.compile(r'^\s*File "(?P<file>[^"\n]++)", line \d+, in (?P<func>[^\s\n]++)', re.M)
_AT_FRAME = re.compile(
    r"^\s*at (?:async )?(?:(?P<func>[^\s()]+(?: \[as [^\]]+\])?) ?)?"
    r"\(?(?P<file>[^\s()]+?):\d+(?::\d+)?\)?\s*$",
    re.M,
)
_JAVA_FRAME = re.compile(r"^\s*at (?P<func>[\w$.<>]+)\((?P<file>[\w$.-]+):\d+\)\s*$", re.M)
_GO_FRAME = re.compile(r"^(?P<func>[\w./*()-]+)\(.*\)\n\s+(?P<file>\S+\.go):\d+", re.M)
_TEST_PATH = re.compile(r"(?:^|/)(?:tests?|spec|e2e|__tests__)/|_test\.go$|(?:_test|test_\w+|\.spec|\.test|Test|Tests|Spec)\.\w+$")


@dataclass(frozen=True, slots=True)
class Frame:
    file: str
    function: str
    language: str
    in_repo: bool
    is_test: bool


def frame_key(frame: Frame) -> str:
    return f"{frame.file}:{frame.function}"


_LIBRARY_FUNCS = re.compile(
    r"^(?:java\.|javax\.|jdk\.|sun\.|kotlin\.|org\.junit\.|junit\.|org\.testng\.|"
    r"org\.opentest4j\.|org\.assertj\.|org\.hamcrest\.|org\.apache\.maven\.|"
    r"org\.gradle\.|System\.|Microsoft\.|NUnit\.|Xunit\.|runtime\.|testing\.)"
)


def _frame(file: str, func: str | None, language: str) -> Frame:
    path = strip_workspace(file.replace("\\", "/")) or file
    path = path.removeprefix("file://")
    in_repo = (
        is_repo_path(path)
        and "<" not in path
        and "node_modules" not in path
        and not (func and _LIBRARY_FUNCS.match(func))
    )
    return Frame(path, func or "?", language, in_repo, bool(_TEST_PATH.search(path)))


def read_frames(trace: str | None) -> list[Frame]:
    if not trace:
        return []
    text = trace[:MAX_TRACE_INPUT]
    py = [_frame(m["file"], m["func"], "python") for m in _PY_FRAME.finditer(text)]
    if py:
        return list(reversed(py))
    out: list[Frame] = []
    for match in _AT_FRAME.finditer(text):
        java = _JAVA_FRAME.match(match.group())
        if java:
            out.append(_frame(java["file"], java["func"], "java"))
        else:
            out.append(_frame(match["file"], match["func"], "javascript"))
    if out:
        return out
    return [_frame(m["file"], m["func"].rsplit("/", 1)[-1], "go") for m in _GO_FRAME.finditer(text)]
