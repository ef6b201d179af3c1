"""Failures as check-run annotations: where each one is, grouped, ordered and capped (pure).

One annotation per failure cluster, file and line: 40 parametrized cases failing with
one signature on one line are one annotation that lists them. Paths are made relative
to the repository root, because GitHub only places annotations on repository paths.
Annotation text is shown as plain text by GitHub, so untrusted text only loses its
control characters here (no Markdown escaping).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.core.checks.model import LEVELS, Annotation, Category, FailedTest
from bot.core.reports.common import is_repo_path
from bot.core.safe_markdown import strip_control
from bot.core.text import one_line, plural

DEFAULT_MAX_ANNOTATIONS = 200
MAX_TITLE_CHARS = 255
MAX_DETAILS_CHARS = 4_000
MAX_MESSAGE_CHARS = 1_000  # the failure message quoted in an annotation
MAX_LISTED_TESTS = 10
MAX_TEST_ID_CHARS = 300
MAX_PATH_CHARS = 1_024
MAX_TRACE_SCAN = 64_000  # characters of a trace searched for frames

CATEGORY_ORDER = (
    Category.NEW,
    Category.REGRESSION,
    Category.STILL_FAILING,
    Category.FIX_NOT_IN_BUILD,
    Category.FLAKY,
)
_RANK = {category: rank for rank, category in enumerate(CATEGORY_ORDER)}

# CI workspace roots (backslashes already turned into slashes); what follows is the repo.
_WORKSPACE_ROOTS = (
    re.compile(r"^/home/runner/work/[^/]+/[^/]+/"),  # Actions, Linux
    re.compile(r"^/Users/runner/work/[^/]+/[^/]+/"),  # Actions, macOS
    re.compile(r"^[A-Za-z]:/a/[^/]+/[^/]+/"),  # Actions, Windows (D:\a\<name>\<name>\)
    re.compile(r"^/__w/[^/]+/[^/]+/"),  # Actions, container jobs
    re.compile(r"^/github/workspace/"),  # Docker container actions
    # Self-hosted runners (Linux, macOS, Windows C:\actions-runner\...): <root>/_work/<n>/<n>/
    re.compile(r"^(?:[A-Za-z]:)?/(?:[^/]+/){0,8}?_work/[^/]+/[^/]+/"),
)
_ABSOLUTE = re.compile(r"^(?:/|[A-Za-z]:/|~)")
# Installed code and runtimes that can show up with a relative path.
_LIBRARY_SEGMENTS = frozenset(
    {".venv", "venv", ".tox", ".nox", "__pypackages__", "node_modules", ".yarn", ".pnpm-store"}
)

# Trace frames, each with a file and a line. Every match is tried; the frames are taken
# in the order they appear in the trace.
_PY_FRAME = re.compile(r'File "(?P<file>[^"\n]{1,1024})", line (?P<line>\d{1,9})')
_DOTNET_FRAME = re.compile(r" in (?P<file>[^\n]{1,1024}?):line (?P<line>\d{1,9})")
_PAREN_FRAME = re.compile(  # JS: "at fn (src/a.test.js:10:5)"; Windows paths keep their drive
    r"(?<= )\((?P<file>(?:file://)?(?:[A-Za-z]:)?[^\s():]{1,1024}):(?P<line>\d{1,9})(?::\d+)?\)"
)
_JAVA_FRAME = re.compile(  # "at com.x.Y.method(Y.java:42)": a file name without its folder
    r"\bat (?P<cls>[\w$.]{1,512})\.[\w$<>]+\((?P<file>[\w$-]{1,256}\.\w{1,10}):(?P<line>\d{1,9})\)"
)
# ``host.example.com:443`` looks like ``file:line``; a bare frame needs a source extension.
_SOURCE_EXTENSION = (
    r"(?:py|pyx|m?js|cjs|jsx|m?ts|cts|tsx|vue|svelte|go|rb|java|kts?|scala|groovy|cs|fs|vb|rs"
    r"|c|cc|cpp|cxx|hh?|hpp|mm?|swift|php|pl|pm|exs?|erl|dart|lua|r|jl|sh|bash|feature|robot"
    r"|sql|ya?ml|json)"
)
_BARE_FRAME = re.compile(  # pytest short form, Go, JS "at src/a.js:10:5", compilers
    r"(?:^|(?<=\s))(?P<file>(?:file://)?(?:[A-Za-z]:)?[^\s:\"'()]{1,1024}\."
    + _SOURCE_EXTENSION
    + r"):(?P<line>\d{1,9})\b",
    re.M | re.I,
)


@dataclass(frozen=True, slots=True)
class AnnotationPlan:
    """The annotations to send, in order, and the failures that get none."""

    annotations: list[Annotation] = field(default_factory=list)
    left_out: list[FailedTest] = field(default_factory=list)  # over the cap
    no_file: list[FailedTest] = field(default_factory=list)  # no repository file and line


@dataclass(frozen=True, slots=True)
class _Frame:
    file: str  # as the trace gives it
    line: int
    java_suffix: str | None = None  # ``com/x/Y.java`` for a Java frame (no folder known)


def repository_name(repository: str) -> str:
    """``shop`` from ``acme/shop``."""
    return repository.strip().rstrip("/").rsplit("/", 1)[-1]


def _clean_prefix(prefix: str) -> str:
    return prefix.strip().replace("\\", "/")


def normalize_path(
    path: str,
    repository: str,
    *,
    strip_prefixes: Sequence[str] = (),
    path_prefix: str = "",
) -> str | None:
    """A repository-relative POSIX path for an annotation, or ``None`` when there is none.

    CI workspace roots are stripped (``/home/runner/work/<name>/<name>/``, Windows and
    container forms, ``/github/workspace/``, and an absolute path through
    ``/<name>/<name>/``), then a leading ``./``. ``strip_prefixes`` (config) are tried
    first. ``path_prefix`` (a monorepo folder such as ``services/api``) is put before paths
    that are relative to that folder: ones given relative or made relative by a configured
    prefix, not ones already made relative to the repository root by a workspace root.
    Still absolute afterwards, or ``..`` above the root: ``None``.
    """
    text = strip_control(path).strip()
    if not text or len(text) > MAX_PATH_CHARS:
        return None
    text = text.removeprefix("file://").replace("\\", "/")
    relative_to_root = False
    for prefix in strip_prefixes:
        cleaned = _clean_prefix(prefix)
        if cleaned and not cleaned.endswith("/"):
            cleaned += "/"
        if cleaned and cleaned != "/" and text.startswith(cleaned):
            text = text[len(cleaned) :]
            break
    else:
        for root in _WORKSPACE_ROOTS:
            match = root.match(text)
            if match:
                text = text[match.end() :]
                relative_to_root = True
                break
        else:
            name = repository_name(repository)
            doubled = f"/{name}/{name}/"
            if name and _ABSOLUTE.match(text) and doubled in text:
                text = text.split(doubled, 1)[1]
                relative_to_root = True
    while text.startswith("./"):
        text = text[2:]
    if _ABSOLUTE.match(text):
        return None
    prefix = _clean_prefix(path_prefix).strip("/")
    if prefix and not relative_to_root and text != prefix and not text.startswith(prefix + "/"):
        text = f"{prefix}/{text}"
    return _resolve(text)


def _resolve(path: str) -> str | None:
    """``a/./b/../c`` → ``a/c``; ``None`` when ``..`` climbs above the root or nothing is left."""
    parts: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(segment)
    return "/".join(parts) or None


def _frames(trace: str | None) -> list[_Frame]:
    """Every frame with a file and a line, in the order the trace prints them."""
    if not trace:
        return []
    text = trace[:MAX_TRACE_SCAN]
    found: dict[int, _Frame] = {}
    for pattern in (_PY_FRAME, _DOTNET_FRAME, _PAREN_FRAME):
        for match in pattern.finditer(text):
            found.setdefault(match.start("file"), _Frame(match["file"], int(match["line"])))
    for match in _JAVA_FRAME.finditer(text):
        package = [p for p in match["cls"].split(".") if p[:1].islower()]
        suffix = "/".join([*package, match["file"]])
        found.setdefault(match.start("file"), _Frame(match["file"], int(match["line"]), suffix))
    for match in _BARE_FRAME.finditer(text):
        found.setdefault(match.start("file"), _Frame(match["file"], int(match["line"])))
    return [found[start] for start in sorted(found)]


def _bare_name(file: str) -> str:
    """The file name when a frame names no folder (``Y.java``, ``x_test.go``), else ``""``."""
    return "" if "/" in file.replace("\\", "/") else file


def _same_file(frame: _Frame, own: str, frame_path: str | None) -> bool:
    """Whether a frame points into the test's own (normalized) file."""
    if frame.java_suffix is not None:
        return own == frame.java_suffix or own.endswith("/" + frame.java_suffix)
    name = _bare_name(frame.file)
    if name:
        return own == name or own.endswith("/" + name)
    return frame_path == own


