"""HTML pages a person can look at: an index of repositories and issues, and each issue."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.tasklists import tasklists_plugin

from loopwatch_sandbox.auth import sandbox
from loopwatch_sandbox.errors import GitHubError
from loopwatch_sandbox.state import Repo

router = APIRouter(include_in_schema=False)

# Raw HTML the bot writes (hidden markers, folded sections) is kept; anything else is escaped.
SAFE_TAG = re.compile(
    r"&lt;(/?)(details|summary|br|sub|sup|b|i|em|strong|kbd|code|p|ul|ol|li)(\s+open)?\s*(/?)&gt;",
    re.IGNORECASE,
)
TASK_CHECKBOXES = {
    '<input class="task-list-item-checkbox" checked="checked" disabled="disabled" type="checkbox">',
    '<input class="task-list-item-checkbox" disabled="disabled" type="checkbox">',
}
COMMENT = re.compile(r"&lt;!--(.*?)--&gt;", re.DOTALL)
STYLE = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:980px;margin:2em auto;
padding:0 1em;color:#1f2328;line-height:1.5}
a{color:#0969da}table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:4px 10px}
.label{display:inline-block;padding:0 8px;border-radius:2em;font-size:12px;margin-right:4px}
.state{display:inline-block;padding:2px 12px;border-radius:2em;color:#fff;font-weight:600}
.open{background:#1f883d}.closed{background:#8250df}.box{border:1px solid #d0d7de;border-radius:6px;
margin:1em 0}.box header{background:#f6f8fa;padding:6px 12px;border-bottom:1px solid #d0d7de}
.box .body{padding:0 12px}pre{background:#f6f8fa;padding:12px;overflow:auto}
"""


def _html_filter(
    _renderer: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any
) -> str:
    """markdown-it render rule (bound like a method, hence ``_renderer``)."""
    if tokens[idx].content in TASK_CHECKBOXES:  # written by the task-list plugin itself
        return tokens[idx].content
    escaped = escape(tokens[idx].content, quote=False)
    escaped = COMMENT.sub(lambda m: f"<!--{m.group(1)}-->", escaped)
    return SAFE_TAG.sub(
        lambda m: f"<{m.group(1)}{m.group(2)}{m.group(3) or ''}{m.group(4)}>", escaped
    )


def markdown() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .use(tasklists_plugin)  # `- [x]` as a checkbox, as GitHub shows it
    )
    md.add_render_rule("html_block", _html_filter)
    md.add_render_rule("html_inline", _html_filter)
    return md


def render_markdown(text: str | None) -> str:
    html: str = markdown().render(text or "")
    return html


def _page(title: str, content: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>{content}</body></html>"
    )


def _label_chip(name: str, color: str) -> str:
    dark = int(color[:2], 16) * 0.299 + int(color[2:4], 16) * 0.587 + int(color[4:], 16) * 0.114
    text = "#000" if dark > 150 else "#fff"
    return f"<span class='label' style='background:#{color};color:{text}'>{escape(name)}</span>"


def _repo_section(repo: Repo) -> str:
    rows = "".join(
        f"<li><span class='state {i.state}'>{i.state}</span> "
        f"<a href='/{repo.full_name}/issues/{i.number}'>#{i.number} {escape(i.title)}</a></li>"
        for i in sorted(repo.issues.values(), key=lambda i: i.number, reverse=True)
    )
    runs = "".join(
        f"<li><a href='/{repo.full_name}/runs/{r.id}'>{escape(r.name)}</a> on "
        f"<code>{escape(r.head_sha[:7])}</code>: {r.status} {r.conclusion or ''}</li>"
        for r in sorted(repo.check_runs.values(), key=lambda r: r.id, reverse=True)
    )
    checks = f"<h3>Check runs</h3><ul>{runs}</ul>" if runs else ""
    return f"<h2>{escape(repo.full_name)}</h2><ul>{rows or '<li>No issues yet</li>'}</ul>{checks}"


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    state = sandbox(request)
    sections = "".join(_repo_section(r) for r in state.repos.values())
    return _page(
        "Loopwatch sandbox",
        f"<h1>Loopwatch GitHub sandbox</h1>{sections or '<p>No repositories yet.</p>'}",
    )


@router.get("/{owner}/{repo}/issues/{number:int}", response_class=HTMLResponse)
@router.get("/{owner}/{repo}/pull/{number:int}", response_class=HTMLResponse)
async def issue_page(request: Request, owner: str, repo: str, number: int) -> HTMLResponse:
    state = sandbox(request)
    try:
        found = state.repo(owner, repo)
        issue = found.issue(number)
    except GitHubError:
        return HTMLResponse("<h1>404 Not Found</h1>", status_code=404)
    labels = "".join(
        _label_chip(found.labels[i].name, found.labels[i].color)
        for i in issue.label_ids
        if i in found.labels
    )
    kind = "<b>Pull request</b> " if issue.is_pull_request else ""
    comments = "".join(
        f"<div class='box' id='issuecomment-{c.id}'><header><b>{escape(c.user.login)}</b> "
        f"commented {c.created_at:%Y-%m-%d %H:%M} UTC</header>"
        f"<div class='body'>{render_markdown(c.body)}</div></div>"
        for c in found.comments_of(number)
    )
    return _page(
        f"{issue.title} · #{number}",
        f"<p><a href='/'>sandbox</a> / {escape(found.full_name)}</p>"
        f"<h1>{escape(issue.title)} <span style='color:#59636e'>#{number}</span></h1>"
        f"<p><span class='state {issue.state}'>{issue.state}</span> {kind}{labels}</p>"
        f"<div class='box'><header><b>{escape(issue.user.login)}</b> opened "
        f"{issue.created_at:%Y-%m-%d %H:%M} UTC</header>"
        f"<div class='body'>{render_markdown(issue.body)}</div></div>{comments}",
    )


@router.get("/{owner}/{repo}/runs/{run_id:int}", response_class=HTMLResponse)
async def check_run_page(request: Request, owner: str, repo: str, run_id: int) -> HTMLResponse:
    state = sandbox(request)
    try:
        run = state.repo(owner, repo).check_runs[run_id]
    except (GitHubError, KeyError):
        return HTMLResponse("<h1>404 Not Found</h1>", status_code=404)
    rows = "".join(
        f"<tr><td>{escape(a['annotation_level'])}</td><td><code>{escape(a['path'])}:"
        f"{a['start_line']}</code></td><td>{escape(a.get('title') or '')}</td>"
        f"<td><pre>{escape(a['message'])}</pre></td></tr>"
        for a in run.annotations
    )
    table = f"<h2>Annotations</h2><table>{rows}</table>" if rows else ""
    return _page(
        f"{run.name} · check run",
        f"<p><a href='/'>sandbox</a> / {escape(owner)}/{escape(repo)}</p>"
        f"<h1>{escape(run.name)}</h1><p>{run.status} {run.conclusion or ''} on "
        f"<code>{escape(run.head_sha)}</code></p>"
        f"<h2>{escape(run.output.get('title') or '')}</h2>"
        f"<div class='box'><div class='body'>{render_markdown(run.output.get('summary'))}"
        f"{render_markdown(run.output.get('text'))}</div></div>{table}",
    )
