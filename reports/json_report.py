"""``findings.json``: the findings document itself, written as JSON.

The JSON report is the document (``FindingsDocument``), so ``--baseline``, ``diff`` and ``merge`` read back
exactly what this writes (``FindingsDocument.load``). Output is deterministic: the same document gives the same
bytes. Its JSON Schema is published as ``docs/findings.schema.json`` (``auditor schema findings``).
"""

from __future__ import annotations

from typing import BinaryIO

from pydantic import TypeAdapter

from auditor.findings import Finding, FindingsDocument
from auditor.reporter import Reporter, splice_json_list

_FINDINGS = TypeAdapter(list[Finding])
_FINDINGS_PER_WRITE = 1000


class JsonReporter(Reporter):
    name = "json"
    default_filename = "findings.json"
    description = "the findings document, for machines, baselines, diff and merge"

    def render(self, document: FindingsDocument) -> bytes:
        return (document.dump_json() + "\n").encode("utf-8")

    def write(self, document: FindingsDocument, stream: BinaryIO) -> None:
        """The bytes of :meth:`render`, a thousand findings at a time: the document's JSON is never held whole
        (at 40,000 findings it is 130 MB, twice over as text and then UTF-8)."""
        if type(self).render is not JsonReporter.render:  # a subclass that renders its own bytes: write those
            super().write(document, stream)
            return
        skeleton = document.model_copy(update={"findings": []}).dump_json().encode()
        findings = document.findings
        batches = (
            _FINDINGS.dump_json(findings[i : i + _FINDINGS_PER_WRITE], indent=2)
            for i in range(0, len(findings), _FINDINGS_PER_WRITE)
        )
        for chunk in splice_json_list(skeleton, "findings", batches):
            stream.write(chunk)
        stream.write(b"\n")
