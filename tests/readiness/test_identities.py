"""Who is a person, who they are in Identity Center, and whether an emergency way in is left (issue 18).

Each case is one the issue found wrong, built with the factories (the stage reads the inventory only) and run
through ``assess_readiness``: a keys-only person named like an e-mail's local part, a service user under
``/service/``, a user holding only an SSH key, a disabled identity-store user, a shared ``admin`` matched by bare
user name, an external identity provider, one person with several IAM users, and the break-glass check.
"""

from __future__ import annotations

from typing import Any

import pytest
from factories import (
    DEV,
    MGMT,
    PROD,
    aws_policy,
    days_ago,
    default_org_accounts,
    idc_user,
    make_account,
    make_identity_center,
    make_inventory,
    make_key,
    make_org,
    make_user,
    management_access_role,
    permission_set,
)

from auditor.engine.config import Config, ReadinessConfig
from auditor.inventory import (
    AccountAssignment,
    AccountInventory,
    ExternalId,
    IamRole,
    IamUser,
    IdentityStoreUser,
    Inventory,
)
from auditor.readiness.assess import assess_readiness
from auditor.readiness.models import AccountReadiness, IamUserReadiness, Readiness

ADMIN = permission_set("AdministratorAccess", managed=[aws_policy("AdministratorAccess")])
RECENT = days_ago(3)


def break_glass(account_id: str = MGMT) -> IamUser:
    return make_user(
        "breakglass-admin", account_id, password=True, mfa=True, policies=[aws_policy("AdministratorAccess")]
    )


def org(
    dev_users: list[IamUser],
    idc_users: list[IdentityStoreUser],
    *,
    mgmt_users: list[IamUser] | None = None,
    dev_roles: list[IamRole] | None = None,
    extra: tuple[AccountInventory, ...] = (),
) -> Inventory:
    """MGMT (a break-glass user unless ``mgmt_users`` says otherwise) and DEV (its users, and the role the
    management account assumes unless ``dev_roles`` says otherwise); every identity-store user, and a team
    group, gets AdministratorAccess in every account, so access and assignments never decide the verdict here."""
    accounts = [
        make_account(MGMT, "management", users=mgmt_users if mgmt_users is not None else [break_glass()], roles=[]),
        make_account(
            DEV, "dev", users=dev_users, roles=dev_roles if dev_roles is not None else [management_access_role(DEV)]
        ),
        *extra,
    ]
    assignments = [
        AccountAssignment(account_id=a.account_id, permission_set_arn=ADMIN.arn, principal_type=kind, principal_id=p)
        for a in accounts
        for kind, p in [("GROUP", "g-team"), *(("USER", u.user_id) for u in idc_users)]
    ]
    return make_inventory(
        accounts=accounts,
        organization=make_org(default_org_accounts()),
        identity_center=make_identity_center(permission_sets=[ADMIN], users=idc_users, assignments=assignments),
    )


def assess(inventory: Inventory, **readiness: Any) -> Readiness:
    return assess_readiness(inventory, Config(readiness=ReadinessConfig(**readiness)))


def user(readiness: Readiness, name: str) -> IamUserReadiness:
    return next(u for u in readiness.iam_users if u.user_name == name)


def account(readiness: Readiness, account_id: str) -> AccountReadiness:
    return next(a for a in readiness.accounts if a.account_id == account_id)


def codes(found: AccountReadiness) -> tuple[str, list[str], list[str]]:
    return found.verdict, [b.code for b in found.blockers], [r.code for r in found.reviews]


def signals(record: IamUserReadiness) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for signal in record.evidence.signals:
        out.setdefault(signal.signal, []).append(f"{signal.points_to}: {signal.detail}")
    return out


def key_user(name: str, path: str = "/", **fields: Any) -> IamUser:
    return make_user(
        name, DEV, path=path, keys=[make_key(1, last_used=RECENT, service="s3", region="eu-west-1")], **fields
    )


# ------------------------------------------------------------------------------------------- classification


def test_a_keys_only_person_named_like_an_email_local_part_is_a_person_to_confirm_not_a_workload() -> None:
    readiness = assess(org([key_user("jsmith")], [idc_user("u-j", "jsmith@corp.example", "jsmith@corp.example")]))
    jsmith = user(readiness, "jsmith")
    assert (jsmith.user_class, jsmith.class_unconfirmed, jsmith.match) == ("human", True, "unmatched")
    assert jsmith.suggestions == ["jsmith@corp.example"]  # suggested, never applied
    assert jsmith.identity_center_user is None
    assert signals(jsmith)["identity-store-suggestion"] == ["human: like identity-store user(s) jsmith@corp.example"]
    dev = account(readiness, DEV)
    assert codes(dev) == ("blocked", ["human-unmatched"], [])
    assert "maybe jsmith@corp.example (confirm in readiness.confirmed)" in dev.blockers[0].message


