"""Readiness never says "ready" when someone would lose access: the cases of issue 24, each with the verdict a
migration consultant would give.

Each case is one person: an IAM user ``alice`` in the dev account, tagged with the e-mail of the Identity Center
user ``alice@example.com``, compared action by action with the permission sets that user reaches in dev. The AWS
managed policies are their real documents (moto's copy, which ``factories.make_inventory`` attaches as a scan
reads them once). Without use data (``service_use`` None) the comparison covers everything IAM allows today.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from factories import (
    AS_OF,
    DEV,
    PROD,
    aws_policy,
    days_ago,
    default_org_accounts,
    idc_user,
    inline,
    make_account,
    make_identity_center,
    make_inventory,
    make_org,
    make_role,
    make_user,
    management_access_role,
    permission_set,
)

from auditor.engine.config import Config
from auditor.inventory import (
    AccountAssignment,
    ActionUse,
    IamUser,
    Inventory,
    PermissionsBoundary,
    PermissionSet,
    ServiceUse,
)
from auditor.permissions.actions import service_actions
from auditor.readiness.assess import assess_readiness
from auditor.readiness.comparison import AccessComparison
from auditor.readiness.models import AccountReadiness, IamUserReadiness, Readiness
from auditor.readiness.plan import build_plan

ALICE_IDC = "u-alice"
READ_ONLY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"

# AWS's self-service MFA policy, as its documentation publishes it (IAM User Guide, "IAM: Allows IAM users to
# self-manage an MFA device"): statements scoped to the user itself, and a Deny of everything else without MFA.
SELF_SERVICE_MFA: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowViewAccountInfo",
            "Effect": "Allow",
            "Action": "iam:ListVirtualMFADevices",
            "Resource": "*",
        },
        {
            "Sid": "AllowManageOwnVirtualMFADevice",
            "Effect": "Allow",
            "Action": ["iam:CreateVirtualMFADevice"],
            "Resource": "arn:aws:iam::*:mfa/*",
        },
        {
            "Sid": "AllowManageOwnUserMFA",
            "Effect": "Allow",
            "Action": [
                "iam:DeactivateMFADevice",
                "iam:EnableMFADevice",
                "iam:GetUser",
                "iam:GetMFADevice",
                "iam:ListMFADevices",
                "iam:ResyncMFADevice",
            ],
            "Resource": "arn:aws:iam::*:user/${aws:username}",
        },
        {
            "Sid": "DenyAllExceptListedIfNoMFA",
            "Effect": "Deny",
            "NotAction": [
                "iam:CreateVirtualMFADevice",
                "iam:EnableMFADevice",
                "iam:GetUser",
                "iam:GetMFADevice",
                "iam:ListMFADevices",
                "iam:ListVirtualMFADevices",
                "iam:ResyncMFADevice",
                "sts:GetSessionToken",
            ],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
    ],
}


def alice(*policies: str, **fields: Any) -> IamUser:
    """``fields``: any other ``IamUser`` field (a boundary, inline policies, service use)."""
    user = make_user(
        "alice",
        DEV,
        password=True,
        password_last_used=days_ago(2),
        policies=[aws_policy(p) for p in policies],
        tags={"email": "alice@example.com"},
    )
    return user.model_copy(update=fields)


def organization(iam_user: IamUser, *sets: PermissionSet, roles: list[Any] | None = None) -> Inventory:
    """Alice's IAM user in dev; her Identity Center user reaches ``sets`` in dev, directly."""
    idc = make_identity_center(
        permission_sets=list(sets),
        users=[idc_user(ALICE_IDC, "alice@example.com", "alice@example.com")],
        assignments=[
            AccountAssignment(account_id=DEV, permission_set_arn=ps.arn, principal_type="USER", principal_id=ALICE_IDC)
            for ps in sets
        ],
    )
    accounts = [
        make_account(DEV, "dev", users=[iam_user], roles=[management_access_role(DEV)]),
        make_account(PROD, "prod", users=[], roles=[management_access_role(PROD), *(roles or [])]),
    ]
    return make_inventory(accounts=accounts, organization=make_org(default_org_accounts()), identity_center=idc)


def assess(inventory: Inventory) -> tuple[Readiness, AccountReadiness, IamUserReadiness]:
    readiness = assess_readiness(inventory, Config())
    dev = next(a for a in readiness.accounts if a.account_id == DEV)
    person = next(u for u in readiness.iam_users if u.user_name == "alice")
    return readiness, dev, person


