"""What a failure's family means and which side it points at (bot.core.evidence.meaning)."""

from __future__ import annotations

import re
from typing import get_args

import pytest

from bot.core.evidence.meaning import Meaning, Side, meaning_of
from bot.core.reports.model import Outcome, TestCase
from bot.core.signatures.v1.codes import GRPC_NAMES
from bot.core.signatures.v1.exception_type import split_type
from bot.core.signatures.v1.families import detect_family
from bot.core.signatures.v2.compute import compute_v2


def _meaning(family: str | None, failure_type: str | None = None, message: str = "") -> Meaning:
    found = meaning_of(family, failure_type, message)
    assert found is not None, family
    return found


@pytest.mark.parametrize(
    ("family", "side", "named"),
    [
        ("websocket-close-1000", "unknown", "1000 (normal closure)"),
        ("websocket-close-1001", "unknown", "1001 (going away)"),
        ("websocket-close-1002", "unknown", "1002 (protocol error)"),
        ("websocket-close-1006", "network", "1006 (abnormal closure)"),
        ("websocket-close-1008", "server", "1008 (policy violation)"),
        ("websocket-close-1009", "unknown", "1009 (message too big)"),
        ("websocket-close-1010", "server", "1010 (mandatory extension)"),
        ("websocket-close-1011", "server", "1011 (internal error)"),
        ("websocket-close-1012", "infrastructure", "1012 (service restart)"),
        ("websocket-close-1013", "server", "1013 (try again later)"),
        ("websocket-close-1014", "infrastructure", "1014 (bad gateway)"),
        ("websocket-close-1015", "infrastructure", "1015 (TLS handshake failure)"),
        ("websocket-close-4001", "unknown", "4001"),
        ("http-400", "client", "HTTP 400 (Bad Request)"),
        ("http-401", "client", "HTTP 401 (Unauthorized)"),
        ("http-403", "client", "HTTP 403 (Forbidden)"),
        ("http-404", "client", "HTTP 404 (Not Found)"),
        ("http-408", "client", "HTTP 408 (Request Timeout)"),
        ("http-409", "client", "HTTP 409 (Conflict)"),
        ("http-422", "client", "HTTP 422 (Unprocessable Entity)"),
        ("http-429", "client", "HTTP 429 (Too Many Requests)"),
        ("http-418", "client", "HTTP 418"),  # any other 4xx: the generic client error
        ("http-500", "server", "HTTP 500 (Internal Server Error)"),
        ("http-507", "server", "HTTP 507"),  # any other 5xx: the generic server error
        ("http-502", "infrastructure", "HTTP 502 (Bad Gateway)"),
        ("http-503", "infrastructure", "HTTP 503 (Service Unavailable)"),
        ("http-504", "infrastructure", "HTTP 504 (Gateway Timeout)"),
        ("http-200", "unknown", "HTTP 200"),
        ("grpc-unavailable", "infrastructure", "UNAVAILABLE (14)"),
        ("grpc-deadline-exceeded", "unknown", "DEADLINE_EXCEEDED (4)"),
        ("grpc-internal", "server", "INTERNAL (13)"),
        ("grpc-unknown", "server", "UNKNOWN (2)"),
        ("grpc-unauthenticated", "client", "UNAUTHENTICATED (16)"),
        ("grpc-permission-denied", "client", "PERMISSION_DENIED (7)"),
        ("grpc-not-found", "client", "NOT_FOUND (5)"),
        ("grpc-invalid-argument", "client", "INVALID_ARGUMENT (3)"),
        ("grpc-unimplemented", "server", "UNIMPLEMENTED (12)"),
        ("grpc-data-loss", "server", "DATA_LOSS (15)"),
        ("timeout", "unknown", "timeout"),
        ("connection-refused", "infrastructure", "ECONNREFUSED"),
        ("connection-reset", "network", "ECONNRESET"),
        ("dns", "infrastructure", "host name did not resolve"),
        ("oom-killed", "infrastructure", "exit code 137"),
        ("signal-11", "unknown", "SIGSEGV"),
        ("signal-15", "infrastructure", "SIGTERM"),
        ("exit-code-139", "unknown", "SIGSEGV"),
        ("exit-code-143", "infrastructure", "Exit code 143 is 128 + 15"),
        ("exit-code-2", "unknown", "exited with code 2"),
        ("signal-7", "unknown", "signal 7"),
    ],
)
def test_each_family_kind_has_its_side_and_names_its_code(
    family: str, side: Side, named: str
) -> None:
    meaning = _meaning(family)

    assert meaning.side == side
    assert named in meaning.summary


