"""findings.json: deterministic output, a loader that fails with one clear line, and a published schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, REPO
from report_fixtures import HOSTILE, clean_document, make_document

from auditor.cli import main
from auditor.errors import ExitCode, InputError
from auditor.findings import FindingsDocument
from auditor.reports.html import HtmlReporter
from auditor.reports.json_report import JsonReporter
from auditor.reports.sarif import SarifReporter
from auditor.reports.table import render_text
from auditor.util.jsonfile import json_schema, schema_text

SCHEMA_PATH = REPO / "docs" / "findings.schema.json"
REGENERATE_COMMAND = "auditor schema findings > docs/findings.schema.json"


def write(tmp_path: Path, content: str | bytes, name: str = "findings.json") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_render_is_deterministic_indented_json() -> None:
    first = JsonReporter().render(make_document())
    second = JsonReporter().render(make_document())
    assert first == second
    assert first.endswith(b"\n")
    assert first.startswith(b'{\n  "schema_version": "1",')
    data = json.loads(first)
    for key in ("schema_version", "tool", "generated_at", "scope", "summary", "findings", "errors", "manual_checks"):
        assert key in data
    assert data["generated_at"] == "2025-03-01T12:00:00Z"


def test_round_trip_through_a_file(tmp_path: Path) -> None:
    document = make_document()
    path = write(tmp_path, JsonReporter().render(document))
    loaded = FindingsDocument.load(path)
    assert loaded == document
    alice = next(f for f in loaded.findings if f.rule_id == "USER-002")
    assert HOSTILE in alice.message
    assert alice.evidence["user"] == HOSTILE
    assert JsonReporter().render(loaded) == path.read_bytes()


def test_empty_document_round_trips(tmp_path: Path) -> None:
    document = clean_document()
    assert FindingsDocument.load(write(tmp_path, JsonReporter().render(document))) == document


def test_output_matches_the_published_schema() -> None:
    schema = json_schema(FindingsDocument)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    for document in (make_document(), clean_document()):
        validator.validate(json.loads(JsonReporter().render(document)))
    broken = json.loads(JsonReporter().render(make_document()))
    broken["findings"][0]["severity"] = "catastrophic"
    assert list(validator.iter_errors(broken))


def test_committed_schema_is_current() -> None:
    hint = f"run `{REGENERATE_COMMAND}` and commit docs/findings.schema.json"
    assert SCHEMA_PATH.is_file(), f"{SCHEMA_PATH} is missing: {hint}"
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(FindingsDocument), (
        f"docs/findings.schema.json is stale (the findings models changed): {hint}"
    )


def test_schema_command_prints_the_published_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "findings"]) == 0
    assert capsys.readouterr().out == SCHEMA_PATH.read_text(encoding="utf-8")


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
        FindingsDocument.load(path)
    message = str(caught.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message
    assert caught.value.exit_code == ExitCode.ERROR


def test_load_rejects_invalid_finding(tmp_path: Path) -> None:
    data = json.loads(JsonReporter().render(make_document()))
    data["findings"][1]["severity"] = "catastrophic"
    with pytest.raises(InputError, match=r"invalid findings file: findings\.1\.severity: "):
        FindingsDocument.load(write(tmp_path, json.dumps(data)))
    data["findings"][1]["severity"] = "high"
    data["findings"][1]["surprise"] = True
    with pytest.raises(InputError, match=r"findings\.1\.surprise: unknown key"):
        FindingsDocument.load(write(tmp_path, json.dumps(data)))


def test_load_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such findings file"):
        FindingsDocument.load(tmp_path / "nope.json")
    with pytest.raises(InputError, match="is a directory"):
        FindingsDocument.load(tmp_path)


def test_an_older_findings_json_still_loads_and_renders(tmp_path: Path) -> None:
    """findings-legacy-fingerprints.json was written before ``display_name`` and ``simulated`` existed: its
    simulated facts are "simulated: ..." notices and its findings have no display name."""
    raw = json.loads((FIXTURES / "findings-legacy-fingerprints.json").read_text(encoding="utf-8"))
    assert "simulated" not in raw and all("display_name" not in f for f in raw["findings"])
    old_lines = [n for n in raw["notices"] if n.startswith("simulated: ")]
    assert len(old_lines) == 6

    document = FindingsDocument.load(FIXTURES / "findings-legacy-fingerprints.json")

    # the notices become facts with only their note (nothing says what they touched, so no finding rests on them)
    assert [fact.note for fact in document.simulated] == [line.removeprefix("simulated: ") for line in old_lines]
    assert all(fact.account_id is None and fact.resource_types == () for fact in document.simulated)
    assert document.notices == [n for n in raw["notices"] if not n.startswith("simulated: ")]
    assert all(f.simulated == [] for f in document.findings)
    # every finding gets the name evaluation gives: the same function, from the same fields
    names = {(f.rule_id, f.resource_id, f.evidence.get("access_key_id")): f.display_name for f in document.findings}
    assert names[("ROOT-001", "arn:aws:iam::561740743005:root", None)] == "root"
    assert names[("USER-002", "arn:aws:iam::561740743005:user/alice", None)] == "alice"
    key = "AKIAYFSS3QFO4EXAMPLE"  # shaped as AWS's documented examples (no real key); before 0.2: its user
    assert names[("KEY-001", "arn:aws:iam::561740743005:user/ci-deployer", key)] == f"ci-deployer {key}"
    assert all(f.display_name for f in document.findings)

    # and it renders: the facts where every report shows them, no "simulated:" notice left
    page = HtmlReporter().render(document).decode()
    assert 'id="simulated-banner"' in page and document.simulated[0].note in page and "simulated: " not in page
    notifications = json.loads(SarifReporter().render(document))["runs"][0]["invocations"][0][
        "toolExecutionNotifications"
    ]
    assert sum(n["descriptor"]["id"] == "simulated" for n in notifications) == 6
    assert "Simulated data: 6 facts" in render_text(document) and "simulated: " not in render_text(document)
    # saved again, it is a current document: the facts in their field, each finding with its name
    again = json.loads(JsonReporter().render(document))
    assert len(again["simulated"]) == 6 and all(f["display_name"] for f in again["findings"])
    assert FindingsDocument.load(write(tmp_path, json.dumps(again))) == document


def test_a_current_document_keeps_a_notice_that_merely_starts_like_an_old_one(tmp_path: Path) -> None:
    """Only a document without ``simulated`` is read as an older one: in a current one, notices stay notices."""
    data = json.loads(JsonReporter().render(make_document()))
    assert data["simulated"] == []
    data["notices"] = ["simulated: not really"]
    loaded = FindingsDocument.load(write(tmp_path, json.dumps(data)))
    assert loaded.notices == ["simulated: not really"] and loaded.simulated == []
