"""Issue and comment bodies with the bot's hidden markers (pure).

An issue body the bot keeps looks like this::

    text people wrote (kept)
    <!-- loopwatch:begin key=campaign:e2e-staging -->
    the bot's section (replaced on every update)
    <!-- loopwatch:end -->
    more text people wrote (kept)

The key in the begin marker lets the bot find an issue it created even when the answer
to the create call was lost. Comments start with ``<!-- loopwatch:comment key=... -->``.
GitHub refuses bodies over 65,536 characters, so the bot's section (never people's text)
is truncated with a note to fit.
"""

from __future__ import annotations

import re

MAX_BODY_CHARS = 65_536
END_MARKER = "<!-- loopwatch:end -->"

_BEGIN_RE = re.compile(r"<!-- loopwatch:begin key=(?P<key>[^\r\n]*?) -->")
_END_RE = re.compile(re.escape(END_MARKER))
_COMMENT_RE = re.compile(r"<!-- loopwatch:comment key=(?P<key>[^\r\n]*?) -->")
_FENCE_RE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
# Characters that could end the HTML comment or break the marker line are %-escaped.
_KEY_ESCAPES = {"%": "%25", ">": "%3E", "<": "%3C", "\n": "%0A", "\r": "%0D"}
_KEY_UNESCAPE_RE = re.compile("|".join(re.escape(v) for v in _KEY_ESCAPES.values()))
_KEY_UNESCAPES = {v: k for k, v in _KEY_ESCAPES.items()}


def _escape_key(key: str) -> str:
    return "".join(_KEY_ESCAPES.get(ch, ch) for ch in key)


def _unescape_key(escaped: str) -> str:
    return _KEY_UNESCAPE_RE.sub(lambda m: _KEY_UNESCAPES[m.group(0)], escaped)


def begin_marker(key: str) -> str:
    return f"<!-- loopwatch:begin key={_escape_key(key)} -->"


def comment_marker(key: str) -> str:
    return f"<!-- loopwatch:comment key={_escape_key(key)} -->"


def extract_key(body: str | None) -> str | None:
    """The key of the bot's section in an issue body, or None when there is none."""
    match = _BEGIN_RE.search(body or "")
    return _unescape_key(match.group("key")) if match else None


def extract_comment_key(body: str | None) -> str | None:
    """The key of a comment the bot posted, or None for anybody else's comment."""
    match = _COMMENT_RE.search(body or "")
    return _unescape_key(match.group("key")) if match else None


def _close_open_blocks(text: str) -> str:
    """Close a code fence or ``<details>`` left open by a cut, so the note stays visible."""
    open_fence: str | None = None
    for line in text.splitlines():
        match = _FENCE_RE.match(line)
        if not match:
            continue
        fence = match.group("fence")
        if open_fence is None:
            open_fence = fence
        elif (
            fence[0] == open_fence[0]
            and len(fence) >= len(open_fence)
            and not line.strip().strip(fence[0])
        ):
            open_fence = None
    closing = ""
    if open_fence is not None:
        closing += "\n" + open_fence
    unclosed_details = text.count("<details") - text.count("</details>")
    closing += "\n</details>" * max(unclosed_details, 0)
    return text + closing


def _truncation_note(omitted: int) -> str:
    return (
        f"\n\n> [!NOTE]\n> Truncated by Loopwatch: {omitted:,} characters did not fit "
        f"(GitHub allows {MAX_BODY_CHARS:,} per body)."
    )


def truncate_section(section: str, budget: int) -> str:
    """``section`` cut to at most ``budget`` characters, ending with a note if it was cut."""
    if len(section) <= budget:
        return section
    keep = budget - len(_truncation_note(len(section)))
    while keep > 0:
        cut = section[:keep]
        newline = cut.rfind("\n")
        if newline > keep // 2:
            cut = cut[:newline]
        cut = _close_open_blocks(cut.rstrip())
        result = cut + _truncation_note(len(section) - len(cut))
        if len(result) <= budget:
            return result
        keep -= len(result) - budget
    short = "> [!NOTE]\n> Loopwatch's section did not fit in this body."
    return short if len(short) <= budget else ""


def _wrap(key: str, section: str) -> str:
    return f"{begin_marker(key)}\n{section}\n{END_MARKER}"


def _split(existing: str) -> tuple[str, str] | None:
    """People's text before and after the bot's section, or None without markers."""
    begin = _BEGIN_RE.search(existing)
    if begin is None:
        return None
    end = _END_RE.search(existing, begin.end())
    # A person deleted the end marker: the bot's section runs to the end of the body.
    after = existing[end.end() :] if end else ""
    return existing[: begin.start()], after


def compose_body(existing: str | None, key: str, section: str) -> str:
    """The issue body with the bot's section replaced (or appended) and people's text kept.

    Always at most 65,536 characters: the bot's section is truncated with a note, never
    people's text. If people's text leaves no room even for a note, the bot's section
    says only that it did not fit.
    """
    if not existing or not existing.strip():
        before, after = "", ""
    else:
        parts = _split(existing)
        if parts is None:
            before, after = existing.rstrip() + "\n\n", ""
        else:
            before, after = parts
    room = MAX_BODY_CHARS - len(before) - len(after) - len(_wrap(key, ""))
    if room < 0:
        # Not even the markers fit beside people's text: keep their text as it is.
        return existing or ""
    return before + _wrap(key, truncate_section(section, room)) + after


def compose_comment(key: str, body: str) -> str:
    """A comment body: the marker line, then ``body`` (truncated to fit GitHub's limit)."""
    marker = comment_marker(key) + "\n"
    return marker + truncate_section(body, MAX_BODY_CHARS - len(marker))