def test_1011_says_the_server_closed_it_and_where_to_look() -> None:
    meaning = _meaning(
        "websocket-close-1011", "ConnectionClosedError", "received 1011 (internal error)"
    )

    assert meaning.summary.startswith("The server closed the WebSocket with 1011 (internal error)")
    assert "server's logs" in meaning.side_text
    assert meaning.source == "RFC 6455 §7.4.1"
    assert meaning.reference_url == "https://www.rfc-editor.org/rfc/rfc6455#section-7.4.1"


def test_1011_from_a_websockets_keepalive_is_latency_not_a_server_crash() -> None:
    message = "received 1011 (internal error) keepalive ping timeout; then sent 1011"

    meaning = _meaning("websocket-close-1011", "ConnectionClosedError", message)

    assert meaning.side == "unknown"
    assert "keepalive ping" in meaning.summary
    assert "not a server crash" in meaning.side_text


def test_1006_says_no_close_frame() -> None:
    assert "no close frame was sent or received" in _meaning("websocket-close-1006").summary


def test_1012_says_restart_and_comes_from_the_iana_registry() -> None:
    meaning = _meaning("websocket-close-1012")

    assert "restart" in meaning.summary
    assert meaning.source == "IANA WebSocket close code registry"


def test_application_close_codes_say_the_application_decides() -> None:
    registered, private = _meaning("websocket-close-3000"), _meaning("websocket-close-4999")

    assert "registered for libraries and frameworks" in registered.summary
    assert "for private use" in private.summary
    assert "the application defines what it means" in private.summary
    assert private.source == "RFC 6455 §7.4.2"


def test_http_503_is_infrastructure_500_server_401_client_with_rfc_sections() -> None:
    unavailable, internal, unauthorized = (
        _meaning("http-503"),
        _meaning("http-500"),
        _meaning("http-401"),
    )

    assert (unavailable.side, internal.side, unauthorized.side) == (
        "infrastructure",
        "server",
        "client",
    )
    assert unavailable.source == "RFC 9110 §15.6.4"
    assert unavailable.reference_url == "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4"
    assert _meaning("http-429").reference_url == "https://www.rfc-editor.org/rfc/rfc6585#section-4"


@pytest.mark.parametrize(
    "family",
    [
        "websocket-close-2000",  # reserved range RFC 6455 gives no meaning to
        "websocket-close-999",
        "http-100",
        "http-600",
        "grpc-bogus",
        "grpc-",
        "exit-code-0",
        "exit-code-abc",
        "signal-9",  # families.py files SIGKILL under oom-killed
        "signal-40",
        "my-own-family",
        "",
    ],
)
def test_a_family_id_loopwatch_has_no_fact_about_gives_none(family: str) -> None:
    assert meaning_of(family, "ValueError", "anything") is None


@pytest.mark.parametrize(
    ("failure_type", "message"),
    [
        (None, None),
        ("ValueError", "invalid literal for int() with base 10: 'x'"),
        (None, "received 1011 (internal error)"),  # no family: the text is not read
        ("Failed", "explicit fail"),  # pytest.fail: not an assertion about a value
    ],
)
def test_no_family_gives_none(failure_type: str | None, message: str | None) -> None:
    assert meaning_of(None, failure_type, message) is None


@pytest.mark.parametrize(
    "failure_type",
    [
        "AssertionError",
        "AssertionFailedError",
        "org.opentest4j.AssertionFailedError",
        "junit.framework.ComparisonFailure",
        "JestAssertionError",
        "RSpec::Expectations::ExpectationNotMetError",
    ],
)
def test_an_assertion_without_a_family_is_the_test_side(failure_type: str) -> None:
    meaning = _meaning(None, failure_type, "expected: <1> but was: <2>")

    assert meaning.side == "test"
    assert "assertion in the test failed" in meaning.summary


def _every_family_id() -> list[str]:
    return [
        *(f"websocket-close-{code}" for code in (*range(1000, 1016), 3000, 3999, 4000, 4999)),
        *(f"http-{status}" for status in range(200, 600)),
        *(f"grpc-{name.lower().replace('_', '-')}" for name in sorted(GRPC_NAMES)),
        *("timeout", "connection-refused", "connection-reset", "dns", "oom-killed"),
        *(f"exit-code-{code}" for code in (*range(1, 137), *range(138, 256))),
        *(f"signal-{number}" for number in (*range(1, 9), *range(10, 32))),
    ]


