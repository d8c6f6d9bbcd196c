"""The formats that stream (``Reporter.write``) write exactly the bytes ``render`` returns, and a write that fails
half-way leaves the previous report whole (the streamed file goes through the same atomic write)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

import pytest
from report_fixtures import make_document

from auditor.findings import FindingsDocument
from auditor.reporter import Reporter, write_reports
from auditor.reports.json_report import JsonReporter
from auditor.reports.sarif import SarifReporter


def written(reporter: Reporter, document: FindingsDocument) -> bytes:
    stream = io.BytesIO()
    reporter.write(document, stream)
    return stream.getvalue()


@pytest.mark.parametrize("reporter", [JsonReporter(), SarifReporter()], ids=["json", "sarif"])
@pytest.mark.parametrize("findings", ["sample", "none"])
def test_streamed_bytes_are_the_rendered_bytes(reporter: Reporter, findings: str) -> None:
    document = make_document() if findings == "sample" else make_document([])
    if findings == "sample":
        document.findings[0].message = "non-ASCII stays UTF-8: é ✓"
    assert written(reporter, document) == reporter.render(document)


def test_the_default_write_is_render() -> None:
    class Plain(Reporter):
        name = "plain"
        default_filename = "plain.txt"
        description = "test format"

        def render(self, document: FindingsDocument) -> bytes:
            return f"{len(document.findings)} findings\n".encode()

    document = make_document()
    assert written(Plain(), document) == Plain().render(document)


def test_a_stream_that_fails_half_way_leaves_the_old_report(tmp_path: Path) -> None:
    class Broken(JsonReporter):
        def write(self, document: FindingsDocument, stream: BinaryIO) -> None:
            stream.write(b'{"half": ')
            raise RuntimeError("the writer broke")

    (tmp_path / "findings.json").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError, match="the writer broke"):
        write_reports(make_document(), [Broken()], tmp_path)

    assert (tmp_path / "findings.json").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.json"]


def test_a_subclass_that_renders_differently_writes_its_own_bytes() -> None:
    class Custom(SarifReporter):
        def render(self, document: FindingsDocument) -> bytes:
            return b"custom\n"

    assert written(Custom(), make_document()) == b"custom\n"
