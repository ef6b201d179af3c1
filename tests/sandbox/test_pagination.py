"""Following GitHub's ``Link: rel="next"`` from page 1 visits every item exactly once."""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

from hypothesis import given
from hypothesis import strategies as st
from loopwatch_sandbox.web import paginate
from starlette.requests import Request

NEXT = re.compile(r'<([^>]+)>; rel="next"')


def _request(query: str) -> Request:
    app = SimpleNamespace(
        state=SimpleNamespace(
            sandbox=SimpleNamespace(config=SimpleNamespace(root="http://sandbox"))
        )
    )
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/repos/o/r/issues",
        "query_string": query.encode(),
        "headers": [],
        "app": app,
    }
    return Request(scope)


@given(total=st.integers(0, 250), per_page=st.integers(1, 100))
def test_next_links_walk_every_item_once(total: int, per_page: int) -> None:
    items = list(range(total))
    seen: list[int] = []
    query = f"per_page={per_page}&state=all"
    for _ in range(300):
        chunk, headers = paginate(_request(query), items)
        seen += chunk
        found = NEXT.search(headers.get("Link", ""))
        if not found:
            break
        url = urlsplit(found.group(1))
        assert url.path == "/repos/o/r/issues"
        assert parse_qs(url.query)["state"] == ["all"]  # other filters survive
        query = url.query
    assert seen == items


def test_per_page_is_capped_at_100() -> None:
    chunk, headers = paginate(_request("per_page=500"), list(range(250)))
    assert len(chunk) == 100 and 'page=3>; rel="last"' in headers["Link"]