def _every_meaning() -> list[Meaning]:
    meanings = [_meaning(family) for family in _every_family_id()]
    meanings.append(
        _meaning("websocket-close-1011", None, "sent 1011 (internal error) keepalive ping timeout")
    )
    meanings.append(_meaning(None, "AssertionError"))
    return meanings


@pytest.mark.parametrize("meaning", _every_meaning(), ids=lambda meaning: meaning.summary[:40])
def test_every_meaning_is_plain_text_that_ends_a_sentence(meaning: Meaning) -> None:
    for text in (meaning.summary, meaning.side_text):
        assert text.strip()
        assert not re.search(r"[|*`]", text)
        assert text.endswith(".")
    assert meaning.summary[0].isupper()
    assert meaning.summary.count(". ") <= 1  # one or two sentences
    assert meaning.side in get_args(Side)
    assert meaning.source
    assert meaning.reference_url is None or meaning.reference_url.startswith("https://")


# Real messages as reporters give them: (type, message).
REAL_FAILURES = [
    (
        "websockets.exceptions.ConnectionClosedError",
        "received 1011 (internal error) keepalive ping timeout; "
        "then sent 1011 (internal error) keepalive ping timeout",
    ),
    ("websockets.exceptions.ConnectionClosedError", "no close frame received or sent"),
    ("ConnectionClosedError", "received 1012 (service restart); then sent 1012 (service restart)"),
    (None, "WebSocket connection closed: code=4001 reason=unauthorized"),
    (
        None,
        "requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: "
        "https://api.example.com/v1/items",
    ),
    (
        "httpx.HTTPStatusError",
        "Client error '404 Not Found' for url 'http://localhost:8000/items/7'",
    ),
    (None, "Error: Unexpected server response: 401"),
    (None, "AssertionError: expected status 200, got 500"),
    (None, "Error: connect ECONNREFUSED 127.0.0.1:5432"),
    ("psycopg.OperationalError", "connection failed: Connection refused"),
    (None, "Error: getaddrinfo ENOTFOUND api.example.com"),
    ("socket.gaierror", "[Errno -2] Name or service not known"),
    ("ConnectionResetError", "[Errno 104] Connection reset by peer"),
    (None, "Error: socket hang up"),
    (None, "Killed"),
    (None, "Process completed with exit code 137."),
    (None, "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"),
    (
        None,
        "grpc._channel._InactiveRpcError: <_InactiveRpcError of RPC that terminated with:\n"
        "\tstatus = StatusCode.UNAVAILABLE\n"
        '\tdetails = "failed to connect to all addresses"',
    ),
    (None, "rpc error: code = DeadlineExceeded desc = context deadline exceeded"),
    (None, "Error: 14 UNAVAILABLE: No connection established"),
    (None, "TimeoutError: timed out"),
    (
        None,
        'Error: Timeout of 2000ms exceeded. For async tests and hooks, ensure "done()" is called',
    ),
    ("subprocess.CalledProcessError", "Command '['pytest']' returned non-zero exit status 2."),
    (None, "Command '['make', 'test']' died with <Signals.SIGSEGV: 11>."),
    (None, "Error: Process exited with code 143"),
]


@pytest.mark.parametrize(("raw_type", "raw_message"), REAL_FAILURES)
def test_every_family_detected_in_real_messages_has_a_meaning(
    raw_type: str | None, raw_message: str
) -> None:
    failure_type, message = split_type(raw_type, raw_message)
    family = detect_family(failure_type, message)
    assert family is not None, raw_message

    meaning = meaning_of(family.id, failure_type, message)

    assert meaning is not None, family.id


@pytest.mark.parametrize(("raw_type", "raw_message"), REAL_FAILURES)
def test_every_v2_family_of_real_messages_has_the_v1_meaning(
    raw_type: str | None, raw_message: str
) -> None:
    """Signature v2 adds a kind to some families (``timeout-test``, ``signal-sigsegv``);
    the meaning stays the one the standards give the v1 family."""
    case = TestCase(
        test_id="t::x",
        name="x",
        outcome=Outcome.FAILED,
        failure_type=raw_type,
        message=raw_message,
    )
    family = compute_v2(case, ()).family
    assert family is not None, raw_message
    failure_type, message = split_type(raw_type, raw_message)
    v1_family = detect_family(failure_type, message)
    assert v1_family is not None
    v1_meaning = meaning_of(v1_family.id, failure_type, message)
    v2_meaning = meaning_of(family, failure_type, message)
    assert v1_meaning is not None
    assert v2_meaning is not None, family
    # one fact: the same side and source (v1's "exit code 143" adds how shells spell it)
    assert (v2_meaning.side, v2_meaning.source) == (v1_meaning.side, v1_meaning.source)
