"""What keeps a large organization's models and files small, and that it changes nothing they say.

Every model shares its ``model_fields_set`` with the instances given the same fields (``auditor.model.Model``):
pydantic's own set per instance was half of a 20,000-user inventory's memory. Sharing must never let one instance's
assignment show on another. A saved inventory is written an account at a time, byte for byte its whole dump."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import FIXTURES
from factories import make_account, make_inventory

from auditor.findings import Finding, Severity
from auditor.inventory import AccessKey, IamUser, Inventory, Organization

CREATED = datetime(2024, 1, 1, tzinfo=UTC)


def user(name: str) -> IamUser:
    return IamUser(
        user_name=name, user_id=f"AID{name.upper()}", arn=f"arn:aws:iam::111122223333:user/{name}", create_date=CREATED
    )


def test_instances_given_the_same_fields_share_one_set() -> None:
    users = [user(f"u{i}") for i in range(200)]
    assert len({id(u.model_fields_set) for u in users}) == 1
    assert users[0].model_fields_set == {"user_name", "user_id", "arn", "create_date"}


def test_an_assignment_shows_on_that_instance_only() -> None:
    alice, bob = user("alice"), user("bob")
    alice.mfa_active = True
    assert "mfa_active" in alice.model_fields_set
    assert "mfa_active" not in bob.model_fields_set
    assert user("carol").model_fields_set == {"user_name", "user_id", "arn", "create_date"}
    assert alice.mfa_active is True and bob.mfa_active is None


def test_a_copy_with_updates_has_them_and_leaves_the_original() -> None:
    key = AccessKey(access_key_id="AKIAIOSFODNN7EXAMPLE", status="Active", create_date=CREATED)
    copy = key.model_copy(update={"last_used_service": "s3"})
    assert "last_used_service" in copy.model_fields_set
    assert "last_used_service" not in key.model_fields_set
    assert AccessKey(access_key_id="AKIAIOSFODNN7EXAMPLE", status="Active", create_date=CREATED) == key


def test_findings_share_their_sets_and_a_suppression_stays_their_own() -> None:
    def make(resource: str) -> Finding:
        return Finding(
            fingerprint=resource,
            rule_id="KEY-001",
            title="t",
            severity=Severity.HIGH,
            resource_type="AWS::IAM::AccessKey",
            resource_id=resource,
            message="m",
            remediation="r",
        )

    first, second = make("a"), make("b")
    assert first.model_fields_set is second.model_fields_set
    first.suppressed = True
    assert first.model_fields_set - second.model_fields_set == {"suppressed"}
    assert second.suppressed is False and make("c").model_fields_set == second.model_fields_set


def test_scan_lets_the_inventory_go_before_writing_the_reports(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The reports need only the findings document; holding the inventory too cost about 50 MB at 20,000 users."""
    import weakref

    import auditor.engine.pipeline
    import auditor.reporter
    from auditor.cli import main

    inventories: list[weakref.ref[object]] = []
    alive_at_write: list[bool] = []
    findings_for, write_reports = auditor.engine.pipeline.findings_for, auditor.reporter.write_reports

    def spy_findings_for(inventory, *args, **kwargs):  # type: ignore[no-untyped-def]
        inventories.append(weakref.ref(inventory))
        return findings_for(inventory, *args, **kwargs)

    def spy_write_reports(document, reporters, output_dir):  # type: ignore[no-untyped-def]
        alive_at_write.append(inventories[0]() is not None)
        return write_reports(document, reporters, output_dir)

    monkeypatch.setattr(auditor.engine.pipeline, "findings_for", spy_findings_for)
    monkeypatch.setattr(auditor.reporter, "write_reports", spy_write_reports)
    fixture = FIXTURES / "demo-inventory.json"
    code = main(["scan", "--from-inventory", str(fixture), "--format", "json", "--output-dir", str(tmp_path)])

    assert code in (0, 1, 3)
    assert (tmp_path / "findings.json").is_file()
    assert alive_at_write == [False]


@pytest.mark.parametrize("case", ["demo", "organization without accounts", "no account"])
def test_a_saved_inventory_is_its_whole_dump(case: str, tmp_path) -> None:  # type: ignore[no-untyped-def]

    if case == "demo":
        inventory = Inventory.load(FIXTURES / "demo-inventory.json")
    elif case == "organization without accounts":  # its own empty "accounts" list is not where they go
        organization = Organization(id="o-example", management_account_id="111111111111")
        inventory = make_inventory(organization=organization, accounts=[make_account(), make_account("222222222222")])
    else:
        inventory = make_inventory()
    path = tmp_path / "inventory.json"
    inventory.save(path)

    assert path.read_bytes() == (inventory.dump_json() + "\n").encode()
    assert Inventory.load(path) == inventory
