"""read_frames as a whole (signature v2): which language reads a trace, bounds, robustness."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.signatures.v2.frames import MAX_INPUT, Frame, frame_key, read_frames
from tests.signatures.v2.frame_cases import keys, seen

JAVA = """java.lang.IllegalStateException: boom
\tat com.acme.shop.Cart.add(Cart.java:12)
\tat java.base/java.lang.Thread.run(Thread.java:833)
"""
DOTNET_WITHOUT_FILES = """System.InvalidOperationException: boom
   at Acme.Shop.Cart.Add(Int32 quantity)
   at Acme.Shop.Tests.CartTests.Adds()
"""
PYTHON_QUOTING_NODE = """Traceback (most recent call last):
  File "/home/runner/work/shop/shop/tests/test_e2e.py", line 30, in test_checkout
    page.goto("/checkout")
  File "/home/runner/work/shop/shop/tests/pages.py", line 12, in goto
    raise BrowserError(stderr)
BrowserError: node crashed:
    at render (/home/runner/work/shop/shop/web/app.js:3:7)
"""


def test_a_jvm_trace_is_read_as_java() -> None:
    assert {frame.language for frame in read_frames(JAVA)} == {"java"}
    assert keys(JAVA) == ["com/acme/shop/Cart.java:Cart.add", "java/lang/Thread.java:Thread.run"]


def test_dotnet_frames_without_files_are_not_read_as_java() -> None:
    frames = read_frames(DOTNET_WITHOUT_FILES)
    assert {frame.language for frame in frames} == {"dotnet"}
    assert keys(DOTNET_WITHOUT_FILES) == [
        "Acme.Shop.Cart:Cart.Add",
        "Acme.Shop.Tests.CartTests:CartTests.Adds",
    ]


def test_the_language_that_printed_most_of_the_trace_wins() -> None:
    assert keys(PYTHON_QUOTING_NODE) == [
        "tests/pages.py:goto",
        "tests/test_e2e.py:test_checkout",
    ]


def test_no_trace_gives_no_frames() -> None:
    assert read_frames(None) == ()
    assert read_frames("") == ()
    assert read_frames("AssertionError: expected 200, got 503") == ()


def test_an_anonymous_frame_is_keyed_by_its_file() -> None:
    assert frame_key(Frame("e2e/checkout.spec.ts", None, "js", True, True)) == (
        "e2e/checkout.spec.ts"
    )
    assert frame_key(Frame("app/db.py", "connect", "python", True, False)) == ("app/db.py:connect")


def test_only_the_head_of_a_huge_trace_is_read() -> None:
    head = '  File "/app/app/db.py", line 3, in connect\n'
    filler = "x" * 79 + "\n"
    tail = '  File "/app/app/late.py", line 9, in never_read\n'
    trace = head + filler * (MAX_INPUT // len(filler) + 10) + tail
    assert keys(trace) == ["app/db.py:connect"]


def test_a_single_huge_line_is_cut_and_gives_no_frames() -> None:
    # one 1 MB line that almost looks like a frame everywhere: read at most MAX_INPUT chars,
    # and a line is cut before any pattern sees it
    hostile = "    at " + "a(" * 500_000
    assert read_frames(hostile) == ()


_POSITION = re.compile(r":\d+(?::\d+)?$")


@given(
    st.text(
        alphabet=st.sampled_from(list("at ()[]<>:/\\.$@\"'`#\n\t0123456789+-_Fileinx")),
        max_size=400,
    )
)
def test_any_text_gives_frames_without_line_numbers(text: str) -> None:
    for frame in read_frames(text):
        assert frame.file
        assert not _POSITION.search(frame.file)
        assert frame.language in {"python", "js", "java", "go", "dotnet", "ruby"}
        assert not (frame.is_test and not frame.in_repo)


# Which frames are test code: v2 titles a failure by its innermost non-test frame, so a
# helper kept with the tests must not pass for the code under test.
TEST_CODE = [
    ('  File "/home/runner/work/s/s/tests/pages.py", line 3, in goto\n', True),
    ('  File "/home/runner/work/s/s/app/pages.py", line 3, in goto\n', False),
    ("\tat com.acme.shop.testing.Fixtures.cart(Fixtures.java:9)\n", True),
    ("\tat com.acme.shop.Cart.add(Cart.java:9)\n", False),
    ("   at Acme.Shop.Tests.Fakes.FakeClock.Now() in /src/tests/Fakes/FakeClock.cs:line 4\n", True),
    ("   at Acme.Shop.Clock.Now() in /src/src/Clock.cs:line 4\n", False),
    ("    at login (/home/runner/work/s/s/e2e/helpers/login.ts:4:9)\n", True),
    ("    at login (/home/runner/work/s/s/src/auth/login.ts:4:9)\n", False),
    ("/home/runner/work/s/s/spec/support/factories.rb:3:in 'build'\n", True),
    ("/home/runner/work/s/s/app/models/user.rb:3:in 'save'\n", False),
]


@pytest.mark.parametrize(("trace", "is_test"), TEST_CODE)
def test_test_code_is_told_from_the_code_under_test(trace: str, is_test: bool) -> None:
    (frame,) = read_frames(trace)
    assert frame.in_repo
    assert frame.is_test is is_test


def test_a_windows_hosted_python_stdlib_frame_is_not_in_the_repository() -> None:
    trace = (
        '  File "C:\\hostedtoolcache\\windows\\Python\\3.11.9\\x64\\Lib\\queue.py", '
        "line 179, in get\n"
    )
    assert seen(read_frames(trace)) == [("queue.py:get", False, False)]