def proposes_administrator(plan: Any) -> bool:
    """A step that gives Identity Center access (a set assigned or created) with AdministratorAccess."""
    return any(
        "AdministratorAccess" in f"{s.action} {s.command or ''}" for s in plan.steps if s.track == "identity-center"
    )


def dev_of(inventory: Inventory) -> Any:
    return inventory.account(DEV)


def lost_actions(account: Any, inventory: Inventory) -> set[str]:
    """Every action alice would lose in dev (the findings list at most 20 per service; this is the whole set)."""
    comparison = AccessComparison(inventory)
    [user] = account.users
    sets = [comparison.set_side(account, a.permission_set_arn) for a in inventory.identity_center.assignments]
    return set(comparison.compare(comparison.iam_side(account, user), sets, None).lost)


def lost(person: IamUserReadiness) -> dict[str, int]:
    return {s.service: s.count for s in person.would_lose}


# ------------------------------------------------------------------------------------------- the four lock-outs


def test_s3_full_access_against_ec2_full_access_loses_s3() -> None:
    ec2 = permission_set("EC2", managed=[aws_policy("AmazonEC2FullAccess")])
    _, dev, person = assess(organization(alice("AmazonS3FullAccess"), ec2))
    assert dev.verdict == "blocked"
    assert [b.code for b in dev.blockers] == ["access-gap"]
    assert lost(person)["s3"] == len(service_actions("s3"))  # every S3 action, s3:GetObject among them
    assert "ec2" not in lost(person)  # EC2 full access allows every EC2 action S3's policy could
    assert person.access_basis == "granted"


def test_read_only_against_view_only_loses_data_reads() -> None:
    view = permission_set("ViewOnly", managed=[aws_policy("ViewOnlyAccess")])
    _, dev, person = assess(organization(alice("ReadOnlyAccess"), view))
    assert dev.verdict == "blocked"
    assert "s3:GetObject" in lost_actions(dev_of(inventory := organization(alice("ReadOnlyAccess"), view)), inventory)
    assert "dynamodb:GetItem" in lost_actions(dev_of(inventory), inventory)  # nor items
    assert "s3:ListBucket" not in lost_actions(dev_of(inventory), inventory)  # listing, it keeps


def test_a_boundary_on_the_permission_set_caps_what_it_gives() -> None:
    capped = permission_set("Admin", managed=[aws_policy("AdministratorAccess")]).model_copy(
        update={"permissions_boundary": PermissionsBoundary(managed_policy_arn=READ_ONLY_ARN)}
    )
    inventory = organization(alice("AdministratorAccess"), capped)
    _, dev, person = assess(inventory)
    assert dev.verdict == "blocked"
    assert "iam:CreateUser" in lost_actions(dev_of(inventory), inventory)  # read-only now


def test_a_role_trusting_the_iam_user_blocks_its_account() -> None:
    admin = permission_set("Admin", managed=[aws_policy("AdministratorAccess")])
    iam_user = alice("AdministratorAccess")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": iam_user.arn}, "Action": "sts:AssumeRole"}],
    }
    role = make_role("ProdAdmin", PROD).model_copy(update={"trust_policy": trust})
    readiness, dev, person = assess(organization(iam_user, admin, roles=[role]))
    assert dev.verdict == "blocked"
    assert [b.code for b in dev.blockers] == ["trusted-by-role"]
    assert person.trusted_by_roles == [role.arn] and role.arn in dev.blockers[0].message
    plan = build_plan(organization(iam_user, admin, roles=[role]), readiness)
    trust_steps = [s for s in plan.steps if s.subject == iam_user.arn and "trust" in s.action]
    assert trust_steps and role.arn in trust_steps[0].action


# ------------------------------------------------------------------------------------------- the two false blocks


def test_read_only_with_the_self_service_mfa_policy_is_ready_with_read_only() -> None:
    """The MFA statements manage the IAM user itself, which the migration deletes; its Deny only asks for MFA."""
    read_only = permission_set("ReadOnly", managed=[aws_policy("ReadOnlyAccess")])
    iam_user = alice("ReadOnlyAccess", inline_policies=[inline("mfa", SELF_SERVICE_MFA)])
    readiness, dev, person = assess(organization(iam_user, read_only))
    assert (dev.verdict, dev.blockers, dev.reviews) == ("ready", [], [])
    assert person.would_lose == [] and person.needs_review == []
    assert not proposes_administrator(build_plan(organization(iam_user, read_only), readiness))


