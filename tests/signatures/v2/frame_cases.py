"""Helpers shared by the per-language frame tables: what a user sees of a trace's frames,
and the two re-run variants every table is checked against (another CI root, moved lines)."""

from __future__ import annotations

import re

from bot.core.signatures.v2.frames import Frame, frame_key, read_frames

# One repository checked out by different CI systems and containers; every root must give
# the same keys. "" is the repo-relative form some reporters print.
CI_ROOTS = (
    "/home/runner/work/shop/shop/",  # GitHub Actions (Linux)
    "/Users/runner/work/shop/shop/",  # GitHub Actions (macOS)
    "D:\\a\\shop\\shop\\",  # GitHub Actions (Windows)
    "/builds/acme/shop/",  # GitLab
    "/var/jenkins_home/workspace/shop-ci/",  # Jenkins
    "/var/lib/buildkite-agent/builds/agent-1/acme/shop/",  # Buildkite
    "/home/circleci/project/",  # CircleCI
    "/app/",  # docker
    "/src/",  # docker
    "/usr/src/app/",  # docker
    "/__w/shop/shop/",  # GitHub container jobs
    "/home/vsts/work/1/s/",  # Azure Pipelines
    "/_/",  # .NET deterministic builds
    "",
)
_WINDOWS_PATH = re.compile(r"D:\\a\\shop\\shop\\[^\s\"'()]*")
_LINE_NUMBER = re.compile(r"(?<=line )\d+|(?<=:)\d+")


def rooted(template: str, root: str) -> str:
    """``template`` with ``{root}`` replaced; a Windows root gets backslashes throughout."""
    text = template.replace("{root}", root)
    return _WINDOWS_PATH.sub(lambda match: match.group().replace("/", "\\"), text)


def lines_moved(trace: str, by: int = 7) -> str:
    """The trace after an edit above every frame: each line (and column) number moves."""
    return _LINE_NUMBER.sub(lambda match: str(int(match.group()) + by), trace)


def seen(frames: tuple[Frame, ...]) -> list[tuple[str, bool, bool]]:
    """``(key, in_repo, is_test)`` per frame: what grouping and titles are built from."""
    return [(frame_key(frame), frame.in_repo, frame.is_test) for frame in frames]


def keys(trace: str) -> list[str]:
    return [frame_key(frame) for frame in read_frames(trace)]
