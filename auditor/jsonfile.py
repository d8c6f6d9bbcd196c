"""The tool's own versioned JSON files (``inventory.json``, ``findings.json``): reading them, and their schema.

Both are user input to a later run (``--from-inventory``, ``--baseline``, ``diff``, ``merge``), so anything
wrong with one ends the run with one line naming the file and the problem (exit 2), never a traceback.

Their JSON Schemas are the pydantic models' own, in serialization mode (the shape the tool writes), with the
dialect declared; ``auditor schema findings`` prints the one published as ``docs/findings.schema.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from auditor.errors import InputError, describe_validation_error

M = TypeVar("M", bound=BaseModel)

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"  # what pydantic's generator emits


def load_versioned(path: Path, model: type[M], *, kind: str, schema_version: str) -> M:
    """Parse ``path`` as ``model``; ``kind`` names the file in messages ("inventory", "findings")."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such {kind} file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a {kind} file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a {kind} file (not UTF-8 text)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read {kind} file: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(raw, dict) or "schema_version" not in raw:
        raise InputError(f"{path}: not an auditor {kind} file (no schema_version)")
    if raw["schema_version"] != schema_version:
        raise InputError(
            f"{path}: {kind} schema_version {raw['schema_version']!r} is not supported "
            f"(this auditor reads {schema_version!r})"
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InputError(f"{path}: invalid {kind} file: {describe_validation_error(exc)}") from None


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    return {"$schema": SCHEMA_DIALECT, **model.model_json_schema(mode="serialization")}


def schema_text(model: type[BaseModel]) -> str:
    """The schema as published: indented, UTF-8 characters kept, one trailing newline."""
    return json.dumps(json_schema(model), indent=2, ensure_ascii=False) + "\n"
