"""``findings.json``: the findings document itself, written as JSON.

The JSON report is the document (``FindingsDocument``), so ``--baseline``, ``diff`` and ``merge`` read back
exactly what this writes (``FindingsDocument.load``). Output is deterministic: the same document gives the same
bytes. Its JSON Schema is published as ``docs/findings.schema.json`` (``auditor schema findings``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from pydantic import TypeAdapter

from auditor.findings import Finding, FindingsDocument
from auditor.readiness.models import IamUserReadiness
from auditor.reporter import Reporter
from auditor.util.jsonfile import splice_json_lists

_FINDINGS = TypeAdapter(list[Finding])
_IAM_USERS = TypeAdapter(list[IamUserReadiness])
_ITEMS_PER_WRITE = 1000


class JsonReporter(Reporter):
    name = "json"
    default_filename = "findings.json"
    description = "the findings document, for machines, baselines, diff and merge"

    def render(self, document: FindingsDocument) -> bytes:
        return (document.dump_json() + "\n").encode("utf-8")

    def write(self, document: FindingsDocument, stream: BinaryIO) -> None:
        """The bytes of :meth:`render`, the findings and the readiness section's IAM users (one entry per user) a
        thousand at a time: the document's JSON is never held whole (at 40,000 findings it is 130 MB, twice over
        as text and then UTF-8)."""
        if type(self).render is not JsonReporter.render:  # a subclass that renders its own bytes: write those
            super().write(document, stream)
            return
        lists: list[tuple[tuple[str | int, ...], Iterable[bytes]]] = [
            (("findings",), _batches(_FINDINGS, document.findings))
        ]
        update: dict[str, Any] = {"findings": []}
        if document.readiness is not None:
            lists.append((("readiness", "iam_users"), _batches(_IAM_USERS, document.readiness.iam_users)))
            update["readiness"] = document.readiness.model_copy(update={"iam_users": []})
        skeleton = document.model_copy(update=update).dump_json().encode()
        for chunk in splice_json_lists(skeleton, lists):
            stream.write(chunk)
        stream.write(b"\n")


def _batches(adapter: TypeAdapter[list[Any]], items: list[Any]) -> Iterator[bytes]:
    """``items`` as JSON lists (indent 2) of a thousand each, as the document's own dump writes them."""
    for start in range(0, len(items), _ITEMS_PER_WRITE):
        yield adapter.dump_json(items[start : start + _ITEMS_PER_WRITE], indent=2)
