"""Scoped scans pay only for the accounts in scope (moto, in-process).

``--accounts``, ``--exclude-accounts`` and ``--ou`` narrow a scan. The organization listing itself (accounts,
OU tree) stays complete, since ``--ou`` is resolved against it, but the per-account calls made from the
management account, ``organizations:ListTagsForResource`` and the Identity Center assignment listings, are
made for the selected accounts only: a one-account scan of a 1,000-account organization costs one of each,
and shards of an organization (one scan per OU) do not each repeat the whole organization's work. What was
not read is recorded as such: ``tags`` is ``None`` and the account is absent from
``assignments_listed_accounts``, so IDC-002 does not report it.

Calls are recorded with ``before-call`` hooks on the base session, which sees every call of the scan.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import MANAGEMENT_ACCOUNT_ID, OrgWorld, build_identity_center

from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect
from auditor.engine.config import Config
from auditor.inventory import Inventory
from auditor.rules.identity_center import account_without_assignment

ALL_NAMES = ("management", "dev", "prod", "sandbox")
# build_identity_center assigns in dev and prod only; moto answers both sets as provisioned to every account
SETS_PROVISIONED_PER_ACCOUNT = 2
TAGS = {"management": {}, "dev": {"env": "dev", "owner": "team-a"}, "prod": {"env": "prod"}, "sandbox": {}}


@pytest.fixture(scope="module")
def world(module_org_world: OrgWorld) -> OrgWorld:
    build_identity_center(module_org_world)
    return module_org_world


@contextmanager
def recorded_calls(session: boto3.Session) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every call of the scan as ``("service:Operation", params)``, while the block runs."""
    calls: list[tuple[str, dict[str, Any]]] = []
    lock = threading.Lock()

    def keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["scope_test_params"] = dict(params)  # the same dict reaches before-call as its context

    def record(model: Any, context: dict[str, Any], **_: Any) -> None:
        with lock:
            calls.append((f"{model.service_model.service_name}:{model.name}", context.get("scope_test_params", {})))

    session.events.register("before-parameter-build.*.*", keep_params)
    session.events.register("before-call.*.*", record)
    try:
        yield calls
    finally:
        session.events.unregister("before-parameter-build.*.*", keep_params)
        session.events.unregister("before-call.*.*", record)


def accounts_named(calls: list[tuple[str, dict[str, Any]]], operation: str, parameter: str) -> list[str]:
    return sorted(str(params[parameter]) for op, params in calls if op == operation)


def org_tags(inventory: Inventory, world: OrgWorld) -> dict[str, dict[str, str] | None]:
    assert inventory.organization is not None
    names = {account_id: name for name, account_id in world.account_ids.items()}
    return {names[account.id]: account.tags for account in inventory.organization.accounts}


@pytest.mark.parametrize(
    ("scope", "in_scope"),
    [
        ({"accounts": ["<dev>"]}, ["dev"]),
        ({"ous": ["Workloads"]}, ["dev", "prod"]),
        ({"ous": ["/Root/Sandbox"]}, ["sandbox"]),
        ({"exclude_accounts": ["<dev>", "<prod>"]}, ["management", "sandbox"]),
        ({}, list(ALL_NAMES)),
    ],
    ids=["one-account", "ou-workloads", "ou-sandbox", "exclude", "whole-org"],
)
def test_tags_and_assignments_are_read_only_for_the_accounts_in_scope(
    world: OrgWorld, scope: dict[str, list[str]], in_scope: list[str]
) -> None:
    options = {
        key: [world.account_ids[v[1:-1]] if v.startswith("<") else v for v in values] for key, values in scope.items()
    }
    in_scope_ids = sorted(world.account_ids[name] for name in in_scope)

    with recorded_calls(world.session) as calls:
        inventory = collect(CollectOptions(org=True, **options), world.session, sleep=lambda _: None)  # type: ignore[arg-type]

    # the organization listing stays whole ...
    assert inventory.organization is not None and len(inventory.organization.accounts) == len(ALL_NAMES)
    assert len(inventory.organization.organizational_units) == 4
    # ... but tags cost one call per account in scope, and only they have tags
    assert accounts_named(calls, "organizations:ListTagsForResource", "ResourceId") == in_scope_ids
    assert org_tags(inventory, world) == {name: TAGS[name] if name in in_scope else None for name in ALL_NAMES}
    assert {a.account_id: a.tags for a in inventory.accounts} == {world.account_ids[n]: TAGS[n] for n in in_scope}
    # assignments are listed for the accounts in scope only, and the inventory says which those were
    assert accounts_named(calls, "sso-admin:ListPermissionSetsProvisionedToAccount", "AccountId") == in_scope_ids
    assert accounts_named(calls, "sso-admin:ListAccountAssignments", "AccountId") == sorted(
        in_scope_ids * SETS_PROVISIONED_PER_ACCOUNT
    )
    identity_center = inventory.identity_center
    assert identity_center is not None and identity_center.assignments is not None
    assert identity_center.assignments_listed_accounts == in_scope_ids
    assert identity_center.assignments_unreadable_accounts == []
    assert {a.account_id for a in identity_center.assignments} == {
        world.account_ids[name] for name in in_scope if name in ("dev", "prod")
    }
    # IDC-002 judges the accounts in scope: management and sandbox have no assignment, reported only in scope
    unassigned_in_scope = [world.account_ids[name] for name in in_scope if name in ("management", "sandbox")]
    assert sorted(h.account_id or "" for h in account_without_assignment.check(inventory, Config())) == sorted(
        unassigned_in_scope
    )


def test_unreadable_tags_are_unknown_with_an_error_entry(world: OrgWorld) -> None:
    dev_id, prod_id = world.account_ids["dev"], world.account_ids["prod"]

    def deny_dev(params: dict[str, Any], **_: Any) -> None:
        if dev_id in str(params.get("body", "")):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied by test"}}, "ListTagsForResource")

    event = "before-call.organizations.ListTagsForResource"
    world.session.events.register(event, deny_dev)
    try:
        inventory = collect(CollectOptions(org=True, accounts=[dev_id, prod_id]), world.session, sleep=lambda _: None)
    finally:
        world.session.events.unregister(event, deny_dev)

    tags = org_tags(inventory, world)
    assert (tags["dev"], tags["prod"]) == (None, {"env": "prod"})
    dev = inventory.account(dev_id)
    assert dev is not None and dev.tags is None and dev.users is not None  # the rest of dev is still collected
    errors = [e for e in inventory.errors if e.operation == "ListTagsForResource"]
    assert [(e.account_id, e.service, e.error_code) for e in errors] == [
        (MANAGEMENT_ACCOUNT_ID, "organizations", "AccessDenied")
    ]


def test_without_an_organization_assignments_are_listed_for_the_scanned_accounts(world: OrgWorld) -> None:
    with recorded_calls(world.session) as calls:
        inventory = collect(CollectOptions(), world.session, sleep=lambda _: None)

    assert [a.account_id for a in inventory.accounts] == [MANAGEMENT_ACCOUNT_ID]
    assert inventory.accounts[0].tags is None  # no organization listing: tags not read
    assert accounts_named(calls, "organizations:ListTagsForResource", "ResourceId") == []
    assert accounts_named(calls, "sso-admin:ListPermissionSetsProvisionedToAccount", "AccountId") == [
        MANAGEMENT_ACCOUNT_ID
    ]
    assert inventory.identity_center is not None
    assert inventory.identity_center.assignments_listed_accounts == [MANAGEMENT_ACCOUNT_ID]
