"""Benchmark: what the readiness stage adds to a scan's evaluation time.

    python bench/readiness.py                        # 100 accounts x 200 IAM users, best of 5
    python bench/readiness.py --accounts 200 --users 200 --runs 7

It builds a deterministic inventory in memory (no moto, no AWS): each account has IAM users of every kind
(people with console passwords, MFA, e-mail tags and, for every other one, the services and actions they used;
workloads with keys and their last-used service; stale users; a break-glass user), IAM groups with AWS managed
policies, a credential report, the AWS managed policies' documents (moto's copy of AWS's), and an Identity
Center instance whose identity store holds one user per person, in groups assigned permission sets across the
accounts. The readiness stage compares each person's access action by action: on what they used when it is
known (a comparison per person), on everything IAM allows them otherwise (one per policy combination, shared).
Then it times, best of ``--runs``:

* evaluate  - ``auditor.engine.evaluate.evaluate`` with the built-in rules;
* pipeline  - ``auditor.engine.pipeline.findings_for``: what every scan runs (evaluation, the findings document, and
              since the readiness stage, readiness too);
* readiness - ``auditor.readiness.assess.assess_readiness`` on the same inventory and config.

The share printed is readiness over evaluate, and over the rest of the pipeline (pipeline minus readiness).
Each is measured three times: with the cyclic garbage collector as it is (what a library caller of
``findings_for`` gets); after ``gc.freeze()`` has moved the inventory out of the collector's reach; and as the
CLI runs the stages, frozen and with the collector off while they run (``auditor/commands/evaluation.py``;
docs/architecture.md says why). The three are measured in one process, one after the other, so their ratio
stands on a shared machine.

Times are CPU seconds, best of ``--runs``. Not a test: nothing here asserts a time. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.engine.config import Config  # noqa: E402
from auditor.engine.evaluate import evaluate  # noqa: E402
from auditor.engine.pipeline import findings_for  # noqa: E402
from auditor.inventory import (  # noqa: E402
    AccessKey,
    AccountAssignment,
    AccountInventory,
    ActionUse,
    AttachedPolicy,
    CollectionInfo,
    CredentialReport,
    CredentialReportKey,
    CredentialReportRow,
    GroupMembership,
    IamGroup,
    IamUser,
    IdentityCenter,
    IdentityStoreGroup,
    IdentityStoreUser,
    Inventory,
    ManagedPolicy,
    OrgAccount,
    Organization,
    PermissionSet,
    ServiceUse,
    ToolInfo,
)
from auditor.readiness.assess import assess_readiness  # noqa: E402
from auditor.registry import RuleSet, load_rules  # noqa: E402
from auditor.rules import BUILTIN_PACK  # noqa: E402

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
INSTANCE = "arn:aws:sso:::instance/ssoins-bench"
SETS = {
    "AdministratorAccess": "AdministratorAccess",
    "ReadOnly": "ReadOnlyAccess",
    "PowerUser": "PowerUserAccess",
    "Billing": "job-function/Billing",
}


def aws_policy(name: str) -> AttachedPolicy:
    return AttachedPolicy(policy_name=name.rsplit("/", 1)[-1], policy_arn=f"arn:aws:iam::aws:policy/{name}")


def service_use(n: int) -> list[ServiceUse]:
    """What IAM's last-accessed data holds for a person: services tracked action by action (S3, EC2, IAM) with the
    actions used, and services tracked only as a whole (CloudWatch Logs, Cost Explorer)."""
    at = AS_OF - timedelta(days=1 + n % 30)
    tracked = {
        "s3": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"][: 1 + n % 3],
        "ec2": ["ec2:DescribeInstances", "ec2:StartInstances", "ec2:StopInstances"][: 1 + n % 3],
        "iam": ["iam:ListRoles", "iam:CreateRole"][: 1 + n % 2],
    }
    return [
        *(
            ServiceUse(namespace=ns, last_accessed=at, actions=[ActionUse(action=a, last_accessed=at) for a in names])
            for ns, names in tracked.items()
        ),
        ServiceUse(namespace="logs", last_accessed=at),
        ServiceUse(namespace="ce", last_accessed=at),
    ]


def account(index: int, users_per_account: int) -> AccountInventory:
    account_id = f"{100000000000 + index}"
    users: list[IamUser] = []
    rows = [CredentialReportRow(user="<root_account>", arn=f"arn:aws:iam::{account_id}:root", mfa_active=True)]
    for n in range(users_per_account):
        kind = n % 10
        name = f"person{n}" if kind < 6 else f"svc-{n}" if kind < 9 else f"old-{n}"
        if n == 0:
            name = "breakglass"
        created = AS_OF - timedelta(days=400 + n)
        keys = []
        if kind >= 5:
            keys = [
                AccessKey(
                    access_key_id=f"AKIA{index:06d}{n:010d}",
                    status="Active",
                    create_date=created,
                    last_used_date=AS_OF - timedelta(days=2 if kind < 9 else 300),
                    last_used_service="s3",
                )
            ]
        password = kind < 6
        user = IamUser(
            user_name=name,
            user_id=f"AIDA{index:06d}{n:011d}",
            arn=f"arn:aws:iam::{account_id}:user/{name}",
            create_date=created,
            password_enabled=password,
            password_last_used=AS_OF - timedelta(days=3) if password else None,
            mfa_active=kind < 6 and kind % 2 == 0,
            # in odd accounts the few people Identity Center gives less (Billing) are readers: no gap there
            groups=["admins"] if kind == 0 and not (n % 50 == 0 and index % 2) else ["readers"],
            attached_policies=[aws_policy("PowerUserAccess")] if kind == 1 else [],
            access_keys=keys,
            tags={"email": f"person{n}@example.com"} if kind < 3 else {},
            service_use=service_use(n) if n % 2 == 0 else None,  # the others: use unknown, compared on grants
            # read, as a scan reads them (None would make every account needs-review: credentials-unknown)
            ssh_public_keys=[],
            service_specific_credentials=[],
            signing_certificates=[],
        )
        users.append(user)
        rows.append(
            CredentialReportRow(
                user=name,
                arn=user.arn,
                user_creation_time=created,
                password_enabled=password,
                password_last_used=user.password_last_used,
                mfa_active=bool(user.mfa_active),
                access_keys=[
                    CredentialReportKey(
                        slot=1, active=True, last_rotated=k.create_date, last_used_date=k.last_used_date
                    )
                    for k in keys
                ],
            )
        )
    return AccountInventory(
        account_id=account_id,
        account_name=f"acct-{index}-{'prod' if index % 5 == 0 else 'dev'}",
        tags={},
        users=users,
        groups=[
            IamGroup(
                group_name="admins",
                group_id="AGPAADMINS",
                arn=f"arn:aws:iam::{account_id}:group/admins",
                attached_policies=[aws_policy("AdministratorAccess")],
            ),
            IamGroup(
                group_name="readers",
                group_id="AGPAREADERS",
                arn=f"arn:aws:iam::{account_id}:group/readers",
                attached_policies=[aws_policy("ReadOnlyAccess")],
            ),
        ],
        roles=[],
        managed_policies=[],
        credential_report=CredentialReport(generated_time=AS_OF, rows=rows),
    )


def inventory(accounts: int, users: int) -> Inventory:
    built = [account(i, users) for i in range(accounts)]
    ids = [a.account_id for a in built]
    sets = [
        PermissionSet(arn=f"{INSTANCE}/ps-{name.lower()}", name=name, managed_policies=[aws_policy(policy)])
        for name, policy in SETS.items()
    ]
    people = [f"person{n}" for n in range(users) if n % 10 < 6]
    store_users = [
        IdentityStoreUser(user_id=f"u-{name}", user_name=name, emails=[f"{name}@example.com"]) for name in people
    ]
    groups = [IdentityStoreGroup(group_id=f"g-{set_name}", display_name=set_name) for set_name in SETS]
    # people reach in Identity Center what their IAM users have (admins, power users, readers), with a few gaps
    by_kind = {0: "AdministratorAccess", 1: "PowerUser"}
    memberships = [
        GroupMembership(group_id=f"g-{by_kind.get(n % 10, 'ReadOnly') if n % 50 else 'Billing'}", user_id=f"u-{name}")
        for name in people
        for n in [int(name.removeprefix("person"))]
    ] + [  # power users and the few on Billing are readers too (in IAM, the readers group), here as well
        GroupMembership(group_id="g-ReadOnly", user_id=f"u-{name}")
        for name in people
        for n in [int(name.removeprefix("person"))]
        if n % 10 == 1 or n % 50 == 0
    ]
    assignments = [
        AccountAssignment(
            account_id=account_id, permission_set_arn=ps.arn, principal_type="GROUP", principal_id=f"g-{ps.name}"
        )
        for j, account_id in enumerate(ids)
        for ps in sets
        if j % 7 != 0  # some accounts have no assignment: blocked
    ]
    return Inventory(
        tool=ToolInfo(name="aws-identity-auditor", version="bench"),
        collection=CollectionInfo(started_at=AS_OF, finished_at=AS_OF),
        organization=Organization(
            id="o-bench",
            management_account_id=ids[0],
            accounts=[OrgAccount(id=a.account_id, name=a.account_name or "", state="ACTIVE", tags={}) for a in built],
        ),
        identity_center=IdentityCenter(
            status="enabled",
            instance_arn=INSTANCE,
            identity_store_id="d-bench00000",
            home_region="us-east-1",
            permission_sets=sets,
            assignments=assignments,
            assignments_listed_accounts=sorted(ids),
            users=store_users,
            groups=groups,
            memberships=memberships,
        ),
        accounts=built,
        aws_managed_policies=aws_managed_documents(
            {p.policy_arn for a in built for g in a.groups or [] for p in g.attached_policies}
            | {p.policy_arn for a in built for u in a.users or [] for p in u.attached_policies}
            | {p.policy_arn for ps in sets for p in ps.managed_policies}
        ),
    )


def aws_managed_documents(arns: set[str]) -> list[ManagedPolicy]:
    """The real documents of the AWS managed policies attached (moto's copy, by name), as a scan reads them once:
    the comparison reads documents, and without them every person would be "policy-unknown"."""
    import json

    from moto.iam.aws_managed_policies import aws_managed_policies_data

    known = json.loads(aws_managed_policies_data)
    return [
        ManagedPolicy(
            policy_name=arn.rsplit("/", 1)[-1],
            policy_arn=arn,
            default_version_id=known[arn.rsplit("/", 1)[-1]]["DefaultVersionId"],
            document=known[arn.rsplit("/", 1)[-1]]["Document"],
        )
        for arn in sorted(arns)
        if arn.rsplit("/", 1)[-1] in known
    ]


def best(runs: int, work: object) -> float:
    """Best CPU time (``time.process_time``) of ``runs`` calls: the stages are single-threaded and pure, and CPU
    time is less disturbed than wall time by other processes on a shared machine."""
    timings = []
    for _ in range(runs):
        start = time.process_time()
        work()  # type: ignore[operator]
        timings.append(time.process_time() - start)
    return min(timings)


def measure(runs: int, inv: Inventory, ruleset: RuleSet, config: Config) -> tuple[float, float, float]:
    """evaluate, pipeline and readiness: best CPU seconds of ``runs`` each."""
    return (
        best(runs, lambda: evaluate(inv, ruleset, config)),
        best(runs, lambda: findings_for(inv, ruleset, config, generated_at=AS_OF)),
        best(runs, lambda: assess_readiness(inv, config)),
    )


def show(label: str, runs: int, figures: tuple[float, float, float]) -> None:
    evaluation_seconds, pipeline_seconds, readiness_seconds = figures
    rest = pipeline_seconds - readiness_seconds
    print(
        f"{label}: evaluate {evaluation_seconds:.3f} s, pipeline {pipeline_seconds:.3f} s (readiness included), "
        f"readiness {readiness_seconds:.3f} s (best of {runs}); readiness adds "
        f"{100 * readiness_seconds / evaluation_seconds:.1f} % to evaluate, "
        f"{100 * readiness_seconds / rest:.1f} % to the rest of the pipeline"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    inv = inventory(args.accounts, args.users)
    built = time.perf_counter() - start
    ruleset = load_rules([BUILTIN_PACK])
    config = Config()
    readiness = assess_readiness(inv, config)
    print(f"inventory: {args.accounts} accounts x {args.users} IAM users, built in {built:.1f} s")
    print(f"verdicts: {readiness.summary.accounts_by_verdict}; users: {readiness.summary.users_by_class}")
    del readiness
    # first as a library caller of findings_for runs it (the collector as it is), for comparison ...
    unfrozen = measure(args.runs, inv, ruleset, config)
    show("collector as is", args.runs, unfrozen)
    # ... then with the inventory moved out of the cyclic collector's reach ...
    gc.freeze()
    show("gc.freeze only", args.runs, measure(args.runs, inv, ruleset, config))
    # ... then as the CLI runs it (auditor/commands/evaluation.py): frozen, and no collection during the stages
    gc.disable()
    try:
        show("as the CLI runs (gc.freeze, collector off)", args.runs, measure(args.runs, inv, ruleset, config))
    finally:
        gc.enable()


if __name__ == "__main__":
    main()
