"""What every signature version shares: the hash, the title length, named rules' signatures.

Nothing here may change what a version hashes (snapshot files guard each version).
"""

from __future__ import annotations

import hashlib
import re

from bot.core.config.signature_rules import SignatureRule
from bot.core.signatures.model import Signature

FINGERPRINT_CHARS = 20
MAX_TITLE = 120
MAX_TYPE_CHARS = 200


def fingerprint_of(normalized: str) -> str:
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:FINGERPRINT_CHARS]


def shorten(text: str) -> str:
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"


def named_signature(rule: SignatureRule, family: str | None, version: int) -> Signature:
    """A repository's own rule matched: the rule's id is the whole key."""
    normalized = f"v{version} | named | rule={rule.id}"
    return Signature(
        fingerprint=fingerprint_of(normalized),
        version=version,
        kind="named",
        title=shorten(rule.title),
        family=family,
        normalized=normalized,
        labels=tuple(rule.labels),
        severity=rule.severity,
        rule_id=rule.id,
    )


def short_type(raw: str | None) -> str | None:
    """``websockets.exceptions.ConnectionClosedError`` → ``ConnectionClosedError``.

    Module paths differ between reporters and import styles; the class name is what a
    person recognises. ``asyncio.TimeoutError`` and ``TimeoutError`` become one type, as
    they are one class since Python 3.11.
    """
    if not raw:
        return None
    text = raw.strip()[:MAX_TYPE_CHARS].lstrip("*")
    if not text or any(ch.isspace() for ch in text):
        return None
    last = re.split(r"[.:/\\]+", text)[-1] if text[-1] not in ".:" else text
    return last or None
