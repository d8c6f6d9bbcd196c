"""``findings.json``: the findings document itself, written as JSON.

The JSON report is the document (``FindingsDocument``), so ``--baseline``, ``diff`` and ``merge`` read back
exactly what this writes (``FindingsDocument.load``). Output is deterministic: the same document gives the same
bytes. Its JSON Schema is published as ``docs/findings.schema.json`` (``auditor schema findings``).
"""

from __future__ import annotations

from typing import BinaryIO

from auditor.findings import FindingsDocument
from auditor.reporter import Reporter

_FINDINGS = '\n  "findings": []'  # where the findings go in the document dumped without them


class JsonReporter(Reporter):
    name = "json"
    default_filename = "findings.json"
    description = "the findings document, for machines, baselines, diff and merge"

    def render(self, document: FindingsDocument) -> bytes:
        return (document.dump_json() + "\n").encode("utf-8")

    def write(self, document: FindingsDocument, stream: BinaryIO) -> None:
        """The bytes of :meth:`render`, one finding at a time: the document's JSON is never held whole (at 40,000
        findings it is 130 MB, twice over as text and then UTF-8)."""
        if type(self).render is not JsonReporter.render:  # a subclass that renders its own bytes: write those
            super().write(document, stream)
            return
        skeleton = document.model_copy(update={"findings": []}).dump_json() + "\n"
        if skeleton.count(_FINDINGS) != 1:  # cannot happen with today's fields; never guess where they go
            stream.write(self.render(document))
            return
        head, tail = skeleton.split(_FINDINGS)
        stream.write(f'{head}\n  "findings": ['.encode())
        separator = "\n    "
        for finding in document.findings:
            # Strings in JSON hold no raw line break: indenting every line nests the finding two levels down.
            stream.write((separator + finding.model_dump_json(indent=2).replace("\n", "\n    ")).encode())
            separator = ",\n    "
        stream.write(("\n  ]" if document.findings else "]").encode())
        stream.write(tail.encode())
