"""The tool's own versioned JSON files (``inventory.json``, ``findings.json``): reading them, writing them a piece
at a time, and their schema.

Both are user input to a later run (``--from-inventory``, ``--baseline``, ``diff``, ``merge``), so anything
wrong with one ends the run with one line naming the file and the problem (exit 2), never a traceback.

Their JSON Schemas are the pydantic models' own, in serialization mode (the shape the tool writes), with the
dialect declared; ``auditor schema findings`` prints the one published as ``docs/findings.schema.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from auditor.errors import InputError, describe_validation_error
from auditor.util.inputfile import DOCUMENT_LIMIT, STDIN, STDIN_NAME, parse_problem, read_input

M = TypeVar("M", bound=BaseModel)

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"  # what pydantic's generator emits


def load_versioned(path: Path, model: type[M], *, kind: str, schema_version: str, stdin: bool = False) -> M:
    """Parse ``path`` as ``model``; ``kind`` names the file in messages ("inventory", "findings"). With ``stdin``,
    ``-`` is standard input (where the command's help says so)."""
    data = read_input(Path(path), kind, DOCUMENT_LIMIT, stdin=stdin)  # bounded: never a FIFO's endless wait
    name = STDIN_NAME if stdin and Path(path) == STDIN else str(path)  # how the messages name it
    try:
        text = data.decode("utf-8")
        raw = json.loads(text)
    except UnicodeDecodeError:
        raise InputError(f"{name}: not a {kind} file (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except (RecursionError, ValueError) as exc:
        problem = parse_problem(exc)
        if problem is None:
            raise
        raise InputError(f"{name}: not a usable {kind} file: {problem}") from None
    if not isinstance(raw, dict) or "schema_version" not in raw:
        raise InputError(f"{name}: not an auditor {kind} file (no schema_version)")
    other = _kind_of(raw)
    if other is not None and other != kind:
        raise InputError(f"{name}: this is an auditor {other} file, expected a {kind} file")
    if _ESCAPED_SURROGATE.search(text):
        raw = _without_lone_surrogates(raw)
    if raw["schema_version"] != schema_version:
        raise InputError(
            f"{name}: {kind} schema_version {raw['schema_version']!r} is not supported "
            f"(this auditor reads {schema_version!r})"
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InputError(f"{name}: invalid {kind} file: {describe_validation_error(exc)}") from None


# JSON can spell a lone UTF-16 surrogate ("\ud800"); Python then holds a str that no UTF-8 writer accepts.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

# A key only each kind of file has at its top level: naming the kind beats a 200 KB validation error.
_KIND_MARKERS = {"inventory": "collection", "findings": "findings"}


def _kind_of(raw: dict[str, Any]) -> str | None:
    kinds = [kind for kind, marker in _KIND_MARKERS.items() if marker in raw]
    return kinds[0] if len(kinds) == 1 else None


def _without_lone_surrogates(value: Any) -> Any:
    """Every string with its lone surrogates replaced by U+FFFD, so every report can still be written."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)  # json.loads has already joined the valid pairs
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    return value


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    return {"$schema": SCHEMA_DIALECT, **model.model_json_schema(mode="serialization")}


def schema_text(model: type[BaseModel]) -> str:
    """The schema as published: indented, UTF-8 characters kept, one trailing newline."""
    return json.dumps(json_schema(model), indent=2, ensure_ascii=False) + "\n"


def splice_json_lists(
    skeleton: bytes, lists: Sequence[tuple[tuple[str | int, ...], Iterable[bytes]]]
) -> Iterator[bytes]:
    """The bytes of a JSON document indented by 2, with its long lists streamed into it: how the inventory and
    the large reports are written without holding their whole text (130 MB for findings.json at 40,000 findings).

    ``skeleton`` is the document dumped with those lists empty. Each list is named by its path from the top,
    e.g. ``("readiness", "iam_users")`` or ``("runs", 0, "results")``: its key with the indentation of that
    depth, ``"key": []``, must be in the skeleton exactly once (a JSON string cannot hold the unescaped quotes
    of a key), and the lists come in document order. Each list's batches are JSON lists of its next items, each
    dumped on its own with indent 2. The result is byte for byte the document dumped whole.
    """
    rest = skeleton
    for path, batches in lists:
        indent = b"  " * len(path)
        marker = b"\n" + indent + f'"{path[-1]}": []'.encode()
        if rest.count(marker) != 1:
            where = ".".join(str(step) for step in path)
            raise ValueError(f"the skeleton must hold {where} as an empty list exactly once, after the lists before it")
        head, rest = rest.split(marker)
        yield head + marker[:-1]
        empty = True
        for batch in batches:
            if batch == b"[]":
                continue
            items = batch[len(b"[\n") : -len(b"\n]")]  # at indent 2, to go under the key's indentation
            yield (b"\n" if empty else b",\n") + indent + items.replace(b"\n", b"\n" + indent)
            empty = False
        yield b"]" if empty else b"\n" + indent + b"]"
    yield rest