def test_an_administrator_capped_by_a_read_only_boundary_is_ready_with_read_only() -> None:
    read_only = permission_set("ReadOnly", managed=[aws_policy("ReadOnlyAccess")])
    iam_user = alice("AdministratorAccess", permissions_boundary_arn=READ_ONLY_ARN)
    readiness, dev, person = assess(organization(iam_user, read_only))
    assert (dev.verdict, dev.blockers) == ("ready", [])
    assert person.would_lose == []
    assert not proposes_administrator(build_plan(organization(iam_user, read_only), readiness))


# ------------------------------------------------------------------------------------------- evidence and doubt


def test_compared_on_what_was_used_when_use_is_known() -> None:
    """S3 full access today, EC2 in Identity Center: only the S3 actions alice used are lost, with their dates."""
    used = [
        ServiceUse(
            namespace="s3",
            last_accessed=AS_OF - timedelta(days=4),
            actions=[ActionUse(action="s3:GetObject", last_accessed=AS_OF - timedelta(days=4))],
        )
    ]
    ec2 = permission_set("EC2", managed=[aws_policy("AmazonEC2FullAccess")])
    _, dev, person = assess(organization(alice("AmazonS3FullAccess", service_use=used), ec2))
    assert person.access_basis == "used"
    assert [(s.service, s.actions, s.count) for s in person.would_lose] == [("s3", ["s3:GetObject"], 1)]
    assert person.would_lose[0].last_used == AS_OF - timedelta(days=4)
    assert "s3: GetObject (last used" in dev.blockers[0].message


def test_an_unreadable_boundary_on_the_set_needs_review_never_ready() -> None:
    admin = permission_set("Admin", managed=[aws_policy("AdministratorAccess")]).model_copy(
        update={"permissions_boundary_unreadable": True}
    )
    _, dev, person = assess(organization(alice("ReadOnlyAccess"), admin))
    assert dev.verdict == "needs-review"
    assert [r.code for r in dev.reviews] == ["access-depends"]
    assert person.would_lose == [] and person.needs_review


def test_a_policy_document_nobody_read_needs_review() -> None:
    read_only = permission_set("ReadOnly", managed=[aws_policy("ReadOnlyAccess")])
    inventory = organization(alice("ReadOnlyAccess"), read_only)
    inventory = make_inventory(
        accounts=inventory.accounts,
        organization=inventory.organization,
        identity_center=inventory.identity_center,
        aws_managed_policies=None,
    )
    _, dev, person = assess(inventory)
    assert dev.verdict == "needs-review"
    assert "policy-unknown" in [r.code for r in dev.reviews]
    assert READ_ONLY_ARN in person.unknown_policies


def test_docs_and_the_html_legend_name_every_verdict_blocker_and_review_code() -> None:
    """A code a reader meets in findings.json is explained in docs/migration.md and in the HTML report's legend."""
    from conftest import REPO

    from auditor.readiness.models import (
        BLOCKER_CODES,
        BLOCKER_MEANINGS,
        REVIEW_CODES,
        REVIEW_MEANINGS,
        VERDICT_MEANINGS,
        VERDICTS,
    )

    guide = (REPO / "docs" / "migration.md").read_text(encoding="utf-8")
    for code in (*VERDICTS, *BLOCKER_CODES, *REVIEW_CODES):
        assert f"| `{code}` |" in guide, code
    assert set(VERDICT_MEANINGS) == set(VERDICTS)
    assert set(BLOCKER_MEANINGS) == set(BLOCKER_CODES) and set(REVIEW_MEANINGS) == set(REVIEW_CODES)


def test_the_html_report_shows_what_would_be_lost_and_explains_every_code() -> None:
    from factories import builtin_rules

    from auditor.engine.pipeline import findings_for
    from auditor.readiness.models import BLOCKER_CODES, REVIEW_CODES, VERDICTS
    from auditor.reports.html import HtmlReporter

    ec2 = permission_set("EC2", managed=[aws_policy("AmazonEC2FullAccess")])
    document = findings_for(organization(alice("AmazonS3FullAccess"), ec2), builtin_rules(), Config())
    html = HtmlReporter().render(document).decode()
    legend = html[html.index('id="readiness-legend"') :]
    for code in (*VERDICTS, *BLOCKER_CODES, *REVIEW_CODES):
        assert f'<td class="mono">{code}' in legend, code
    people = html[html.index('id="readiness-people"') : html.index('id="readiness-legend"')]
    assert 'loses <span class="mono">s3</span>' in people and "everything IAM allows (use unknown)" in people


