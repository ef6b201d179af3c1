"""Fallback (copied from v1): the test's name, when a failure carries no type, message or trace.

Parametrized ids collapse: ``tests/a.py::test_x[a]`` and ``tests/a.py::test_x[b]`` are one
test for grouping, and so are ``it works (1)`` / ``it works (2)`` style repeats.
"""

from __future__ import annotations

import re

_PARAMS = re.compile(r"\[[^\[\]]*\]$")
_REPEAT = re.compile(r"\s*\(\d+\)$|\s*#\d+$")


def collapse_test_id(test_id: str) -> str:
    """The test id without parameters or repeat counters."""
    key = test_id.strip()
    for _ in range(3):  # nested or chained params: test_x[a][b]
        stripped = _REPEAT.sub("", _PARAMS.sub("", key))
        if stripped == key:
            break
        key = stripped
    return key or test_id


def strip_test_prefix(message: str, test_id: str) -> str:
    """``message`` without a leading ``<test name>: `` (Go's ``TestX/sub: file.go:3: …``),
    which one reporter adds and another does not."""
    parts = [p for p in re.split(r"::|/", test_id) if p]
    for count in range(1, min(4, len(parts)) + 1):
        name = "/".join(parts[-count:])
        if message.startswith(name + ": "):
            return message[len(name) + 2 :]
    return message


def is_test_name(text: str, test_id: str) -> bool:
    """Whether ``text`` only repeats the test's name (TAP's ``not ok 3 test 3``)."""
    name = re.split(r"::|/", test_id)[-1].strip().lower()
    return bool(text) and text.strip().lower() in (name, test_id.strip().lower())


def test_file(test_id: str) -> str:
    """The file or class a test belongs to: before ``::`` (pytest, jest …), else the
    dotted id without its last part (JUnit's ``pkg.Class.method``, Go's ``pkg.TestX``)."""
    key = collapse_test_id(test_id)
    if "::" in key:
        return key.split("::", 1)[0]
    head, dot, _ = key.rpartition(".")
    return head if dot and head else key
