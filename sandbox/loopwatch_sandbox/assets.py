"""Scripts the sandbox's pages load, served from a local copy: the pages fetch nothing from
outside (no CDN), as tests and demos run on machines without general internet access.

Mermaid is installed by ``make mermaid`` (``npm install --prefix .cache/mermaid mermaid@11``,
run by ``make venv``); ``LOOPWATCH_SANDBOX_MERMAID_JS`` points at another copy.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response

from loopwatch_sandbox.auth import sandbox
from loopwatch_sandbox.config import MERMAID_JS_ENV

MERMAID_URL = "/_sandbox/assets/mermaid.min.js"
MERMAID_MISSING = (
    "Mermaid charts are shown as source: this sandbox has no local copy of mermaid.js. "
    "Run <code>make mermaid</code> (npm install --prefix .cache/mermaid mermaid@11) "
    f"or set <code>{MERMAID_JS_ENV}</code>, then restart the sandbox."
)

router = APIRouter(prefix="/_sandbox/assets", include_in_schema=False)


@router.get("/mermaid.min.js")
async def mermaid_js(request: Request) -> Response:
    path = sandbox(request).config.mermaid_js
    if path is None or not path.is_file():
        return PlainTextResponse("mermaid.js is not installed in this sandbox", status_code=404)
    return FileResponse(path, media_type="text/javascript")