def _is_library(path: str) -> bool:
    if "<" in path or not is_repo_path(path):
        return True
    return any(segment in _LIBRARY_SEGMENTS for segment in path.split("/"))


def locate(
    test: FailedTest,
    repository: str,
    *,
    strip_prefixes: Sequence[str] = (),
    path_prefix: str = "",
) -> tuple[str, int] | None:
    """The repository file and line to annotate for ``test``, or ``None``.

    The test's own file and line when both are known; with a file but no line, the first
    trace frame in that file; otherwise (no usable file) the first trace frame in the
    repository (library and runtime frames skipped). Java frames name no folder, so they
    only count when they match the test's file.
    """

    def normalize(path: str) -> str | None:
        return normalize_path(
            path, repository, strip_prefixes=strip_prefixes, path_prefix=path_prefix
        )

    own = normalize(test.file) if test.file else None
    if own is not None and test.line is not None and test.line >= 1:
        return own, test.line
    frames = [f for f in _frames(test.trace) if f.line >= 1]
    if own is not None:
        for frame in frames:
            if _same_file(frame, own, normalize(frame.file)):
                return own, frame.line
        return None
    for frame in frames:
        if frame.java_suffix is not None or _bare_name(frame.file).endswith(".go"):
            continue  # Java names no folder; Go's "x_test.go:12:" is relative to its package
        path = normalize(frame.file)
        if path is not None and not _is_library(path):
            return path, frame.line
    return None


