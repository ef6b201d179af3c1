"""Meaningful codes in failure messages, found by their context.

A number next to "HTTP", "status", "received" (WebSocket close), "errno" or "exit code"
names *what* failed, so parameterization keeps it; any other number is data.
Every pattern is linear (no nested quantifiers) and runs on bounded text.
"""

from __future__ import annotations

import re

WEBSOCKET_CLOSE_NAMES: dict[int, str] = {
    1000: "normal closure",
    1001: "going away",
    1002: "protocol error",
    1003: "unsupported data",
    1005: "no status received",
    1006: "abnormal closure",
    1007: "invalid frame payload data",
    1008: "policy violation",
    1009: "message too big",
    1010: "mandatory extension",
    1011: "internal error",
    1012: "service restart",
    1013: "try again later",
    1014: "bad gateway",
    1015: "TLS handshake failure",
}

HTTP_STATUS_NAMES: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    418: "I'm a teapot",
    422: "Unprocessable Entity",
    423: "Locked",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    507: "Insufficient Storage",
    508: "Loop Detected",
    511: "Network Authentication Required",
}

GRPC_CODES: dict[int, str] = {
    0: "OK",
    1: "CANCELLED",
    2: "UNKNOWN",
    3: "INVALID_ARGUMENT",
    4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND",
    6: "ALREADY_EXISTS",
    7: "PERMISSION_DENIED",
    8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION",
    10: "ABORTED",
    11: "OUT_OF_RANGE",
    12: "UNIMPLEMENTED",
    13: "INTERNAL",
    14: "UNAVAILABLE",
    15: "DATA_LOSS",
    16: "UNAUTHENTICATED",
}
GRPC_NAMES = frozenset(GRPC_CODES.values())


def is_websocket_close_code(code: int) -> bool:
    """RFC 6455 codes (1000–1015) and the registered/private ranges (3000–4999)."""
    return 1000 <= code <= 1015 or 3000 <= code <= 4999


def is_http_status(code: int) -> bool:
    """Statuses a failure can be about (1xx are not failures; 3-digit exit codes are)."""
    return 200 <= code <= 599


# Reason phrases as servers print them; nginx writes "Gateway Time-out".
_PHRASE_SPELLINGS = (*HTTP_STATUS_NAMES.values(), "Gateway Time-out", "Request Time-out")
_STATUS_PHRASES = "|".join(
    re.escape(name) for name in sorted(_PHRASE_SPELLINGS, key=len, reverse=True)
)

