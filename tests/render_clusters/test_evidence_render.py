"""The bot's evidence draft and a record whose fix did not hold, as people read them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from bot.core.evidence.builder import build_draft
from bot.core.evidence.facts import (
    ChangedFile,
    Commit,
    CommitRange,
    EvidenceFacts,
    FailingTest,
    RelatedCluster,
    RunFacts,
)
from bot.core.five_whys import Attribution
from bot.core.render.clusters import render_failure_issue, render_regression_comment
from bot.core.render.tracking_issue.document import render_tracking_issue
from tests.render.views import seed_view
from tests.render_clusters.checks import assert_well_formed, outside_code, tables
from tests.render_clusters.test_failure_issue import HOSTILE
from tests.render_clusters.test_five_whys_render import BY_ANA, RECORD
from tests.render_clusters.views import (
    CAME_BACK,
    LAST_GREEN,
    T0,
    WS_MESSAGE,
    WS_TEST,
    regression_view,
    ws_1011_view,
)

Golden = Callable[[str, str], None]
BY_BOT = Attribution(source="evidence", status="draft", at=T0 + timedelta(minutes=3))
GREEN = LAST_GREEN.commit_sha or ""
RED = CAME_BACK.commit_sha or ""


def seed_facts(**changes: object) -> EvidenceFacts:
    base: dict[str, object] = {
        "campaign": "golden-path-data-agent",
        "cluster_title": "WebSocket closed 1011 (internal error)",
        "fingerprint": "9c1e5d2a7b3f4e6a8d0c",
        "run": RunFacts(CAME_BACK.run_id, CAME_BACK.at, RED, "main", {"WS_AUTH_MODE": "session"}),
        "tests": [
            FailingTest(WS_TEST, "Data agent pipeline validation", WS_TEST.split("::", 1)[0])
        ],
        "family": "websocket-close-1011",
        "message": "ConnectionClosedError: received 1011 (internal error)",
        "trace_paths": [WS_TEST.split("::", 1)[0], "tests/e2e/helpers/websocket.py"],
        "last_green": RunFacts(
            LAST_GREEN.run_id, LAST_GREEN.at, GREEN, "main", {"WS_AUTH_MODE": "jwt"}
        ),
        "related": [RelatedCluster("HTTP 503 Service Unavailable", "a" * 20, 7, 3)],
    }
    base.update(changes)
    return EvidenceFacts(**base)  # type: ignore[arg-type]


COMMITS = CommitRange(
    GREEN,
    RED,
    commits=[
        Commit(
            "b2c3d4e" + "1" * 33,
            "Switch WebSocket auth to sessions",
            "bo",
            "https://github.com/netra-systems/netra-apex/commit/b2c3d4e",
        ),
        Commit("b2c3d4e" + "2" * 33, "Bump the staging image", None, None),
    ],
    files=[
        ChangedFile("deploy/staging.yaml", additions=2, deletions=2),
        ChangedFile("tests/e2e/helpers/websocket.py", additions=12, deletions=3),
        ChangedFile("app/auth/session.py", "added", 40, 0),
    ],
    total_commits=2,
    url="https://github.com/netra-systems/netra-apex/compare/e4f5a6b...b2c3d4e",
)


def test_failure_issue_with_the_bots_draft(golden: Golden) -> None:
    draft = build_draft(seed_facts(), COMMITS)
    view = replace(ws_1011_view(), five_whys_draft=draft, five_whys_by=BY_BOT)
    text = render_failure_issue(view)
    golden("failure_issue_five_whys_draft.md", text)
    assert_well_formed(text)
    section = text[text.index("### Five whys") : text.index("### Signature")]
    assert "**Draft by Loopwatch, from the facts below**, 2025-09-10 17:48 UTC." in section
    assert "`/five-whys confirm`" in section
    rows = tables(section)[0]
    assert rows[0] == ["#", "Why?", "Because", "From"]
    assert rows[-1][2] == "_open question_"
    assert "signature table: RFC 6455 §7.4.1" in rows[2][3]
    assert "(#7), 3 tests" in section  # a related failure links its issue
    files = section[section.index("**Changed files**") :]
    assert files.index("tests/e2e/helpers/websocket.py") < files.index("deploy/staging.yaml")
    assert "← near the failure" in files


def test_tracking_issue_shows_the_main_failures_draft_when_it_has_no_record(
    golden: Golden,
) -> None:
    draft = build_draft(seed_facts(last_green=None, related=[]))
    about = "[WebSocket closed 1011 (internal error)](https://github.com/o/r/issues/2) (#2)"
    view = replace(
        seed_view(),
        five_whys=None,
        five_whys_by=BY_BOT,
        five_whys_draft=draft,
        five_whys_about=about,
    )
    text = render_tracking_issue(view)
    golden("tracking_five_whys_draft.md", text)
    assert f"**Draft by Loopwatch about {about}, from the facts below**" in text
    assert "These tests never passed in the recorded runs" in text
    assert "**Commits since the last green run**" not in text  # no green run: no range


def test_a_record_whose_fix_did_not_hold_says_so_where_it_is_shown(golden: Golden) -> None:
    by = replace(BY_ANA, url="https://github.com/o/r/issues/2#issuecomment-9")
    view = replace(ws_1011_view(), five_whys=RECORD, five_whys_by=by, five_whys_came_back=CAME_BACK)
    text = render_failure_issue(view)
    golden("failure_issue_five_whys_came_back.md", text)
    assert "(version 3, [comment](https://github.com/o/r/issues/2#issuecomment-9))._" in text
    assert "> **This fix did not hold:** the failure came back in [run 10](" in text


def test_the_regression_comment_names_the_record_whose_fix_did_not_hold(golden: Golden) -> None:
    by = replace(BY_ANA, url="https://github.com/o/r/issues/2#issuecomment-9")
    view = replace(
        regression_view(),
        previous_record_by=by,
        previous_root_cause="SessionMiddleware installed after the auth middleware",
    )
    text = render_regression_comment(view)
    golden("regression_comment_record.md", text)
    assert (
        "> The [five-whys](https://github.com/o/r/issues/2#issuecomment-9) `ana` confirmed "
        "(version 3, 2025-09-11) named the root cause “SessionMiddleware installed after the "
        "auth middleware”." in text
    )


def test_hostile_facts_in_a_draft_neither_ping_nor_link_nor_break_out() -> None:
    hostile = CommitRange(
        GREEN,
        RED,
        commits=[Commit("1" * 40, HOSTILE, "@evil", "javascript:alert(1)")],
        files=[ChangedFile(f"tests/e2e/{HOSTILE}")],
        total_commits=1,
    )
    facts = seed_facts(
        cluster_title=HOSTILE,
        message=WS_MESSAGE,
        related=[RelatedCluster(HOSTILE, "x", None, 1)],
        run=RunFacts(9, CAME_BACK.at, RED, "main", {HOSTILE: HOSTILE}),
    )
    draft = build_draft(facts, hostile)
    text = render_failure_issue(replace(ws_1011_view(), five_whys_draft=draft))
    assert_well_formed(text)
    section = text[text.index("### Five whys") : text.index("### Signature")]
    readable = outside_code(section)
    assert "@alice" not in readable and "#12" not in readable and "GH-7" not in readable
    assert "<!--" not in section and "\x1b" not in section and "javascript:" not in section
    assert all(len(row) == 4 for row in tables(section)[0])  # no pipe made a column
