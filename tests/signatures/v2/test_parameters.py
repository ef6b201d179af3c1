"""The parameterization table: examples for every entry (real texts cite their source)."""

from __future__ import annotations

import pytest

from bot.core.signatures.v2.parameters import PARAMETERS, parameterize

# (entry name, input, parameterized)
EXAMPLES: list[tuple[str, str, str]] = [
    ("ansi", "\x1b[31mTimed out 5000ms\x1b[39m", "Timed out <duration>"),
    (
        # https://github.com/pytest-dev/pytest-xdist/issues/742
        "tmp-path",
        "cwd: /tmp/pytest-of-tkloczko/pytest-10/test_dist_tests_with_crash0",
        "cwd: <tmp>",
    ),
    (
        "tmp-path",  # the file a temporary path names is kept, its directories are data
        r"C:\Users\ci\AppData\Local\Temp\tmpab12\out.txt missing",
        "<tmp>/out.txt missing",
    ),
    (
        # https://github.com/jest-community/jest-pytest/issues/22 (a generated file name)
        "tmp-path",
        "ENOENT: no such file or directory, open "
        "'/tmp/c826b58172c7eab3f4e254fda21f53fc.jest-pytest.json'",
        "ENOENT: no such file or directory, open '<tmp>'",
    ),
    (
        "tmp-path",
        "ENOENT: no such file or directory, open '/tmp/tmp-4242-xYz/config.yml'",
        "ENOENT: no such file or directory, open '<tmp>/config.yml'",
    ),
    (
        "ci-root",
        "at /home/runner/work/web/web/e2e/checkout.spec.ts",
        "at e2e/checkout.spec.ts",
    ),
    ("ci-root", r"D:\a\_work\1\s\src\App.cs failed", r"src\App.cs failed"),
    ("email", "Address aba@bab.com should have thrown", "Address <email> should have thrown"),
    (
        "uuid",
        "thread 3f2c9a7e-1b44-4c1e-9d0a-6b1f2e3d4c5b not found",
        "thread <uuid> not found",
    ),
    ("timestamp", "closed at 2024-05-01T10:00:00Z", "closed at <timestamp>"),
    ("date", "no rates for 2024-05-01", "no rates for <date>"),
    ("time", "Start at 09:03:23", "Start at <time>"),
    (
        # https://github.com/heidihoward/ios/issues/15
        "address",
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x28 pc=0x4eb15b]",
        "[signal SIGSEGV: segmentation violation code=<addr> addr=<addr> pc=<addr>]",
    ),
    (
        # https://github.com/grpc/grpc-java/issues/11341
        "ip-port",
        "could not reach 10.141.40.110:8980",
        "could not reach <ip>:<port>",
    ),
    ("localhost-port", "connect to localhost:54321 refused", "connect to localhost:<port> refused"),
    ("version", "requires pytest 8.2.0 or later", "requires pytest <version> or later"),
    ("hex-id", "commit 9acb3d602489c7389134 broke it", "commit <hex> broke it"),
    ("random-token", "token abcdefgh12345678xyz rejected", "token <id> rejected"),
    ("duration", "Timeout of 2000ms exceeded", "Timeout of <duration> exceeded"),
    (
        # https://github.com/wemake-services/django-modern-rest/issues/1291
        "xdist-worker",
        "[gw3] node down: Not properly terminated",
        "[gw<n>] node down: Not properly terminated",
    ),
    ("quoted-state", "job state 'pending' is not done", "job state <str> is not done"),
    (
        # https://github.com/Mosibi/whr_930/issues/9 (a rejected input is data)
        "rejected-value",
        "ValueError: invalid literal for int() with base 10: 'a0'",
        "ValueError: invalid literal for int() with base <n>: <str>",
    ),
    (
        "rejected-value",
        'invalid input syntax for type integer: "12a"',
        "invalid input syntax for type integer: <str>",
    ),
    (
        "rejected-value",
        "could not convert string to float: 'n_a'",
        "could not convert string to float: <str>",
    ),
    (
        # https://github.com/authlib/authlib/issues/616 (which setting is read first varies)
        "unconfigured-setting",
        "Requested setting DATABASES, but settings are not configured.",
        "Requested setting <name>, but settings are not configured.",
    ),
    ("quoted", "KeyError: 'user_id'", "KeyError: 'user_id'"),  # a name is kept
    ("quoted", "invalid literal for int(): 'a b c'", "invalid literal for int(): <str>"),
    (
        "quoted",  # a CSS selector names an element: kept, numbers aside
        "Unable to find css \"#ids_[value='572407971']\"",
        'Unable to find css "#ids_[…]"',  # then its attribute is a collection
    ),
    (
        "quoted",
        "Expected to find element: `#tabs-wrapper`",
        "Expected to find element: `#tabs-wrapper`",
    ),
    ("collection", "execution order violated: ['a', 'b']", "execution order violated: […]"),
    (
        "literal",
        "Not equal: []interface {}{1, false, 2, true} (expected)",
        "Not equal: []interface {}{…} (expected)",
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), EXAMPLES)
def test_each_parameter(name: str, text: str, expected: str) -> None:
    assert name in {p.name for p in PARAMETERS}
    assert parameterize(text) == expected


def test_every_parameter_has_an_example() -> None:
    assert {p.name for p in PARAMETERS} <= {name for name, _, _ in EXAMPLES}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # codes are kept by their context; other numbers are data
        ("HTTP 503 after 3 retries", "HTTP 503 after <n> retries"),
        ("received 1011 (internal error)", "received 1011 (internal error)"),
        ("exit status 139", "exit status 139"),
        ("ERROR 2013 (HY000): Lost connection", "ERROR 2013 (HY000): Lost connection"),
        ("duplicate key (SQLSTATE 23505) for id 42", "duplicate key (SQLSTATE 23505) for id <n>"),
        ("expected 5 items, got 3", "expected <n> items, got <n>"),
    ],
)
def test_codes_are_kept_and_numbers_go(text: str, expected: str) -> None:
    assert parameterize(text) == expected


def test_run_specific_values_do_not_split() -> None:
    # https://github.com/pytest-dev/pytest-xdist/issues/714 (worker ids vary per run)
    a = "worker 'gw1' crashed while running 'tests/test_a.py::test_x'"
    b = "worker 'gw7' crashed while running 'tests/test_a.py::test_x'"
    assert parameterize(a) == parameterize(b)