# --- annotation text ------------------------------------------------------------------


def _title(cluster_title: str) -> str:
    return one_line(strip_control(cluster_title), MAX_TITLE_CHARS) or "Test failure"


def trim_trace(trace: str, limit: int = MAX_DETAILS_CHARS) -> str:
    """The end of a trace (where the error is), at most ``limit`` characters, with a marker
    where the start was cut (at a line boundary when there is one nearby)."""
    text = strip_control(trace).strip("\n")
    if len(text) <= limit:
        return text
    marker = "… ({:,} earlier characters cut)\n"
    keep = limit - len(marker.format(len(text)))
    tail = text[len(text) - keep :]
    newline = tail.find("\n")
    if 0 <= newline < keep // 4:
        tail = tail[newline + 1 :]
    return marker.format(len(text) - len(tail)) + tail


_WHAT = {
    Category.NEW: "New in this change",
    Category.REGRESSION: "Regression: a failure that was fixed came back",
    Category.STILL_FAILING: "Already failing before this change",
    Category.FIX_NOT_IN_BUILD: "Known failure, its fix is not in this build",
    Category.FLAKY: "Flaky: failed, then passed on a retry",
}


def _what(category: Category, members: Sequence[FailedTest]) -> str:
    fix = next((t.fix_sha for t in members if t.fix_sha), None)
    if category is Category.FIX_NOT_IN_BUILD and fix:
        return f"Known failure, fix {strip_control(fix).strip()[:7]} not in this build"
    return _WHAT[category]


