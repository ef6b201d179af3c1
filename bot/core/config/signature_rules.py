"""A repository's own names for families of failures (``signatures:`` in the file)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from bot.core.config.strict_model import StrictModel


class SignatureMatch(StrictModel):
    """What a named signature matches: regexes (Python syntax, searched, case-sensitive
    unless the pattern says ``(?i)``) on the failure's type, message and trace, and globs
    on the test id. Every key given must match; at least one key is required."""

    type: str | None = Field(default=None, min_length=1, max_length=500)
    message: str | None = Field(default=None, min_length=1, max_length=1000)
    trace: str | None = Field(default=None, min_length=1, max_length=1000)
    tests: list[str] = Field(default_factory=list, max_length=100)


SignatureSeverity = Literal["low", "medium", "high", "critical"]


class SignatureRule(StrictModel):
    """A repository's own name for a family of failures (``signatures:`` in the file).

    A failure matching ``match`` gets this rule's id, title, labels and severity instead
    of the computed signature. The first matching rule in file order wins.
    """

    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = Field(min_length=1, max_length=200)
    match: SignatureMatch
    labels: list[str] = Field(default_factory=list, max_length=20)
    severity: SignatureSeverity | None = None

    @model_validator(mode="after")
    def _check_match(self) -> SignatureRule:
        m = self.match
        if m.type is None and m.message is None and m.trace is None and not m.tests:
            raise ValueError(
                f"signature {self.id!r}: 'match' needs at least one of type, message, "
                "trace or tests"
            )
        for key in ("type", "message", "trace"):
            pattern: str | None = getattr(m, key)
            if pattern is None:
                continue
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"signature {self.id!r}: match.{key} is not a valid regular expression "
                    f"({exc}); Python regex syntax, e.g. 'received 1011'"
                ) from None
        return self