# (pattern with a group "code", check on the number). Order: most specific first.
WEBSOCKET_PATTERNS = (
    re.compile(r"\b(?:received|sent)\s+(?P<code>\d{4})\s*\("),  # websockets: received 1011 (
    re.compile(r"\bclose[ _-]?(?:code|status)\s*[=:]?\s*(?P<code>\d{4})\b", re.I),
    re.compile(r"\bclosed?\b[^\n\d]{0,30}?\bcode\s*[=:]?\s*(?P<code>\d{4})\b", re.I),
    re.compile(r"\b(?:web)?socket\b[^\n\d]{0,40}?\bclosed?\b[^\n\d]{0,20}?(?P<code>\d{4})\b", re.I),
    re.compile(r"\bcode\s*[=:]\s*(?P<code>\d{4})\b[^\n]{0,30}?\breason\b", re.I),
)
# "code=1006" with no other context: only the RFC 6455 range counts.
WEBSOCKET_BARE_PATTERNS = (re.compile(r"\bcode\s*[=:]\s*(?P<code>10(?:0\d|1[0-5]))\b"),)
HTTP_PATTERNS = (
    re.compile(r"\bHTTP(?:/\d(?:\.\d)?)?\s*(?:status\s*)?[:=]?\s*(?P<code>[1-5]\d\d)\b", re.I),
    re.compile(
        r"(?<!exit )\bstatus(?:[ _-]?code|Code)?\s*(?:of\s+|is\s+|was\s+)?[=:]?\s*"
        r"(?P<code>[1-5]\d\d)\b",
        re.I,
    ),
    re.compile(r"\bresponse(?:[ _-]?code)?\s*[=:]\s*(?P<code>[1-5]\d\d)\b", re.I),
    re.compile(r"\b(?:response|responded|returned)\s+(?:with\s+)?(?P<code>[1-5]\d\d)\b", re.I),
    re.compile(r"<Response \[(?P<code>[1-5]\d\d)\]>"),
    re.compile(r"\bUnexpected server response:?\s*(?P<code>[1-5]\d\d)\b", re.I),
    re.compile(r"\b(?P<code>[1-5]\d\d)\s+(?:Client|Server)\s+Error\b"),
    re.compile(r"\b(?P<code>[1-5]\d\d)\s+(?:" + _STATUS_PHRASES + r")\b", re.I),
)
# An expectation names two statuses, the one wanted and the one that came: the family is
# the one that came ("expected status 200, got 500" is a 500). Only with an HTTP word near.
_HTTP_WORD = r"(?:HTTP(?:/\d(?:\.\d)?)?|status(?:[ _-]?code)?|response(?:[ _-]?code)?)"
_CAME = r"(?:got|received|but\s+was|was|returned|actual|instead)"
HTTP_ACTUAL_PATTERNS = (
    re.compile(
        rf"\b{_HTTP_WORD}\b[^\n\d]{{0,20}}?\bexpected\b[^\n\d]{{0,20}}?[1-5]\d\d\b"
        rf"[^\n\d]{{0,30}}?\b{_CAME}\b[^\n\d]{{0,20}}?(?P<code>[1-5]\d\d)\b",
        re.I,
    ),
    re.compile(
        rf"\bexpected\b[^\n\d]{{0,12}}?\b{_HTTP_WORD}\b[^\n\d]{{0,12}}?[1-5]\d\d\b"
        rf"[^\n\d]{{0,30}}?\b{_CAME}\b[^\n\d]{{0,20}}?(?P<code>[1-5]\d\d)\b",
        re.I,
    ),
)
EXIT_PATTERNS = (
    re.compile(r"\bexit(?:ed)?\s*(?:with\s+)?(?:code|status)\s*[=:]?\s*(?P<code>-?\d+)", re.I),
    re.compile(r"\bnon-zero exit (?:status|code)\s*(?P<code>-?\d+)", re.I),
    re.compile(r"\bexited with\s+(?P<code>-?\d+)", re.I),
    re.compile(r"\breturn ?code\s*[=:]?\s*(?P<code>-?\d+)", re.I),
)
SIGNAL_PATTERNS = (re.compile(r"\bsignal\s*[=:]?\s*(?P<code>\d{1,2})\b", re.I),)
ERRNO_PATTERNS = (
    re.compile(r"\berrno\s*[=:]?\s*(?P<code>-?\d+)", re.I),
    re.compile(r"\[Errno (?P<code>-?\d+)\]"),
    re.compile(r"\bos error (?P<code>\d+)\b"),
)
GRPC_PATTERNS = (
    re.compile(r"\bStatusCode\.(?P<name>[A-Z_]+)\b"),
    re.compile(r"\brpc error: code = (?P<name>\w+)"),
    re.compile(r"\bgrpc[^\n]{0,40}?\bstatus(?:[ _-]?code)?\s*[=:]?\s*(?P<code>\d{1,2})\b", re.I),
    re.compile(r"^(?P<code>\d{1,2}) (?P<name>[A-Z_]{2,}):", re.M),  # grpc-js: "14 UNAVAILABLE: …"
)

KEPT_NUMBER_PATTERNS = (
    *WEBSOCKET_PATTERNS,
    *WEBSOCKET_BARE_PATTERNS,
    *HTTP_PATTERNS,
    *EXIT_PATTERNS,
    *SIGNAL_PATTERNS,
    *ERRNO_PATTERNS,
    *(p for p in GRPC_PATTERNS if "code" in p.groupindex),
)


def _valid(pattern: re.Pattern[str], code: int) -> bool:
    if pattern in WEBSOCKET_PATTERNS:
        return is_websocket_close_code(code)
    if pattern in HTTP_PATTERNS:
        return is_http_status(code)
    return True


def kept_code_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the numbers in ``text`` that are codes to keep (see module docstring)."""
    spans: list[tuple[int, int]] = []
    for pattern in KEPT_NUMBER_PATTERNS:
        for match in pattern.finditer(text):
            if match.group("code") is None:
                continue
            code = int(match.group("code"))
            if _valid(pattern, code):
                spans.append(match.span("code"))
    return spans
