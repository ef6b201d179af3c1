"""The frame every language reader returns, its key, and the path rules they share.

Paths are made repo-relative by one table of CI/container workspace roots, written for v2
alone (v1 keeps its own in ``bot/core/reports/common.py``; a change there must never move a
v2 key, nor the other way round).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_INPUT = 32_000
"""Characters of a trace that are read; the rest is ignored (bounds the work per trace)."""
MAX_LINE = 2_000
"""Characters of one line that are read; frame lines are far shorter."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One stack frame, normalized so that a re-run or an edit elsewhere keeps it equal."""

    file: str
    function: str | None
    language: str
    in_repo: bool
    is_test: bool


def frame_key(frame: Frame) -> str:
    """``file:function``, or ``file`` for an anonymous frame; never a line number."""
    return f"{frame.file}:{frame.function}" if frame.function else frame.file


# Workspace roots, tried in order at the start of a slash-normalized path. Each pattern ends
# at the repository root; what follows is repo-relative.
_WORKSPACE_ROOTS = re.compile(
    r"^(?:"
    r"/home/runner/work/[^/]++/[^/]++/"  # GitHub Actions (Linux)
    r"|/Users/runner/work/[^/]++/[^/]++/"  # GitHub Actions (macOS)
    r"|[A-Za-z]:/a/[^/]++/[^/]++/"  # GitHub Actions (Windows)
    r"|/github/workspace/"  # GitHub container actions
    r"|/__w/[^/]++/[^/]++/"  # GitHub container jobs, Azure Pipelines containers (/__w/1/s/)
    r"|/home/vsts/work/[^/]++/s/"  # Azure Pipelines (Linux)
    r"|/_/"  # .NET deterministic builds (ContinuousIntegrationBuild) map the repo root here
    r"|/builds/[^/]++/[^/]++/"  # GitLab
    r"|/var/jenkins_home/workspace/[^/]++/"  # Jenkins (docker image)
    r"|/var/lib/jenkins/workspace/[^/]++/"  # Jenkins (package)
    r"|/var/lib/buildkite-agent/builds/[^/]++/[^/]++/[^/]++/"  # Buildkite
    r"|/buildkite/builds/[^/]++/[^/]++/[^/]++/"  # Buildkite (docker)
    r"|/home/circleci/project/"  # CircleCI (default working directory)
    r"|/home/circleci/[^/]++/"  # CircleCI (checkout into ~/<repo>)
    r"|(?:/builddir/build|/home/[^/]++/rpmbuild)/BUILD/[^/]++/"  # rpmbuild: BUILD/<pkg>-<ver>/
    r"|/home/jenkins/agent/workspace/[^/]++/"  # Jenkins (kubernetes agents)
    r"|(?:[A-Za-z]:)?/(?:Users|home)/[^/]++/workspace/[^/]++/"  # Jenkins agent home
    r"|/home/travis/build/[^/]++/[^/]++/"  # Travis
    r"|/opt/atlassian/pipelines/agent/build/"  # Bitbucket Pipelines
    r"|/drone/src/"  # Drone
    r"|/workspace/"  # Cloud Build, many containers
    r"|/usr/src/app/"  # docker (node/python images' convention)
    r"|/app/"  # docker
    r"|/src/"  # docker
    r"|/code/"  # docker
    r")"
)
_URL_PREFIX = re.compile(
    r"^(?:file:(?://localhost|//)?|webpack-internal:///(?:\([^)]*+\)/)?|webpack://[^/]*+/"
    r"|https?://[^/]++/(?:__cypress/tests\?p=)?)"
)
_DRIVE_AFTER_URL = re.compile(r"^/(?=[A-Za-z]:/)")


def normalize_path(raw: str) -> str:
    """A repo-relative, slash-separated path without URL scheme, query or workspace root."""
    path = raw.strip().replace("\\", "/")
    path = _URL_PREFIX.sub("", path, count=1)
    path = _DRIVE_AFTER_URL.sub("", path, count=1)
    path = path.split("?", 1)[0].split("#", 1)[0]
    path = _WORKSPACE_ROOTS.sub("", path, count=1)
    while path.startswith("./"):
        path = path[2:]
    return path


# Directories a repository conventionally keeps its code in: an absolute path whose root the
# table above does not know is cut at the first of them (see ``repo_relative``).
_PROJECT_DIRECTORY = re.compile(
    r"(?:^|/)(?=(?:src|lib|app|apps|test|tests|spec|specs|pkg|internal|cmd|e2e|__tests__"
    r"|packages|features|cypress)/)"
)
_ABSOLUTE = re.compile(r"^(?:[A-Za-z]:)?/")
_HOME = re.compile(r"^(?:[A-Za-z]:)?/(?:home|Users)/[^/]++/[^/]++/")
TAIL_COMPONENTS = 2


def repo_relative(path: str) -> str:
    """An in-repo path whose root is not recognised, keyed by its repo-relative suffix.

    A developer laptop, an rpm build root, ``/mnt/<x>/`` … : the part after the first
    conventional project directory (``src/``, ``tests/`` …) counts from the repository's
    root on any machine, so it is kept from that directory on; without one, the last two
    components. Under a home directory the first directory below it (``~/src``,
    ``~/code``: where people keep their checkouts) is never taken for the project's own.
    A relative path is already repo-relative and is returned as is.
    """
    if not _ABSOLUTE.match(path):
        return path
    home = _HOME.match(path)
    start = home.end() - 1 if home else 0
    if directory := _PROJECT_DIRECTORY.search(path, start):
        return path[directory.end() :].lstrip("/")
    return "/".join(path.split("/")[-TAIL_COMPONENTS:])


def bounded_lines(trace: str | None) -> list[str]:
    """The trace's first ``MAX_INPUT`` characters as lines, each cut at ``MAX_LINE``."""
    if not trace:
        return []
    return [line[:MAX_LINE] for line in trace[:MAX_INPUT].splitlines()]
