"""IDC-001..007 on hand-made inventories."""

from __future__ import annotations

from factories import (
    ALLOW_ALL,
    DEV,
    INSTANCE_ARN,
    MGMT,
    ORG_ID,
    PROD,
    READ_ONLY,
    admin_set,
    assignment,
    aws_policy,
    collection_error,
    config_with,
    customer_policy,
    hits,
    idc_group,
    idc_user,
    make_account,
    make_identity_center,
    make_inventory,
    make_org,
    org_account,
    permission_set,
)

from auditor.engine.config import Config
from auditor.inventory import Inventory
from auditor.rules.identity_center import (
    account_without_assignment,
    assigned_to_user,
    hourly_session,
    identity_center_not_enabled,
    no_delegated_administrator,
    privileged_in_production,
    privileged_long_session,
)

# ---------------------------------------------------------------------------------------------- IDC-001


def test_not_enabled_reported_once_for_the_organization():
    inventory = make_inventory(organization=make_org(), identity_center=make_identity_center("not_enabled"))
    [hit] = hits(identity_center_not_enabled, inventory)
    assert hit.account_id == MGMT
    assert hit.resource_type == "AWS::Organizations::Organization"
    assert hit.resource_id == f"arn:aws:organizations::{MGMT}:organization/{ORG_ID}"
    assert hit.message == (
        f"Organization {ORG_ID} (management account management (111111111111)) has no IAM Identity Center instance."
    )
    assert hit.evidence["regions_checked"] == ["us-east-1", "eu-west-1"]


def test_not_enabled_without_organization_is_per_scanned_account():
    inventory = make_inventory(
        accounts=[make_account(DEV, "solo")], identity_center=make_identity_center("not_enabled")
    )
    [hit] = hits(identity_center_not_enabled, inventory)
    assert (hit.account_id, hit.resource_id) == (DEV, DEV)  # no organization: the account id names the account
    assert "solo (222222222222)" in hit.message


def test_unknown_or_enabled_identity_center_is_not_reported():
    for idc in (make_identity_center("unknown"), make_identity_center("enabled"), None):
        assert hits(identity_center_not_enabled, make_inventory(organization=make_org(), identity_center=idc)) == []


# ---------------------------------------------------------------------------------------------- IDC-002


def _org_with_suspended():
    return make_org(
        [
            org_account(MGMT, "management"),
            org_account(DEV, "dev"),
            org_account(PROD, "prod", ou_path="/Root/Prod"),
            org_account("444444444444", "old", state="SUSPENDED"),
        ]
    )


def test_active_account_without_assignment():
    ps = admin_set()
    idc = make_identity_center(permission_sets=[ps], assignments=[assignment(MGMT, ps), assignment(DEV, ps)])
    [hit] = hits(account_without_assignment, make_inventory(organization=_org_with_suspended(), identity_center=idc))
    assert hit.account_id == PROD
    assert hit.resource_type == "AWS::Organizations::Account"
    assert hit.resource_id.startswith("arn:aws:organizations::") and hit.resource_id.endswith(f"/{PROD}")
    assert hit.message.startswith("Account prod (333333333333) has no IAM Identity Center assignment")
    assert hit.evidence["ou_path"] == "/Root/Prod"
    assert hit.evidence["state"] == "ACTIVE"
    assert (hit.evidence["accounts_listed"], hit.evidence["assignments_listed"]) == (3, 2)


def test_every_account_assigned_is_fine():
    ps = admin_set()
    idc = make_identity_center(permission_sets=[ps], assignments=[assignment(a, ps) for a in (MGMT, DEV, PROD)])
    assert (
        hits(account_without_assignment, make_inventory(organization=_org_with_suspended(), identity_center=idc)) == []
    )


def test_coverage_not_judged_without_identity_center_or_organization_account_list():
    ps = admin_set()
    idc = make_identity_center(permission_sets=[ps], assignments=[assignment(MGMT, ps)])
    assert (
        hits(
            account_without_assignment,
            make_inventory(organization=make_org(), identity_center=make_identity_center("unknown")),
        )
        == []
    )
    assert hits(account_without_assignment, make_inventory(identity_center=idc)) == []  # no org account list


