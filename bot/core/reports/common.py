"""Helpers shared by every report format: durations, paths, trace locations, outcomes.

These functions are pure and stable; the JSON/TAP parsers import them too.
"""

from __future__ import annotations

import functools
import math
import re

from bot.core.reports.model import Attempt, Outcome

# CI workspace roots that prefix absolute paths in reports; stripped so paths are repo-relative.
_WORKSPACE_PREFIXES = (
    re.compile(r"^/home/runner/work/[^/]+/[^/]+/"),  # GitHub Actions (Linux)
    re.compile(r"^/Users/runner/work/[^/]+/[^/]+/"),  # GitHub Actions (macOS)
    re.compile(r"^[A-Za-z]:[\\/]a[\\/][^\\/]+[\\/][^\\/]+[\\/]"),  # GitHub Actions (Windows)
    re.compile(r"^/github/workspace/"),  # container actions
    re.compile(r"^/builds/[^/]+/[^/]+/"),  # GitLab CI
    re.compile(r"^/var/lib/jenkins/workspace/[^/]+/"),  # Jenkins
    re.compile(r"^/workspace/"),  # Cloud Build, many containers
)

# Trace frames that name a file and line: (substring that must occur, pattern, whether a
# match never contains whitespace, whether a match contains ":<digit>"). Possessive
# quantifiers keep every pattern linear in the trace length.
_FRAME_PATTERNS = (
    (":line ", re.compile(r" in (?P<file>\S[^\r\n]*?):line (?P<line>\d+)"), False, False),  # .NET
    # xUnit / MSBuild: path(line,column)
    (
        "): ",
        re.compile(r"(?:^|(?<=\s))(?P<file>[^\s()]++)\((?P<line>\d+),\d+\)", re.M),
        True,
        False,
    ),
    ('File "', re.compile(r'File "(?P<file>[^"]++)", line (?P<line>\d+)'), False, False),  # Python
    (")", re.compile(r"\((?P<file>[^()\s:]++):(?P<line>\d+)(?::\d+)?\)"), True, True),  # JS / Java
    # file:line
    (":", re.compile(r"(?:^|(?<=\s))(?P<file>[^\s():'\"]++):(?P<line>\d+)", re.M), True, True),
)
_WHITESPACE = re.compile(r"\s")
# What the last two patterns cannot match without; a literal-led search, ~10x cheaper per
# character than trying those patterns at every position.
_COLON_DIGIT = re.compile(r":\d")

# Paths that belong to installed code, not to the repository under test.
_NOT_IN_REPO = re.compile(
    r"(site-packages|dist-packages|node_modules|/usr/lib/|/usr/local/lib/|/opt/hostedtoolcache/"
    r"|<frozen |^internal/|^node:|/lib/python\d|\.pyenv/|/go/pkg/mod/|/src/runtime/|^runtime/"
    r"|^testing/|/testing/testing\.go)"
)


# More digits than any line number (int32 has 10): dropped before ``int()`` sees them.
MAX_LINE_DIGITS = 18


def parse_duration(value: str | None) -> float | None:
    """Seconds from a report's duration text, or ``None`` for missing/bad values.

    Accepts ``"1.5"``, ``"1,234.5"`` (comma as thousands separator when a dot is present),
    ``"0,5"`` (decimal comma), a trailing ``s``; ``"N/A"``, negatives, NaN and infinity
    give ``None``.
    """
    if value is None:
        return None
    text = value.strip().removesuffix("s").strip()
    if not text:
        return None
    if "," in text:
        text = text.replace(",", "") if "." in text else text.replace(",", ".")
    try:
        seconds = float(text)
    except ValueError:
        return None
    if math.isnan(seconds) or math.isinf(seconds) or seconds < 0:
        return None
    return seconds


