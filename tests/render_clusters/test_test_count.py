"""A cluster's title and summary count all its tests, not the few the view lists (issue
18: a cluster with 2,000 failing tests was titled "… in 50 tests")."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.core.render.clusters import AffectedTest
from bot.core.render.failure_issue import failure_issue_title, render_failure_issue
from tests.render_clusters.checks import tables
from tests.render_clusters.test_failure_issue import _HUGE


def test_the_title_counts_every_test_not_the_listed_ones() -> None:
    listed = [AffectedTest(test_id=f"t.py::test_{n}") for n in range(50)]
    view = replace(_HUGE, tests=listed, test_count=2_000)
    assert failure_issue_title(view).endswith(" in 2,000 tests")
    text = render_failure_issue(view)
    assert "— 2,000 tests" in text.split("\n", 1)[0]
    shown = len(tables(text)[0]) - 1
    more = re.search(r"_… and ([\d,]+) more tests\._", text)
    assert more is not None and shown + int(more.group(1).replace(",", "")) == 2_000


def test_without_a_count_the_listed_tests_are_counted() -> None:
    listed = [AffectedTest(test_id=f"t.py::test_{n}") for n in range(3)]
    assert failure_issue_title(replace(_HUGE, tests=listed, test_count=None)).endswith(
        " in 3 tests"
    )
