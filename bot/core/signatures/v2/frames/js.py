"""JavaScript/TypeScript frames: V8 (``at fn (file:1:2)``), vitest (``❯ fn file:1:2``) and
Firefox/Safari (``fn@file:1:2``).

All print innermost first. Frames without a file position (``at Array.forEach
(<anonymous>)``, ``at async Promise.all (index 0)``) name no code and are skipped;
Playwright's code excerpt lines (``>  27 |  await …``) never match a frame pattern.
"""

from __future__ import annotations

import re

from bot.core.signatures.v2.frames.model import Frame, normalize_path

LANGUAGE = "js"

# "at [async ][new ]func (location)" or "at [async ]location"; the function may hold
# parentheses ("I.e.fn.(anonymous function) [as index]"), the location never does.
_V8_CALL = re.compile(r"^\s*+at (?P<func>.*?)(?P<space> ?)\((?P<loc>[^()]++)\)\s*+$")
_V8_BARE = re.compile(r"^\s*+at (?:async )?(?P<loc>[^\s()]++)\s*+$")
# node-tap's YAML stack drops the "at ": "Object.<anonymous> (test.js:8:5)"; a line and a
# column are required, so Java's "Cls.m(File.java:12)" never matches
_TAP_CALL = re.compile(r"^\s*+(?P<func>[^\s()][^()]*?) \((?P<loc>[^()\s]+?:\d++:\d++)\)\s*+$")
# vitest's reporter: "❯ fn file:1:2", "❯ async file:1:2", "❯ file:1:2"
_VITEST = re.compile(r"^\s*+❯ (?:async )?(?:(?P<func>\S++) )?(?P<loc>\S++)\s*+$")
# Firefox/Safari/cypress: "func@location", "@location", "global code@location"
_GECKO = re.compile(r"^\s*+(?P<func>[^@\s]*+|global code|module code)@(?P<loc>\S++)\s*+$")
_POSITION = re.compile(r":\d++(?::\d++)?$")
_LINE_AND_COLUMN = re.compile(r":\d++:\d++$")
_GECKO_ARGUMENTS = re.compile(r"\(.*+$")
_GECKO_SEGMENT = re.compile(r"^[\w$.\[\]]*[A-Za-z_$][\w$.\[\]]*$")
_ANONYMOUS = frozenset({"global code", "module code", "eval", "Global code", "Anonymous function"})
_FUNC_PREFIX = re.compile(r"^(?:async |new )+")
_ALIAS = re.compile(r" \[as [^\]]*+\]$")
_NOT_IN_REPO = re.compile(
    r"(?:^|/)node_modules/|/\.pnpm/|^node:|^internal/|^<|^native\b|^\.yarn/|/\.yarn/"
    r"|^/usr/(?:local/)?lib/node|/opt/hostedtoolcache/node/|^webpack/bootstrap|^~/"
    r"|^(?:events|module|timers|net|util|fs|http|https|tls|stream|zlib|vm|assert|domain"
    r"|child_process|async_hooks|bootstrap_node|node|_stream_\w++)\.js$|^eval code$|^repl$"
    r"|(?:^|/)\.pnp\.(?:c?js|loader\.mjs)$"  # Yarn Plug'n'Play's loader
    r"|^__cypress/"  # Cypress's own bundle served to the browser (__cypress/runner/…)
)
_INSTALL_PREFIX = re.compile(r"^.*node_modules/")
_TEST_FILE = re.compile(
    r"\.(?:spec|test|e2e|cy)\.[cm]?[jt]sx?$|(?:^|/)(?:__tests__|tests?|e2e|spec|cypress)/"
)


def _function(raw: str) -> str | None:
    func = _ALIAS.sub("", _FUNC_PREFIX.sub("", raw.strip())).removeprefix("Object.")
    if not func or func in _ANONYMOUS or "<anonymous>" in func or "(anonymous" in func:
        return None
    return func


def _gecko_function(raw: str) -> str | None:
    """Firefox names nested functions by path ("outer/inner<", "[2]</Bar.baz/</<") and
    Firefox 3 printed arguments ("bar(1)"): the innermost named segment is the function."""
    names = [
        segment
        for segment in _GECKO_ARGUMENTS.sub("", raw).replace("<", "").split("/")
        if _GECKO_SEGMENT.match(segment)
    ]
    return _function(names[-1]) if names else None


def _frame(loc: str, function: str | None) -> Frame | None:
    loc = loc.strip().removeprefix("async ")
    position = _POSITION.search(loc)
    if position is None:
        return None
    path = normalize_path(loc[: position.start()])
    if not path:
        return None
    in_repo = not _NOT_IN_REPO.search(path)
    if not in_repo:
        path = _INSTALL_PREFIX.sub("", path, count=1)
    is_test = in_repo and bool(_TEST_FILE.search(path))
    return Frame(path, function, LANGUAGE, in_repo, is_test)


def _line_frame(line: str) -> Frame | None:
    if "at " in line:
        # V8 puts a space before "(" ("at com.x.Y.m(Y.java:1)" is Java), except in
        # webpack's eval builds, whose location has a column that Java never prints.
        if (match := _V8_CALL.match(line)) and (
            match["space"] or _LINE_AND_COLUMN.search(match["loc"])
        ):
            return _frame(match["loc"], _function(match["func"]))
        if match := _V8_BARE.match(line):
            return _frame(match["loc"], None)
    if (match := _TAP_CALL.match(line)) and not line.lstrip().startswith("at "):
        return _frame(match["loc"], _function(match["func"]))
    if "❯ " in line and (match := _VITEST.match(line)) and _LINE_AND_COLUMN.search(match["loc"]):
        return _frame(match["loc"], _function(match["func"] or ""))
    if "@" in line and (match := _GECKO.match(line)):
        return _frame(match["loc"], _gecko_function(match["func"]))
    return None


def read(lines: list[str]) -> list[Frame]:
    """Every JS frame with a file position, innermost first (as printed)."""
    return [frame for line in lines if (frame := _line_frame(line)) is not None]