# ------------------------------------------------------------------------------------------- more traps, and controls


def test_a_group_inline_policy_counts_on_the_iam_side() -> None:
    from factories import make_group

    group = make_group("data", DEV, inline_policies=[inline("s3", allow("s3:*"))])
    iam_user = alice("ReadOnlyAccess", groups=["data"])
    read_only = permission_set("ReadOnly", managed=[aws_policy("ReadOnlyAccess")])
    inventory = organization(iam_user, read_only)
    inventory = make_inventory(
        accounts=[inventory.account(DEV).model_copy(update={"groups": [group]}), *inventory.accounts[1:]],
        identity_center=inventory.identity_center,
    )
    _, dev, person = assess(inventory)
    assert dev.verdict == "blocked" and "s3:PutObject" in lost_actions(inventory.account(DEV), inventory)


def test_a_customer_managed_reference_missing_in_the_account_needs_review_not_ready() -> None:
    """A set referencing a customer-managed policy the account does not have: what it gives there is unknown."""
    custom = permission_set("Custom", customer_managed=[("DataReaders", "/")])
    _, dev, person = assess(organization(alice("ReadOnlyAccess"), custom))
    assert dev.verdict == "needs-review"
    assert person.unknown_policies == [f"/DataReaders in {DEV}"]


def test_an_explicit_deny_in_the_set_is_lost_even_under_administrator_access() -> None:
    admin_but = permission_set(
        "AdminButData",
        managed=[aws_policy("AdministratorAccess")],
        inline_policy={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}],
        },
    )
    inventory = organization(alice("AmazonS3ReadOnlyAccess"), admin_but)
    _, dev, person = assess(inventory)
    assert dev.verdict == "blocked"
    assert lost_actions(inventory.account(DEV), inventory) == {"s3:GetObject"}


def test_a_trust_policy_naming_the_user_by_unique_id_is_found() -> None:
    """AWS rewrites a deleted-and-recreated user's ARN in a trust policy to the old user's unique id (AIDA...)."""
    admin = permission_set("Admin", managed=[aws_policy("AdministratorAccess")])
    iam_user = alice("AdministratorAccess")
    trust = {"Statement": {"Effect": "Allow", "Principal": {"AWS": [iam_user.user_id]}, "Action": "sts:AssumeRole"}}
    role = make_role("Legacy", PROD).model_copy(update={"trust_policy": trust})
    _, dev, person = assess(organization(iam_user, admin, roles=[role]))
    assert (dev.verdict, person.trusted_by_roles) == ("blocked", [role.arn])


def test_not_action_on_the_iam_side_is_compared_as_iam_reads_it() -> None:
    """Everything but IAM, against PowerUserAccess (everything but IAM, Organizations and Account): Organizations
    and Account actions would be lost."""
    everything_but_iam = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],
    }
    power = permission_set("PowerUser", managed=[aws_policy("PowerUserAccess")])
    inventory = organization(alice(inline_policies=[inline("all-but-iam", everything_but_iam)]), power)
    _, dev, person = assess(inventory)
    assert dev.verdict == "blocked"
    assert {s.service for s in person.would_lose} >= {"organizations", "account"}
    assert "iam" not in {s.service for s in person.would_lose}