def test_coverage_not_judged_when_assignments_are_unknown():
    unlisted = make_identity_center(permission_sets=None, assignments=None)
    gap = collection_error("ListPermissionSets", service="sso-admin", account_id=MGMT)
    assert hits(account_without_assignment, make_inventory(organization=make_org(), identity_center=unlisted)) == []
    assert (
        hits(
            account_without_assignment,
            make_inventory(organization=make_org(), identity_center=unlisted, errors=[gap]),
        )
        == []
    )


def test_coverage_not_judged_for_an_account_whose_assignments_are_unreadable():
    ps = admin_set()
    idc = make_identity_center(
        permission_sets=[ps], assignments=[assignment(MGMT, ps)], assignments_unreadable_accounts=[DEV]
    )
    gap = collection_error("ListAccountAssignments", service="sso-admin", account_id=MGMT)
    [hit] = hits(account_without_assignment, make_inventory(organization=make_org(), identity_center=idc, errors=[gap]))
    assert hit.account_id == PROD  # DEV's assignments may be partial: no finding for it
    assert hit.evidence["assignments_listed"] == 1


def test_coverage_judged_only_for_accounts_whose_assignments_were_listed():
    """A scan scoped to DEV and PROD (--accounts, --ou, a shard) listed only their assignments: MGMT, which
    has none in this inventory, is unknown, not uncovered. PROD was listed and has none: it is reported."""
    ps = admin_set()
    idc = make_identity_center(
        permission_sets=[ps], assignments=[assignment(DEV, ps)], assignments_listed_accounts=[DEV, PROD]
    )
    org = make_org(
        [
            org_account(MGMT, "management", tags=None),  # out of scope: tags not read either
            org_account(DEV, "dev"),
            org_account(PROD, "prod"),
        ]
    )
    [hit] = hits(account_without_assignment, make_inventory(organization=org, identity_center=idc))
    assert hit.account_id == PROD
    assert (hit.evidence["accounts_listed"], hit.evidence["assignments_listed"]) == (2, 1)

    nothing_listed = make_identity_center(permission_sets=[ps], assignments=[], assignments_listed_accounts=[])
    assert hits(account_without_assignment, make_inventory(organization=org, identity_center=nothing_listed)) == []


def test_inventory_saved_before_listed_accounts_were_recorded_judges_every_account():
    """Older inventories have no ``assignments_listed_accounts``: their collector asked about every ACTIVE
    account, so they re-evaluate as they did when saved."""
    ps = admin_set()
    saved = make_inventory(
        organization=make_org(), identity_center=make_identity_center(permission_sets=[ps], assignments=[])
    ).model_dump(mode="json")
    del saved["identity_center"]["assignments_listed_accounts"]
    inventory = Inventory.model_validate(saved)
    assert inventory.identity_center is not None and inventory.identity_center.assignments_listed_accounts is None
    assert [h.account_id for h in hits(account_without_assignment, inventory)] == [MGMT, DEV, PROD]


# ---------------------------------------------------------------------------------------------- IDC-003


def test_privileged_set_with_long_session():
    ps = admin_set("PT12H")
    [hit] = hits(
        privileged_long_session,
        make_inventory(organization=make_org(), identity_center=make_identity_center(permission_sets=[ps])),
    )
    assert hit.account_id == MGMT
    assert hit.resource_type == "AWS::SSO::PermissionSet"
    assert hit.resource_id == ps.arn
    assert hit.region == "eu-west-1"
    assert hit.message == (
        "Privileged permission set AdministratorAccess (Identity Center in account management (111111111111)) "
        "allows PT12H sessions, longer than PT8H."
    )
    assert hit.evidence["session_duration"] == "PT12H"
    assert hit.evidence["session_duration_seconds"] == 43200
    assert hit.evidence["privileged_session_max_seconds"] == 28800
    assert hit.evidence["privileged_by"] == [
        {
            "source": "permission set managed policy",
            "policy_name": "AdministratorAccess",
            "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess",
            "reason": "AWS managed policy AdministratorAccess",
        }
    ]


