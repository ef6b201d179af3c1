"""Make untrusted text (test output, names from reports and uploads) safe in markdown.

Rules (DESIGN.md): no ``@mention`` may notify anyone, no ``#123`` / ``GH-123`` may link or
cross-reference, control characters go, code is fenced with a fence longer than any
backtick run inside, and nothing may forge the bot's ``<!-- loopwatch:… -->`` markers.
Text inside code spans and fences is shown verbatim (GitHub neither notifies nor links
there), so only comment markers are broken inside code.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

ZWSP = "\u200b"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MENTION = re.compile(r"(?<![\w`])@(?=[A-Za-z0-9])")
_ISSUE_REF = re.compile(r"#(?=\d)")
_GH_REF = re.compile(r"\b(GH)-(?=\d)", re.IGNORECASE)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~|])")
_BACKTICKS = re.compile(r"`+")


def strip_control(text: str) -> str:
    """Remove control characters (and bidi overrides), keeping newlines and tabs."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def break_comment_markers(text: str) -> str:
    """``<!--`` / ``-->`` can never appear verbatim, so no text can fake a bot marker."""
    return text.replace("<!--", f"<!-{ZWSP}-").replace("-->", f"-{ZWSP}->")


def neutralize(text: str) -> str:
    """Mentions and issue references that no longer notify or link; no control chars."""
    text = strip_control(text)
    text = _MENTION.sub("@" + ZWSP, text)
    text = _ISSUE_REF.sub("#" + ZWSP, text)
    text = _GH_REF.sub(lambda m: m.group(1) + ZWSP + "-", text)
    return break_comment_markers(text)


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


def inline(text: str, limit: int | None = None) -> str:
    """Untrusted text as one line of plain markdown: neutralized, escaped, one line."""
    text = " ".join(strip_control(text).split())
    if limit is not None:
        text = shorten(text, limit)
    return _MD_SPECIAL.sub(r"\\\1", neutralize(text))


def table_cell(text: str, limit: int | None = None) -> str:
    """Untrusted text for a GFM table cell (``|`` escaped, one line)."""
    return inline(text, limit)


def code(text: str, limit: int | None = None) -> str:
    """An inline code span that shows ``text`` verbatim (on one line)."""
    text = " ".join(strip_control(text).split())
    if limit is not None:
        text = shorten(text, limit)
    text = break_comment_markers(text)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def cell_code(text: str, limit: int | None = None) -> str:
    """A code span inside a table cell: GFM needs ``|`` escaped even there."""
    return code(text, limit).replace("|", "\\|")


def fence(text: str, lang: str = "text", limit: int | None = None) -> str:
    """A fenced code block showing ``text`` verbatim; ends with a newline."""
    text = strip_control(text).expandtabs(4).rstrip("\n")
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)].rstrip() + "\n…"
    text = break_comment_markers(text)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text}\n{ticks}\n"


def safe_url(url: str | None) -> str | None:
    """An http(s) URL made safe for ``[label](url)``; anything else is refused."""
    if not url:
        return None
    url = strip_control(url).strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=":/?#[]@!$&'*+,;=%-._~")


def link(label: str, url: str | None) -> str:
    """``[label](url)`` for a safe URL, else the label alone (label is escaped)."""
    text = inline(label)
    target = safe_url(url)
    return f"[{text}]({target})" if target else text
