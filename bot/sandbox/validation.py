"""GitHub's limits and the 422 answers it gives when they are broken."""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import GitHubError, invalid

MAX_BODY = 65_536
MAX_SUMMARY = 65_535
MAX_ANNOTATIONS = 50
MAX_LABELS = 100


def too_long(resource: str, field: str, limit: int) -> GitHubError:
    return invalid(
        resource,
        field,
        "custom",
        message=f"{field} is too long (maximum is {limit} characters)",
    )


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
