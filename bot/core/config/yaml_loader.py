"""YAML for the config file: no aliases, no duplicate keys, errors in plain words."""

from __future__ import annotations

from typing import Any

import yaml


class NoAliasLoader(yaml.SafeLoader):
    """safe_load, but anchors/aliases are refused (no "billion laughs" expansion)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None,
                None,
                "aliases (*name) are not supported; repeat the values instead",
                event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


_YAML_PROBLEMS = (
    ("expected <block end>", "bad indentation: this line does not line up with the ones above"),
    ("mapping values are not allowed", "unexpected ':'; put quotes around text containing ': '"),
    ("cannot start any token", "this character cannot start a value; use spaces, not tabs"),
    ("could not find expected ':'", "a key without ':' (or a line indented too little)"),
    ("found unexpected end of stream", "a quote or bracket is never closed"),
    ("expected ',' or ']'", "a [list] is not closed with ']' or misses a ','"),
    ("expected ',' or '}'", "a {mapping} is not closed with '}' or misses a ','"),
    ("duplicate key", "this key appears twice in the same mapping; keep one"),
)


def yaml_error_text(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        problem = exc.problem or "invalid YAML"
        where = f"line {mark.line + 1}, column {mark.column + 1}"
        if "alias" in problem:
            return f"{where}: {problem}"
        plain = next((text for key, text in _YAML_PROBLEMS if key in problem), None)
        detail = problem + (f", {exc.context}" if exc.context else "")
        if plain:
            return f"{where}: {plain} (YAML says: {detail})"
        return f"{where}: {detail}. Check the indentation and quoting there."
    return f"invalid YAML: {exc}"
