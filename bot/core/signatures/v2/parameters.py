"""THE parameterization table: run-specific data out, what names the failure kept.

One ordered tuple of named regexes (``PARAMETERS``), applied in order to a bounded text;
then every number that is not a code (``codes.kept_code_spans``) becomes ``<n>``.
``received 1011 (internal error) at 2024-05-01T10:00:00Z after 51.2s`` becomes
``received 1011 (internal error) at <timestamp> after <duration>``. There is no other
normalizer in v2: every step that needs text without data calls ``parameterize``.
Examples for each entry: tests/signatures/v2/test_parameters.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.signatures.v2.codes import kept_code_spans

MAX_PARAMETERIZE_INPUT = 4_000
MAX_PARAMETERIZED = 300

Replacement = str | Callable[[re.Match[str]], str]


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    pattern: re.Pattern[str]
    replacement: Replacement


_NAME = re.compile(r"[A-Za-z_][\w.:-]{0,40}")
_NUMBER = re.compile(r"(?<![A-Za-z\d.<])-?\d+(?:[.,]\d+)*(?![\d>])")
_SPACES = re.compile(r"\s+")
# Values that look like a run's state rather than a name: ALL-CAPS words are kept (they
# are enum names and codes: 'NOT_NULL'), a quoted single word after state/status goes.
_STATE_WORDS = r"(?:state|status|phase|stage)"


def _is_random(token: str) -> bool:
    return sum(ch.isdigit() for ch in token) >= 2 and any(ch.isalpha() for ch in token)


# A CSS selector names an element (``#tabs-wrapper``, ``.btn-primary``, ``input[name=q]``):
# kept, its numbers aside (``#ids_[value='572407971']`` → ``#ids_[value='<n>']``).
_SELECTOR = re.compile(r"[#.\[]?[A-Za-z_][\w-]*(?:[#.:][\w-]+|\[[^\]\s]{1,60}\])*")


def _quoted(match: re.Match[str]) -> str:
    quote, inner = match.group()[0], match.group()[1:-1]
    if _NAME.fullmatch(inner) or inner.startswith("<tmp>"):  # a temporary file's name is kept
        return match.group()
    if inner[:1] in "#.[" and _SELECTOR.fullmatch(inner):
        return quote + re.sub(r"\d+", "<n>", inner) + quote
    return "<str>"


_FILE_NAME = re.compile(r"[A-Za-z_][\w-]*\.[A-Za-z][\w.]{0,9}")


def _tmp(match: re.Match[str]) -> str:
    """A temporary path is data, but the file it names is not: ENOENT on ``config.yml`` and
    on ``schema.json`` in two temporary directories are two failures. A generated name
    (``tmpab12.json``, ``a8f3k2x9.txt``) is dropped with the directories."""
    last = re.split(r"[/\\]", match.group().rstrip("/\\"))[-1]
    if _FILE_NAME.fullmatch(last) and not last.startswith("tmp") and not _is_random(last):
        return f"<tmp>/{last}"
    return "<tmp>"


def _ip(match: re.Match[str]) -> str:
    return "<ip>:<port>" if re.search(r":\d+$", match.group()) else "<ip>"


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("ansi", re.compile(r"\x1b\[[0-9;]*[A-Za-z]"), ""),
    Parameter(
        "tmp-path",
        re.compile(
            r"(?:/private)?/(?:tmp|var/folders)/[^\s'\"()\[\]{},;]*"
            r"|[A-Za-z]:\\Users\\[^\\\s]+\\AppData\\Local\\Temp\\[^\s'\"()]*"
            r"|\bpytest-of-[\w-]+/pytest-\d+/[^\s'\"()]*"
        ),
        _tmp,
    ),
    Parameter(
        "ci-root",
        re.compile(
            r"(?:/home/runner/work/[^/\s]+/[^/\s]+/|/Users/runner/work/[^/\s]+/[^/\s]+/"
            r"|/github/workspace/|/builds/[^/\s]+/[^/\s]+/|/var/lib/jenkins/workspace/[^/\s]+/"
            r"|/home/circleci/(?:project|repo)/|/opt/atlassian/pipelines/agent/build/"
            r"|/workspace/|/app/|[A-Za-z]:\\a\\_work\\\d+\\s\\|[A-Za-z]:\\a\\[^\\\s]+\\[^\\\s]+\\)"
        ),
        "",
    ),
    Parameter("email", re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+\b"), "<email>"),
    Parameter(
        "uuid",
        re.compile(
            r"\b[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\b"
        ),
        "<uuid>",
    ),
    Parameter(
        "timestamp",
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
            r"(?:Z|\s?[+-]\d{2}:?\d{2}|\s?UTC)?(?![\w:])"
        ),
        "<timestamp>",
    ),
    Parameter("date", re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"), "<date>"),
    Parameter("time", re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<time>"),
    Parameter("address", re.compile(r"\b0x[0-9a-fA-F]+\b"), "<addr>"),
    Parameter(
        "ip-port",
        re.compile(
            r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b|\[[0-9a-fA-F:]*:[0-9a-fA-F:]*\](?::\d{1,5})?"
        ),
        _ip,
    ),
    Parameter("localhost-port", re.compile(r"\blocalhost:\d{2,5}\b"), "localhost:<port>"),
    Parameter("version", re.compile(r"\bv?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.]+)?\b"), "<version>"),
    Parameter(
        "hex-id",
        re.compile(r"\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{7,}\b"),
        "<hex>",
    ),
    Parameter(
        "random-token",  # long tokens mixing letters and at least two digits
        re.compile(r"(?<![\w-])[A-Za-z0-9_-]{16,}(?![\w-])"),
        lambda m: "<id>" if _is_random(m.group()) else m.group(),
    ),
    Parameter(
        "duration",
        re.compile(
            r"(?<![\w.])\d+(?:\.\d+)?\s?(?:ms|milliseconds?|µs|us|ns|s|secs?|seconds?|m|mins?"
            r"|minutes?|h|hours?)\b"
        ),
        "<duration>",
    ),
    Parameter("xdist-worker", re.compile(r"\bgw\d+\b"), "gw<n>"),
    Parameter(
        "quoted-state",
        re.compile(
            rf"\b(?P<word>{_STATE_WORDS})(?P<sep>\s*[=:]?\s*(?:was|is|of)?\s*)'[\w-]+'", re.I
        ),
        lambda m: f"{m.group('word')}{m.group('sep')}<str>",
    ),
    Parameter(
        # the input a conversion rejected is data ("invalid literal for int() with base 10:
        # 'abc'", "could not convert string to float: '1,5'", PostgreSQL's "invalid input
        # syntax for type integer: \"x\""): the message without it names the failure
        "rejected-value",
        re.compile(
            r"(?P<said>\b(?:invalid (?:literal|input syntax|value)|could not convert)\b"
            r"[^'\"\n:]{0,60}:\s*)(?:'[^'\n]{0,200}'|\"[^\"\n]{0,200}\")",
            re.I,
        ),
        lambda m: f"{m.group('said')}<str>",
    ),
    Parameter(
        # Django names the first setting read before settings.configure(): which one is
        # read first is incidental, the failure is that settings are not configured
        "unconfigured-setting",
        re.compile(r"\bRequested setting \w+(?=, but settings are not configured)"),
        "Requested setting <name>",
    ),
    Parameter(
        "quoted",
        re.compile(r"(?<![A-Za-z])'[^'\n]{0,200}'(?![A-Za-z])|\"[^\"\n]{0,200}\"|`[^`\n]{0,200}`"),
        _quoted,
    ),
    Parameter("collection", re.compile(r"\[[^\[\]\n]{0,300}[,'\"][^\[\]\n]{0,300}\]"), "[…]"),
    # Go/JS literals: []interface {}{1, 2, true}, {a: 1, b: 2}; not Java's toString
    # (Status{code=UNKNOWN, description=…} says what failed)
    Parameter("literal", re.compile(r"\{[^{}=\n]{0,300},[^{}=\n]{0,300}\}"), "{…}"),
)


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
    """``text`` with data replaced by placeholders (``PARAMETERS``) and numbers by ``<n>``."""
    out = _SPACES.sub(" ", text[:MAX_PARAMETERIZE_INPUT])
    for parameter in PARAMETERS:
        out = parameter.pattern.sub(parameter.replacement, out)
    out = replace_numbers(out)
    return _SPACES.sub(" ", out).strip()[:MAX_PARAMETERIZED]