def _tests_phrase(category: Category, count: int) -> str:
    tests = plural(count, "test", thousands=True)
    if category is Category.FLAKY:
        return f"{tests} failed, then passed, with this signature"
    return f"{tests} failed with this signature"


def _message(category: Category, members: Sequence[FailedTest]) -> str:
    ids = sorted({one_line(strip_control(t.test_id), MAX_TEST_ID_CHARS) for t in members})
    shown = ", ".join(ids[:MAX_LISTED_TESTS])
    more = len(ids) - MAX_LISTED_TESTS
    if more > 0:
        shown += f" … and {more:,} more"
    lines = [f"{_what(category, members)}. {_tests_phrase(category, len(ids))}: {shown}"]
    first_message = next((t.message for t in members if t.message and t.message.strip()), None)
    if first_message:
        text = strip_control(first_message).strip()
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[: MAX_MESSAGE_CHARS - 1] + "…"
        lines.insert(0, text)
    issue = next((t for t in members if t.issue_number is not None), None)
    if issue is not None:
        where = f": {strip_control(issue.issue_url)}" if issue.issue_url else ""
        lines.append(f"Failure issue #{issue.issue_number}{where}")
    return "\n\n".join(lines)


def _group_category(members: Iterable[FailedTest]) -> Category:
    return min((t.category for t in members), key=_RANK.__getitem__)


def build_annotations(
    failures: Iterable[FailedTest],
    repository: str,
    *,
    max_annotations: int = DEFAULT_MAX_ANNOTATIONS,
    strip_prefixes: Sequence[str] = (),
    path_prefix: str = "",
) -> AnnotationPlan:
    """One annotation per (cluster, path, line), most severe first, at most
    ``max_annotations``; failures without a location or over the cap get none."""
    groups: dict[tuple[str, str, int], list[FailedTest]] = {}
    no_file: list[FailedTest] = []
    for test in failures:
        where = locate(test, repository, strip_prefixes=strip_prefixes, path_prefix=path_prefix)
        if where is None:
            no_file.append(test)
        else:
            groups.setdefault((test.cluster_key, *where), []).append(test)

    def order(item: tuple[tuple[str, str, int], list[FailedTest]]) -> tuple[int, int, str, int]:
        (_, path, line), members = item
        return (_RANK[_group_category(members)], -len(members), path, line)

    ranked = sorted(groups.items(), key=order)
    annotations: list[Annotation] = []
    left_out: list[FailedTest] = []
    for index, ((cluster_key, path, line), members) in enumerate(ranked):
        if index >= max(0, max_annotations):
            left_out.extend(sorted(members, key=lambda t: t.test_id))
            continue
        members = sorted(members, key=lambda t: t.test_id)
        category = _group_category(members)
        traced = next((t for t in members if t.trace and t.trace.strip()), None)
        annotations.append(
            Annotation(
                key=f"{cluster_key}:{path}:{line}",
                path=path,
                start_line=line,
                end_line=line,
                annotation_level=LEVELS[category],
                title=one_line(strip_control(members[0].cluster_title), MAX_TITLE_CHARS)
                or "Test failure",
                message=_message(category, members),
                raw_details=trim_trace(traced.trace) if traced and traced.trace else None,
            )
        )
    return AnnotationPlan(annotations, left_out, no_file)


def repo_frame_paths(trace: str | None, repository: str, limit: int = 10) -> list[str]:
    """The repository files a trace passes through (library frames left out), in order."""
    paths: list[str] = []
    for frame in _frames(trace):
        path = normalize_path(frame.file, repository)
        if path is not None and not _is_library(path) and path not in paths:
            paths.append(path)
        if len(paths) >= limit:
            break
    return paths
