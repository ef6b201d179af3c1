"""Families: a TITLE and a MEANING (for the five-whys), not the whole key.

A family names what kind of failure this is (``http-503``, ``timeout``, ``oom``); the key
adds discriminators (``compute.py``): the callee, the exception type for families without
a code, the innermost in-repo non-test frame. So five kinds of timeout are five clusters,
while the WebSocket 1011 seen from many tests stays one (a code family is keyed by its
code, and test frames never split a family).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.signatures.v2.codes import HTTP_STATUS_NAMES, WEBSOCKET_CLOSE_NAMES, Code


@dataclass(frozen=True, slots=True)
class Family:
    id: str
    title: str
    meaning: str
    by_code: bool = False  # the code identifies the failure: type does not split it
    detail: str = ""  # a sub-kind that is part of the key (timeout kind, OOM space)


def websocket(code: int) -> Family:
    name = WEBSOCKET_CLOSE_NAMES.get(code) or (
        "application-defined" if code >= 3000 else "reserved"
    )
    return Family(
        f"websocket-close-{code}",
        f"WebSocket closed {code} ({name})",
        "the server closed the WebSocket with this code",
        by_code=True,
    )


def http(code: int) -> Family:
    name = HTTP_STATUS_NAMES.get(code)
    return Family(
        f"http-{code}",
        f"HTTP {code} {name}" if name else f"HTTP {code}",
        "a service answered with this status",
        by_code=True,
    )


_SIGNAL_MEANINGS = {
    "SIGSEGV": "the process crashed on a bad memory access (exit 139)",
    "SIGABRT": "the process aborted itself, an assertion or abort() (exit 134)",
    "SIGKILL": "the process was killed, usually by the OOM killer (exit 137, OOMKilled)",
    "SIGTERM": "the process was asked to stop, often a CI or container timeout (exit 143)",
}


def family_of_code(code: Code) -> Family | None:
    if code.kind == "ws":
        return websocket(int(code.value))
    if code.kind == "http":
        return http(int(code.value))
    if code.kind == "grpc":
        return Family(
            f"grpc-{code.value.lower().replace('_', '-')}",
            f"gRPC {code.value}",
            "a gRPC call failed with this status",
            by_code=True,
        )
    if code.kind == "signal":
        return Family(
            f"signal-{code.value.lower()}",
            f"Killed by {code.value}",
            _SIGNAL_MEANINGS.get(code.value, "the process ended on a signal"),
            by_code=True,
        )
    if code.kind == "exit":
        return Family(f"exit-{code.value}", f"Exit code {code.value}", "a command failed", True)
    if code.kind == "errno":
        return ERRNO_FAMILIES.get(code.value) or Family(
            f"errno-{code.value.lower()}", f"{code.value}", "a system call failed", True
        )
    if code.kind in ("sqlstate", "mysql", "oracle", "sqlite"):
        label = {"sqlstate": "SQLSTATE", "mysql": "MySQL error", "oracle": "", "sqlite": ""}
        title = f"{label[code.kind]} {code.value}".strip()
        return Family(
            f"db-{code.value.lower()}", title, "the database rejected the statement", True
        )
    return None


CONNECTION_REFUSED = Family(
    "connection-refused", "Connection refused", "nothing listened where the client connected"
)
CONNECTION_RESET = Family(
    "connection-reset", "Connection reset", "the other side dropped the connection"
)
DNS = Family("dns", "DNS lookup failed", "a host name did not resolve")
ERRNO_FAMILIES = {
    "ECONNREFUSED": CONNECTION_REFUSED,
    "ECONNRESET": CONNECTION_RESET,
    "ENOTFOUND": DNS,
    "EAI_AGAIN": DNS,
}

# (detail, pattern) in order: the first that matches names the OOM.
_OOM_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("java-heap", re.compile(r"Java heap space")),
    ("metaspace", re.compile(r"Metaspace")),
    ("gc-overhead", re.compile(r"GC overhead limit exceeded")),
    ("direct-memory", re.compile(r"Direct buffer memory")),
    ("native-thread", re.compile(r"unable to create (?:new )?native thread")),
    # V8 outside its heap (a zone: RegExpCompiler, the parser): not the heap limit
    ("js-process", re.compile(r"Allocation failed - process out of memory")),
    ("js-heap", re.compile(r"JavaScript heap out of memory|heap out of memory|Allocation failed")),
    ("python", re.compile(r"^MemoryError\b|\bMemoryError\b", re.M)),
    ("go", re.compile(r"fatal error: runtime: out of memory")),
    ("cpp", re.compile(r"std::bad_alloc")),
    ("system", re.compile(r"out of memory|Cannot allocate memory|\bENOMEM\b|OutOfMemory", re.I)),
)
_DNS_TEXT = re.compile(
    r"getaddrinfo|Name or service not known|name resolution|nodename nor servname"
    r"|no such host|Could not resolve host|NXDOMAIN|gaierror|UnknownHostException",
    re.I,
)
_REFUSED_TEXT = re.compile(
    r"connection[ _]refused|actively refused|Connect call failed"
    r"|ConnectException: Connection refused",
    re.I,
)
_RESET_TEXT = re.compile(
    r"connection reset|socket hang up|reset by peer|Server disconnected without sending"
    r"|RemoteDisconnected|Connection aborted",
    re.I,
)
_TIMEOUT_TEXT = re.compile(
    r"\btimed out\b|\btime-?out\b(?![-.\w])|timeout of \S+ exceeded|deadline exceeded"
    r"|exceeded (?:the )?timeout|\btimeout\b.{0,40}\b(?:exceeded|expired|reached|elapsed)"
    r"|^Timeout\b|\bTimeout \d+ms exceeded",
    re.I | re.M,
)
_TIMEOUT_TYPES = frozenset(
    {
        "TimeoutError",
        "Timeout",
        "ReadTimeout",
        "ConnectTimeout",
        "WriteTimeout",
        "PoolTimeout",
        "DeadlineExceeded",
        "TimeoutExpired",
        "SocketTimeoutException",
        "TestTimedOutException",
        "ConnectionTimeoutError",
        "ConditionTimeoutException",
        "timeout",
    }
)
# Timeout kinds in order (the first that matches); each is its own cluster.
_TIMEOUT_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "test",
        re.compile(
            r"^Timeout \(\d|Failed: Timeout|Exceeded timeout of|Timeout of \d+\s*ms exceeded"
            r"|test timed out after|TestTimedOutException|timed out after \d+ (?:milli)?seconds"
            r"|Test timeout of|\+{8} Timeout \+{8}",
            re.I | re.M,
        ),
    ),
    ("webdriver-wait", re.compile(r"selenium|WebDriverWait|Message: ?$|webdriver", re.I | re.M)),
    (
        "db-pool",
        re.compile(
            r"QueuePool limit|pool timeout|PoolTimeout"
            r"|Connection is not available, request timed out"
            r"|acquir\w+ (?:a )?connection|HikariPool|Timed out fetching a new connection",
            re.I,
        ),
    ),
    (
        "browser-action",
        re.compile(
            r"waiting for (?:expect\(|locator\(|selector)"
            r"|^(?:[\w.]+\.)?(?:waitFor\w*|click|fill|goto|toBe\w+|toHave\w+)"
            r"(?:\([^)]*\))?: Timeout",
            re.M,
        ),
    ),
    ("cypress-retry", re.compile(r"Timed out retrying\b", re.I)),
    (
        "http-read",
        re.compile(r"ReadTimeout|Read timed out|read timeout|SocketTimeoutException: Read", re.I),
    ),
    (
        "connect",
        re.compile(
            r"ConnectTimeout|connect(?:ion)? timed out|connect timeout|ETIMEDOUT|dial tcp", re.I
        ),
    ),
    ("await", re.compile(r"ConditionTimeoutException|awaitility|waitUntil|eventually", re.I)),
    ("asyncio", re.compile(r"asyncio|wait_for|CancelledError|anyio", re.I)),
    ("grpc-deadline", re.compile(r"DEADLINE_EXCEEDED|deadline exceeded", re.I)),
    ("subprocess", re.compile(r"TimeoutExpired|timed out after \d+ seconds", re.I)),
)


def timeout(detail: str) -> Family:
    titles = {
        "test": "Test timed out",
        "webdriver-wait": "Browser wait timed out",
        "db-pool": "Database connection pool timed out",
        "browser-action": "Browser action timed out",
        "cypress-retry": "Cypress retry timed out",
        "http-read": "HTTP read timed out",
        "connect": "Connect timed out",
        "asyncio": "Async operation timed out",
        "await": "Awaited condition not met in time",
        "grpc-deadline": "gRPC deadline exceeded",
        "subprocess": "Command timed out",
    }
    return Family(
        f"timeout-{detail}" if detail != "other" else "timeout",
        titles.get(detail, "Timeout"),
        "something did not finish in time",
        detail=detail,
    )


def oom(detail: str) -> Family:
    return Family(
        f"oom-{detail}", f"Out of memory ({detail})", "a process ran out of memory", detail=detail
    )


def oom_in_body(body: str) -> Family | None:
    """An OOM the message does not name (jest's "Test suite failed to run", vitest's
    "Worker exited unexpectedly") but the output printed."""
    for detail, pattern in _OOM_KINDS[:-1]:
        if detail != "python" and pattern.search(body[:8_000]):
            return oom(detail)
    return None


def family_of_text(kind: str | None, headline: str, body: str) -> Family | None:
    """A family from words, for failures without a code (or whose code is only errno)."""
    text = f"{kind or ''}: {headline}"
    for detail, pattern in _OOM_KINDS:
        if pattern.search(text) or (
            kind in ("OutOfMemoryError", "MemoryError") and pattern.search(body)
        ):
            return oom(detail)
    if kind == "OutOfMemoryError":
        return oom("java-heap")
    if _DNS_TEXT.search(text):
        return DNS
    if _REFUSED_TEXT.search(text) or kind == "ConnectionRefusedError":
        return CONNECTION_REFUSED
    if _RESET_TEXT.search(text) or kind == "ConnectionResetError":
        return CONNECTION_RESET
    if kind in _TIMEOUT_TYPES or _TIMEOUT_TEXT.search(text):
        for detail, pattern in _TIMEOUT_KINDS:
            if pattern.search(text) or pattern.search(body[:4_000]):
                return timeout(detail)
        return timeout("other")
    return None
