"""The formats that stream (``Reporter.write``) write exactly the bytes the whole document dumped at once would
give, and a write that fails half-way leaves the previous report whole (the streamed file goes through the same
atomic write). Documents of 2,500 findings cross the writers' batches of 1,000."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import BinaryIO

import pytest
from conftest import FIXTURES
from html_checks import data_block
from report_fixtures import DEV, finding, make_document

from auditor.engine.config import Config
from auditor.engine.pipeline import findings_for
from auditor.findings import FindingsDocument
from auditor.inventory import Inventory
from auditor.registry import load_rules
from auditor.reporter import Reporter, write_reports
from auditor.reports.html import HtmlReporter
from auditor.reports.json_report import JsonReporter
from auditor.reports.sarif import SarifReporter, build_sarif
from auditor.rules import BUILTIN_PACK
from auditor.util.jsonfile import splice_json_lists


def written(reporter: Reporter, document: FindingsDocument) -> bytes:
    stream = io.BytesIO()
    reporter.write(document, stream)
    return stream.getvalue()


def many_findings(count: int = 2500) -> FindingsDocument:
    findings = [
        finding("KEY-001", DEV, "AWS::IAM::AccessKey", f"arn:aws:iam::{DEV}:user/u{i:05}/k", f"key {i} é ✓ <\x01>")
        for i in range(count)
    ]
    return make_document(findings)


@pytest.mark.parametrize("findings", ["sample", "none", "many"])
def test_streamed_json_is_the_document_dumped_whole(findings: str) -> None:
    document = {"sample": make_document, "none": lambda: make_document([]), "many": many_findings}[findings]()
    if findings == "sample":
        document.findings[0].message = "non-ASCII stays UTF-8: é ✓"
    assert written(JsonReporter(), document) == (document.dump_json() + "\n").encode()
    assert FindingsDocument.model_validate_json(written(JsonReporter(), document)) == document


def test_streamed_json_with_a_readiness_section_is_the_document_dumped_whole() -> None:
    """The readiness section's IAM users (one entry per user) are streamed too: the demo organization's."""
    document = findings_for(Inventory.load(FIXTURES / "demo-inventory.json"), load_rules([BUILTIN_PACK]), Config())
    assert document.readiness is not None and document.readiness.iam_users
    assert written(JsonReporter(), document) == (document.dump_json() + "\n").encode()


@pytest.mark.parametrize("findings", ["sample", "none", "many"])
def test_streamed_sarif_is_the_standard_librarys_indented_json(findings: str) -> None:
    """pydantic-core writes the results; the standard library's ``json.dumps`` is the reference for the bytes."""
    document = {"sample": make_document, "none": lambda: make_document([]), "many": many_findings}[findings]()
    expected = json.dumps(build_sarif(document), indent=2, ensure_ascii=False) + "\n"
    assert written(SarifReporter(), document) == expected.encode()
    assert SarifReporter().render(document) == expected.encode()


def test_streamed_html_carries_every_finding_in_order() -> None:
    document = many_findings()
    page = written(HtmlReporter(), document)
    assert page == HtmlReporter().render(document)
    data = json.loads(data_block(page.decode()))
    assert [item["p"] for item in data["findings"]] == [f.fingerprint for f in document.findings]
    assert data["findings"][1234]["m"] == "key 1234 é ✓ <\x01>"
    assert list(data) == ["severities", "rules", "accounts", "simulated", "findings"]


@pytest.mark.parametrize("count", [0, 1, 999, 1000, 1001, 2500])
def test_a_spliced_list_is_the_list_dumped_whole(count: int) -> None:
    items = [{"id": i, "nested": {"values": [i, [], {}], "text": "é\n"}} for i in range(count)]
    whole = {"before": {"a": [1]}, "outer": [{"items": items, "after": None}], "tail": "x"}
    skeleton = json.dumps({**whole, "outer": [{"items": [], "after": None}]}, indent=2, ensure_ascii=False)
    batches = (json.dumps(items[i : i + 1000], indent=2, ensure_ascii=False).encode() for i in range(0, count, 1000))
    spliced = b"".join(splice_json_lists(skeleton.encode(), [(("outer", 0, "items"), batches)]))
    assert spliced == json.dumps(whole, indent=2, ensure_ascii=False).encode()


def test_a_splice_point_that_is_not_unique_is_refused() -> None:
    skeleton = json.dumps({"a": {"items": []}, "b": {"items": []}}, indent=2).encode()
    with pytest.raises(ValueError, match="exactly once"):
        list(splice_json_lists(skeleton, [(("a", "items"), [])]))


def test_a_list_is_found_at_its_own_depth() -> None:
    """An empty list of the same name further down (an organization without accounts) is left alone."""
    whole = {"organization": {"accounts": []}, "accounts": [{"id": 1}, {"id": 2}]}
    skeleton = json.dumps({**whole, "accounts": []}, indent=2).encode()
    batches = [json.dumps([{"id": 1}], indent=2).encode(), json.dumps([{"id": 2}], indent=2).encode()]
    spliced = b"".join(splice_json_lists(skeleton, [(("accounts",), batches)]))
    assert spliced == json.dumps(whole, indent=2).encode()


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
