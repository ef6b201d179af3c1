"""Untrusted text in markdown: no pings, no cross-links, no broken layout."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from bot.core.safe_markdown import (
    ZWSP,
    break_comment_markers,
    cell_code,
    code,
    fence,
    inline,
    link,
    neutralize,
    safe_url,
    strip_control,
    table_cell,
)


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("ping @alice now", f"ping @{ZWSP}alice now"),
        ("@org/team please", f"@{ZWSP}org/team please"),
        ("mail me at bob@example.com", "mail me at bob@example.com"),
        ("see #132 and owner/repo#7", f"see #{ZWSP}132 and owner/repo#{ZWSP}7"),
        ("fixed in GH-12", f"fixed in GH{ZWSP}-12"),
        ("a # heading-ish #tag", "a # heading-ish #tag"),
        ("<!-- loopwatch:end -->", f"<!-{ZWSP}- loopwatch:end -{ZWSP}->"),
    ],
)
def test_neutralize(raw: str, safe: str) -> None:
    assert neutralize(raw) == safe


def test_control_characters_go_but_newlines_and_tabs_stay() -> None:
    assert strip_control("a\x00b\x1b[31mc\td\r\ne\u202ef") == "ab[31mc\td\nef"


def test_inline_is_one_escaped_line() -> None:
    assert inline("a *b*\n  [x](http://e) <img> | c_d") == (
        r"a \*b\* \[x\](http://e) \<img\> \| c\_d"
    )
    assert inline("x" * 10, limit=5) == "xxxx…"


def test_table_cell_escapes_pipes_and_newlines() -> None:
    assert table_cell("a|b\nc") == r"a\|b c"


@pytest.mark.parametrize(
    ("raw", "span"),
    [
        ("plain", "`plain`"),
        ("has ` tick", "``has ` tick``"),
        ("``double`` and `", "``` ``double`` and ` ```"),
        ("`edge", "`` `edge ``"),
        ("multi\nline", "`multi line`"),
        ("@alice #1", "`@alice #1`"),
    ],
)
def test_code_span_is_longer_than_any_backtick_run(raw: str, span: str) -> None:
    assert code(raw) == span


def test_cell_code_escapes_pipes() -> None:
    assert cell_code("a|b") == r"`a\|b`"


def test_fence_outlasts_backticks_inside() -> None:
    assert fence("print(1)") == "```text\nprint(1)\n```\n"
    inner = "```python\nx = 1\n```"
    out = fence(inner)
    assert out.startswith("````text\n") and out.endswith("\n````\n")
    assert fence("a" * 50, limit=10) == "```text\naaaaaaaaa\n…\n```\n"


def test_fence_cannot_close_the_bot_section() -> None:
    assert "<!--" not in fence("x <!-- loopwatch:end --> y")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ci.example.com/runs/1", "https://ci.example.com/runs/1"),
        ("https://x.test/a b)c", "https://x.test/a%20b%29c"),
        ("javascript:alert(1)", None),
        ("ftp://x.test/", None),
        ("", None),
        ("https://", None),
    ],
)
def test_safe_url(url: str, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_link_falls_back_to_the_label() -> None:
    assert link("run 4", "https://x.test/4") == "[run 4](https://x.test/4)"
    assert link("run [4]", "javascript:x") == r"run \[4\]"


_MD = MarkdownIt("commonmark")
_printable = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=80
)


@settings(max_examples=200)
@given(_printable)
def test_code_span_shows_the_text_verbatim(text: str) -> None:
    text = " ".join(text.split())
    assume(text and "<!--" not in text and "-->" not in text)
    tokens = _MD.parseInline(code(text))[0].children or []
    assert [t.content for t in tokens if t.type == "code_inline"] == [text]


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_fence_is_one_block_showing_the_text(text: str) -> None:
    tokens = [t for t in _MD.parse(fence(text)) if t.type != "text"]
    assert [t.type for t in tokens] == ["fence"]
    shown = strip_control(text).expandtabs(4).rstrip("\n")
    assert tokens[0].content.rstrip("\n") == break_comment_markers(shown).rstrip("\n")


@settings(max_examples=200)
@given(st.text(max_size=80), st.text(max_size=40))
def test_table_cells_never_break_the_row(text: str, in_code: str) -> None:
    gfm = MarkdownIt("commonmark").enable("table")
    table = f"| a | b | c |\n|---|---|---|\n| x | {table_cell(text)} | {cell_code(in_code)} |\n"
    tokens = gfm.parse(table)
    cells = [t for t in tokens if t.type in ("th_open", "td_open")]
    assert len(cells) == 6
