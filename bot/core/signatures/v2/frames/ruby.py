"""Ruby frames: ``path.rb:12:in 'User#save'`` (Ruby 3.4) and ``path.rb:12:in `save'`` (older).

Ruby prints innermost first, with optional ``from `` (uncaught exceptions) or ``# ``
(rspec) prefixes. ``function`` drops the block/rescue/ensure wrappers (``block (2 levels)
in User#save`` → ``User#save``) and is ``None`` at the top level (``<main>``, ``<top
(required)>``); ``<class:User>`` is ``User``. Installed gems keep their path inside the gem
without its version (``activerecord/lib/active_record/base.rb``).
"""

from __future__ import annotations

import re

from bot.core.signatures.v2.frames.model import Frame, normalize_path

LANGUAGE = "ruby"

_FRAME = re.compile(
    r"^\s*+(?:from |# )?(?P<file><internal:[^>]++>|(?:[A-Za-z]:)?[^\s:]++)"
    r":\d++:in [`'](?P<func>[^'`]*+)'"
)
_WRAPPER = re.compile(r"^(?:(?:block|rescue|ensure)(?: \(\d++ levels\))? in )++")
_DEFINITION = re.compile(r"^<(?:class|module):(?P<name>[^>]++)>$")
_NOT_IN_REPO = re.compile(
    r"/gems/|(?:^|/)vendor/bundle/|/rubygems|^/usr/lib/ruby/|/lib/ruby/|^<internal:|/\.rbenv/"
    r"|/\.rvm/|/opt/hostedtoolcache/Ruby/|^\(|^-e$|^/usr/(?:local/)?bin/|(?:^|/)bin/[^/.]++$"
)
_INSTALL_PREFIX = re.compile(r"^.*/gems/(?P<gem>[^/]+?)-\d[^/]*+/|^.*/lib/ruby/(?:\d[\d.]*+/)?")
_TEST_FILE = re.compile(r"_(?:spec|test)\.rb$|\.feature$|(?:^|/)(?:spec|test|features)/")


def _function(raw: str) -> str | None:
    func = _WRAPPER.sub("", raw)
    if definition := _DEFINITION.match(func):
        return definition["name"]
    if not func or func.startswith("<") or func == "nil":  # cucumber steps: in `nil'
        return None
    return func


def _path(raw: str) -> tuple[str, bool]:
    if raw.startswith("<internal:/"):  # Ruby 3.4: "<internal:/usr/lib/ruby/3.4.0/x.rb>"
        raw = raw[len("<internal:") : -1]
    path = normalize_path(raw)
    if not _NOT_IN_REPO.search(path):
        return path, True
    if match := _INSTALL_PREFIX.match(path):
        gem = match["gem"]
        rest = path[match.end() :]
        return (f"{gem}/{rest}" if gem else rest), False
    return path, False


def read(lines: list[str]) -> list[Frame]:
    """Every Ruby frame in printed order (innermost first)."""
    frames: list[Frame] = []
    for line in lines:
        if ":in " not in line or not (match := _FRAME.match(line)):
            continue
        file, in_repo = _path(match["file"])
        function = _function(match["func"])
        is_test = in_repo and bool(
            _TEST_FILE.search(file) or (function or "").rpartition("#")[2].startswith("test_")
        )
        frames.append(Frame(file, function, LANGUAGE, in_repo, is_test))
    return frames
