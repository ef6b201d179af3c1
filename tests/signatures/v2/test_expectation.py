"""The expected/actual reader: the ACTUAL value is the failure."""

from __future__ import annotations

import pytest

from bot.core.signatures.v2.expectation import actual_codes, read_expectation

# (text, spelling, expected, actual, codes of the actual)
EXAMPLES: list[tuple[str, str, str, str, list[str]]] = [
    # sandbox/loopwatch_sandbox/demo/artifacts_scene.py (the demo's nightly smoke)
    ("AssertionError: expected 200, got 503", "expected-got", "200", "503", ["http=503"]),
    # https://github.com/forwardemail/supertest/issues/631
    (
        'expected 200 "OK", got 500 "Internal Server Error"',
        "expected-got",
        '200 "OK"',
        '500 "Internal Server Error"',
        ["http=500"],
    ),
    (
        "expected: <CloseStatus[code=1000, reason=null]> but was: "
        "<CloseStatus[code=1011, reason=null]>",
        "junit",
        "CloseStatus[code=1000, reason=null]",
        "CloseStatus[code=1011, reason=null]",
        ["ws=1011"],
    ),
    ("Status expected:<200> but was:<401>", "junit", "200", "401", ["http=401"]),
    (
        "expect(received).toBe(expected) // Object.is equality\n\nExpected: 200\nReceived: 503",
        "jest",
        "200",
        "503",
        ["http=503"],
    ),
    ("Expected: 200\n  But was:  503", "nunit", "200", "503", ["http=503"]),
    ("Assert.Equal() Failure\nExpected: 200\nActual:   503", "xunit", "200", "503", ["http=503"]),
    ("Status \nExpected :200\nActual   :401", "xunit", "200", "401", ["http=401"]),
    (
        "Error:      \tNot equal: \n\t            \texpected: 200\n\t            \tactual  : 503",
        "testify",
        "200",
        "503",
        ["http=503"],
    ),
    ("expected: 200\n     got: 503\n\n(compared using ==)", "rspec", "200", "503", ["http=503"]),
    (
        "assert 503 == 200\n +  where 503 = <Response [503]>.status_code",
        "pytest-assert",
        "200",
        "503",
        ["http=503"],
    ),
    (
        "assert '200 OK' == '403 FORBIDDEN'",
        "pytest-assert",
        "'403 FORBIDDEN'",
        "'200 OK'",
        ["http=200"],
    ),
    ("got 503, want 200", "got-want", "200", "503", ["http=503"]),
    (
        "Expected response to be a <2XX: success>, but was a <401: Unauthorized>",
        "but-was",
        "response to be a <2XX: success>",
        "a <401: Unauthorized>",
        ["http=401"],
    ),
    # numbers without an HTTP context on both sides stay data
    ("expected 1011 rows but was 1000", "but-was", "1011 rows", "1000", []),
    ("expected 5 items, got 3", "expected-got", "5 items", "3", []),
]


@pytest.mark.parametrize(("text", "spelling", "expected", "actual", "codes"), EXAMPLES)
def test_expectation(
    text: str, spelling: str, expected: str, actual: str, codes: list[str]
) -> None:
    found = read_expectation(text)
    assert found is not None
    assert (found.spelling, found.expected, found.actual) == (spelling, expected, actual)
    assert [str(code) for code in actual_codes(found, text)] == codes


@pytest.mark.parametrize("text", ["HTTP 503 from upstream", "order 42 has no items", ""])
def test_no_expectation(text: str) -> None:
    assert read_expectation(text) is None
