"""Step 1: the exception type, normalized, and the message without its type prefix.

Reporters disagree on where the type lives: pytest's JUnit gives ``type=`` and repeats
``module.Type: `` in the message, jest's JUnit gives no type and starts the message with
``Type: ``, CTRF adds a ``failed on setup with "…"`` wrapper, NUnit writes
``TearDown : System.Exception : …``. All of them come out as the same (type, message)
pair here. Generic types (``Error``, JUnit's ``failure``) say nothing and become ``None``,
so ``Error: x`` and a bare ``x`` from another reporter agree.
"""

from __future__ import annotations

import re

from bot.core.signatures.common import short_type

# A type as it appears before ": " at the start of a message: dotted identifiers (Python,
# Java, JS, C#), or Go-ish ``*errors.errorString``; no spaces. .NET puts " : " after it.
_TYPE_PREFIX = re.compile(
    r"^\s*(?P<type>\*?[A-Za-z_$][\w$]*(?:[.:]{1,2}[A-Za-z_$][\w$]*)*)(?::(?:\s|$)| : )"
)
_PYTEST_E = re.compile(r"^E {1,8}", re.M)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_WRAPPERS = (
    re.compile(r'^failed on (?:setup|teardown|call) with "(?P<inner>.*)"\s*$', re.S),
    re.compile(r"^(?:Uncaught|Unhandled(?: rejection)?)\s+(?P<inner>.*)$", re.S),
)
# NUnit names the phase in the message in every format; a failure in TearDown is not the
# one in the test body, so the phase stays in the message (after the type is taken out).
_PHASE = re.compile(
    r"^(?P<phase>OneTimeSetUp|SetUp|TearDown|OneTimeTearDown) ?: (?P<inner>.*)$", re.S
)
# Capitalised words that start "Label: value" lines in assertion output; not types.
_LABELS = frozenset(
    {"Expected", "Actual", "Received", "But", "Value", "Message", "Reason", "Details", "Got"}
)
GENERIC_TYPES = frozenset(
    {"error", "exception", "failure", "failed", "fail", "baseexception", "test failure", "not ok"}
)


def is_generic(kind: str | None) -> bool:
    """No type, or one that only says "something failed"."""
    return kind is None or kind.lower() in GENERIC_TYPES


def _looks_like_type(name: str) -> bool:
    last = short_type(name) or ""
    return (
        bool(last)
        and last not in _LABELS
        and (last[0].isupper() or last.endswith(("Error", "Exception", "error", "exception")))
    )


def strip_pytest_markers(text: str) -> str:
    """Drop pytest's ``E   `` line prefixes."""
    return _PYTEST_E.sub("", text)


def split_type(failure_type: str | None, message: str | None) -> tuple[str | None, str]:
    """The normalized type (``None`` when generic) and the message without wrappers and
    its leading ``Type: ``."""
    text = strip_pytest_markers(_ANSI.sub("", message or "")).strip()
    for wrapper in _WRAPPERS:
        match = wrapper.match(text)
        if match:
            text = match.group("inner").strip()
    phase = _PHASE.match(text)
    if phase:
        text = phase.group("inner").strip()
    reported = short_type(failure_type)
    found: str | None = None
    prefix = _TYPE_PREFIX.match(text)
    if prefix and _looks_like_type(prefix.group("type")):
        found = short_type(prefix.group("type"))
        text = text[prefix.end() :].strip()
    if phase:
        text = f"{phase.group('phase')}: {text}"
    if not is_generic(reported):
        # The reporter's own type wins when it is specific (``Timeout`` from mocha's JSON
        # while the message starts with JS's generic ``Error: ``).
        return reported, text
    return (None if is_generic(found) else found), text