def test_controls_stay_ready() -> None:
    """The same access on both sides, through a group on the Identity Center side: ready, nothing to review."""
    from auditor.inventory import GroupMembership, IdentityStoreGroup

    read_only = permission_set("ReadOnly", managed=[aws_policy("ReadOnlyAccess")])
    inventory = organization(alice("ReadOnlyAccess"))
    idc = make_identity_center(
        permission_sets=[read_only],
        users=inventory.identity_center.users,
        groups=[IdentityStoreGroup(group_id="g-readers", display_name="Readers")],
        memberships=[GroupMembership(group_id="g-readers", user_id=ALICE_IDC)],
        assignments=[
            AccountAssignment(
                account_id=DEV, permission_set_arn=read_only.arn, principal_type="GROUP", principal_id="g-readers"
            )
        ],
    )
    # Not ViewOnlyAccess nor AmazonS3ReadOnlyAccess: AWS's versions allow a few actions ReadOnlyAccess does not
    # (s3:DescribeMultiRegionAccessPointOperation, qapps:GetQApp, ...), and the tool names them.
    reads = alice(inline_policies=[inline("reads", allow("s3:GetObject", "ec2:DescribeInstances"))])
    for iam_user in (alice("ReadOnlyAccess"), reads):
        accounts = [make_account(DEV, "dev", users=[iam_user], roles=[management_access_role(DEV)])]
        org = make_org(default_org_accounts())
        _, dev, person = assess(make_inventory(accounts=accounts, organization=org, identity_center=idc))
        assert (dev.verdict, person.would_lose, person.needs_review) == ("ready", [], []), iam_user.attached_policies


def test_a_grant_limited_to_other_resources_needs_review_and_the_same_one_is_kept() -> None:
    """Both sides allow s3:GetObject only on some buckets: another bucket is not known to be enough (review); the
    same statement is the same access (ready); one that reads the principal's name may not be."""
    team_a = inline("team-a", scoped("arn:aws:s3:::team-a/*"))
    other_bucket = permission_set("TeamB").model_copy(update={"inline_policy": scoped("arn:aws:s3:::team-b/*")})
    _, dev, person = assess(organization(alice(inline_policies=[team_a]), other_bucket))
    assert dev.verdict == "needs-review" and [r.code for r in dev.reviews] == ["access-depends"]
    assert [(s.service, s.actions) for s in person.needs_review] == [("s3", ["s3:GetObject"])]
    same_bucket = permission_set("TeamA").model_copy(update={"inline_policy": scoped("arn:aws:s3:::team-a/*")})
    _, dev, person = assess(organization(alice(inline_policies=[team_a]), same_bucket))
    assert (dev.verdict, person.needs_review) == ("ready", [])
    home = "arn:aws:s3:::home/${aws:username}/*"  # in a role session aws:username does not exist
    home_set = permission_set("Home").model_copy(update={"inline_policy": scoped(home)})
    _, dev, person = assess(organization(alice(inline_policies=[inline("home", scoped(home))]), home_set))
    assert dev.verdict == "needs-review"


def test_a_service_tracked_only_as_a_whole_counts_every_action_iam_allows_in_it() -> None:
    """CloudWatch Logs used (which actions, AWS does not record): all of its actions IAM allows are compared, and
    none of the services alice did not use."""
    used = [ServiceUse(namespace="logs", last_accessed=AS_OF - timedelta(days=3))]
    view = permission_set("ViewOnly", managed=[aws_policy("ViewOnlyAccess")])
    _, dev, person = assess(organization(alice("ReadOnlyAccess", service_use=used), view))
    assert dev.verdict == "blocked" and person.access_basis == "used"
    assert [s.service for s in person.would_lose] == ["logs"]
    assert "logs:GetLogEvents" in person.would_lose[0].actions  # reads log data: view-only does not
    assert person.would_lose[0].last_used == AS_OF - timedelta(days=3)


def test_the_lists_name_the_services_with_the_most_actions_and_the_counts_cover_them_all() -> None:
    """AdministratorAccess in IAM, read-only in Identity Center: hundreds of services lost, ten listed."""
    read_only = permission_set("ReadOnly", managed=[aws_policy("ReadOnlyAccess")])
    inventory = organization(alice("AdministratorAccess"), read_only)
    _, dev, person = assess(inventory)
    everything = lost_actions(dev_of(inventory), inventory)
    assert person.would_lose_count is not None
    assert person.would_lose_count.actions == len(everything) > 10_000
    assert person.would_lose_count.services == len({a.split(":")[0].lower() for a in everything}) > 300
    assert len(person.would_lose) == 10
    counts = [s.count for s in person.would_lose]
    assert counts == sorted(counts, reverse=True) and all(len(s.actions) == min(s.count, 20) for s in person.would_lose)
    assert f"{len(everything):,} actions in {person.would_lose_count.services} services" in dev.blockers[0].message
    for service in person.would_lose:  # each count is the whole service's, not the listed names'
        assert service.count == sum(1 for a in everything if a.split(":")[0].lower() == service.service)


def scoped(resource: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}]}


def allow(*actions: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}
