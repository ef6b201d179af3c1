"""Every cluster rendering parses as the markdown it looks like (GFM via markdown-it)."""

from __future__ import annotations

import pytest

from bot.core.render.clusters import (
    render_failure_issue,
    render_regression_comment,
    render_tracking_regression_comment,
)
from bot.core.render.tracking_issue.document import render_tracking_issue
from tests.render_clusters.checks import GFM, assert_well_formed
from tests.render_clusters.test_tracking_clusters import clusters_view
from tests.render_clusters.views import REPO, flaky_view, regression_view, ws_1011_view

RENDERED = {
    "failure_issue_1011": render_failure_issue(ws_1011_view()),
    "failure_issue_flaky": render_failure_issue(flaky_view()),
    "regression_comment": render_regression_comment(regression_view()),
    "tracking_comment": render_tracking_regression_comment(regression_view(), f"{REPO}/issues/1"),
    "tracking_with_clusters": render_tracking_issue(clusters_view()),
}


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_every_table_line_is_a_parsed_table_row(name: str) -> None:
    text = RENDERED[name]
    assert_well_formed(text)
    pipe_lines = [line for line in text.splitlines() if line.startswith("|")]
    rows = [t for t in GFM.parse(text) if t.type == "tr_open"]
    delimiter_lines = [line for line in pipe_lines if set(line) <= set("|-: ")]
    assert len(rows) == len(pipe_lines) - len(delimiter_lines)


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_links_are_links_and_nothing_is_left_raw(name: str) -> None:
    tokens = GFM.parse(RENDERED[name])
    inline = [child for t in tokens if t.children for child in t.children]
    links = [t.attrs["href"] for t in inline if t.type == "link_open"]
    assert links and all(str(href).startswith("https://") for href in links)
    text = "".join(t.content for t in inline if t.type == "text")
    assert "](" not in text  # no link left unparsed


def test_regression_comment_structure() -> None:
    tokens = GFM.parse(RENDERED["regression_comment"])
    types = [t.type for t in tokens]
    assert types.count("blockquote_open") == 1  # the "fix did not hold" callout
    assert types.count("bullet_list_open") == 2  # failing tests; what changed
