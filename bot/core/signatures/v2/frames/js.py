"""JavaScript/TypeScript frames: V8 (``at fn (file:1:2)``) and Firefox/Safari (``fn@file:1:2``).

Both print innermost first. Frames without a file position (``at Array.forEach
(<anonymous>)``, ``at async Promise.all (index 0)``) name no code and are skipped;
Playwright's code excerpt lines (``>  27 |  await …``) never match a frame pattern.
"""

from __future__ import annotations

import re

from bot.core.signatures.v2.frames.model import Frame, normalize_path

LANGUAGE = "js"

# "at [async ][new ]func (location)" or "at [async ]location"
_V8_CALL = re.compile(r"^\s*+at (?P<func>[^()]++)\((?P<loc>[^()]++)\)\s*+$")
_V8_BARE = re.compile(r"^\s*+at (?:async )?(?P<loc>[^\s()]++)\s*+$")
# Firefox/Safari/cypress: "func@location", "@location", "global code@location"
_GECKO = re.compile(r"^\s*+(?P<func>[^@\s]*+|global code|module code)@(?P<loc>\S++)\s*+$")
_POSITION = re.compile(r":\d++(?::\d++)?$")
_FUNC_PREFIX = re.compile(r"^(?:async |new )+")
_ALIAS = re.compile(r" \[as [^\]]*+\]$")
_NOT_IN_REPO = re.compile(
    r"(?:^|/)node_modules/|/\.pnpm/|^node:|^internal/|^<|^native\b|^\.yarn/|/\.yarn/"
    r"|^/usr/(?:local/)?lib/node|/opt/hostedtoolcache/node/|^webpack/bootstrap"
    r"|^(?:events|module|timers|net|util|fs|http|https|tls|stream|zlib|vm|assert|domain"
    r"|child_process|async_hooks|bootstrap_node|_stream_\w++)\.js$"
)
_INSTALL_PREFIX = re.compile(r"^.*node_modules/")
_TEST_FILE = re.compile(
    r"\.(?:spec|test|e2e|cy)\.[cm]?[jt]sx?$|(?:^|/)(?:__tests__|tests?|e2e|spec|cypress)/"
)


def _function(raw: str) -> str | None:
    func = _ALIAS.sub("", _FUNC_PREFIX.sub("", raw.strip()))
    func = func.split("/", 1)[0]  # Firefox: "outer/<", "outer/inner<"
    func = func.removeprefix("Object.")
    if not func or "<anonymous>" in func or func in {"global code", "module code", "eval"}:
        return None
    return func


def _frame(loc: str, raw_func: str) -> Frame | None:
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
    return Frame(path, _function(raw_func), LANGUAGE, in_repo, is_test)


def read(lines: list[str]) -> list[Frame]:
    """Every JS frame with a file position, innermost first (as printed)."""
    frames: list[Frame] = []
    for line in lines:
        frame: Frame | None = None
        if "at " in line:
            # V8 puts a space before "(": "at com.x.Y.m(Y.java:1)" is Java, not JS.
            if (match := _V8_CALL.match(line)) and match["func"].endswith(" "):
                frame = _frame(match["loc"], match["func"])
            elif match := _V8_BARE.match(line):
                frame = _frame(match["loc"], "")
        elif "@" in line and (match := _GECKO.match(line)):
            frame = _frame(match["loc"], match["func"])
        if frame is not None:
            frames.append(frame)
    return frames
