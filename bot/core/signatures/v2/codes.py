"""Codes that name *what* failed, found by their context and kept wherever they appear.

HTTP status, WebSocket close, errno, SQLSTATE, vendor database codes, gRPC codes, exit
status and signals. Every code comes out as one ``Code(kind, value)`` whatever the
spelling: ``exit status 139``, ``-11``, ``Signals.SIGSEGV: 11``, ``signal: segmentation
fault`` and ``SIGSEGV`` are all ``signal=SIGSEGV``. ``kept_code_spans`` tells the
parameterization table which digits not to replace. Patterns are linear; input is bounded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_CODE_INPUT = 8_000

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
GRPC_NAMES = frozenset(GRPC_CODES.values()) - {"OK"}
SIGNALS: dict[int, str] = {
    1: "SIGHUP",
    2: "SIGINT",
    4: "SIGILL",
    6: "SIGABRT",
    7: "SIGBUS",
    8: "SIGFPE",
    9: "SIGKILL",
    11: "SIGSEGV",
    13: "SIGPIPE",
    15: "SIGTERM",
}
SIGNAL_NUMBERS = {name: number for number, name in SIGNALS.items()}
# Go's and the shells' words for a signal ("signal: segmentation fault", "Killed").
_SIGNAL_WORDS = {
    "segmentation fault": "SIGSEGV",
    "killed": "SIGKILL",
    "aborted": "SIGABRT",
    "abort trap": "SIGABRT",
    "terminated": "SIGTERM",
    "bus error": "SIGBUS",
    "floating point exception": "SIGFPE",
    "broken pipe": "SIGPIPE",
    "illegal instruction": "SIGILL",
    "interrupt": "SIGINT",
    "hangup": "SIGHUP",
}
# Linux errno numbers of the failures tests meet; a number is shown as its name.
ERRNO_NAMES: dict[int, str] = {
    1: "EPERM",
    2: "ENOENT",
    12: "ENOMEM",
    13: "EACCES",
    17: "EEXIST",
    24: "EMFILE",
    28: "ENOSPC",
    32: "EPIPE",
    98: "EADDRINUSE",
    99: "EADDRNOTAVAIL",
    101: "ENETUNREACH",
    103: "ECONNABORTED",
    104: "ECONNRESET",
    110: "ETIMEDOUT",
    111: "ECONNREFUSED",
    113: "EHOSTUNREACH",
}
_ERRNO_WORDS = {
    "address already in use": "EADDRINUSE",
    "address not available": "EADDRNOTAVAIL",
    "cannot assign requested address": "EADDRNOTAVAIL",
    "no space left on device": "ENOSPC",
    "too many open files": "EMFILE",
    "connection refused": "ECONNREFUSED",
    "connection reset by peer": "ECONNRESET",
    "network is unreachable": "ENETUNREACH",
    "no route to host": "EHOSTUNREACH",
}
ERRNO_WORDS = frozenset(ERRNO_NAMES.values()) | {"ENOTFOUND", "EAI_AGAIN", "EHOSTDOWN"}


@dataclass(frozen=True, slots=True, order=True)
class Code:
    kind: str  # ws | http | grpc | signal | exit | errno | sqlstate | mysql | oracle | sqlite
    value: str

    def __str__(self) -> str:
        return f"{self.kind}={self.value}"


def is_websocket_close_code(code: int) -> bool:
    return 1000 <= code <= 1015 or 3000 <= code <= 4999


def is_http_status(code: int) -> bool:
    return 200 <= code <= 599


def exit_code(number: int) -> Code:
    """An exit status as a signal when it is one (128+N, or a negative return code)."""
    if number < 0 and -number in SIGNALS:
        return Code("signal", SIGNALS[-number])
    if number > 128 and number - 128 in SIGNALS:
        return Code("signal", SIGNALS[number - 128])
    return Code("exit", str(number))


# Success and redirect phrases count only with their number ("assert '200 OK' == '403 …'":
# the actual status is the failure).
_OTHER_PHRASES = (
    "OK",
    "Created",
    "Accepted",
    "No Content",
    "Found",
    "Moved Permanently",
    "See Other",
    "Not Modified",
    "Temporary Redirect",
    "Permanent Redirect",
)
_PHRASES = (*HTTP_STATUS_NAMES.values(), *_OTHER_PHRASES, "Gateway Time-out", "Request Time-out")
_STATUS_PHRASES = "|".join(re.escape(p) for p in sorted(_PHRASES, key=len, reverse=True))


@dataclass(frozen=True, slots=True)
class CodePattern:
    """A context pattern with a group ``code``; ``make`` turns the text into a Code."""

    name: str
    pattern: re.Pattern[str]
    make: Callable[[str], Code | None]


def _ws(text: str) -> Code | None:
    return Code("ws", text) if is_websocket_close_code(int(text)) else None


def _http(text: str) -> Code | None:
    return Code("http", text) if is_http_status(int(text)) else None


def _grpc_number(text: str) -> Code | None:
    number = int(text)
    return Code("grpc", GRPC_CODES[number]) if number in GRPC_CODES and number else None


def _grpc_name(text: str) -> Code | None:
    upper = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", text).upper()
    return Code("grpc", upper) if upper in GRPC_NAMES else None


def _exit(text: str) -> Code | None:
    number = int(text)
    return exit_code(number) if number != 0 else None


def _signal_number(text: str) -> Code | None:
    number = int(text)
    return Code("signal", SIGNALS[number]) if number in SIGNALS else None


def _signal_name(text: str) -> Code | None:
    upper = text.upper()
    return Code("signal", upper) if upper in SIGNAL_NUMBERS else None


def _signal_word(text: str) -> Code | None:
    return Code("signal", _SIGNAL_WORDS[text.lower()])


def _errno_number(text: str) -> Code | None:
    number = abs(int(text))
    return Code("errno", ERRNO_NAMES.get(number, str(number)))


def _errno_name(text: str) -> Code | None:
    return Code("errno", text.upper())


def _fixed(kind: str) -> Callable[[str], Code | None]:
    return lambda text: Code(kind, text.upper())


def _mysql(text: str) -> Code | None:
    return Code("mysql", text) if 1000 <= int(text) <= 3999 else None


_SIGNAL_WORD_RE = "|".join(sorted(_SIGNAL_WORDS, key=len, reverse=True))
_HTTP_WORD = r"(?:HTTP(?:/\d(?:\.\d)?)?|status(?:[ _-]?code)?|response(?:[ _-]?code)?)"

# Order matters only for overlapping spans: the first pattern that claims a span wins.
PATTERNS: tuple[CodePattern, ...] = (
    # WebSocket close codes
    CodePattern("ws-received", re.compile(r"\b(?:received|sent)\s+(?P<code>\d{4})\s*\("), _ws),
    CodePattern(
        "ws-close-code",
        re.compile(r"\bclose[ _-]?(?:code|status)\s*[=:(]?\s*(?P<code>\d{4})\b", re.I),
        _ws,
    ),
    CodePattern(
        "ws-closed-code",
        re.compile(r"\bclosed?\b[^\n\d]{0,30}?\bcode\s*[=:]?\s*(?P<code>\d{4})\b", re.I),
        _ws,
    ),
    CodePattern(
        "ws-socket-closed",
        re.compile(
            r"\b(?:web)?socket\b[^\n\d]{0,40}?\bclosed?\b[^\n\d]{0,20}?(?P<code>\d{4})\b", re.I
        ),
        _ws,
    ),
    CodePattern(
        "ws-code-reason",
        re.compile(r"\bcode\s*[=:]\s*(?P<code>\d{4})\b[^\n]{0,30}?\breason\b", re.I),
        _ws,
    ),
    CodePattern(
        "ws-close-status",  # Spring: CloseStatus[code=1011, reason=null]
        re.compile(r"\bCloseStatus\[code=(?P<code>\d{4})\b"),
        _ws,
    ),
    CodePattern(
        "ws-1006-words",  # websockets/ws: no close frame at all is an abnormal closure (1006)
        re.compile(r"(?P<code>no close frame received or sent|abnormal closure)", re.I),
        lambda _text: Code("ws", "1006"),
    ),
    # gRPC (before HTTP: "grpc status 14" is not an HTTP status)
    CodePattern("grpc-python", re.compile(r"\bStatusCode\.(?P<code>[A-Z_]+)\b"), _grpc_name),
    CodePattern("grpc-go", re.compile(r"\brpc error: code = (?P<code>\w+)"), _grpc_name),
    CodePattern(
        "grpc-java",
        re.compile(r"\bStatus(?:Runtime)?Exception: (?P<code>[A-Z_]{2,})\b"),
        _grpc_name,
    ),
    CodePattern("grpc-status", re.compile(r"\bStatus\{code=(?P<code>[A-Z_]+)"), _grpc_name),
    CodePattern(
        "grpc-js", re.compile(r"(?:^|Error: )(?P<code>\d{1,2}) [A-Z_]{2,}:", re.M), _grpc_number
    ),
    CodePattern(
        "grpc-number",
        re.compile(
            r"\bgrpc[^\n]{0,40}?\bstatus(?:[ _-]?code)?\s*[=:]?\s*(?P<code>\d{1,2})\b", re.I
        ),
        _grpc_number,
    ),
    # HTTP status
    CodePattern(
        "http-word",
        re.compile(rf"\b{_HTTP_WORD}\s*(?:of\s+|is\s+|was\s+)?[=:]?\s*(?P<code>[1-5]\d\d)\b", re.I),
        _http,
    ),
    CodePattern(
        "http-responded",
        re.compile(
            r"\b(?:response|responded|returned)\s+(?:with\s+)?(?:status\s+)?(?P<code>[1-5]\d\d)\b",
            re.I,
        ),
        _http,
    ),
    CodePattern("http-requests", re.compile(r"<Response \[(?P<code>[1-5]\d\d)\]>"), _http),
    CodePattern(
        "http-ws-upgrade",
        re.compile(r"\bUnexpected server response:?\s*(?P<code>[1-5]\d\d)\b", re.I),
        _http,
    ),
    CodePattern(
        "http-client-error",
        re.compile(r"\b(?P<code>[1-5]\d\d)\s+(?:Client|Server)\s+Error\b"),
        _http,
    ),
    CodePattern(
        "http-phrase",
        re.compile(rf"\b(?P<code>[1-5]\d\d)\s+\"?(?:{_STATUS_PHRASES})\b(?![ -]\w)", re.I),
        _http,
    ),
    # exit status and signals, one vocabulary
    CodePattern(
        "exit-status",
        re.compile(
            r"\b(?:exit(?:ed)?|exit(?:ed)? with|terminated with|finished with)\s*"
            r"(?:code|status|exit code|exit status)?\s*[=:]?\s*(?P<code>-?\d{1,3})\b",
            re.I,
        ),
        _exit,
    ),
    CodePattern(
        "non-zero-exit",
        re.compile(r"\bnon-zero exit (?:status|code|value)\s*:?\s*(?P<code>-?\d+)", re.I),
        _exit,
    ),
    CodePattern(
        "return-code", re.compile(r"\breturn ?code\s*[=:]?\s*(?P<code>-?\d+)", re.I), _exit
    ),
    CodePattern("python-signals", re.compile(r"\bSignals\.(?P<code>SIG[A-Z]+)\b"), _signal_name),
    CodePattern(
        "signal-name",
        re.compile(r"\b(?P<code>SIG(?:HUP|INT|ILL|ABRT|BUS|FPE|KILL|SEGV|PIPE|TERM))\b"),
        _signal_name,
    ),
    CodePattern(
        "signal-number",
        re.compile(r"\b(?:signal|sig)\s*[=:]?\s*(?P<code>\d{1,2})\b", re.I),
        _signal_number,
    ),
    CodePattern(
        "signal-word",
        re.compile(rf"\bsignal:?\s+(?P<code>{_SIGNAL_WORD_RE})\b", re.I),
        _signal_word,
    ),
    CodePattern("segfault", re.compile(r"\b(?P<code>segmentation fault)\b", re.I), _signal_word),
    CodePattern(
        "oom-killed", re.compile(r"\b(?P<code>OOMKilled)\b"), lambda _t: Code("signal", "SIGKILL")
    ),
    CodePattern(  # the shell's word for a SIGKILLed child, alone on its line
        "killed-line",
        re.compile(r"^(?P<code>Killed)\s*$", re.M),
        lambda _t: Code("signal", "SIGKILL"),
    ),
    # errno
    CodePattern("errno-bracket", re.compile(r"\[Errno (?P<code>-?\d+)\]"), _errno_number),
    CodePattern(
        "errno-number", re.compile(r"\berrno\s*[=:]?\s*(?P<code>-?\d+)", re.I), _errno_number
    ),
    CodePattern("os-error", re.compile(r"\bos error (?P<code>\d+)\b"), _errno_number),
    CodePattern(
        "errno-name",
        re.compile(r"\b(?P<code>" + "|".join(sorted(ERRNO_WORDS)) + r")\b"),
        _errno_name,
    ),
    CodePattern(  # the client library's words for MySQL's two "connection lost" errors
        "mysql-words",
        re.compile(r"(?P<code>MySQL server has gone away|Lost connection to MySQL server)"),
        lambda text: Code("mysql", "2006" if "gone away" in text else "2013"),
    ),
    CodePattern("typescript", re.compile(r"\berror (?P<code>TS\d{4})\b"), _fixed("ts")),
    CodePattern("dotnet-socket", re.compile(r"SocketException \((?P<code>\d+)\)"), _errno_number),
    CodePattern(
        "errno-words",  # strerror texts, as every language prints them
        re.compile(
            r"\b(?P<code>Address already in use|Address not available|Cannot assign requested "
            r"address|No space left on device|Too many open files|Connection refused"
            r"|Connection reset by peer|Network is unreachable"
            r"|No route to host)\b",
            re.I,
        ),
        lambda text: Code("errno", _ERRNO_WORDS[text.lower()]),
    ),
    # databases
    CodePattern(
        "sqlstate",
        re.compile(r"\bSQL ?STATE\s*(?:\[|[=:]\s*|\s)\s*(?P<code>[0-9A-Z]{5})\b", re.I),
        _fixed("sqlstate"),
    ),
    CodePattern("oracle", re.compile(r"\b(?P<code>ORA-\d{5})\b"), _fixed("oracle")),
    CodePattern("sqlite", re.compile(r"\b(?P<code>SQLITE_[A-Z_]+)\b"), _fixed("sqlite")),
    CodePattern(
        "mysql-tuple",  # PyMySQL/mysqlclient: (2013, 'Lost connection to MySQL server …')
        re.compile(r"\((?P<code>[12]\d{3}), [\"']"),
        _mysql,
    ),
    CodePattern(
        "mysql-error",  # ERROR 1213 (40001): … / Error 1213 (40001): … (Go driver)
        re.compile(r"\b(?:ERROR|Error) (?P<code>[12]\d{3}) \((?:[0-9A-Z]{5})\)"),
        _mysql,
    ),
)


def find_codes(text: str) -> list[tuple[tuple[int, int], Code]]:
    """Every code in ``text`` with the span of its digits/name, in text order."""
    bounded = text[:MAX_CODE_INPUT]
    found: list[tuple[tuple[int, int], Code]] = []
    taken: list[tuple[int, int]] = []
    for entry in PATTERNS:
        for match in entry.pattern.finditer(bounded):
            span = match.span("code")
            if any(s <= span[0] < e for s, e in taken):
                continue
            code = entry.make(match.group("code"))
            if code is not None:
                found.append((span, code))
                taken.append(span)
    found.sort(key=lambda item: item[0])
    return found


def codes_in(text: str) -> list[Code]:
    """The distinct codes of ``text``, in text order."""
    out: list[Code] = []
    for _span, code in find_codes(text):
        if code not in out:
            out.append(code)
    return out


def kept_code_spans(text: str) -> list[tuple[int, int]]:
    return [span for span, _code in find_codes(text)]
