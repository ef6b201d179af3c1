"""Finding slash-command lines in a comment body (pure).

A command is a line that starts with ``/name`` (or ``/<prefix> name`` when the
repository configures a prefix), at the start of the line after at most three spaces.
So a quoted ``> /mute`` in a reply never fires, and neither does anything inside a fenced
code block, an indented code block or an HTML comment. A command may own the lines
right below it (``/five-whys`` reads its steps from there): its *block*, the non-blank
lines that follow it up to the first blank line or the next command.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_NAME = r"(?P<name>[A-Za-z][A-Za-z0-9_-]{0,39})"
_ARGS = r"(?:[ \t]+(?P<args>.*?))?[ \t]*$"
MAX_COMMANDS_PER_BODY = 20


@dataclass(frozen=True, slots=True)
class CommandLine:
    """One command line as typed."""

    name: str  # lower-cased
    args: str
    text: str  # the line, stripped (for quoting it back)
    index: int  # 0-based line number in the body
    occurrence: int  # 1 for the first line with this text, 2 for a repeat, ...
    block: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Identifies this line within its comment (stable across edits elsewhere)."""
        digest = hashlib.sha256(f"{self.occurrence}\0{self.text}".encode()).hexdigest()
        return digest[:40]


def command_pattern(prefix: str = "") -> re.Pattern[str]:
    """The anchored pattern of a command line: ``/name args`` or ``/prefix name args``."""
    head = rf"/{re.escape(prefix)}[ \t]+" if prefix else "/"
    return re.compile(rf"^ {{0,3}}{head}{_NAME}{_ARGS}", re.IGNORECASE)


def _code_mask(lines: list[str]) -> list[bool]:
    """True for lines inside fenced code blocks, indented code or HTML comments."""
    masked = [False] * len(lines)
    fence: str | None = None
    in_comment = False
    for i, line in enumerate(lines):
        if fence is not None:
            masked[i] = True
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = None
            continue
        if in_comment:
            masked[i] = True
            if "-->" in line:
                in_comment = False
            continue
        opened = _FENCE.match(line)
        if opened:
            fence, masked[i] = opened.group(1), True
            continue
        if line.lstrip().startswith("<!--"):
            masked[i] = True
            in_comment = "-->" not in line.split("<!--", 1)[1]
            continue
        if line.startswith(("    ", "\t")):
            masked[i] = True
    return masked


def find_commands(body: str | None, prefix: str = "") -> list[CommandLine]:
    """The command lines of ``body`` in order (at most ``MAX_COMMANDS_PER_BODY``)."""
    if not body:
        return []
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    masked = _code_mask(lines)
    pattern = command_pattern(prefix)
    hits: list[tuple[int, re.Match[str]]] = []
    for i, line in enumerate(lines):
        if not masked[i]:
            found = pattern.match(line)
            if found:
                hits.append((i, found))
    starts = {i for i, _ in hits}
    seen: dict[str, int] = {}
    commands: list[CommandLine] = []
    for i, found in hits[:MAX_COMMANDS_PER_BODY]:
        text = lines[i].strip()
        seen[text] = seen.get(text, 0) + 1
        commands.append(
            CommandLine(
                name=found.group("name").lower(),
                args=(found.group("args") or "").strip(),
                text=text,
                index=i,
                occurrence=seen[text],
                block=_block_after(lines, masked, starts, i),
            )
        )
    return commands


def _block_after(
    lines: list[str], masked: list[bool], starts: set[int], index: int
) -> tuple[str, ...]:
    block: list[str] = []
    for j in range(index + 1, len(lines)):
        if j in starts:
            break
        line = lines[j]
        if not line.strip():
            if block:
                break
            continue  # one blank line may separate the command from its block
        if masked[j]:
            break
        block.append(line.strip())
    return tuple(block)


def added_commands(before: str | None, after: str | None, prefix: str = "") -> list[CommandLine]:
    """The command lines of ``after`` that ``before`` did not have (an edited comment)."""
    old = {line.key for line in find_commands(before, prefix)}
    return [line for line in find_commands(after, prefix) if line.key not in old]
