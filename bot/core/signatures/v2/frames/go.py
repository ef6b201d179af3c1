"""Go frames: panic goroutine traces, testify ``Error Trace:`` blocks, ``x_test.go:12:`` lines.

A goroutine trace prints pairs, innermost first::

    github.com/acme/shop/store.(*DB).Get(0x0, {0x1, 0x2})
    \t/home/runner/work/shop/shop/store/db.go:42 +0x1d

``function`` keeps the last import path element: ``store.(*DB).Get`` (closures
``.func1``, ``.gowrap1`` and type parameters ``[...]`` dropped, so adding a closure above
does not move a key). ``file`` is repo-relative: a CI root is stripped; otherwise, for a
module on a known host, the path is rebuilt from the import path (``store/db.go``);
GOROOT and module cache files keep their path inside (``runtime/panic.go``,
``github.com/stretchr/testify/assert/assertions.go``). testify and ``t.Errorf`` lines name
no function (``None``).
"""

from __future__ import annotations

import re

from bot.core.signatures.v2.frames.model import Frame, normalize_path

LANGUAGE = "go"

_PATH = r"(?P<file>(?:[A-Za-z]:)?[^\s:]++):\d++"  # checked to end in .go (or .s) by the reader
_GOROUTINE_SUFFIX = re.compile(r" in goroutine \d++$")
_CALL_FILE = re.compile(r"^\s++" + _PATH + r"(?: \+0x[0-9a-fA-F]++)?\s*+$")
_ERROR_TRACE = re.compile(r"^\s*+Error Trace:\s++" + _PATH + r"\s*+$")
_TRACE_CONTINUATION = re.compile(r"^\s++" + _PATH + r"\s*+$")
_T_ERROR = re.compile(r"^\s*+" + _PATH + r": ")
_CLOSURE = re.compile(r"(?:\.(?:func|gowrap|deferwrap)?\d++)++$|\[[^\]]*+\]")
_GOROOT = re.compile(
    r"^(?:/usr/local/go|/usr/lib/go[\w.-]*+|/opt/hostedtoolcache/go/[^/]++/[^/]++|/snap/go/\w++"
    r"|/usr/local/Cellar/go/[^/]++/libexec|/opt/homebrew/Cellar/go/[^/]++/libexec"
    r"|[A-Za-z]:/Program Files/Go|/root/sdk/go[\w.]*+|/home/\w++/sdk/go[\w.]*+|/goroot"
    r"|/usr/local/go[\w.]++)/src/"
)
_MODULE_CACHE = re.compile(r"^.*/pkg/mod/")
_MODULE_VERSION = re.compile(r"@v[^/]++")
_STD_PACKAGES = re.compile(
    r"^(?:runtime|testing|reflect|sync|internal|syscall|net|os|io|fmt|context|database"
    r"|encoding|crypto|errors|strconv|strings|time|bufio|bytes|sort|log)(?:/|$)"
)
_LIBRARY_PATHS = re.compile(r"^(?:github\.com/stretchr/testify|golang\.org/x|google\.golang\.org)/")
_KNOWN_HOST = re.compile(r"^(?:github\.com|gitlab\.com|bitbucket\.org)/[^/]++/[^/]++(?:/v\d++)?")
_TEST_FILE = re.compile(r"_test\.go$")


def _call_name(line: str) -> str | None:
    """The function of a goroutine trace's call line (``pkg.(*T).M(0x1, ...)``), if it is one."""
    if not line or line[0] in " \t":
        return None
    text = _GOROUTINE_SUFFIX.sub("", line.rstrip().removeprefix("created by "))
    if text.endswith(")"):
        text = text.rpartition("(")[0]
    if not text or "." not in text or any(char.isspace() for char in text):
        return None
    return text


def _is_go(file: str) -> bool:
    return file.endswith(".go")


def _split(func: str) -> tuple[str, str]:
    """``(import path, short function)`` of a fully qualified Go function."""
    directory, _, last = func.rpartition("/")
    package, _, name = last.partition(".")
    import_path = f"{directory}/{package}" if directory else package
    return import_path, f"{package}.{_CLOSURE.sub('', name)}" if name else package


def _file(path: str, import_path: str | None) -> tuple[str, bool]:
    """The repo-relative (or installation-relative) path, and whether it is repo code."""
    if goroot := _GOROOT.match(path):
        return path[goroot.end() :], False
    if "/pkg/mod/" in path:
        return _MODULE_VERSION.sub("", _MODULE_CACHE.sub("", path, count=1)), False
    if "/vendor/" in path or path.startswith("vendor/"):
        return path.rpartition("vendor/")[2], False
    if path.startswith("/") and import_path and (module := _KNOWN_HOST.match(import_path)):
        directory = import_path[module.end() :].strip("/")
        base = path.rpartition("/")[2]
        return (f"{directory}/{base}" if directory else base), True
    return path, True


def _call_frame(func: str, raw_file: str) -> Frame:
    import_path, function = _split(func)
    file, in_repo = _file(normalize_path(raw_file), import_path)
    if _STD_PACKAGES.match(import_path) or _LIBRARY_PATHS.match(import_path):
        in_repo = False
    is_test = in_repo and bool(
        _TEST_FILE.search(file) or function.partition(".")[2].startswith("Test")
    )
    return Frame(file, function, LANGUAGE, in_repo, is_test)


def _file_frame(raw_file: str) -> Frame:
    file, in_repo = _file(normalize_path(raw_file), None)
    return Frame(file, None, LANGUAGE, in_repo, in_repo and bool(_TEST_FILE.search(file)))


def read(lines: list[str]) -> list[Frame]:
    """Every Go frame in printed order (goroutine traces print innermost first)."""
    frames: list[Frame] = []
    pending_call: str | None = None
    in_error_trace = False
    for line in lines:
        frame: Frame | None = None
        if pending_call is not None and (match := _CALL_FILE.match(line)):
            if match["file"].endswith((".go", ".s")):
                frame = _call_frame(pending_call, match["file"])
        elif "Error Trace:" in line and (match := _ERROR_TRACE.match(line)):
            frame = _file_frame(match["file"]) if _is_go(match["file"]) else None
            in_error_trace = True
        elif in_error_trace and (match := _TRACE_CONTINUATION.match(line)):
            frame = _file_frame(match["file"]) if _is_go(match["file"]) else None
        elif ".go:" in line and (match := _T_ERROR.match(line)) and _is_go(match["file"]):
            frame = _file_frame(match["file"])
        else:
            in_error_trace = False
        pending_call = _call_name(line) if frame is None else None
        if frame is not None and (not frames or frames[-1] != frame):
            frames.append(frame)
    return _without_bare_duplicates(frames)


def _without_bare_duplicates(frames: list[Frame]) -> list[Frame]:
    """Drop ``x_test.go`` (a ``t.Errorf`` line) when a full path to it is also printed
    (testify prints both for one assertion)."""
    full = {frame.file.rpartition("/")[2] for frame in frames if "/" in frame.file}
    return [frame for frame in frames if "/" in frame.file or frame.file not in full]
