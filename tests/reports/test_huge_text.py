"""A 50 MB failure message keeps its file's other cases (issue 18): libxml2 refuses a text
node over 10 MB ("Text node too long") and lost the whole file; the text is cut to its
head and tail before parsing instead, with a warning, and entity bombs stay refused."""

from __future__ import annotations

import pytest

from bot.core.reports import ReportError, parse_report
from bot.core.reports.model import TRUNCATION_MARKER
from bot.core.reports.xmlsafe import MAX_TEXT_RUN, cap_text_runs

HUGE = 50 * 1024 * 1024


def huge_message_report(where: str) -> bytes:
    """One case whose failure holds 50 MB (as its text or its ``message`` attribute) among
    three ordinary cases."""
    big = "é" + "x" * HUGE + "&amp;end of trace at app.py:7"
    if where == "text":
        failure = f'<failure message="boom" type="E">{big}</failure>'
    else:
        failure = f'<failure message="{big}" type="E">short trace</failure>'
    return (
        '<testsuite name="s"><testcase classname="c" name="first"/>'
        f'<testcase classname="c" name="huge">{failure}</testcase>'
        '<testcase classname="c" name="third"><failure message="m">t</failure></testcase>'
        '<testcase classname="c" name="last"/></testsuite>'
    ).encode()


@pytest.mark.parametrize("where", ["text", "attribute"])
def test_a_50_mb_message_keeps_the_other_cases(where: str) -> None:
    report = parse_report(huge_message_report(where), path="r.xml")
    assert [c.name for c in report.cases] == ["first", "huge", "third", "last"]
    assert [c.outcome.value for c in report.cases] == ["passed", "failed", "failed", "passed"]
    huge = report.cases[1]
    kept = huge.trace if where == "text" else huge.message
    assert kept is not None and kept.startswith("éxxx") and kept.endswith(TRUNCATION_MARKER)
    assert report.warnings == [
        "1 text over 1,048,576 bytes cut to their first 256 KiB and last 4 KiB"
    ]


def test_without_the_cap_libxml2_loses_the_file() -> None:
    """What the cap prevents (libxml2's own limit stays on: no ``huge_tree``)."""
    from bot.core.reports.formats import junit

    with pytest.raises(ReportError, match=r"too long|huge"):
        junit.parse(huge_message_report("text"), path="r.xml")


def test_ordinary_reports_are_not_touched() -> None:
    data = b"<testsuite>" + b'<testcase name="t" time="1"/>' * 100_000 + b"</testsuite>"
    assert cap_text_runs(data) == (data, 0)


def test_the_cut_keeps_entity_references_and_characters_whole() -> None:
    run = ("é&amp;" * (MAX_TEXT_RUN // 3)).encode()
    capped, cut = cap_text_runs(b"<a>" + run + b"</a>")
    assert cut == 1
    text = capped.decode("utf-8")  # no split character
    head, _, rest = text.partition(" \u2026 [")
    tail = rest.partition("] \u2026 ")[2]
    assert head.endswith(("é", "&amp;")) and tail.startswith(("é", "&amp;"))
    assert tail.endswith("</a>")