def test_session_at_the_limit_or_non_privileged_is_fine():
    sets = [
        admin_set("PT8H"),
        permission_set("ReadOnly", session="PT12H", managed=[aws_policy("ReadOnlyAccess")]),
        permission_set("Custom", session="PT12H", inline_policy=READ_ONLY),
    ]
    assert (
        hits(privileged_long_session, make_inventory(identity_center=make_identity_center(permission_sets=sets))) == []
    )


def test_inline_allow_all_and_threshold_from_config():
    ps = permission_set("Custom", session="PT9H", inline_policy=ALLOW_ALL)
    inventory = make_inventory(identity_center=make_identity_center(permission_sets=[ps]))
    [hit] = hits(privileged_long_session, inventory)
    assert hit.evidence["privileged_by"][0]["source"] == "permission set inline policy"
    assert hits(privileged_long_session, inventory, config_with(privileged_session_max="PT10H")) == []


def test_customer_managed_reference_resolved_in_assigned_account():
    ps = permission_set("PlatformAdmin", session="PT12H", customer_managed=[("platform-admin", "/")])
    idc = make_identity_center(permission_sets=[ps], assignments=[assignment(DEV, ps)])
    admin_in_dev = make_account(DEV, "dev", managed_policies=[customer_policy("platform-admin", DEV, ALLOW_ALL)])
    [hit] = hits(privileged_long_session, make_inventory(accounts=[admin_in_dev], identity_center=idc))
    assert hit.evidence["privileged_by"][0]["policy_arn"] == f"arn:aws:iam::{DEV}:policy/platform-admin"
    # the same reference resolving to a harmless document is not privileged
    harmless = make_account(DEV, "dev", managed_policies=[customer_policy("platform-admin", DEV, READ_ONLY)])
    assert hits(privileged_long_session, make_inventory(accounts=[harmless], identity_center=idc)) == []


def test_idc_rules_silent_when_identity_center_unknown():
    idc = make_identity_center("unknown", permission_sets=[admin_set("PT1H")])
    assert idc.assignments is None and idc.users is None
    inventory = make_inventory(organization=make_org(delegated={}), identity_center=idc)
    for rule in (
        privileged_long_session,
        hourly_session,
        privileged_in_production,
        assigned_to_user,
        no_delegated_administrator,
    ):
        assert hits(rule, inventory) == [], rule.id


# ---------------------------------------------------------------------------------------------- IDC-004


def test_hourly_session_is_informational():
    one_hour = permission_set("Developer", session="PT1H", managed=[aws_policy("PowerUserAccess")])
    longer = permission_set("ReadOnly", session="PT4H")
    [hit] = hits(
        hourly_session,
        make_inventory(
            organization=make_org(), identity_center=make_identity_center(permission_sets=[one_hour, longer])
        ),
    )
    assert hit.resource_id == one_hour.arn
    assert hit.account_id == MGMT
    assert hit.message == (
        "Permission set Developer (Identity Center in account management (111111111111)) has a PT1H session: "
        "its users must sign in again every hour."
    )
    assert hit.evidence["session_duration"] == "PT1H"


# ---------------------------------------------------------------------------------------------- IDC-005


def test_admin_in_production_one_finding_per_account_and_set():
    ps = admin_set()
    idc = make_identity_center(
        permission_sets=[ps],
        assignments=[
            assignment(PROD, ps, "g-admins"),
            assignment(PROD, ps, "u-ana", "USER"),
            assignment(DEV, ps, "g-admins"),
        ],
        users=[idc_user("u-ana", "ana", "ana@example.com")],
        groups=[idc_group("g-admins", "Admins")],
    )
    [hit] = hits(privileged_in_production, make_inventory(organization=make_org(), identity_center=idc))
    assert hit.account_id == PROD
    assert hit.resource_type == "AWS::SSO::Assignment"
    assert hit.resource_id == ps.arn
    assert hit.message == (
        "Privileged permission set AdministratorAccess is assigned in production account prod (333333333333) "
        "to group Admins, user ana."
    )
    assert hit.evidence["production_pattern"] == "name:*prod*"
    assert [p["principal_id"] for p in hit.evidence["principals"]] == ["g-admins", "u-ana"]
    assert hit.evidence["principals"][1]["emails"] == ["ana@example.com"]


