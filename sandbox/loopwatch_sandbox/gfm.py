"""Markdown to HTML the way github.com shows an issue: task lists, alerts, Mermaid blocks, and
tables that scroll instead of widening the page.

Raw HTML the bot writes (hidden markers, folded sections) is kept; anything else is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from html import escape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from mdit_py_plugins.tasklists import tasklists_plugin

SAFE_TAG = re.compile(
    r"&lt;(/?)(details|summary|br|sub|sup|b|i|em|strong|kbd|code|p|ul|ol|li)(\s+open)?\s*(/?)&gt;",
    re.IGNORECASE,
)
TASK_CHECKBOXES = {
    '<input class="task-list-item-checkbox" checked="checked" disabled="disabled" type="checkbox">',
    '<input class="task-list-item-checkbox" disabled="disabled" type="checkbox">',
}
COMMENT = re.compile(r"&lt;!--(.*?)--&gt;", re.DOTALL)
MERMAID_CLASS = 'class="mermaid"'

# markdown-it render rules are bound like methods, hence the leading ``renderer`` argument.


def _html_filter(
    _renderer: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any
) -> str:
    if tokens[idx].content in TASK_CHECKBOXES:  # written by the task-list plugin itself
        return tokens[idx].content
    escaped = escape(tokens[idx].content, quote=False)
    escaped = COMMENT.sub(lambda m: f"<!--{m.group(1)}-->", escaped)
    return SAFE_TAG.sub(
        lambda m: f"<{m.group(1)}{m.group(2)}{m.group(3) or ''}{m.group(4)}>", escaped
    )


def _fence(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """```mermaid blocks become ``<pre class="mermaid">`` for mermaid.js to draw in the page."""
    if tokens[idx].info.strip().split(maxsplit=1)[:1] == ["mermaid"]:
        return f"<pre {MERMAID_CLASS}>{escape(tokens[idx].content)}</pre>\n"
    html: str = RendererHTML.fence(renderer, tokens, idx, options, env)
    return html


def _table_open(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    opened: str = renderer.renderToken(tokens, idx, options, env)
    return f'<div class="table-wrap">{opened}'


def _table_close(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    closed: str = renderer.renderToken(tokens, idx, options, env)
    return f"{closed}</div>\n"


@cache
def markdown() -> MarkdownIt:
    md = (
        # "alerts": `> [!NOTE]` … as GitHub's callouts (markdown-it-py >= 4.1)
        MarkdownIt("commonmark", {"html": True, "alerts": True})
        .enable(["table", "strikethrough"])
        .use(tasklists_plugin)  # `- [x]` as a checkbox, as GitHub shows it
    )
    md.add_render_rule("html_block", _html_filter)
    md.add_render_rule("html_inline", _html_filter)
    md.add_render_rule("fence", _fence)
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    return md


def render_markdown(text: str | None) -> str:
    html: str = markdown().render(text or "")
    return html
