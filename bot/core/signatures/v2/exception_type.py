"""The exception type, normalized across reporters, and the message without its prefix.

Reporters disagree on where the type lives (pytest's ``type=`` plus ``module.Type: `` in
the message, jest's ``Type: `` prefix only, CTRF's ``failed on setup with "…"``, NUnit's
``TearDown : System.Exception : …``); all give the same (type, message) pair here.
Generic types (``Error``, JUnit's ``failure``) become ``None``. ALL-CAPS words
(grpc-java's ``UNAVAILABLE:``) and the test's own name (gotestsum's ``TestName:``) are
never types. Copied from v1 and extended (v1 stays frozen).
"""

from __future__ import annotations

import re

from bot.core.signatures.common import short_type

_TYPE_PREFIX = re.compile(
    r"^\s*(?P<type>\*?[A-Za-z_$][\w$]*(?:[.:]{1,2}[A-Za-z_$][\w$]*)*)(?::(?:\s|$)| : )"
)
_PYTEST_E = re.compile(r"^E {1,8}", re.M)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_WRAPPERS = (
    re.compile(r'^failed on (?:setup|teardown|call) with "(?P<inner>.*)"\s*$', re.S),
    re.compile(r"^(?:Uncaught|Unhandled(?: rejection)?)\s+(?P<inner>.*)$", re.S),
)
_PHASE = re.compile(
    r"^(?P<phase>OneTimeSetUp|SetUp|TearDown|OneTimeTearDown) ?: (?P<inner>.*)$", re.S
)
_LABELS = frozenset(
    {
        "Expected",
        "Actual",
        "Received",
        "But",
        "Value",
        "Message",
        "Reason",
        "Details",
        "Got",
        "Trace",
        "Caused",
        "Messages",
        "Test",
        "Diff",
    }
)
GENERIC_TYPES = frozenset(
    {
        "error",
        "exception",
        "failure",
        "failed",
        "fail",
        "baseexception",
        "test failure",
        "not ok",
        "throwable",
        "runtimeexception",
    }
)
# Reporters' spellings of one class.
_SAME_TYPE = {
    "ReadTimeoutError": "ReadTimeout",
    "ConnectTimeoutError": "ConnectTimeout",
    "AssertionFailedError": "AssertionError",
    "ComparisonFailure": "AssertionError",
    "JestAssertionError": "AssertionError",
    "AssertionFailure": "AssertionError",
    "ExpectationNotMetError": "AssertionError",
    "AssertionException": "AssertionError",
    "EqualException": "AssertionError",
    "TrueException": "AssertionError",
    "AssertError": "AssertionError",
    "ERR_ASSERTION": "AssertionError",
    "StatusException": "StatusRuntimeException",
    "_InactiveRpcError": "StatusRuntimeException",
    "RpcError": "StatusRuntimeException",
    "AioRpcError": "StatusRuntimeException",
    "TimeoutException": "TimeoutError",
    "CancelledError": "TimeoutError",
}


def normalize_type(kind: str | None) -> str | None:
    short = short_type(kind)
    if short is None or short.lower() in GENERIC_TYPES:
        return None
    return _SAME_TYPE.get(short, short)


def _looks_like_type(name: str, test_name: str) -> bool:
    last = short_type(name) or ""
    return (
        bool(last)
        and last not in _LABELS
        and not last.isupper()
        and last != test_name
        and (last[0].isupper() or last.endswith(("Error", "Exception", "error", "exception")))
    )


def clean(text: str | None) -> str:
    """Without ANSI colours and pytest's ``E   `` prefixes."""
    return _PYTEST_E.sub("", ANSI.sub("", text or ""))


def split_type(
    failure_type: str | None, message: str, test_name: str = ""
) -> tuple[str | None, str]:
    """The normalized type (``None`` when generic) and the message without wrappers and
    its leading ``Type: ``."""
    text = clean(message).strip()
    for wrapper in _WRAPPERS:
        match = wrapper.match(text)
        if match:
            text = match.group("inner").strip()
    phase = _PHASE.match(text)
    if phase:
        text = phase.group("inner").strip()
    found: str | None = None
    for _ in range(2):  # "Exception : System.InvalidOperationException : …"
        prefix = _TYPE_PREFIX.match(text)
        if not prefix or not _looks_like_type(prefix.group("type"), test_name):
            break
        found = normalize_type(prefix.group("type")) or found
        text = text[prefix.end() :].strip()
    if phase:
        text = f"{phase.group('phase')}: {text}"
    reported = normalize_type(failure_type)
    return (reported or found), text
