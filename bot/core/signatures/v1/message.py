"""Step 2: the message, parameterized — data replaced by placeholders, codes kept.

``received 1011 (internal error) at 2024-05-01T10:00:00Z after 51.2s`` becomes
``received 1011 (internal error) at <timestamp> after <duration>``: the run-specific parts
go, the parts that say what failed stay. Only the first line is used (two when the first
ends with ``:``): reporters differ in how much of the rest (diffs, pytest's ``where``
explanations) they keep.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.core.signatures.v1.codes import kept_code_spans

MAX_MESSAGE_INPUT = 4_000  # characters of the message looked at
MAX_NORMALIZED = 300  # characters of the parameterized line kept

Replacement = tuple[str, re.Pattern[str], str | Callable[[re.Match[str]], str]]

_WORKSPACE = re.compile(
    r"(?:/home/runner/work/[^/\s]+/[^/\s]+/|/Users/runner/work/[^/\s]+/[^/\s]+/"
    r"|/github/workspace/|/builds/[^/\s]+/[^/\s]+/|/var/lib/jenkins/workspace/[^/\s]+/"
    r"|[A-Za-z]:\\a\\[^\\\s]+\\[^\\\s]+\\)"
)

# Applied in order; each replaces one kind of data. Names are for docs and tests.
STEPS: tuple[Replacement, ...] = (
    ("ansi", re.compile(r"\x1b\[[0-9;]*[A-Za-z]"), ""),
    (
        "tmp-path",
        re.compile(
            r"(?:/private)?/(?:tmp|var/folders)/[^\s'\"()\[\]{},;]*"
            r"|[A-Za-z]:\\Users\\[^\\\s]+\\AppData\\Local\\Temp\\[^\s'\"()]*",
        ),
        "<tmp>",
    ),
    ("workspace", _WORKSPACE, ""),
    # local part bounded: an unbounded one is quadratic on long runs without "@"
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+\b"), "<email>"),
    (
        "uuid",
        re.compile(
            r"\b[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\b"
        ),
        "<uuid>",
    ),
    (
        "timestamp",
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
            r"(?:Z|\s?[+-]\d{2}:?\d{2}|\s?UTC)?(?![\w:])"
        ),
        "<timestamp>",
    ),
    ("date", re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"), "<date>"),
    ("time", re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<time>"),
    ("address", re.compile(r"\b0x[0-9a-fA-F]+\b"), "<addr>"),
    (
        "ip-port",
        re.compile(
            r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b|\[[0-9a-fA-F:]*:[0-9a-fA-F:]*\](?::\d{1,5})?"
        ),
        lambda m: "<ip>:<port>" if re.search(r":\d+$", m.group()) else "<ip>",
    ),
    ("version", re.compile(r"\bv?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.]+)?\b"), "<version>"),
    ("localhost-port", re.compile(r"\blocalhost:\d{2,5}\b"), "localhost:<port>"),
    (
        "hex-id",
        re.compile(r"\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{7,}\b"),
        "<hex>",
    ),
    (
        "random-id",  # long tokens mixing letters and at least two digits
        re.compile(r"(?<![\w-])[A-Za-z0-9_-]{16,}(?![\w-])"),
        lambda m: "<id>" if _is_random(m.group()) else m.group(),
    ),
    (
        "duration",
        re.compile(
            r"(?<![\w.])\d+(?:\.\d+)?\s?(?:ms|milliseconds?|µs|us|ns|s|secs?|seconds?|m|mins?"
            r"|minutes?|h|hours?)\b"
        ),
        "<duration>",
    ),
    (
        "quoted",
        re.compile(r"(?<![A-Za-z])'[^'\n]{0,200}'(?![A-Za-z])|\"[^\"\n]{0,200}\"|`[^`\n]{0,200}`"),
        lambda m: m.group() if _is_name(m.group()[1:-1]) else "<str>",
    ),
    ("collection", re.compile(r"\[[^\[\]\n]{0,300}[,'\"][^\[\]\n]{0,300}\]"), "[…]"),
)

_NAME = re.compile(r"[A-Za-z_][\w.:-]{0,40}")
_NUMBER = re.compile(r"(?<![A-Za-z\d.])-?\d+(?:[.,]\d+)*(?!\d)")
_SPACES = re.compile(r"\s+")


def _is_random(token: str) -> bool:
    return sum(ch.isdigit() for ch in token) >= 2 and any(ch.isalpha() for ch in token)


def _is_name(text: str) -> bool:
    """A quoted identifier (``'user_id'``, ``"agent.data"``) names something; keep it."""
    return bool(_NAME.fullmatch(text))


def headline(message: str) -> str:
    """The first non-blank line; when it ends with ``:`` it introduces the next one
    (``nested exception is:``, ``Expected values to be strictly equal:``), which is added."""
    lines = [line.strip() for line in message[:MAX_MESSAGE_INPUT].splitlines() if line.strip()]
    if not lines:
        return ""
    if lines[0].endswith(":") and len(lines) > 1:
        return f"{lines[0]} {lines[1]}"
    return lines[0]


def replace_numbers(text: str) -> str:
    """Numbers → ``<n>``, except codes found by context (HTTP 503, received 1011, …)."""
    kept = kept_code_spans(text)

    def swap(match: re.Match[str]) -> str:
        start, end = match.span()
        if match.group().startswith("-"):
            start += 1
        if any(s <= start and end <= e for s, e in kept):
            return match.group()
        return "<n>"

    return _NUMBER.sub(swap, text)


def parameterize(text: str) -> str:
    """``text`` with data replaced by placeholders (see ``STEPS``) and numbers by ``<n>``."""
    out = _SPACES.sub(" ", text[:MAX_MESSAGE_INPUT])
    for _name, pattern, replacement in STEPS:
        out = pattern.sub(replacement, out)
    out = replace_numbers(out)
    return _SPACES.sub(" ", out).strip()[:MAX_NORMALIZED]


def normalize_message(message: str) -> str:
    """The parameterized headline of ``message``."""
    return parameterize(headline(message))


# Messages that say only "it failed": they carry no signal, so they do not group tests.
UNINFORMATIVE = frozenset(
    {
        "",
        "failed",
        "failure",
        "fail",
        "error",
        "failed!",
        "test failed",
        "test failure",
        "runtime error",
        "build error",
        "assert",
        "assertion failed",
        "assertionerror",
        "x",
    }
)


def is_uninformative(normalized: str) -> bool:
    """Whether a parameterized message says nothing beyond "failed"."""
    return normalized.strip().strip(".!").lower() in UNINFORMATIVE