def test_production_by_ou_or_tag():
    ps = admin_set()
    org = make_org(
        [
            org_account(MGMT, "management"),
            org_account(DEV, "payments", ou_path="/Root/Workloads/Prod"),
            org_account(PROD, "ledger", tags={"Environment": "production"}),
        ]
    )
    idc = make_identity_center(permission_sets=[ps], assignments=[assignment(DEV, ps), assignment(PROD, ps)])
    found = hits(privileged_in_production, make_inventory(organization=org, identity_center=idc))
    assert [(h.account_id, h.evidence["production_pattern"]) for h in found] == [
        (DEV, "ou:*prod*"),
        (PROD, "tag:Environment=prod*"),
    ]
    only_names = Config.model_validate({"production_patterns": ["name:ledger"]})
    assert [
        h.account_id
        for h in hits(privileged_in_production, make_inventory(organization=org, identity_center=idc), only_names)
    ] == [PROD]


def test_unknown_tags_match_no_tag_pattern():
    """Tags not read (``None``: ListTagsForResource failed, or the account was out of scope) are unknown: the
    tag pattern cannot match them, while name and OU patterns still do."""
    ps = admin_set()
    org = make_org([org_account(MGMT, "management"), org_account(PROD, "ledger", tags=None)])
    idc = make_identity_center(permission_sets=[ps], assignments=[assignment(PROD, ps)])
    scanned_without_tags = make_account(PROD, "ledger")  # a scanned account's tags left out: not read
    assert scanned_without_tags.tags is None
    inventory = make_inventory(organization=org, identity_center=idc, accounts=[scanned_without_tags])
    facts = inventory.account_facts(PROD)
    assert facts is not None and (facts.name, facts.ou_path, facts.tags) == ("ledger", None, None)
    by_tag = Config.model_validate({"production_patterns": ["tag:Environment=*", "tag:*=*"]})
    assert hits(privileged_in_production, inventory, by_tag) == []
    by_name = Config.model_validate({"production_patterns": ["tag:Environment=*", "name:ledger"]})
    [hit] = hits(privileged_in_production, inventory, by_name)
    assert (hit.account_id, hit.evidence["production_pattern"]) == (PROD, "name:ledger")


def test_tags_known_from_either_source_are_merged():
    org = make_org([org_account(PROD, "ledger", tags={"Environment": "production"})])
    known_in_org = make_inventory(organization=org, accounts=[make_account(PROD, "ledger")])
    assert known_in_org.account_facts(PROD).tags == {"Environment": "production"}
    both = make_inventory(organization=org, accounts=[make_account(PROD, "ledger", tags={"team": "payments"})])
    assert both.account_facts(PROD).tags == {"Environment": "production", "team": "payments"}


def test_read_only_in_production_or_admin_elsewhere_is_fine():
    admin, read_only = admin_set(), permission_set("ReadOnly", managed=[aws_policy("ReadOnlyAccess")])
    idc = make_identity_center(
        permission_sets=[admin, read_only], assignments=[assignment(PROD, read_only), assignment(DEV, admin)]
    )
    assert hits(privileged_in_production, make_inventory(organization=make_org(), identity_center=idc)) == []


# ---------------------------------------------------------------------------------------------- IDC-006


