"""Finding command lines: anchored at the line start, never in quotes or code (by example)."""

from __future__ import annotations

import pytest

from bot.handlers.commands.parse import added_commands, find_commands


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/mute", [("mute", "")]),
        ("/mute for 7d flaky infra", [("mute", "for 7d flaky infra")]),
        ("  /MUTE   for 7d  ", [("mute", "for 7d")]),
        ("please look\n/label add bug\n/status", [("label", "add bug"), ("status", "")]),
        ("/label add bug\r\n/status\r\n", [("label", "add bug"), ("status", "")]),
        # quoted replies never fire
        ("> /mute\nthanks", []),
        (">/mute", []),
        # not at the start of the line
        ("we could /mute it", []),
        ("`/mute`", []),
        # fenced and indented code, HTML comments
        ("```\n/mute\n```\n/status", [("status", "")]),
        ("~~~~\n/mute\n~~~\n/flaky\n~~~~\n/status", [("status", "")]),
        ("    /mute", []),
        ("\t/mute", []),
        ("<!-- /mute -->\n/status", [("status", "")]),
        ("<!--\n/mute\n-->\n/status", [("status", "")]),
        # paths and URLs are not commands
        ("/usr/bin/python crashed", []),
        ("/ mute", []),
        ("/", []),
    ],
)
def test_command_lines(body: str, expected: list[tuple[str, str]]) -> None:
    assert [(c.name, c.args) for c in find_commands(body)] == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/lw mute for 7d", [("mute", "for 7d")]),
        ("/mute\n/lw status", [("status", "")]),
        ("/lwmute", []),
        ("/LW help", [("help", "")]),
    ],
)
def test_prefixed_command_lines(body: str, expected: list[tuple[str, str]]) -> None:
    assert [(c.name, c.args) for c in find_commands(body, "lw")] == expected


def test_block_is_the_lines_right_below_the_command() -> None:
    body = "/five-whys\n1. Why? -> because\n2. Why? -> because\n\nthanks all\n/status"
    first, second = find_commands(body)
    assert first.block == ("1. Why? -> because", "2. Why? -> because")
    assert second.block == ()


def test_block_stops_at_the_next_command_and_allows_one_blank_line_first() -> None:
    first, _ = find_commands("/five-whys\n\n1. a -> b\n/status")
    assert first.block == ("1. a -> b",)


def test_repeated_lines_get_distinct_keys() -> None:
    one, two = find_commands("/rerun\n/rerun")
    assert (one.occurrence, two.occurrence) == (1, 2)
    assert one.key != two.key


def test_an_edit_runs_only_the_lines_it_added() -> None:
    before = "/label add bug\nlooks bad"
    after = "/label add bug\nlooks bad\n/mute for 1d"
    assert [c.text for c in added_commands(before, after)] == ["/mute for 1d"]
    assert added_commands(after, after) == []
    # a second copy of an existing line is new
    assert [c.occurrence for c in added_commands("/rerun", "/rerun\n/rerun")] == [2]


def test_at_most_twenty_commands_per_body() -> None:
    assert len(find_commands("\n".join(["/status"] * 50))) == 20
