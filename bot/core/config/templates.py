"""Text templates in the config file (titles, label and check names): ``{campaign}`` only."""

from __future__ import annotations

import string
from typing import Annotated

from pydantic import AfterValidator

DEFAULT_TITLE = "Loopwatch: {campaign}"
TITLE_FIELDS = frozenset({"campaign"})


def check_template(value: str) -> str:
    """Reject ``{placeholders}`` other than ``{campaign}`` (and broken braces)."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
    except ValueError as exc:
        message = f"broken braces in {value!r} ({exc}); write {{{{ for a literal {{"
        raise ValueError(message) from None
    unknown = [f for f in fields if f not in TITLE_FIELDS]
    if unknown:
        raise ValueError(
            f"unknown placeholder {{{unknown[0]}}}; the only placeholder is {{campaign}}"
        )
    return value


def fill_template(template: str, campaign: str) -> str:
    """``template`` with ``{campaign}`` replaced (templates are validated on load)."""
    try:
        return template.format(campaign=campaign)
    except (KeyError, ValueError, IndexError):
        return template


# A text that may contain ``{campaign}`` and no other placeholder (checked on load).
Template = Annotated[str, AfterValidator(check_template)]
