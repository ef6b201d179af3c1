"""HTML pages a person can look at: an index of repositories and issues, and each issue."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from loopwatch_sandbox.assets import MERMAID_MISSING, MERMAID_URL
from loopwatch_sandbox.auth import sandbox
from loopwatch_sandbox.errors import GitHubError
from loopwatch_sandbox.gfm import MERMAID_CLASS, render_markdown
from loopwatch_sandbox.state import Repo

__all__ = ["render_markdown", "router"]

router = APIRouter(include_in_schema=False)

# GitHub's look, and its colours for the five kinds of alert.
STYLE = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:980px;margin:2em auto;
padding:0 1em;color:#1f2328;line-height:1.5;overflow-wrap:break-word}
a{color:#0969da}table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:4px 10px}
.table-wrap{overflow-x:auto;max-width:100%;margin-bottom:1em}img,svg{max-width:100%}
.label{display:inline-block;padding:0 8px;border-radius:2em;font-size:12px;margin-right:4px}
.state{display:inline-block;padding:2px 12px;border-radius:2em;color:#fff;font-weight:600}
.open{background:#1f883d}.closed{background:#8250df}.box{border:1px solid #d0d7de;border-radius:6px;
margin:1em 0}.box header{background:#f6f8fa;padding:6px 12px;border-bottom:1px solid #d0d7de}
.box .body{padding:0 12px}pre{background:#f6f8fa;padding:12px;overflow:auto}
pre.mermaid{background:none;text-align:center}
.markdown-alert{padding:8px 16px;margin:0 0 16px;border-left:.25em solid #d0d7de}
.markdown-alert>:first-child{margin-top:0}.markdown-alert>:last-child{margin-bottom:0}
.markdown-alert-title{font-weight:500}
.markdown-alert-note{border-color:#0969da}.markdown-alert-note .markdown-alert-title{color:#0969da}
.markdown-alert-tip{border-color:#1a7f37}.markdown-alert-tip .markdown-alert-title{color:#1a7f37}
.markdown-alert-important{border-color:#8250df}
.markdown-alert-important .markdown-alert-title{color:#8250df}
.markdown-alert-warning{border-color:#9a6700}
.markdown-alert-warning .markdown-alert-title{color:#9a6700}
.markdown-alert-caution{border-color:#d1242f}
.markdown-alert-caution .markdown-alert-title{color:#d1242f}
.sandbox-note{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:8px 12px}
"""


def _page(request: Request, title: str, content: str) -> HTMLResponse:
    """A whole page; with Mermaid blocks, the sandbox's copy of mermaid.js to draw them (as
    github.com draws them in the browser), or a note saying why they stay source."""
    charts = ""
    if MERMAID_CLASS in content:
        if sandbox(request).config.mermaid_js is not None:
            charts = (
                f"<script src='{MERMAID_URL}'></script>"
                "<script>mermaid.initialize({startOnLoad: true});</script>"
            )
        else:
            content = f"<p class='sandbox-note'>{MERMAID_MISSING}</p>{content}"
    return HTMLResponse(
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{content}{charts}</body></html>"
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
        request,
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
        request,
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
    table = (
        f"<h2>Annotations</h2><div class='table-wrap'><table>{rows}</table></div>" if rows else ""
    )
    return _page(
        request,
        f"{run.name} · check run",
        f"<p><a href='/'>sandbox</a> / {escape(owner)}/{escape(repo)}</p>"
        f"<h1>{escape(run.name)}</h1><p>{run.status} {run.conclusion or ''} on "
        f"<code>{escape(run.head_sha)}</code></p>"
        f"<h2>{escape(run.output.get('title') or '')}</h2>"
        f"<div class='box'><div class='body'>{render_markdown(run.output.get('summary'))}"
        f"{render_markdown(run.output.get('text'))}</div></div>{table}",
    )
