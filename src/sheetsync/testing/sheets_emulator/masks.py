"""Google field masks (``fields=sheets.properties,properties(title,locale)``)."""

from __future__ import annotations

from typing import Any

Mask = dict[str, Any]


def parse_mask(text: str) -> Mask:
    """Parse a field mask into a tree of names; an empty subtree selects everything."""
    tree: Mask = {}
    _parse_list(text.replace(" ", ""), 0, tree)
    return tree


def _parse_list(text: str, pos: int, tree: Mask) -> int:
    while pos < len(text):
        start = pos
        while pos < len(text) and text[pos] not in ",()":
            pos += 1
        node = _path_node(tree, text[start:pos])
        if pos < len(text) and text[pos] == "(":
            pos = _parse_list(text, pos + 1, node)
            pos += 1  # the closing parenthesis
        if pos < len(text) and text[pos] == ")":
            return pos
        pos += 1  # the comma
    return pos


def _path_node(tree: Mask, path: str) -> Mask:
    node = tree
    for name in path.replace("/", ".").split("."):
        if name:
            node = node.setdefault(name, {})
    return node


def apply_mask(value: Any, tree: Mask) -> Any:
    """Keep only the parts of ``value`` that the mask selects (lists are mapped over)."""
    if not tree or tree.get("*") == {}:
        return value
    if isinstance(value, list):
        return [apply_mask(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    return {key: apply_mask(value[key], sub) for key, sub in tree.items() if key in value}


def mask_paths(text: str) -> list[list[str]]:
    """Return the leaf paths of a mask: ``a/b,c`` -> ``[["a", "b"], ["c"]]``."""
    paths: list[list[str]] = []

    def walk(node: Mask, prefix: list[str]) -> None:
        for key, sub in node.items():
            if sub:
                walk(sub, [*prefix, key])
            else:
                paths.append([*prefix, key])

    walk(parse_mask(text), [])
    return paths


def copy_fields(target: dict[str, Any], source: dict[str, Any], fields: str) -> None:
    """Copy the masked fields from ``source`` into ``target`` (absent ones are removed)."""
    if fields.strip() == "*":
        target.update({k: v for k, v in source.items() if k not in ("sheetId",)})
        return
    for path in mask_paths(fields):
        src: Any = source
        dst = target
        for name in path[:-1]:
            src = src.get(name, {}) if isinstance(src, dict) else {}
            dst = dst.setdefault(name, {})
        leaf = path[-1]
        value = _without_nulls(src.get(leaf)) if isinstance(src, dict) else None
        if value is None or value == {}:
            dst.pop(leaf, None)
        else:
            dst[leaf] = value


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: _without_nulls(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in kept.items() if v != {}}
    return value