def test_assignment_to_a_user():
    ps = admin_set()
    idc = make_identity_center(
        permission_sets=[ps],
        assignments=[assignment(DEV, ps, "u-ana", "USER"), assignment(DEV, ps, "g-admins")],
        users=[idc_user("u-ana", "ana", "ana@example.com")],
    )
    [hit] = hits(assigned_to_user, make_inventory(organization=make_org(), identity_center=idc))
    assert hit.account_id == DEV
    assert hit.resource_type == "AWS::SSO::Assignment"
    assert hit.resource_id == ps.arn
    assert hit.discriminator == "USER/u-ana"
    assert hit.message == (
        "Permission set AdministratorAccess is assigned directly to user ana in account dev (222222222222), "
        "not through a group."
    )
    assert hit.evidence["user_name"] == "ana"
    assert hit.evidence["emails"] == ["ana@example.com"]
    assert hit.evidence["permission_set_name"] == "AdministratorAccess"


def test_group_assignments_are_fine():
    ps = admin_set()
    idc = make_identity_center(permission_sets=[ps], assignments=[assignment(DEV, ps, "g-admins")])
    assert hits(assigned_to_user, make_inventory(identity_center=idc)) == []


# ------------------------------------------------------------------------------------- unknown lists


def test_unlisted_identity_center_data_is_unknown_not_empty():
    nothing_listed = make_identity_center(permission_sets=None, assignments=None, users=None, groups=None)
    inventory = make_inventory(organization=make_org(), identity_center=nothing_listed)
    for rule in (
        account_without_assignment,
        privileged_long_session,
        hourly_session,
        privileged_in_production,
        assigned_to_user,
    ):
        assert hits(rule, inventory) == [], rule.id


def test_known_lists_are_judged_when_others_are_unknown():
    one_hour = permission_set("Developer", session="PT1H")
    sets_only = make_identity_center(permission_sets=[one_hour], assignments=None, users=None, groups=None)
    [hourly] = hits(hourly_session, make_inventory(organization=make_org(), identity_center=sets_only))
    assert hourly.resource_id == one_hour.arn

    ps = admin_set()
    no_store = make_identity_center(
        permission_sets=[ps],
        assignments=[assignment(PROD, ps, "g-admins"), assignment(DEV, ps, "u-ana", "USER")],
        users=None,
        groups=None,
    )
    inventory = make_inventory(organization=make_org(), identity_center=no_store)
    [to_user] = hits(assigned_to_user, inventory)
    assert to_user.message == (
        "Permission set AdministratorAccess is assigned directly to user u-ana in account dev (222222222222), "
        "not through a group."
    )
    assert (to_user.evidence["user_name"], to_user.evidence["emails"]) == (None, [])
    [in_prod] = hits(privileged_in_production, inventory)
    assert in_prod.evidence["principals"] == [
        {"principal_type": "GROUP", "principal_id": "g-admins", "group_name": None}
    ]


# ---------------------------------------------------------------------------------------------- IDC-007


def test_no_delegated_administrator_for_identity_center():
    org = make_org(delegated={"securityhub.amazonaws.com": ["444444444444"]})
    [hit] = hits(no_delegated_administrator, make_inventory(organization=org, identity_center=make_identity_center()))
    assert hit.account_id == MGMT
    assert hit.resource_type == "AWS::SSO::Instance"
    assert hit.resource_id == INSTANCE_ARN
    assert "management account management (111111111111)" in hit.message
    assert hit.evidence["delegated_administrators_for_sso"] == []
    assert hit.evidence["services_with_delegated_administrators"] == ["securityhub.amazonaws.com"]


def test_delegated_administrator_present_or_unknown():
    idc = make_identity_center()
    delegated = make_org(delegated={"sso.amazonaws.com": ["444444444444"]})
    assert hits(no_delegated_administrator, make_inventory(organization=delegated, identity_center=idc)) == []
    assert (
        hits(no_delegated_administrator, make_inventory(organization=make_org(delegated=None), identity_center=idc))
        == []
    )
    not_enabled = make_identity_center("not_enabled")
    assert (
        hits(
            no_delegated_administrator, make_inventory(organization=make_org(delegated={}), identity_center=not_enabled)
        )
        == []
    )