def parse_seconds(value: str | None) -> float | None:
    """``parse_duration`` with a fast path for plain numbers (the usual ``time`` value)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return parse_duration(value)
    return seconds if 0 <= seconds < math.inf else None


def parse_int(value: str | None) -> int | None:
    """A non-negative integer attribute, or ``None`` when missing or malformed."""
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None


def line_number(digits: str) -> int | None:
    """A line number from a report's digits, or ``None`` beyond what any file has (Python
    refuses to convert more than 4,300 digits at all; the store keeps int32)."""
    return int(digits) if len(digits) <= MAX_LINE_DIGITS else None


@functools.lru_cache(maxsize=4096)
def strip_workspace(path: str | None) -> str | None:
    """A path relative to the repository when it starts with a known CI workspace root.

    Cached: a report repeats the same few paths (suite files, trace frames).
    """
    if not path:
        return path
    for prefix in _WORKSPACE_PREFIXES:
        match = prefix.match(path)
        if match:
            return path[match.end() :].replace("\\", "/")
    return path.removeprefix("./")


@functools.lru_cache(maxsize=4096)
def is_repo_path(path: str) -> bool:
    """Whether a trace path points into the repository (not a library or the runtime).

    Cached: the traces of one report name the same few files over and over, and the
    pattern costs ~2.5 µs per path.
    """
    return not _NOT_IN_REPO.search(path.replace("\\", "/"))


def location_from_trace(trace: str | None) -> tuple[str | None, int | None]:
    """File and line of the first trace frame that points into the repository.

    Absolute paths outside a known CI workspace root are kept as they are; library
    frames (site-packages, node_modules, the Go runtime, …) are skipped.
    """
    if not trace:
        return None, None
    best: tuple[int, str, int | None] | None = None
    for marker, pattern, spaceless, colon_digit in _FRAME_PATTERNS:
        if marker not in trace:
            continue
        end = len(trace)
        if best is not None and spaceless:
            # Only a match starting before the best one matters. A match without whitespace
            # that starts there ends by the next whitespace, so the scan can stop at it
            # (the ``file:line`` pattern costs ~30 ns per character scanned).
            space = _WHITESPACE.search(trace, best[0])
            end = space.start() if space else end
        if colon_digit and _COLON_DIGIT.search(trace, 0, end) is None:
            continue  # no match can lie within trace[:end]
        for match in pattern.finditer(trace, 0, end):
            path = match.group("file")
            if "." not in path.rpartition("/")[2] or not is_repo_path(path):
                continue
            if best is None or match.start() < best[0]:
                best = (match.start(), path, line_number(match.group("line")))
            break
    if best is None:
        return None, None
    return strip_workspace(best[1]), best[2]


def clean_message(text: str | None) -> str | None:
    """A message without stray BOMs and surrounding blanks; ``None`` when nothing is left."""
    if not text:
        return None
    cleaned = text.replace("\ufeff", "").strip()
    return cleaned or None


def final_outcome(attempts: list[Attempt]) -> Outcome:
    """The outcome of a case run several times: the last attempt decides, and a case
    that ends passing after being re-run is flaky (a case is only re-run because an
    earlier attempt did not pass)."""
    last = attempts[-1].outcome
    if last is Outcome.PASSED and len(attempts) > 1:
        return Outcome.FLAKY
    return last


_PY_IDENT = re.compile(r"^[A-Za-z_]\w*$")


def pytest_file_from_classname(classname: str | None) -> tuple[str | None, str | None]:
    """Split a pytest-style dotted classname into ``(file, class)``.

    ``tests.e2e.test_x.TestY`` -> ``("tests/e2e/test_x.py", "TestY")``;
    ``python.test_sample`` -> ``("python/test_sample.py", None)``. The rule: all parts
    are Python identifiers, the last part named like a pytest module (``test_*``,
    ``*_test``) ends the module path, and what follows (if anything) is capitalised
    class names. Anything else (Java ``com.example.FooTest``, Go import paths) gives
    ``(None, classname)``.
    """
    if not classname or "/" in classname or " " in classname:
        return None, classname
    parts = classname.split(".")
    if not all(_PY_IDENT.match(part) for part in parts):
        return None, classname
    module_end = None
    for index, part in enumerate(parts):
        if part.startswith("test_") or part.endswith("_test"):
            module_end = index
    if module_end is None:
        return None, classname
    classes = parts[module_end + 1 :]
    if not all(part[:1].isupper() for part in classes):
        return None, classname
    file = "/".join(parts[: module_end + 1]) + ".py"
    return file, ".".join(classes) or None
