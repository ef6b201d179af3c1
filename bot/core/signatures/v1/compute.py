"""Version 1, frozen as shipped (tests/signatures/snapshots/v1): case in, signature out.

1. named rule from the repository config (wins outright);
2. exception type (``exception_type``);
3. message, parameterized (``message``);
4. built-in family (``families``) — a family groups by itself, across call sites;
5. top in-repo frames (``frames``) — part of the key when no family matched;
6. test name (``test_name``) — when nothing else is known.

What is hashed is kept in ``Signature.normalized``; docs/signatures.md explains the rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.config.signature_rules import SignatureRule
from bot.core.reports.model import TestCase
from bot.core.signatures.common import fingerprint_of, named_signature, shorten
from bot.core.signatures.model import Signature
from bot.core.signatures.rules import first_matching_rule
from bot.core.signatures.v1.exception_type import is_generic, split_type, strip_pytest_markers
from bot.core.signatures.v1.families import detect_family
from bot.core.signatures.v1.frames import MAX_FRAMES, top_frames
from bot.core.signatures.v1.message import MAX_MESSAGE_INPUT, is_uninformative, normalize_message
from bot.core.signatures.v1.test_name import collapse_test_id, is_test_name, strip_test_prefix
from bot.core.text import first_line

# Failures that say "a check did not hold": the message alone is not specific enough
# (``assert <n> == <n>``), so the call site (up to 3 frames) is part of the key. Other
# exceptions are keyed by where they were raised (the innermost in-repo frame), so one
# bug reached from several tests stays one cluster.
ASSERTION_TYPES = frozenset(
    {
        "AssertionError",
        "AssertionFailedError",
        "ComparisonFailure",
        "AssertError",
        "AssertionException",
        "ExpectationNotMetError",
        "JestAssertionError",
        "Failed",
        "Failure",
    }
)
_ASSERTION_TEXT = re.compile(r"^(?:assert\b|expect\(|expected\b|Expected\b)")
_TRACE_E_LINE = re.compile(r"^E {1,8}(?P<line>\S.*)$", re.M)
_TRACE_HEAD = re.compile(r"^(?!\s*at |\s*File |Traceback|\s*def |>)(?P<line>\S[^\n]*)")


def _message_from_trace(trace: str | None) -> str:
    """A message for reporters that only give a trace: pytest's first ``E`` line, or the
    trace's first line when it is not a frame."""
    if not trace:
        return ""
    head = trace[:4_000]
    found = _TRACE_E_LINE.search(head) or _TRACE_HEAD.match(head)
    return strip_pytest_markers(found.group("line")) if found else ""


def _is_assertion(failure_type: str | None, message: str) -> bool:
    return (
        is_generic(failure_type)
        or failure_type in ASSERTION_TYPES
        or bool(_ASSERTION_TEXT.match(message))
    )


def _has_functions(frames: tuple[str, ...]) -> bool:
    """Frames that name a function place the failure; ``file_test.go:?`` barely does."""
    return any(not frame.endswith(":?") for frame in frames)


def compute_v1(case: TestCase, rules: Sequence[SignatureRule]) -> Signature:
    version = 1
    failure_type, message = split_type(case.failure_type, case.message)
    message = strip_test_prefix(message, case.test_id)
    if not message.strip():
        trace_type, message = split_type(None, _message_from_trace(case.trace))
        failure_type = failure_type or trace_type
    family = detect_family(failure_type, message)
    rule = first_matching_rule(case, rules, failure_type)
    if rule is not None:
        return named_signature(rule, family.id if family else None, version)
    if family is not None:
        normalized = f"v{version} | computed | family={family.id}"
        return Signature(
            fingerprint_of(normalized), version, "computed", family.title, family.id, normalized
        )
    text = normalize_message(message)
    first = first_line(message[:MAX_MESSAGE_INPUT]) or ""
    if is_uninformative(text) or is_test_name(first, case.test_id):
        text = ""
    assertion = _is_assertion(failure_type, first)
    frames = top_frames(case.trace, MAX_FRAMES if assertion else 1)
    placed = _has_functions(frames)
    if failure_type is None and not text and not placed:
        key = collapse_test_id(case.test_id)
        normalized = f"v{version} | test-name | test={key}"
        return Signature(
            fingerprint_of(normalized),
            version,
            "test-name",
            shorten(f"{key} failed"),
            None,
            normalized,
        )
    parts = [f"v{version}", "computed", f"type={failure_type or '-'}", f"message={text}"]
    parts.append("frames=" + ", ".join(frames))
    if not placed and (assertion or not text):
        # Without a call site, a check ("assert <n> == <n>") or a bare type says too
        # little: the test stands in for the call site.
        parts.append(f"test={collapse_test_id(case.test_id)}")
    normalized = " | ".join(parts)
    title = ": ".join(p for p in (failure_type, text) if p)
    if not title:
        title = f"Failure at {frames[0]}" if frames else f"{collapse_test_id(case.test_id)} failed"
    return Signature(
        fingerprint_of(normalized), version, "computed", shorten(title), None, normalized
    )
