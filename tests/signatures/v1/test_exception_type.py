"""Step 1: exception type — one name per class whatever the reporter printed."""

from __future__ import annotations

import pytest

from bot.core.signatures.common import short_type
from bot.core.signatures.v1.exception_type import split_type


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("websockets.exceptions.ConnectionClosedError", "ConnectionClosedError"),
        ("ConnectionClosedError", "ConnectionClosedError"),
        ("test_5_response_streaming_staging.ConnectionClosedError", "ConnectionClosedError"),
        ("java.lang.AssertionError", "AssertionError"),
        ("System.InvalidOperationException", "InvalidOperationException"),
        ("*errors.errorString", "errorString"),
        ("  AssertionError ", "AssertionError"),
        ("", None),
        (None, None),
        ("not a type", None),  # spaces: a sentence, not a class
    ],
)
def test_short_type(raw: str | None, expected: str | None) -> None:
    assert short_type(raw) == expected


@pytest.mark.parametrize(
    ("failure_type", "message", "expected"),
    [
        # pytest JUnit: type attribute, and the message repeats module.Type
        (
            "ConnectionClosedError",
            "test_5.ConnectionClosedError: received 1011 (internal error)",
            ("ConnectionClosedError", "received 1011 (internal error)"),
        ),
        # jest JUnit: no type, "Type: " prefix in the message
        (
            None,
            "ConnectionClosedError: received 1011 (internal error)",
            ("ConnectionClosedError", "received 1011 (internal error)"),
        ),
        # pytest's E prefixes
        (None, "E       AssertionError: boom", ("AssertionError", "boom")),
        # CTRF/JUnit setup wrapper
        (
            "RuntimeError",
            'failed on setup with "RuntimeError: Session must be installed"',
            ("RuntimeError", "Session must be installed"),
        ),
        # the generic JS ``Error`` gives way to a specific reported type
        ("Timeout", "Error: Timeout of 50ms exceeded", ("Timeout", "Timeout of 50ms exceeded")),
        # a specific prefix beats a generic reported type
        ("Error", "TypeError: x is undefined", ("TypeError", "x is undefined")),
        # NUnit: the phase stays, the type is found behind it
        (
            "failure",
            "TearDown : System.InvalidOperationException : Operation is not valid",
            ("InvalidOperationException", "TearDown: Operation is not valid"),
        ),
        (
            None,
            "System.InvalidOperationException : Operation is not valid",
            ("InvalidOperationException", "Operation is not valid"),
        ),
        # a lowercase word before ':' is text, not a type
        (None, "status: 500 from upstream", (None, "status: 500 from upstream")),
        (None, "HTTP 403 from https://x.test", (None, "HTTP 403 from https://x.test")),
        (None, None, (None, "")),
    ],
)
def test_split_type(
    failure_type: str | None, message: str | None, expected: tuple[str | None, str]
) -> None:
    assert split_type(failure_type, message) == expected


@pytest.mark.parametrize("label", ["Expected", "Actual", "Received"])
def test_assertion_labels_are_not_types(label: str) -> None:
    assert split_type(None, f"{label}: 200") == (None, f"{label}: 200")


@pytest.mark.xfail(reason="known miss: other capitalised labels before ':' read as a type")
def test_any_capitalised_label_is_not_a_type() -> None:
    assert split_type(None, "Hint: retry later")[0] is None
