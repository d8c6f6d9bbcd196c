"""``findings.json``: the findings document itself, written as JSON.

The JSON report is the document (``FindingsDocument``), so ``--baseline``, ``diff`` and ``merge`` read back
exactly what this writes (``FindingsDocument.load``). Output is deterministic: the same document gives the same
bytes. Its JSON Schema is published as ``docs/findings.schema.json`` (``auditor schema findings``).
"""

from __future__ import annotations

from auditor.findings import FindingsDocument
from auditor.reporter import Reporter


class JsonReporter(Reporter):
    name = "json"
    default_filename = "findings.json"
    description = "the findings document, for machines, baselines, diff and merge"

    def render(self, document: FindingsDocument) -> bytes:
        return (document.dump_json() + "\n").encode("utf-8")
