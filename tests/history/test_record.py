"""What a run's record holds, from an inventory and the configuration (``scan_record``): counts per account with
unknown kept unknown, keys older than the threshold at collection time, the accounts re-verified (no gap), and
the scope key that keeps a whole-organization scan apart from a scan of some of its accounts."""

from __future__ import annotations

from factories import (
    AS_OF,
    DEV,
    MGMT,
    ORG_ID,
    PROD,
    collection_error,
    days_ago,
    make_account,
    make_inventory,
    make_key,
    make_org,
    make_user,
)

from auditor.engine.config import Config
from auditor.history.record import scan_record, scope_key


def test_counts_per_account_and_unknown_stays_unknown() -> None:
    inventory = make_inventory(
        organization=make_org(),
        accounts=[
            make_account(
                DEV,
                users=[
                    make_user("alice", DEV, password=True, mfa=False, keys=[make_key(1, created=days_ago(200))]),
                    make_user("bob", DEV, password=False, keys=[make_key(2), make_key(3, status="Inactive")]),
                ],
            ),
            make_account(PROD, "prod", users=[make_user("carol", PROD, password=None)]),  # password state unknown
            make_account(MGMT, "management", users=None),  # users not read
        ],
        errors=[collection_error("ListUsers", account_id=MGMT)],
    )
    record = scan_record(inventory, Config(), command="scan")
    by_id = {a.account_id: a for a in record.accounts}
    dev, prod, mgmt = by_id[DEV], by_id[PROD], by_id[MGMT]
    assert (dev.iam_users, dev.active_access_keys, dev.old_access_keys, dev.console_without_mfa) == (2, 2, 1, 1)
    assert (prod.iam_users, prod.console_without_mfa) == (1, None)
    assert (mgmt.iam_users, mgmt.active_access_keys) == (None, None)
    assert record.findings is None  # no findings document: not evaluated
    assert record.accounts_verified == [DEV, PROD]
    assert record.scanned_at == AS_OF and record.scope == f"{ORG_ID} aws"
    assert [(g.operation, g.account_id) for g in record.gaps] == [("ListUsers", MGMT)]
    assert "message" not in record.gaps[0].model_dump()  # an error's text is never stored


def test_a_scan_of_part_of_the_organization_is_its_own_scope() -> None:
    whole = make_inventory(organization=make_org(), accounts=[make_account(a) for a in (MGMT, DEV, PROD)])
    part = make_inventory(organization=make_org(), accounts=[make_account(DEV)])
    other_part = make_inventory(organization=make_org(), accounts=[make_account(PROD)])
    assert scope_key(whole) == f"{ORG_ID} aws"
    assert scope_key(part) == f"{ORG_ID} ou:/Root/Workloads/Dev aws" and scope_key(part) != scope_key(other_part)
    assert scope_key(part) == scope_key(make_inventory(organization=make_org(), accounts=[make_account(DEV)]))
    assert scope_key(make_inventory(accounts=[make_account(DEV)])) == f"{DEV} aws"
