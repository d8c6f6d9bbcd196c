"""Incomplete never means fixed, for the reads made once for the whole organization: Identity Center read from
the account that owns the instance, and the organization's account list, OU tree and account tags read from the
management account. Each is refused in turn (moto answers them all; the refusal is a botocore ``before-call``
hook, ``moto_answers.refuse``, as are the read APIs moto lacks) and the scan is diffed against a baseline from a
full scan of the same moto organization: nothing is fixed, every baseline finding the scan no longer shows is
carried forward as not re-verified with the failed read named, and the error entry names the accounts it covers.

One moto world and one baseline serve the module; each case gets its own base session (hooks are registered on
a session, moto's state is shared), so a refusal never leaks into another case.
"""

from __future__ import annotations

import json

import boto3
import pytest
from conftest import MANAGEMENT_ACCOUNT_ID, REGION, OrgWorld, build_identity_center, build_organization
from factories import builtin_rules, fake_key_id
from moto_answers import answer_what_moto_lacks, refuse
from sarif_checks import check_sarif

from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect
from auditor.engine.baseline import diff
from auditor.engine.config import Config
from auditor.engine.gate import gate
from auditor.engine.pipeline import findings_for
from auditor.errors import ExitCode
from auditor.findings import FindingsDocument, Severity, make_fingerprint
from auditor.inventory import Inventory
from auditor.reports.sarif import SarifReporter
from auditor.reports.table import render_diff


@pytest.fixture(scope="module")
def world(module_moto_session: boto3.Session) -> OrgWorld:
    built = build_organization(module_moto_session)
    build_identity_center(built)
    return built


def scan(world: OrgWorld, refused: tuple[str, str] | None = None) -> Inventory:
    session = boto3.Session(region_name=REGION)  # a fresh session: its hooks are this scan's alone
    answer_what_moto_lacks(session, world.organization_id)
    if refused is not None:
        refuse(session, *refused)
    return collect(CollectOptions(org=True), session=session, sleep=lambda _: None)


GONE_KEY = fake_key_id("GONEGONEGONEGONE")  # a deleted key's id, built at run time (no key-shaped literal)


@pytest.fixture(scope="module")
def baseline(world: OrgWorld) -> FindingsDocument:
    """A full scan, plus one access key finding of a member that the next scans no longer show (the key was
    deleted since): a refused Identity Center read must not keep *that* open."""
    document = findings_for(scan(world), builtin_rules(), Config())
    key = next(f for f in document.findings if f.rule_id == "KEY-001" and f.account_id != MANAGEMENT_ACCOUNT_ID)
    gone = key.model_copy(
        update={
            "resource_id": GONE_KEY,
            "fingerprint": make_fingerprint("KEY-001", key.account_id, "x"),
        }
    )
    return document.model_copy(update={"findings": [*document.findings, gone]})


@pytest.fixture(scope="module")
def member_ids(world: OrgWorld) -> list[str]:
    return sorted(world.account_ids[name] for name in ("dev", "prod", "sandbox"))


IDENTITY_CENTER_READS = [
    ("sso-admin", "ListInstances"),
    ("sso-admin", "ListPermissionSets"),
    ("sso-admin", "DescribePermissionSet"),
    ("sso-admin", "ListPermissionSetsProvisionedToAccount"),
    ("sso-admin", "ListAccountAssignments"),
]
ORGANIZATION_READS = [
    ("organizations", "ListAccounts"),
    ("organizations", "ListAccountsForParent"),
    ("organizations", "ListOrganizationalUnitsForParent"),
    ("organizations", "ListRoots"),
]


def check_nothing_fixed(baseline: FindingsDocument, after: FindingsDocument) -> list[str]:
    """0 fixed; every baseline finding not seen again is carried (named); the reports agree. The carried
    findings' rule ids."""
    gone = {f.fingerprint for f in baseline.findings} - {
        f.fingerprint for f in after.findings if f.baseline_state != "not_reverified"
    }
    carried = [f for f in after.findings if f.baseline_state == "not_reverified"]
    fixed = {f.fingerprint for f in after.fixed}
    assert fixed <= {f.fingerprint for f in baseline.findings if f.resource_id == GONE_KEY}
    assert {f.fingerprint for f in carried} == gone - fixed
    assert all(f.message.startswith("not re-verified (") for f in carried)
    assert after.summary.not_reverified == len(carried) and after.summary.new == 0
    assert gate(after, Severity.INFO) == ExitCode.INCOMPLETE  # carried findings are not new: the gap gives 3
    result = diff(baseline, after)
    assert {f.fingerprint for f in result.fixed} == fixed
    assert render_diff(after).splitlines()[0].startswith(f"0 new, {len(fixed)} fixed, ")
    log = json.loads(SarifReporter().render(after))
    check_sarif(log)
    results = log["runs"][0]["results"]
    states = {r["partialFingerprints"]["primaryLocationLineHash"]: r["baselineState"] for r in results}
    assert {states[f.fingerprint] for f in carried} <= {"unchanged"}  # open alerts stay open, never "absent"
    return sorted({f.rule_id for f in carried})


