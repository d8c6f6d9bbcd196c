"""findings.json: deterministic output, a loader that fails with one clear line, and a published schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from report_fixtures import HOSTILE, clean_document, make_document

from auditor.errors import ExitCode, InputError
from auditor.reports import ReportOptions, json_report


def write(tmp_path: Path, content: str | bytes, name: str = "findings.json") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_render_is_deterministic_indented_json() -> None:
    first = json_report.render(make_document(), ReportOptions())
    second = json_report.render(make_document(), ReportOptions())
    assert first == second
    assert first.endswith(b"\n")
    assert first.startswith(b'{\n  "schema_version": "1",')
    data = json.loads(first)
    for key in ("schema_version", "tool", "generated_at", "scope", "summary", "findings", "errors", "manual_checks"):
        assert key in data
    assert data["generated_at"] == "2025-03-01T12:00:00Z"


def test_round_trip_through_a_file(tmp_path: Path) -> None:
    document = make_document()
    path = write(tmp_path, json_report.render(document, ReportOptions()))
    loaded = json_report.load_document(path)
    assert loaded == document
    alice = next(f for f in loaded.findings if f.rule_id == "USER-002")
    assert HOSTILE in alice.message
    assert alice.evidence["user"] == HOSTILE
    assert json_report.render(loaded, ReportOptions()) == path.read_bytes()


def test_empty_document_round_trips(tmp_path: Path) -> None:
    document = clean_document()
    assert json_report.load_document(write(tmp_path, json_report.render(document, ReportOptions()))) == document


def test_output_matches_the_published_schema() -> None:
    schema = json_report.json_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    for document in (make_document(), clean_document()):
        validator.validate(json.loads(json_report.render(document, ReportOptions())))
    broken = json.loads(json_report.render(make_document(), ReportOptions()))
    broken["findings"][0]["severity"] = "catastrophic"
    assert list(validator.iter_errors(broken))


def test_committed_schema_is_current() -> None:
    committed = json_report.SCHEMA_PATH
    hint = f"run `{json_report.REGENERATE_COMMAND}` and commit docs/findings.schema.json"
    assert committed.is_file(), f"{committed} is missing: {hint}"
    assert committed.read_text(encoding="utf-8") == json_report.schema_text(), (
        f"docs/findings.schema.json is stale (the findings models changed): {hint}"
    )


def test_schema_command_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "schema.json"
    assert json_report._main(["--write-schema", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == json_report.schema_text()
    assert json_report._main(["--bogus"]) == 2


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not JSON (line 1, column 2"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        ("[1, 2]", "not an auditor findings file (no schema_version)"),
        ('{"findings": []}', "not an auditor findings file (no schema_version)"),
        ('{"schema_version": "2"}', "findings schema_version '2' is not supported (this auditor reads '1')"),
        ('{"schema_version": "1"}', "invalid findings file: tool: Field required"),
    ],
)
def test_load_rejects_bad_files_with_one_line(tmp_path: Path, content: str | bytes, expected: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(InputError) as caught:
        json_report.load_document(path)
    message = str(caught.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message
    assert caught.value.exit_code == ExitCode.ERROR


def test_load_rejects_invalid_finding(tmp_path: Path) -> None:
    data = json.loads(json_report.render(make_document(), ReportOptions()))
    data["findings"][1]["severity"] = "catastrophic"
    with pytest.raises(InputError, match=r"invalid findings file: findings\.1\.severity: "):
        json_report.load_document(write(tmp_path, json.dumps(data)))
    data["findings"][1]["severity"] = "high"
    data["findings"][1]["surprise"] = True
    with pytest.raises(InputError, match=r"findings\.1\.surprise: unknown key"):
        json_report.load_document(write(tmp_path, json.dumps(data)))


def test_load_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such findings file"):
        json_report.load_document(tmp_path / "nope.json")
    with pytest.raises(InputError, match="is a directory"):
        json_report.load_document(tmp_path)
