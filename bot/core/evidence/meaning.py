"""What a failure's family means, and which side it points at, from the standards.

Loopwatch states only what the signature itself establishes (RFC 6455 close codes,
RFC 9110 statuses, gRPC status codes, errno, signals). A family it has no fact about, or
no family at all, gives ``None``: free text is never guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.core.signatures.common import short_type
from bot.core.signatures.v1.codes import (
    GRPC_CODES,
    HTTP_STATUS_NAMES,
    WEBSOCKET_CLOSE_NAMES,
    is_http_status,
    is_websocket_close_code,
)
from bot.core.signatures.v1.compute import ASSERTION_TYPES
from bot.core.signatures.v1.families import (
    CONNECTION_REFUSED,
    CONNECTION_RESET,
    DNS,
    OOM,
    SIGNAL_NAMES,
    TIMEOUT,
)

Side = Literal["server", "client", "network", "infrastructure", "test", "unknown"]


@dataclass(frozen=True, slots=True)
class Meaning:
    summary: str  # one or two plain sentences naming the code
    side: Side  # which side failed
    side_text: str  # the clause a reader acts on
    source: str  # where the fact comes from, e.g. "RFC 6455 §7.4.1"
    reference_url: str | None = None


_RFC = "https://www.rfc-editor.org/rfc/rfc"
_MAN = "https://man7.org/linux/man-pages/"
_GRPC_URL = "https://grpc.io/docs/guides/status-codes/"
_IANA_WS_URL = "https://www.iana.org/assignments/websocket/websocket.xhtml#close-code-number"
_SERVER_LOGS = "the fault is on the server side, not in the test client: look at the server's logs"
_NOT_AN_ERROR = "this status is not the failure: read the message for what the test expected."

# Close code: (side, summary with {label}, side_text). RFC 6455 is symmetric for most
# codes: "one side" is then as precise as the code allows.
_WEBSOCKET: dict[int, tuple[Side, str, str]] = {
    1000: (
        "unknown",
        "One side closed the WebSocket with {label}: its purpose was fulfilled, not an error.",
        "the protocol worked: find why the closing side thought its work was done.",
    ),
    1001: (
        "unknown",
        "One side closed the WebSocket with {label}: it was going away, such as a server "
        "going down or a browser leaving the page.",
        "find which side went away: a server shutting down points at a deploy or the setup.",
    ),
    1002: (
        "unknown",
        "One side closed the WebSocket with {label}: it received a frame that breaks the "
        "WebSocket protocol.",
        "the other side sent an invalid frame: look at its WebSocket library or a proxy.",
    ),
    1003: (
        "unknown",
        "One side closed the WebSocket with {label}: it received a type of data it cannot "
        "accept, such as binary data on a text-only endpoint.",
        "the other side sent the wrong kind of message: check whether it sends text or binary.",
    ),
    1004: (
        "unknown",
        "One side closed the WebSocket with {label}, a code RFC 6455 reserves without a meaning.",
        "the code says nothing about the cause: look at the side that sent it.",
    ),
    1005: (
        "unknown",
        "The WebSocket ended with {label}: the close frame carried no status code.",
        "the closing side gave no reason: look at its logs for the moment of the close.",
    ),
    1006: (
        "network",
        "The WebSocket ended with {label}: no close frame was sent or received, the "
        "connection was dropped.",
        "neither side closed it cleanly: the network or a proxy cut the connection, or the "
        "peer crashed or was killed.",
    ),
    1007: (
        "unknown",
        "One side closed the WebSocket with {label}: it received data that does not match "
        "the message type, such as text that is not valid UTF-8.",
        "the other side sent malformed data: look at how it encodes its messages.",
    ),
    1008: (
        "server",
        "One side, usually the server, closed the WebSocket with {label}: a message broke "
        "its policy, typically failed authentication or a disallowed origin.",
        "the server's configuration refused the client: check the credentials and origin.",
    ),
    1009: (
        "unknown",
        "One side closed the WebSocket with {label}: it received a message too big for it "
        "to process.",
        "a message exceeded the receiver's size limit: raise it or send smaller messages.",
    ),
    1010: (
        "server",
        "The client closed the WebSocket with {label}: the server's handshake did not "
        "negotiate an extension the client requires.",
        "the server did not accept an extension the client requires: make their settings match.",
    ),
    1011: (
        "server",
        "The server closed the WebSocket with {label}: it hit an unexpected condition that "
        "prevented it from fulfilling the request.",
        _SERVER_LOGS + " for the moment of the close.",
    ),
    1012: (
        "infrastructure",
        "The server closed the WebSocket with {label}: the service was restarting.",
        "a restart or deploy ended the connection: look at what restarted it at that time.",
    ),
    1013: (
        "server",
        "The server closed the WebSocket with {label}: it was overloaded or in a temporary "
        "condition and asks the client to try again later.",
        "the server was overloaded: look at its load and limits at that time.",
    ),
    1014: (
        "infrastructure",
        "A gateway or proxy closed the WebSocket with {label}: it received an invalid "
        "response from the upstream server.",
        "a proxy in front of the service failed: look at the proxy and the upstream's health.",
    ),
    1015: (
        "infrastructure",
        "The WebSocket ended with {label}: the TLS handshake failed, for example because "
        "the server certificate could not be verified.",
        "the connection never got past TLS: check the environment's certificates.",
    ),
}
_KEEPALIVE = re.compile(r"\b1011 \([^)]*\) keepalive ping timeout")

# Status: (side, what it means, side_text, section of RFC 9110 or another RFC).
_HTTP: dict[int, tuple[Side, str, str, str]] = {
    400: (
        "client",
        "the server could not process the request because of a client error",
        "the request the test sent was malformed: compare it with what the server accepts.",
        "15.5.1",
    ),
    401: (
        "client",
        "the request lacks valid authentication credentials",
        "the client sent no credentials or wrong ones: check the token the test uses.",
        "15.5.2",
    ),
    403: (
        "client",
        "the server understood the request but refuses it, the credentials lack permission",
        "the client is not allowed: check the permissions of the user the test uses.",
        "15.5.4",
    ),
    404: (
        "client",
        "the server found nothing at the requested target",
        "the client asked for something missing: check the URL and the test's data.",
        "15.5.5",
    ),
    408: (
        "client",
        "the server did not receive a complete request in the time it was prepared to wait",
        "the client was too slow to send its request, or the network held it up.",
        "15.5.9",
    ),
    409: (
        "client",
        "the request conflicts with the current state of the target resource",
        "the state was not what the test assumed: look for other steps changing the data.",
        "15.5.10",
    ),
    422: (
        "client",
        "the server understood the content but could not process the instructions in it",
        "the request body failed the server's validation: compare it with the API.",
        "15.5.21",
    ),
    429: (
        "client",
        "the client sent too many requests in a given amount of time",
        "the client was rate limited: slow the test down or raise the limit.",
        "RFC 6585 §4",
    ),
    500: (
        "server",
        "the server hit an unexpected condition that prevented it from fulfilling the request",
        _SERVER_LOGS + " for the moment of the request.",
        "15.6.1",
    ),
    502: (
        "infrastructure",
        "a gateway or proxy received an invalid response from the upstream server",
        "the service behind a proxy failed: look at whether it was up and at the proxy's logs.",
        "15.6.3",
    ),
    503: (
        "infrastructure",
        "the server cannot handle the request for now, due to overload or maintenance",
        "the service or a proxy in front of it was not ready: check it was up and not overloaded.",
        "15.6.4",
    ),
    504: (
        "infrastructure",
        "a gateway or proxy did not receive a timely response from the upstream server",
        "the service behind a proxy answered too slowly: look at its health and the timeout.",
        "15.6.5",
    ),
}
# Status class, for the statuses not listed above.
_HTTP_CLASS: dict[int, tuple[Side, str, str, str]] = {
    2: ("unknown", "a success status, not an error in itself", _NOT_AN_ERROR, "15.3"),
    3: (
        "unknown",
        "a redirection status, pointing the client to another location",
        "the status alone does not say which side failed: check whether the client follows it.",
        "15.4",
    ),
    4: (
        "client",
        "a client error status, so the server rejected the request",
        "the server rejected what the client sent: look at the request the test made.",
        "15.5",
    ),
    5: (
        "server",
        "a server error status, so the server erred or cannot perform the request",
        _SERVER_LOGS + " for the moment of the request.",
        "15.6",
    ),
}

# gRPC status name: (side, what it means, side_text).
_GRPC: dict[str, tuple[Side, str, str]] = {
    "OK": ("unknown", "the call succeeded, which is not an error in itself", _NOT_AN_ERROR),
    "CANCELLED": (
        "client",
        "the operation was cancelled, typically by the caller",
        "the caller gave up on the call: look at why the client side cancelled it.",
    ),
    "UNKNOWN": (
        "server",
        "an unknown error, which gRPC servers return when a handler raises an exception",
        "look at the server's logs for an exception in the handler at that moment.",
    ),
    "INVALID_ARGUMENT": (
        "client",
        "the client specified an invalid argument",
        "the request the test sent was invalid: compare it with what the service accepts.",
    ),
    "DEADLINE_EXCEEDED": (
        "unknown",
        "the deadline expired before the operation could complete",
        "it does not say which side was slow: the server, the network, or a short deadline.",
    ),
    "NOT_FOUND": (
        "client",
        "a requested entity was not found",
        "the call asked for something missing: check the name and that the test created it.",
    ),
    "ALREADY_EXISTS": (
        "client",
        "the entity the client tried to create already exists",
        "it was there before the call: look for state left by another test or run.",
    ),
    "PERMISSION_DENIED": (
        "client",
        "the caller does not have permission to execute the operation",
        "the caller is not allowed: check the credentials and roles the test uses.",
    ),
    "RESOURCE_EXHAUSTED": (
        "unknown",
        "a resource was exhausted, such as a per-user quota, the message size or memory",
        "the message names the limit that was reached: look at it, on the client or server.",
    ),
    "FAILED_PRECONDITION": (
        "client",
        "the system was not in the state the operation requires",
        "the call came before the state it needs: check the setup and order of the steps.",
    ),
    "ABORTED": (
        "unknown",
        "the operation was aborted, typically by a concurrency conflict",
        "another operation conflicted with it: look for concurrent tests on the same data.",
    ),
    "OUT_OF_RANGE": (
        "client",
        "the operation was attempted past the valid range",
        "the call asked for a range beyond the data: check the offsets the test passes.",
    ),
    "UNIMPLEMENTED": (
        "server",
        "the operation is not implemented or not supported by the service",
        "the server lacks this method: check that client and server versions match.",
    ),
    "INTERNAL": (
        "server",
        "an internal error, so an invariant the underlying system expects was broken",
        _SERVER_LOGS + " for the moment of the call.",
    ),
    "UNAVAILABLE": (
        "infrastructure",
        "the service was unavailable, most likely a transient condition",
        "the client reached no working server: check the service was up at that address.",
    ),
    "DATA_LOSS": (
        "server",
        "unrecoverable data was lost or corrupted",
        "the data the server holds was lost or corrupted: look at its storage and logs.",
    ),
    "UNAUTHENTICATED": (
        "client",
        "the request does not have valid authentication credentials",
        "the client sent no credentials or wrong ones: check the token the test uses.",
    ),
}
_GRPC_NUMBERS = {name: number for number, name in GRPC_CODES.items()}

_PLAIN: dict[str, Meaning] = {
    TIMEOUT.id: Meaning(
        "A wait ran out of time: an operation did not finish before its timeout.",
        "unknown",
        "a timeout does not say which side failed: the other side was slow or never "
        "answered, or the limit is too short for the environment.",
        "the timeout in the failing code",
    ),
    CONNECTION_REFUSED.id: Meaning(
        "The connection was refused (ECONNREFUSED): nothing was listening at the address "
        "and port the client connected to.",
        "infrastructure",
        "the service was not up or had crashed, or the address or port is wrong.",
        "errno ECONNREFUSED",
        _MAN + "man2/connect.2.html",
    ),
    CONNECTION_RESET.id: Meaning(
        "The connection was reset (ECONNRESET): the peer or a proxy in between dropped it "
        "while it was in use.",
        "network",
        "look at the network and proxies between the two sides, and for a server crash.",
        "errno ECONNRESET",
        _MAN + "man3/errno.3.html",
    ),
    DNS.id: Meaning(
        "The host name did not resolve: the DNS lookup of the address the client uses failed.",
        "infrastructure",
        "the host name in the configuration is wrong, or the job's DNS could not resolve it.",
        "DNS resolution (getaddrinfo)",
        _MAN + "man3/getaddrinfo.3.html",
    ),
    OOM.id: Meaning(
        "The process ran out of memory or was killed with SIGKILL (exit code 137), as the "
        "Linux kernel's and container runtimes' OOM killers do.",
        "infrastructure",
        "look at the memory limit of the job or container and the process's memory use: a "
        "limit too low for the workload, or a leak.",
        "Linux OOM killer (SIGKILL, exit 137)",
    ),
}

# Signal number: (side, summary, side_text). SIGKILL (9) is the OOM family.
_SIGNALS: dict[int, tuple[Side, str, str]] = {
    1: (
        "infrastructure",
        "The process got SIGHUP: its terminal or controlling session ended.",
        "the session that started the process went away: look at how the job ended.",
    ),
    2: (
        "infrastructure",
        "The process was interrupted with SIGINT, as Ctrl-C or a cancelled CI run does.",
        "something interrupted the process: look for a cancelled run or a job timeout.",
    ),
    6: (
        "unknown",
        "The process aborted itself with SIGABRT, as abort(), a failed C assertion or an "
        "uncaught C++ exception do.",
        "the process stopped itself on an error: look at its output just before the abort.",
    ),
    11: (
        "unknown",
        "The process crashed with a segmentation fault (SIGSEGV): it accessed memory it "
        "was not allowed to.",
        "the crashed process itself is at fault, its code or a native library, not its peers.",
    ),
    15: (
        "infrastructure",
        "Something stopped the process with SIGTERM, the request to terminate that CI "
        "runners, container runtimes and deploys send.",
        "it did not fail by itself: look for a job timeout, a cancelled run or a deploy.",
    ),
}

# Types only a failed assertion raises (Python, JUnit 4 and 5, Jest, RSpec, NUnit …);
# pytest's ``Failed`` and a bare ``Failure`` are also explicit fails, so they say less.
ASSERTION_ONLY_TYPES = ASSERTION_TYPES - {"Failed", "Failure"}
_ASSERTION = Meaning(
    "An assertion in the test failed: the code under test returned something other than "
    "what the test expected.",
    "test",
    "compare the expected and actual values, then decide whether the code or the test is wrong.",
    "the failure's type (an assertion)",
)

_FAMILY_ID = re.compile(r"(websocket-close|http|grpc|exit-code|signal)-([a-z0-9-]{1,40})")
_SIGNAL_NUMBERS = {name.lower(): number for number, name in SIGNAL_NAMES.items()}


def _v1_family_id(family: str) -> str:
    """The v1 id of a v2 family with the same meaning (v2 adds the kind: ``timeout-test``,
    ``oom-java-heap``, ``signal-sigsegv``, ``exit-1``); other ids are returned as they are."""
    kind, _, value = family.partition("-")
    if kind == "timeout":
        return TIMEOUT.id
    if kind == "oom" or family == "signal-sigkill":
        return OOM.id
    if kind == "signal" and value in _SIGNAL_NUMBERS:
        return f"signal-{_SIGNAL_NUMBERS[value]}"
    if kind == "exit" and value.isdigit():
        return f"exit-code-{value}"
    return family


def meaning_of(
    family: str | None, failure_type: str | None = None, message: str | None = None
) -> Meaning | None:
    """What a failure's signature means; None when Loopwatch has no fact about it (never guess).

    ``message`` only refines a fact the family already gives (websockets' keepalive 1011).
    """
    if family is None:
        return _ASSERTION if short_type(failure_type) in ASSERTION_ONLY_TYPES else None
    family = _v1_family_id(family)
    if family in _PLAIN:
        return _PLAIN[family]
    match = _FAMILY_ID.fullmatch(family)
    if match is None:
        return None
    kind, value = match.groups()
    if kind == "grpc":
        return _grpc(value.upper().replace("-", "_"))
    if not value.isdigit():
        return None
    number = int(value)
    if kind == "websocket-close":
        return _websocket(number, message or "")
    if kind == "http":
        return _http(number)
    if kind == "signal":
        return _signal(number)
    return _exit(number)


def _websocket(code: int, message: str) -> Meaning | None:
    if not is_websocket_close_code(code):
        return None
    label = (
        f"{code} ({WEBSOCKET_CLOSE_NAMES[code]})" if code in WEBSOCKET_CLOSE_NAMES else f"{code}"
    )
    if code == 1011 and _KEEPALIVE.search(message):
        # The python websockets library closes with 1011 when a ping gets no pong in time.
        return Meaning(
            f"The WebSocket was closed with {label} because a keepalive ping got no answer in "
            "time: the websockets library closes a connection this way when latency grows.",
            "unknown",
            "this is a missed keepalive, not a server crash: the network was slow or the side "
            "that had to answer the ping was too busy, such as a blocked event loop.",
            "websockets keepalive (ping_timeout)",
            "https://websockets.readthedocs.io/en/stable/faq/common.html",
        )
    if code >= 3000:
        use = "registered for libraries and frameworks" if code < 4000 else "for private use"
        return Meaning(
            f"The WebSocket was closed with {code}, a code {use}: the application defines "
            "what it means, not the WebSocket standard.",
            "unknown",
            f"only the application says what {code} means: find where its code sends {code}.",
            "RFC 6455 §7.4.2",
            _RFC + "6455#section-7.4.2",
        )
    side, summary, side_text = _WEBSOCKET[code]
    if 1012 <= code <= 1014:  # registered with IANA after RFC 6455
        source, url = "IANA WebSocket close code registry", _IANA_WS_URL
    else:
        source, url = "RFC 6455 §7.4.1", _RFC + "6455#section-7.4.1"
    return Meaning(summary.format(label=label), side, side_text, source, url)


def _http(code: int) -> Meaning | None:
    if not is_http_status(code):
        return None
    side, what, side_text, section = _HTTP.get(code) or _HTTP_CLASS[code // 100]
    if section.startswith("RFC"):
        rfc, number = section.removeprefix("RFC ").split(" §")
        source, url = section, f"{_RFC}{rfc}#section-{number}"
    else:
        source, url = f"RFC 9110 §{section}", f"{_RFC}9110#section-{section}"
    label = f"{code} ({HTTP_STATUS_NAMES[code]})" if code in HTTP_STATUS_NAMES else f"{code}"
    return Meaning(f"The response was HTTP {label}: {what}.", side, side_text, source, url)


def _grpc(name: str) -> Meaning | None:
    if name not in _GRPC:
        return None
    side, what, side_text = _GRPC[name]
    summary = f"The call ended with gRPC status {name} ({_GRPC_NUMBERS[name]}): {what}."
    return Meaning(summary, side, side_text, "gRPC status codes", _GRPC_URL)


def _signal(number: int, exit_code: int | None = None) -> Meaning | None:
    if not 0 < number < 32 or number == 9:
        return None
    side, summary, side_text = _SIGNALS.get(number) or (
        "unknown",
        f"The process was killed by signal {number}.",
        "the signal alone does not say what sent it: look at the job's log around the kill.",
    )
    if exit_code is not None:
        summary += f" Exit code {exit_code} is 128 + {number}, how shells report that signal."
    name = SIGNAL_NAMES.get(number, f"signal {number}")
    return Meaning(summary, side, side_text, f"POSIX signals ({name})", _MAN + "man7/signal.7.html")


def _exit(code: int) -> Meaning | None:
    if code in (0, 137):  # 137 is the OOM family
        return None
    if code > 128 and code - 128 in SIGNAL_NAMES:
        return _signal(code - 128, exit_code=code)
    return Meaning(
        f"The process exited with code {code}.",
        "unknown",
        "the exit code alone does not say what failed: read the output just before the exit.",
        "the process's exit status",
    )