def test_a_service_path_and_a_service_name_make_a_workload_with_the_signals_that_decided_it() -> None:
    someone = idc_user("u-x", "xavier@corp.example", "xavier@corp.example")
    readiness = assess(org([key_user("reporting", path="/service/"), key_user("etl-loader")], [someone]))
    reporting, loader = user(readiness, "reporting"), user(readiness, "etl-loader")
    assert (reporting.user_class, loader.user_class) == ("workload", "workload")
    found = signals(reporting)
    assert found["path"] == ["workload: path /service/"]
    assert found["key-last-used"] == [f"neither: {reporting.evidence.active_keys[0].access_key_id} last used "
                                      f"{RECENT.date()} by s3 in eu-west-1"]  # fmt: skip
    assert found["access-key"][0].endswith("(10 days)")
    assert signals(loader)["name"] == ["workload: user name etl-loader"]
    assert account(readiness, DEV).verdict == "ready"  # workloads never block


def test_a_path_or_tag_that_says_person_outweighs_a_workload_like_name() -> None:
    readiness = assess(org([key_user("deploy-jane", tags={"user-type": "human"})], []))
    jane = user(readiness, "deploy-jane")
    assert jane.user_class == "human" and not jane.class_unconfirmed
    assert signals(jane)["tag"] == ["human: tag user-type=human"]


def test_a_user_holding_only_an_ssh_key_is_a_person_and_keeps_the_account_from_migrated() -> None:
    from auditor.inventory import SshPublicKey

    ssh = SshPublicKey(ssh_public_key_id="APKAEIBAERJR2EXAMPLE", status="Active", upload_date=days_ago(30))
    git_user = make_user("gituser", DEV).model_copy(update={"ssh_public_keys": [ssh]})
    readiness = assess(org([git_user], []))
    record = user(readiness, "gituser")
    assert record.user_class == "human"  # not stale: DeleteUser would fail and their git access would break
    assert record.evidence.other_credentials is not None and record.evidence.other_credentials.ssh_public_keys == 1
    assert signals(record)["ssh-public-key"][0].startswith("human: 1 active SSH public key(s)")
    assert codes(account(readiness, DEV))[0] == "blocked"  # an unmatched person, never "migrated"


def test_unread_other_credentials_are_a_review_never_migrated() -> None:
    husk = make_user("husk", DEV).model_copy(
        update={"ssh_public_keys": None, "service_specific_credentials": None, "signing_certificates": None}
    )
    readiness = assess(org([husk], []))
    record = user(readiness, "husk")
    assert record.user_class == "stale" and record.evidence.other_credentials is None
    assert "were not read" in record.evidence.reasons[0]
    assert codes(account(readiness, DEV)) == ("needs-review", [], ["credentials-unknown"])


# ------------------------------------------------------------------------------------------- matching


def test_a_disabled_identity_center_user_is_no_match_and_blocks() -> None:
    gone = IdentityStoreUser(
        user_id="u-b", user_name="bob@corp.example", emails=["bob@corp.example"], status="DISABLED"
    )
    readiness = assess(org([make_user("bob@corp.example", DEV, password=True, password_last_used=RECENT)], [gone]))
    bob = user(readiness, "bob@corp.example")
    assert (bob.match, bob.identity_center_user, bob.match_confirmed) == ("disabled", "bob@corp.example", None)
    assert bob.would_lose_count is None  # not compared: they could not sign in at all
    assert codes(account(readiness, DEV)) == ("blocked", ["identity-center-user-disabled"], [])
    assert readiness.summary.humans_disabled == 1


def test_a_bare_user_name_match_is_reviewed_until_confirmed() -> None:
    inventory = org(
        [
            make_user(
                "admin", DEV, password=True, password_last_used=RECENT, policies=[aws_policy("AdministratorAccess")]
            )
        ],
        [idc_user("u-admin", "admin"), idc_user("u-alice", "alice@corp.example", "alice@corp.example")],
    )
    unconfirmed = assess(inventory)
    admin = user(unconfirmed, "admin")
    assert (admin.match, admin.matched_by, admin.match_confirmed) == ("matched", "user-name", False)
    dev = account(unconfirmed, DEV)
    assert codes(dev) == ("needs-review", [], ["match-unconfirmed"])
    assert 'readiness.confirmed = ["admin=admin"]' in dev.reviews[0].message
    assert unconfirmed.summary.humans_unconfirmed == 1

    confirmed = assess(inventory, confirmed=["admin=alice@corp.example"])
    admin = user(confirmed, "admin")
    assert (admin.match, admin.matched_by, admin.match_confirmed) == ("matched", "confirmed", True)
    assert admin.identity_center_user == "alice@corp.example"
    assert codes(account(confirmed, DEV)) == ("ready", [], [])


def test_a_confirmed_pair_naming_nobody_is_unmatched_not_a_guess() -> None:
    readiness = assess(
        org([make_user("admin", DEV, password=True, password_last_used=RECENT)], [idc_user("u-admin", "admin")]),
        confirmed=["admin=nobody@corp.example"],
    )
    admin = user(readiness, "admin")
    assert (admin.match, admin.matched_by) == ("unmatched", "confirmed")
    assert (
        "readiness.confirmed names one the identity store does not hold" in account(readiness, DEV).blockers[0].message
    )


