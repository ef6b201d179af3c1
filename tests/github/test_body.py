"""The bot's section in issue bodies: people's text survives, markers find our issues."""

from __future__ import annotations

from bot.adapters.github.body import (
    END_MARKER,
    MAX_BODY_CHARS,
    begin_marker,
    compose_body,
    compose_comment,
    extract_comment_key,
    extract_key,
)

KEY = "campaign:e2e-staging"


def test_a_new_issue_body_is_just_the_marked_section() -> None:
    body = compose_body(None, KEY, "## Status\nall green")
    assert body == (
        "<!-- loopwatch:begin key=campaign:e2e-staging -->\n"
        "## Status\nall green\n"
        "<!-- loopwatch:end -->"
    )
    assert extract_key(body) == KEY


def test_update_replaces_only_the_text_between_the_markers() -> None:
    first = compose_body(None, KEY, "run 1: 3 failed")
    edited = "Owner: @alice, please look\n\n" + first + "\n\n### Notes\nflaky on Mondays"
    updated = compose_body(edited, KEY, "run 2: all passed")
    assert updated == (
        "Owner: @alice, please look\n\n"
        "<!-- loopwatch:begin key=campaign:e2e-staging -->\n"
        "run 2: all passed\n"
        "<!-- loopwatch:end -->"
        "\n\n### Notes\nflaky on Mondays"
    )


def test_windows_line_endings_from_the_web_editor_survive() -> None:
    first = compose_body(None, KEY, "old")
    edited = "line one\r\nline two\r\n" + first + "\r\ntrailer\r\n"
    updated = compose_body(edited, KEY, "new")
    assert updated.startswith("line one\r\nline two\r\n")
    assert updated.endswith(END_MARKER + "\r\ntrailer\r\n")
    assert "\nnew\n" in updated
    assert "old" not in updated


def test_a_body_without_markers_keeps_peoples_text_and_gets_the_section_below() -> None:
    updated = compose_body("Written by a person.\n\n", KEY, "bot text")
    assert updated == (
        "Written by a person.\n\n"
        "<!-- loopwatch:begin key=campaign:e2e-staging -->\nbot text\n<!-- loopwatch:end -->"
    )


def test_a_deleted_end_marker_means_the_section_runs_to_the_end() -> None:
    body = "intro\n" + begin_marker(KEY) + "\nold section, end marker deleted"
    updated = compose_body(body, KEY, "new")
    assert updated == "intro\n" + begin_marker(KEY) + "\nnew\n" + END_MARKER


def test_composing_twice_is_stable() -> None:
    once = compose_body("people\n", KEY, "section")
    assert compose_body(once, KEY, "section") == once


def test_keys_that_could_break_the_comment_are_escaped_and_read_back() -> None:
    key = "campaign:nightly --> <b>100%</b>\nx"
    body = compose_body(None, key, "s")
    first_line = body.splitlines()[0]
    assert first_line.count("-->") == 1 and first_line.endswith("-->")
    assert extract_key(body) == key


def test_extract_key_is_none_for_bodies_without_a_section() -> None:
    assert extract_key(None) is None
    assert extract_key("") is None
    assert extract_key("<!-- some other tool -->") is None


def test_an_oversized_section_is_truncated_with_a_note_and_fits() -> None:
    people = "A person wrote this.\n" * 100
    section = "\n".join(f"| row {i} | passed |" for i in range(10_000))
    body = compose_body(people, KEY, section)
    assert len(body) <= MAX_BODY_CHARS
    assert body.startswith(people.rstrip())
    assert "Truncated by Loopwatch" in body
    assert body.endswith(END_MARKER)
    assert extract_key(body) == KEY


def test_truncation_closes_a_code_fence_and_details_left_open() -> None:
    section = "<details><summary>log</summary>\n\n```text\n" + "x" * 200 + "\n" * 70_000
    body = compose_body(None, KEY, section)
    assert len(body) <= MAX_BODY_CHARS
    inside = body.split("\n", 1)[1].rsplit(END_MARKER, 1)[0]
    note_at = inside.index("Truncated by Loopwatch")
    assert inside.rfind("```", 0, note_at) > inside.index("```text")  # fence closed first
    assert "</details>" in inside[:note_at]


def test_peoples_text_is_never_truncated_even_when_it_leaves_little_room() -> None:
    people = "p" * (MAX_BODY_CHARS - 200)
    body = compose_body(people, KEY, "s" * 5_000)
    assert len(body) <= MAX_BODY_CHARS
    assert body.startswith(people)
    assert extract_key(body) == KEY
    assert "did not fit" in body


def test_peoples_text_with_no_room_for_markers_is_left_as_it_is() -> None:
    people = "p" * (MAX_BODY_CHARS - 10)
    assert compose_body(people, KEY, "section") == people


def test_comment_bodies_carry_their_key_and_fit() -> None:
    comment = compose_comment("regression:sig-1:run-9", "Regressed in run 9")
    assert comment.splitlines()[0] == "<!-- loopwatch:comment key=regression:sig-1:run-9 -->"
    assert comment.endswith("Regressed in run 9")
    assert extract_comment_key(comment) == "regression:sig-1:run-9"
    assert extract_comment_key("a person's comment") is None
    huge = compose_comment("k", "y" * 100_000)
    assert len(huge) <= MAX_BODY_CHARS
    assert "Truncated by Loopwatch" in huge
