"""Helpers for the JSON/TAP report parser tests."""

from __future__ import annotations

import json
from typing import Any


def dumps(doc: Any) -> bytes:
    """A fixture document as report bytes."""
    return json.dumps(doc).encode()


def json_lines(*events: dict[str, Any]) -> bytes:
    return "".join(json.dumps(e) + "\n" for e in events).encode()
