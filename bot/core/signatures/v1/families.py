"""Step 3: built-in families — failures that are one problem wherever they happen.

A failure in a family (``websocket-close-1011``, ``http-503``, ``timeout`` …) is grouped
by the family alone, across tests and call sites: "the 1011 came back" is one cluster.
Detection looks at the type and the message's first line, then at the rest of the
message; within one text the first family in ``DETECTORS`` order wins (a close code
beats the word "timeout" in ``received 1011 (internal error) keepalive ping timeout``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.signatures.v1.codes import (
    ERRNO_PATTERNS,
    EXIT_PATTERNS,
    GRPC_CODES,
    GRPC_NAMES,
    GRPC_PATTERNS,
    HTTP_ACTUAL_PATTERNS,
    HTTP_PATTERNS,
    HTTP_STATUS_NAMES,
    SIGNAL_PATTERNS,
    WEBSOCKET_BARE_PATTERNS,
    WEBSOCKET_CLOSE_NAMES,
    WEBSOCKET_PATTERNS,
    is_http_status,
    is_websocket_close_code,
)
from bot.core.signatures.v1.message import MAX_MESSAGE_INPUT
from bot.core.text import first_line


@dataclass(frozen=True, slots=True)
class Family:
    id: str
    title: str


SIGNAL_NAMES = {1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM"}
_SIGNAL_BY_NAME = {name: number for number, name in SIGNAL_NAMES.items()}


def websocket_family(code: int) -> Family:
    name = WEBSOCKET_CLOSE_NAMES.get(code)
    if name is None:
        name = "application-defined" if code >= 3000 else "reserved"
    return Family(f"websocket-close-{code}", f"WebSocket closed {code} ({name})")


def http_family(code: int) -> Family:
    name = HTTP_STATUS_NAMES.get(code)
    return Family(f"http-{code}", f"HTTP {code} {name}" if name else f"HTTP {code}")


def grpc_family(name: str) -> Family:
    return Family(f"grpc-{name.lower().replace('_', '-')}", f"gRPC {name}")


TIMEOUT = Family("timeout", "Timeout")
CONNECTION_REFUSED = Family("connection-refused", "Connection refused")
CONNECTION_RESET = Family("connection-reset", "Connection reset")
DNS = Family("dns", "DNS lookup failed")
# SIGKILL (signal 9, exit code 137 = 128 + 9) is how the kernel's and Kubernetes' OOM
# killers end a process: one family with MemoryError and "out of memory".
OOM = Family("oom-killed", "Out of memory / killed (SIGKILL, exit code 137)")


def exit_family(code: int) -> Family:
    if code < 0:
        return signal_family(-code)
    if code == 137:
        return OOM
    if code > 128 and code - 128 in SIGNAL_NAMES:
        return Family(f"exit-code-{code}", f"Exit code {code} ({SIGNAL_NAMES[code - 128]})")
    return Family(f"exit-code-{code}", f"Exit code {code}")


def signal_family(number: int) -> Family:
    if number == 9:
        return OOM
    name = SIGNAL_NAMES.get(number)
    return Family(f"signal-{number}", f"Killed by signal {number}" + (f" ({name})" if name else ""))


_WS_1006_TEXT = re.compile(r"no close frame received or sent|abnormal closure", re.I)
_WS_CONTEXT = re.compile(r"websocket|\bws\b|ConnectionClosed|close frame|\bclosed?\b", re.I)
_SIGNAL_NAME = re.compile(r"\b(SIGKILL|SIGSEGV|SIGTERM|SIGABRT|SIGINT|SIGHUP)\b")
_OOM_TEXT = re.compile(
    r"OOMKilled|out of memory|heap out of memory|Cannot allocate memory|\bOOM\b"
    r"|^Killed$|std::bad_alloc|OutOfMemoryError|\bENOMEM\b",
    re.I | re.M,
)
_DNS_TEXT = re.compile(
    r"getaddrinfo|Name or service not known|\bENOTFOUND\b|\bEAI_AGAIN\b|name resolution"
    r"|nodename nor servname|no such host|Could not resolve host|NXDOMAIN|gaierror",
    re.I,
)
_REFUSED_TEXT = re.compile(
    r"\bECONNREFUSED\b|connection[ _]refused|actively refused|\[Errno 111\]"
    r"|\bConnect call failed\b",  # asyncio's words for a refused connect()
    re.I,
)
_RESET_TEXT = re.compile(
    r"\bECONNRESET\b|connection reset|socket hang up|\[Errno 104\]|reset by peer"
    r"|Server disconnected without sending a response|RemoteDisconnected",
    re.I,
)
_TIMEOUT_TEXT = re.compile(
    r"\btimed out\b|\btime-?out\b(?![-.\w])|timeout of \S+ exceeded|deadline exceeded"
    r"|exceeded (?:the )?timeout"
    r"|\btimeout\b.{0,40}\b(?:exceeded|expired|reached|elapsed)|\bETIMEDOUT\b|^Timeout\b",
    re.I | re.M,
)
_TIMEOUT_TYPES = frozenset(
    {
        "TimeoutError",
        "TimeoutException",
        "Timeout",
        "ReadTimeout",
        "ConnectTimeout",
        "WriteTimeout",
        "PoolTimeout",
        "ReadTimeoutError",
        "ConnectTimeoutError",
        "DeadlineExceeded",
        "TimeoutExpired",
        "CancelledError",
        "SocketTimeoutException",
        "timeout",
    }
)
_TYPE_FAMILIES = {
    "ConnectionRefusedError": CONNECTION_REFUSED,
    "ConnectionResetError": CONNECTION_RESET,
    "gaierror": DNS,
    "MemoryError": OOM,
    "OutOfMemoryError": OOM,
}


def _code_family(
    text: str,
    patterns: tuple[re.Pattern[str], ...],
    valid: Callable[[int], bool],
    make: Callable[[int], Family],
) -> Family | None:
    for pattern in patterns:
        for match in pattern.finditer(text):
            code = int(match.group("code"))
            if valid(code):
                return make(code)
    return None


def _websocket(kind: str, text: str) -> Family | None:
    found = _code_family(text, WEBSOCKET_PATTERNS, is_websocket_close_code, websocket_family)
    if found:
        return found
    if _WS_CONTEXT.search(kind + " " + text):
        found = _code_family(
            text, WEBSOCKET_BARE_PATTERNS, is_websocket_close_code, websocket_family
        )
        if found:
            return found
        if _WS_1006_TEXT.search(text):
            return websocket_family(1006)
    return None


def _grpc(kind: str, text: str) -> Family | None:
    for pattern in GRPC_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        groups = match.groupdict()
        name = groups.get("name")
        if name:
            upper = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).upper()
            if upper in GRPC_NAMES:
                return grpc_family(upper)
        elif groups.get("code") is not None:
            number = int(groups["code"])
            if number in GRPC_CODES:
                return grpc_family(GRPC_CODES[number])
    return None


def _http(kind: str, text: str) -> Family | None:
    return _code_family(text, HTTP_ACTUAL_PATTERNS, is_http_status, http_family) or _code_family(
        text, HTTP_PATTERNS, is_http_status, http_family
    )


def _exit(kind: str, text: str) -> Family | None:
    found = _code_family(text, EXIT_PATTERNS, lambda c: c != 0, exit_family)
    if found:
        return found
    found = _code_family(text, SIGNAL_PATTERNS, lambda c: 0 < c < 32, signal_family)
    if found:
        return found
    match = _SIGNAL_NAME.search(text)
    return signal_family(_SIGNAL_BY_NAME[match.group(1)]) if match else None


def _by_text(family: Family, pattern: re.Pattern[str]) -> Callable[[str, str], Family | None]:
    def detect(kind: str, text: str) -> Family | None:
        return family if pattern.search(text) else None

    return detect


def _errno_only(kind: str, text: str) -> Family | None:
    # ``[Errno 111]`` with no words: refused; 104: reset (Linux numbers).
    for pattern in ERRNO_PATTERNS:
        match = pattern.search(text)
        if match and match.group("code") in ("111", "-111"):
            return CONNECTION_REFUSED
        if match and match.group("code") in ("104", "-104"):
            return CONNECTION_RESET
    return None


DETECTORS: tuple[tuple[str, Callable[[str, str], Family | None]], ...] = (
    ("websocket", _websocket),
    ("grpc", _grpc),
    ("oom", _by_text(OOM, _OOM_TEXT)),
    ("exit", _exit),
    ("http", _http),
    ("dns", _by_text(DNS, _DNS_TEXT)),
    ("connection-refused", _by_text(CONNECTION_REFUSED, _REFUSED_TEXT)),
    ("connection-reset", _by_text(CONNECTION_RESET, _RESET_TEXT)),
    ("errno", _errno_only),
    ("timeout", _by_text(TIMEOUT, _TIMEOUT_TEXT)),
)


def detect_family(failure_type: str | None, message: str) -> Family | None:
    """The built-in family of a failure (normalized type, message without type prefix)."""
    kind = failure_type or ""
    bounded = message[:MAX_MESSAGE_INPUT]
    texts = [first_line(bounded) or "", bounded]
    for text in (texts[0], kind + ": " + texts[0]):
        for _name, detect in DETECTORS:
            found = detect(kind, text)
            if found:
                return found
    if kind in _TYPE_FAMILIES:
        return _TYPE_FAMILIES[kind]
    if kind in _TIMEOUT_TYPES:
        return TIMEOUT
    for _name, detect in DETECTORS:
        found = detect(kind, texts[1])
        if found:
            return found
    return None
