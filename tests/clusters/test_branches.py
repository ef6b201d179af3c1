"""Which runs may open failure issues, by branch (``failures.only_branches``)."""

from __future__ import annotations

import pytest

from bot.app.clusters.issues import may_open_issues


@pytest.mark.parametrize(
    ("branch", "only_branches", "default_branch", "expected"),
    [
        # only_branches set: those branches, and a run without a branch opens nothing
        ("main", ["main"], "main", True),
        ("release/1.2", ["main", "release/1.2"], "main", True),
        ("feature", ["main"], "main", False),
        (None, ["main"], "main", False),
        (None, ["main"], None, False),
        ("main", ["release"], "main", False),  # the default branch is not implied
        # not set: the default branch; a run without a branch is not held back
        ("main", [], "main", True),
        ("feature", [], "main", False),
        (None, [], "main", True),
        ("feature", [], None, True),  # default branch unknown: any run
    ],
)
def test_may_open_issues(
    branch: str | None, only_branches: list[str], default_branch: str | None, expected: bool
) -> None:
    assert may_open_issues(branch, only_branches, default_branch) is expected