@pytest.mark.parametrize("refused", IDENTITY_CENTER_READS, ids=lambda r: r[1])
def test_an_identity_center_read_that_fails_fixes_nothing(
    refused: tuple[str, str], world: OrgWorld, baseline: FindingsDocument, member_ids: list[str]
) -> None:
    inventory = scan(world, refused)
    errors = [e for e in inventory.errors if (e.service, e.operation) == refused]
    assert errors and all(e.account_id == MANAGEMENT_ACCOUNT_ID for e in errors)
    covered = sorted({account for e in errors for account in e.covers_accounts or []})
    per_account = refused[1] in ("ListPermissionSetsProvisionedToAccount", "ListAccountAssignments")
    # A read about the whole instance covers every account in scope; one asked per account covers that account.
    assert (
        covered == sorted([MANAGEMENT_ACCOUNT_ID, *member_ids])
        if not per_account
        else set(covered)
        <= {
            MANAGEMENT_ACCOUNT_ID,
            *member_ids,
        }
    )
    assert all(e.covers_areas == ["identity-center"] for e in errors)
    assert all("organization-level read: identity-center findings of account(s) " in e.message for e in errors)

    after = findings_for(inventory, builtin_rules(), Config(), baseline=baseline)
    carried = check_nothing_fixed(baseline, after)
    assert {f.resource_id for f in after.fixed} == {GONE_KEY}  # outside the area: still fixed
    assert all(rule.startswith("IDC-") for rule in carried)
    members_carried = {f.account_id for f in after.findings if f.baseline_state == "not_reverified"} - {
        MANAGEMENT_ACCOUNT_ID
    }
    if refused[1] != "ListPermissionSets":  # the sets are read one by one only after being listed
        assert members_carried, "a member's Identity Center findings must be carried for this case to mean anything"
    for finding in after.findings:
        if finding.baseline_state == "not_reverified" and finding.account_id != MANAGEMENT_ACCOUNT_ID:
            assert f"{refused[0]} {refused[1]} from account {MANAGEMENT_ACCOUNT_ID} failed" in finding.message


@pytest.mark.parametrize("refused", ORGANIZATION_READS, ids=lambda r: r[1])
def test_an_organization_listing_that_fails_fixes_nothing(
    refused: tuple[str, str], world: OrgWorld, baseline: FindingsDocument, member_ids: list[str]
) -> None:
    """The account list and the OU tree place the accounts (OU paths feed production patterns, which any rule
    may read): their gaps cover every selected account, in every area, so even the deleted key stays open."""
    inventory = scan(world, refused)
    errors = [e for e in inventory.errors if (e.service, e.operation) == refused]
    assert errors and all(e.account_id == MANAGEMENT_ACCOUNT_ID for e in errors)
    assert all(e.covers_accounts == sorted([MANAGEMENT_ACCOUNT_ID, *member_ids]) for e in errors), errors
    assert all(e.covers_areas is None for e in errors)
    after = findings_for(inventory, builtin_rules(), Config(), baseline=baseline)
    check_nothing_fixed(baseline, after)
    assert after.fixed == []


def test_unread_account_tags_cover_that_account(
    world: OrgWorld, baseline: FindingsDocument, member_ids: list[str]
) -> None:
    inventory = scan(world, ("organizations", "ListTagsForResource"))
    errors = sorted(
        (e for e in inventory.errors if e.operation == "ListTagsForResource"), key=lambda e: e.covers_accounts or []
    )
    assert [e.covers_accounts for e in errors] == [[a] for a in sorted([MANAGEMENT_ACCOUNT_ID, *member_ids])]
    after = findings_for(inventory, builtin_rules(), Config(), baseline=baseline)
    check_nothing_fixed(baseline, after)
    assert after.fixed == []


def test_an_unreadable_organization_fixes_nothing(world: OrgWorld, baseline: FindingsDocument) -> None:
    """``DescribeOrganization`` refused: the scan covers the driving account only, and every member's findings
    are carried (out of scope), the members' Identity Center findings included."""
    inventory = scan(world, ("organizations", "DescribeOrganization"))
    assert [a.account_id for a in inventory.accounts] == [MANAGEMENT_ACCOUNT_ID]
    after = findings_for(inventory, builtin_rules(), Config(), baseline=baseline)
    assert "IDC-006" in check_nothing_fixed(baseline, after)
    assert after.fixed == []