def test_confirmed_pairs_must_name_both_sides() -> None:
    with pytest.raises(ValueError, match="IAM user=identity-store user"):
        ReadinessConfig(confirmed=["admin"])


def test_the_identity_source_is_told_from_external_ids() -> None:
    scim = IdentityStoreUser(
        user_id="u-a",
        user_name="alice@corp.example",
        emails=["alice@corp.example"],
        external_ids=[ExternalId(issuer="https://scim.example/okta", id="00u1")],
    )
    assert assess(org([], [scim])).identity_source == "external"
    assert assess(org([], [idc_user("u-a", "alice@corp.example")])).identity_source == "identity-center"
    assert assess(org([], [])).identity_source == "unknown"


def test_one_person_with_several_iam_users_is_one_person() -> None:
    alice = idc_user("u-alice", "alice@corp.example", "alice@corp.example")
    prod = make_account(
        PROD,
        "prod",
        users=[
            make_user("alice", PROD, password=True, password_last_used=RECENT, tags={"email": "alice@corp.example"})
        ],
        roles=[management_access_role(PROD)],
    )
    readiness = assess(
        org(
            [
                make_user("alice-admin", DEV, password=True, password_last_used=RECENT),
                make_user("alice@corp.example", DEV, password=True, password_last_used=RECENT),
            ],
            [alice],
            extra=(prod,),
        )
    )
    people = {p.person: p for p in readiness.people}
    assert sorted(people["alice@corp.example"].iam_users) == sorted(
        [f"arn:aws:iam::{DEV}:user/alice-admin", f"arn:aws:iam::{DEV}:user/alice@corp.example",
         f"arn:aws:iam::{PROD}:user/alice"]
    )  # fmt: skip
    assert people["alice@corp.example"].grouped_by == "suggested"  # alice-admin is alice by likeness only
    assert people["alice@corp.example"].accounts == sorted([DEV, PROD])
    assert user(readiness, "alice-admin").suggestions == ["alice@corp.example"]
    assert readiness.summary.people == 1


def test_the_configured_email_tag_is_read_and_handed_to_the_plan() -> None:
    inventory = org(
        [make_user("carol", DEV, password=True, password_last_used=RECENT, tags={"mail": "carol@corp.example"})],
        [idc_user("u-c", "carol.d", "carol@corp.example")],
    )
    readiness = assess(inventory, email_tag="mail")
    carol = user(readiness, "carol")
    assert (carol.match, carol.matched_by, carol.identity_center_user) == ("matched", "tag", "carol.d")
    assert readiness.email_tag == "mail"


# ------------------------------------------------------------------------------------------- break-glass


def test_the_management_account_without_a_break_glass_user_is_never_ready() -> None:
    admin = make_user(
        "admin", MGMT, password=True, password_last_used=RECENT, tags={"email": "alice@corp.example"},
        policies=[aws_policy("AdministratorAccess")],
    )  # fmt: skip
    idc = [idc_user("u-alice", "alice@corp.example", "alice@corp.example")]
    readiness = assess(org([], idc, mgmt_users=[admin]))
    management = account(readiness, MGMT)
    assert management.is_management and management.emergency_access == []
    assert codes(management) == ("blocked", ["no-break-glass"], [])
    assert "locks the whole organization out" in management.blockers[0].message

    kept = assess(org([], idc, mgmt_users=[admin, break_glass()]))
    assert codes(account(kept, MGMT)) == ("ready", [], [])
    assert [(p.kind, p.note) for p in account(kept, MGMT).emergency_access or []] == [("break-glass-user", None)]

    declared = assess(org([], idc, mgmt_users=[admin]), emergency_access={MGMT: "root user, FIDO keys in the safe"})
    assert codes(account(declared, MGMT))[0] == "ready"


def test_a_member_account_needs_a_role_the_management_account_assumes_or_a_break_glass_user() -> None:
    assert codes(account(assess(org([], [])), DEV)) == ("migrated", [], [])  # OrganizationAccountAccessRole
    bare = assess(org([], [], dev_roles=[]))
    assert codes(account(bare, DEV)) == ("blocked", ["no-break-glass"], [])
    unread = org([], [])
    unread.accounts[1] = unread.accounts[1].model_copy(update={"roles": None})
    found = account(assess(unread), DEV)
    assert found.emergency_access is None and "could not be read" in found.blockers[0].message
    with_user = assess(org([break_glass(DEV)], [], dev_roles=[]))
    assert codes(account(with_user, DEV))[1] == []
    flawed = break_glass(DEV).model_copy(update={"mfa_active": False})
    notes = account(assess(org([flawed], [], dev_roles=[])), DEV).emergency_access or []
    assert [p.note for p in notes] == ["no MFA device"]
