"""A five-whys record as people read it on the failure issue and the tracking issue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

from bot.core.five_whys import AnalysisBlock, Attribution, FixItem, WhyStep
from bot.core.render.clusters import render_failure_issue
from bot.core.render.tracking_issue.document import render_tracking_issue
from tests.render.views import seed_view
from tests.render_clusters.checks import assert_well_formed, outside_code, tables
from tests.render_clusters.test_failure_issue import HOSTILE
from tests.render_clusters.views import T0, ws_1011_view

Golden = Callable[[str, str], None]

RECORD = AnalysisBlock(
    five_whys=[
        WhyStep(
            why="Why did the data pipeline fail?",
            because="The WebSocket closed with 1011 (internal error)",
        ),
        WhyStep(
            why="Why did the server close with 1011?",
            because="Authentication failed on the WebSocket path | not on HTTP",
        ),
        WhyStep(why="Why did WebSocket authentication fail in staging?", because=""),
    ],
    root_cause="E2E environment variables are not propagated to Cloud Run staging",
    fix_strategy=[
        FixItem(item="Propagate the E2E variables in the deploy step", owner="ana"),
        FixItem(item="Fix the SessionMiddleware order", owner="bo", due=date(2025, 9, 30)),
    ],
)
BY_ANA = Attribution(source="person", author="ana", at=T0 + timedelta(days=1), version=3)


def test_failure_issue_with_a_five_whys(golden: Golden) -> None:
    view = replace(ws_1011_view(), five_whys=RECORD, five_whys_by=BY_ANA)
    text = render_failure_issue(view)
    golden("failure_issue_five_whys.md", text)
    assert_well_formed(text)
    assert text.index("### Environments seen") < text.index("### Five whys")
    assert text.index("### Five whys") < text.index("### Signature")
    rows = tables(text)[-1]  # the whys (the environments' table comes before)
    assert rows[0] == ["#", "Why?", "Because"]
    assert rows[3] == ["3", "Why did WebSocket authentication fail in staging?", "_open question_"]


def test_failure_issue_with_only_a_root_cause_still_says_whose_it_is(golden: Golden) -> None:
    record = AnalysisBlock(root_cause="The deploy config has no step for the E2E variables")
    view = replace(ws_1011_view(), five_whys=record, five_whys_by=BY_ANA)
    text = render_failure_issue(view)
    golden("failure_issue_five_whys_partial.md", text)
    assert "### Five whys\n\n_Confirmed by `ana`, 2025-09-11 17:45 UTC (version 3)._\n\n" in text
    assert "| # | Why? |" not in text


def test_failure_issue_without_a_record_has_no_five_whys_section() -> None:
    assert "Five whys" not in render_failure_issue(ws_1011_view())


def test_hostile_text_in_a_record_neither_pings_nor_links_nor_breaks_out() -> None:
    record = AnalysisBlock(
        five_whys=[WhyStep(why=HOSTILE, because=HOSTILE)],
        root_cause=HOSTILE,
        fix_strategy=[FixItem(item=HOSTILE, owner="ana")],
    )
    by = Attribution(source="person", author="@evil <!-- loopwatch:end -->", at=T0, version=1)
    text = render_failure_issue(replace(ws_1011_view(), five_whys=record, five_whys_by=by))
    assert_well_formed(text)
    section = text[text.index("### Five whys") : text.index("### Signature")]
    readable = outside_code(section)
    assert "@alice" not in readable and "#12" not in readable and "GH-7" not in readable
    assert "<!--" not in section and "\x1b" not in section
    assert len(tables(section)[0]) == 2  # the pipe did not make a column


def test_tracking_issue_shows_a_persons_record_with_who_and_when(golden: Golden) -> None:
    base = seed_view()
    assert base.five_whys is not None
    shown = RECORD.model_copy(
        update={"findings": base.five_whys.findings, "business_impact": "$200K+ MRR blocked"}
    )
    text = render_tracking_issue(replace(base, five_whys=shown, five_whys_by=BY_ANA))
    golden("tracking_five_whys_person.md", text)
    assert "### Five whys\n\n_Confirmed by `ana`, 2025-09-11 17:45 UTC (version 3)._" in text
    # an upload's block is shown as it came, without a byline
    assert "_Confirmed by" not in render_tracking_issue(base)
