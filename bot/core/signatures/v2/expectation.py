"""The expected/actual reader: in an expectation, the ACTUAL value is the failure.

``expected 200, got 503`` is a 503; JUnit's ``expected: <CloseStatus[code=1000…]> but
was: <CloseStatus[code=1011…]>`` is a 1011, never the expected 1000. Each assertion
library's spelling is one entry of ``SPELLINGS`` (examples with their sources in
tests/signatures/v2/test_expectation.py). A bare number is read as an HTTP status only
when both sides are three-digit statuses (``assert 503 == 200``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.signatures.v2.codes import HTTP_STATUS_NAMES, Code, codes_in, is_http_status

MAX_EXPECTATION_INPUT = 4_000


@dataclass(frozen=True, slots=True)
class Expectation:
    expected: str
    actual: str
    spelling: str


_V = r"[^\n]{1,300}?"  # one value on one line, shortest
_END = r"\s*[.;]?\s*(?:$|\n)"
SPELLINGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "junit",  # JUnit 5 / AssertJ / opentest4j: expected: <X> but was: <Y>
        re.compile(
            r"expected:?\s*<(?P<expected>[^\n]*?)>\s*but was:?\s*<(?P<actual>[^\n]*?)>", re.I
        ),
    ),
    (
        "xunit",  # xUnit (Expected: X\n Actual: Y), IntelliJ/Spring (Expected :200\nActual   :401)
        re.compile(
            r"^\s*Expected\s*:\s*(?P<expected>[^\n]*)\n\s*Actual\s*:\s*(?P<actual>[^\n]*)", re.M
        ),
    ),
    (
        "testify",  # testify: expected: X\n actual  : Y
        re.compile(
            r"^\s*expected\s*:\s*(?P<expected>[^\n]*)\n\s*actual\s*:\s*(?P<actual>[^\n]*)", re.M
        ),
    ),
    (
        "jest",  # jest: Expected: X\nReceived: Y
        re.compile(
            r"^\s*Expected(?: value| substring| pattern| length)?:\s*(?P<expected>[^\n]*)\n"
            r"\s*Received(?: value| string| length)?:\s*(?P<actual>[^\n]*)",
            re.M,
        ),
    ),
    (
        "nunit",  # NUnit: Expected: 200\n  But was:  503
        re.compile(r"^\s*Expected:\s*(?P<expected>[^\n]*)\n\s*But was:\s*(?P<actual>[^\n]*)", re.M),
    ),
    (
        "rspec",  # rspec: expected: 200\n     got: 503
        re.compile(r"^\s*expected:\s*(?P<expected>[^\n]*)\n\s*got:\s*(?P<actual>[^\n]*)", re.M),
    ),
    (
        "got-want",  # Go: got 503, want 200 / got: X, want: Y
        re.compile(
            rf"\bgot:?\s+(?P<actual>{_V}),?\s+want(?:ed)?:?\s+(?P<expected>{_V}){_END}", re.M
        ),
    ),
    (
        "but-was",  # expected X but was Y / expected X but received Y
        re.compile(
            rf"\bexpected:?\s+(?P<expected>{_V}),?\s+but\s+(?:was|got|received|found|is)"
            rf":?\s+(?P<actual>{_V}){_END}",
            re.I | re.M,
        ),
    ),
    (
        "expected-got",  # expected X, got Y (supertest: expected 200 "OK", got 500 "…")
        re.compile(
            rf"\bexpected:?\s+(?P<expected>{_V}),?\s+(?:got|received|actual|instead got|saw)"
            rf":?\s+(?P<actual>{_V}){_END}",
            re.I | re.M,
        ),
    ),
    (
        "pytest-assert",  # pytest rewrites: assert 503 == 200 (left is what the code gave)
        re.compile(
            r"^\s*(?:E\s+)?assert (?P<actual>[^\n=!]{1,200}?) == (?P<expected>[^\n]{1,200}?)\s*$",
            re.M,
        ),
    ),
)
# 503, '503', <503>, 503 "Service Unavailable", <401: Unauthorized> (Rails), 2XX (a class)
_BARE_STATUS = re.compile(
    r"^\s*['\"<]?(?P<code>[1-5](?:\d\d|XX|xx))\b(?::?\s+\"?[A-Za-z][\w ']*\"?)?['\">]?\s*\.?$"
)
_PYTEST_WHERE = re.compile(r"where (?P<code>[1-5]\d\d) = <Response \[(?P=code)\]>")


def read_expectation(text: str, *, source_lines: bool = False) -> Expectation | None:
    """The first expected/actual pair in ``text`` (the spellings are tried in order).

    ``source_lines``: the text may quote source code (a trace), so pytest's ``assert x == y``
    spelling is not read (the source line would be taken for the explanation)."""
    bounded = text[:MAX_EXPECTATION_INPUT]
    for name, pattern in SPELLINGS:
        if source_lines and name == "pytest-assert":
            continue
        match = pattern.search(bounded)
        if match:
            expected = match.group("expected").strip()
            actual = match.group("actual").strip()
            if expected or actual:
                return Expectation(expected, actual, name)
    return None


# words before a status in an expectation: "status 200", "response to be a <2XX: success>"
_STATUS_WORD = re.compile(
    r"^(?:(?:response )?(?:to be )?an? |HTTP|status(?:[ _-]?code)?|response(?:[ _-]?code)?)"
    r"\s*[:=]?\s*",
    re.I,
)


# .NET's HttpStatusCode names (FluentAssertions: "but found InternalServerError")
_STATUS_ENUM = {
    re.sub(r"[^A-Za-z]", "", name): code for code, name in HTTP_STATUS_NAMES.items()
} | {"OK": 200, "Created": 201, "NoContent": 204, "Accepted": 202}


def actual_codes(expectation: Expectation, text: str = "") -> list[Code]:
    """The codes of the actual value; a bare status when both sides are statuses."""
    found = codes_in(expectation.actual)
    if found:
        return found
    enum = _STATUS_ENUM.get(expectation.actual.strip(" .'\"<>"))
    if enum is not None and re.search(r"status", text, re.I):
        return [Code("http", str(enum))]
    actual = _BARE_STATUS.match(_STATUS_WORD.sub("", expectation.actual))
    expected = _BARE_STATUS.match(_STATUS_WORD.sub("", expectation.expected))
    if actual and expected and actual.group("code").isdigit():
        if not is_http_status(int(actual.group("code"))):
            return []
        return [Code("http", actual.group("code"))]
    where = _PYTEST_WHERE.search(text)
    if where and actual and where.group("code") == actual.group("code"):
        return [Code("http", where.group("code"))]
    return []
