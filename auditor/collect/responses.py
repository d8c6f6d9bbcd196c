"""Small readers for AWS response shapes, shared by the collectors so each shape is read one way."""

from __future__ import annotations

from typing import Any


def result_list(response: dict[str, Any] | None, key: str) -> list[Any]:
    """The list under ``key``; empty when the call failed (its failure is already an error entry)."""
    return list(response.get(key, [])) if response else []


def tag_dict(tags: list[dict[str, str]]) -> dict[str, str]:
    """AWS's ``[{"Key": k, "Value": v}]`` as a dict with sorted keys, so saved inventories diff cleanly."""
    return {tag["Key"]: tag["Value"] for tag in sorted(tags, key=lambda tag: tag["Key"])}
