"""The help, generated from the command records (for ``/help``, replies and the docs)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.handlers.commands.spec import WHERE_TEXT, Command, Level, Where

_ORDER = (Where.CLUSTER, Where.CAMPAIGN, Where.PULL_REQUEST, Where.ISSUE)


def typed(prefix: str, text: str) -> str:
    return f"/{prefix} {text}" if prefix else f"/{text}"


def who(command: Command, level: Level) -> str:
    text = level.label
    if level is not Level.NONE:
        text += " and up"
    if command.author_may and level is not Level.NONE:
        text += ", or the author"
    return text


def where_text(command: Command) -> str:
    if command.where == frozenset(Where):
        return "anywhere"
    return ", ".join(WHERE_TEXT[w] for w in _ORDER if w in command.where)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def help_table(commands: Iterable[tuple[Command, Level]], prefix: str) -> str:
    lines = ["| command | who | where | what |", "|---|---|---|---|"]
    for command, level in commands:
        lines.append(
            f"| `{_cell(typed(prefix, command.help.usage))}` | {who(command, level)} "
            f"| {where_text(command)} | {_cell(command.help.description)} |"
        )
    return "\n".join(lines)


def full_help(commands: Iterable[tuple[Command, Level]], prefix: str) -> str:
    """The table, then examples and block formats per command."""
    listed = list(commands)
    parts = [help_table(listed, prefix)]
    examples: list[str] = []
    for command, _ in listed:
        if not command.help.examples and not command.help.block:
            continue
        lines = [typed(prefix, example) for example in command.help.examples]
        if command.help.block:
            lines = [typed(prefix, command.name), command.help.block]
        examples.append(f"`{typed(prefix, command.name)}`:\n```\n" + "\n".join(lines) + "\n```")
    if examples:
        parts.append("**Examples**\n\n" + "\n\n".join(examples))
    return "\n\n".join(parts)


def how_to_talk(commands: Iterable[tuple[Command, Level]], prefix: str) -> str:
    """The folded block under every reply."""
    names = ", ".join(f"`{typed(prefix, command.name)}`" for command, _ in commands)
    return (
        "<details><summary>How to talk to me</summary>\n\n"
        "Type a command at the start of a line in a comment (quoted lines and code blocks "
        "are ignored). Several commands in one comment run in order; an edited comment "
        f"runs only the lines it added. Commands here: {names}. "
        f"`{typed(prefix, 'help')}` explains each one, with who may use it.\n\n"
        "</details>"
    )
