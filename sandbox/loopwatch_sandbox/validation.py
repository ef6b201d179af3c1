"""GitHub's limits and the 422 answers it gives when they are broken."""

from __future__ import annotations

from typing import Any

from loopwatch_sandbox.errors import GitHubError, invalid

MAX_BODY = 65_536
MAX_SUMMARY = 65_535  # check-run output.summary / output.text, counted in UTF-8 bytes here
MAX_ANNOTATIONS = 50  # per request; GitHub documents no total cap per check run
MAX_ANNOTATION_TITLE = 255  # characters
MAX_ANNOTATION_TEXT = 64 * 1024  # annotation message / raw_details, UTF-8 bytes
MAX_LABELS = 100


def too_long(resource: str, field: str, limit: int) -> GitHubError:
    return invalid(
        resource,
        field,
        "custom",
        message=f"{field} is too long (maximum is {limit} characters)",
    )


def too_many_bytes(resource: str, field: str, limit: int, size: int) -> GitHubError:
    return invalid(
        resource,
        field,
        "custom",
        message=f"{field} is too long ({size} bytes; maximum is {limit} bytes of UTF-8)",
    )


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def bounded_bytes(value: Any, resource: str, field: str, limit: int) -> str | None:
    """An optional string (null allowed) of at most ``limit`` UTF-8 bytes.

    GitHub counts characters; the sandbox counts bytes, which is what Loopwatch promises,
    so text that passes here passes on GitHub too."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(resource, field)
    size = utf8_size(value)
    if size > limit:
        raise too_many_bytes(resource, field, limit, size)
    return value


def text_field(
    body: dict[str, Any], field: str, resource: str, limit: int = MAX_BODY
) -> str | None:
    """An optional string field (null allowed), at most ``limit`` characters."""
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(resource, field)
    if len(value) > limit:
        raise too_long(resource, field, limit)
    return value


def required_text(body: dict[str, Any], field: str, resource: str, limit: int = MAX_BODY) -> str:
    value = body.get(field)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # GitHub accepts a number as a title
    if value is None or (isinstance(value, str) and not value.strip()):
        raise invalid(resource, field, "missing_field")
    checked = text_field({field: value}, field, resource, limit)
    assert checked is not None
    return checked


def one_of(value: Any, allowed: tuple[str | None, ...], resource: str, field: str) -> Any:
    if value not in allowed:
        raise invalid(resource, field)
    return value


def string_list(value: Any, resource: str, field: str) -> list[str]:
    """A list of names; label objects ``{"name": ...}`` are accepted as GitHub does."""
    if not isinstance(value, list):
        raise invalid(resource, field)
    names: list[str] = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            names.append(item["name"])
        elif isinstance(item, str) and item.strip():
            names.append(item)
        else:
            raise invalid(resource, field)
    return names
