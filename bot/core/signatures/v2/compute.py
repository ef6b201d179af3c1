"""Version 2: a pipeline of small named steps (Sentry's way), case in, signature out.

1. named rule from the repository config (wins outright, as in v1);
2. ``cause``: which text is the failure (deepest Caused by, Go body, jest suite body …);
3. ``expectation``: in an expected/actual pair the actual value is the failure;
4. ``codes`` and ``families``: the family is a title and a meaning;
5. discriminators: callee, exception type (families without a code), the innermost
   in-repo non-test frame; test frames never split a family;
6. without a family: type + parameterized message + frame; the test's name when nothing
   else is known.

``normalized`` reads ``v2 | computed | family=… | type=… | detail=… | frames=…``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.config.signature_rules import SignatureRule
from bot.core.reports.model import TestCase
from bot.core.signatures.common import fingerprint_of, named_signature, shorten
from bot.core.signatures.model import Signature
from bot.core.signatures.rules import first_matching_rule
from bot.core.signatures.v2.cause import Cause, is_uninformative, pick_cause
from bot.core.signatures.v2.codes import Code, codes_in
from bot.core.signatures.v2.discriminators import detail_for
from bot.core.signatures.v2.expectation import Expectation, actual_codes, read_expectation
from bot.core.signatures.v2.families import Family, family_of_code, family_of_text, oom_in_body
from bot.core.signatures.v2.frames import Frame, frame_key, read_frames
from bot.core.signatures.v2.parameters import parameterize
from bot.core.signatures.v2.test_name import collapse_test_id, is_test_name, test_file

VERSION = 2
MAX_TEST_FRAMES = 3
MAX_HEADLINE_INPUT = 4_000
ASSERTION_TYPES = frozenset({"AssertionError", "Failed", "Failure", "AssertionFailedError"})
# A crash report (vstest's "Test host process crashed : Fatal error. …") is not a check.
_CRASH_TEXT = re.compile(r"\bprocess crashed\b|\bFatal error\.|\bcore dumped\b", re.I)
_ASSERTION_TEXT = re.compile(r"^(?:assert\b|expect\(|expected\b|Expected\b|Not equal)", re.I)
# Which code names the failure when a text holds several (a close code beats a timeout).
_CODE_ORDER = ("ws", "grpc", "signal", "http", "sqlstate", "mysql", "oracle", "sqlite")
_LATE_CODES = ("errno", "exit")
# Readers that found a thrown error in the body (a suite that failed to load, an inner or
# "Caused by" exception): without a type it is still an error, not a test's check.
# A line or two of plain output under a message that says nothing is a crash or a fatal
# log (a check's message would carry its file:line), not a check either.
_ERROR_READERS = frozenset(
    {"jest-suite", "dotnet-inner", "java-caused-by", "go-panic", "output-line"}
)
# A language's own runtime: never the place of a failure (every OOM passes through it).
_RUNTIME_FILE = re.compile(
    r"^(?:java|javax|jdk|sun|com/sun|kotlin|kotlinx|scala)/|^node:|^internal/|^runtime/"
)


# A null dereference says nothing of where the value went missing: without an in-repo
# frame, the test's own frames (or its file) are where it did.
_NULL_DEREFERENCE = re.compile(
    r"\bfor nil(?::NilClass)?\b|\bof (?:undefined|null)\b|'NoneType' object|NullPointerException"
)


# A test runner's host died (vstest) and nothing follows: with no frame, the class of
# tests it was running is all that tells one crash from another.
_HOST_CRASH = re.compile(r"\bTest host process crashed\s*+\.?$", re.I)


def headline(message: str) -> str:
    """The first non-blank line (two when the first ends with ``:``)."""
    lines = [line.strip() for line in message[:MAX_HEADLINE_INPUT].splitlines() if line.strip()]
    if not lines:
        return ""
    if lines[0].endswith(":") and len(lines) > 1:
        return f"{lines[0]} {lines[1]}"
    return lines[0]


def _pick(codes: list[Code], kinds: tuple[str, ...]) -> Code | None:
    for kind in kinds:
        for code in codes:
            if code.kind == kind:
                return code
    return None


def _family(
    cause: Cause, line: str, expectation: Expectation | None
) -> tuple[Family | None, Code | None]:
    if expectation is not None:
        codes = actual_codes(expectation, cause.message)
    else:
        codes = codes_in(cause.message) or codes_in(f"{cause.type}: {line}")
    if (
        not codes
        and cause.reader != "go-panic"
        and (is_uninformative(line) or cause.reader != "message")
    ):
        codes = [c for c in codes_in(cause.body) if c.kind in ("ws", "grpc", "signal")]
    text_family = family_of_text(cause.type, line, cause.body)
    if text_family is not None and text_family.id.startswith("oom-"):
        return text_family, None
    code = _pick(codes, _CODE_ORDER)
    if code is not None:
        return family_of_code(code), code
    if text_family is not None:
        return text_family, None
    code = _pick(codes, _LATE_CODES)
    if code is not None:
        return family_of_code(code), code
    return oom_in_body(cause.body), None


def _frames(cause: Cause) -> list[Frame]:
    return [frame for frame in read_frames(cause.trace) if frame.in_repo]


def _place(frames: list[Frame], assertion: bool) -> str:
    """The innermost in-repo non-test frame; for a check made in tests, the call site
    (up to three test frames: a shared helper alone does not say which check failed)."""
    app = [f for f in frames if not f.is_test]
    if app:
        return frame_key(app[0])
    if assertion:
        keys: list[str] = []
        for frame in frames:
            if frame_key(frame) not in keys:
                keys.append(frame_key(frame))
        return ", ".join(keys[:MAX_TEST_FRAMES])
    return ""


def _library_place(cause: Cause) -> str:
    """The innermost frame outside the project and its language's runtime: where library
    code (a build plugin, a test runner, a driver) ran out of memory when no project code
    is on the stack. Two such OOMs in one repository are two causes."""
    for frame in read_frames(cause.trace):
        if not frame.in_repo and not _RUNTIME_FILE.match(frame.file):
            return frame_key(frame)
    return ""


def _detail(line: str, expectation: Expectation | None) -> str:
    if expectation is None:
        return parameterize(line)
    actual = parameterize(expectation.actual)
    kept = " ".join(str(code) for code in actual_codes(expectation, line))
    return f"expected {parameterize(expectation.expected)} got {kept or actual}"


def _expectation_title(kind: str | None, expectation: Expectation, code: Code) -> str:
    expected = expectation.expected if re.fullmatch(r"\d{3}", expectation.expected) else "…"
    return f"{kind + ': ' if kind else ''}expected {expected}, got {code.value}"


def _signature(kind: str, title: str, family: str | None, parts: list[str]) -> Signature:
    normalized = " | ".join([f"v{VERSION}", kind, *parts])
    return Signature(fingerprint_of(normalized), VERSION, kind, shorten(title), family, normalized)


def compute_v2(case: TestCase, rules: Sequence[SignatureRule]) -> Signature:
    cause = pick_cause(case)
    line = headline(cause.message)
    expectation = read_expectation(cause.message)
    if expectation is None and _ASSERTION_TEXT.match(line):
        # jest-junit and CTRF put "Expected:/Received:" in the trace, not the message
        expectation = read_expectation(cause.trace, source_lines=True)
    family, code = _family(cause, line, expectation)
    rule = first_matching_rule(case, rules, cause.type)
    if rule is not None:
        return named_signature(rule, family.id if family else None, VERSION)
    frames = _frames(cause)
    if family is not None:
        return _family_signature(cause, line, family, code, expectation, frames, case.test_id)
    text = (
        ""
        if is_uninformative(line) or is_test_name(line, case.test_id)
        else _detail(line, expectation)
    )
    assertion = (
        (cause.type is None and cause.reader not in _ERROR_READERS and not _CRASH_TEXT.search(line))
        or cause.type in ASSERTION_TYPES
        or expectation is not None
        or bool(_ASSERTION_TEXT.match(line))
    )
    place = _place(frames, assertion or _NULL_DEREFERENCE.search(line) is not None)
    if cause.type is None and not text and not place:
        key = collapse_test_id(case.test_id)
        return _signature("test-name", f"{key} failed", None, [f"test={key}"])
    parts = ["family=-", f"type={cause.type or '-'}", f"detail={text}", f"frames={place}"]
    # Nothing said and a frame without a function (TAP's ``test.js``) place nothing either.
    unplaced = not place or (not text and not any(frame.function for frame in frames))
    if unplaced and text and _HOST_CRASH.search(line):
        parts.append(f"file={test_file(case.test_id)}")  # a crash says only which tests ran
    elif unplaced and text and _NULL_DEREFERENCE.search(line):
        parts.append(f"file={test_file(case.test_id)}")  # which test's data was missing
    checked = cause.type is not None or expectation is not None or bool(_ASSERTION_TEXT.match(line))
    if unplaced and text and assertion and checked:
        # a check that says what failed: one check failing in several tests of a file
        # (a shared fixture, one broken helper) is one failure; the file keeps files apart
        parts.append(f"file={test_file(case.test_id)}")
    elif unplaced and (assertion or not text):
        parts.append(f"test={collapse_test_id(case.test_id)}")
    title = ": ".join(p for p in (cause.type, parameterize(line)) if p)
    if not title:
        title = f"Failure at {place}" if place else f"{collapse_test_id(case.test_id)} failed"
    return _signature("computed", title, None, parts)


def _family_signature(
    cause: Cause,
    line: str,
    family: Family,
    code: Code | None,
    expectation: Expectation | None,
    frames: list[Frame],
    test_id: str,
) -> Signature:
    kind = (cause.type or "-") if family.id == "timeout" else "-"  # a kind says more
    place = "" if family.id.startswith("websocket-") else _place(frames, assertion=False)
    # without a frame showing where, a hung test is told apart by which test it is
    detail = detail_for(family, cause, line, expectation, "" if place else test_id)
    if not place and family.id.startswith("oom-") and not any(f.is_test for f in frames):
        place = _library_place(cause)
    if not place and family.id.startswith("signal-"):
        # a native crash is keyed by where it happened: the innermost in-repo frame (a test
        # that called into native code), else the innermost library frame (faulthandler)
        place = frame_key(frames[0]) if frames else _library_place(cause)
    parts = [f"family={family.id}", f"type={kind}", f"detail={detail.key}", f"frames={place}"]
    title = family.title
    if expectation is not None and code is not None and read_expectation(line) is not None:
        title = _expectation_title(cause.type, expectation, code)
    elif detail.callee:
        title = f"{family.title} ({detail.callee})"
    return _signature("computed", title, family.id, parts)
