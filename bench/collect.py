"""Benchmark of collection: AWS calls per account, and how concurrency shortens a scan (moto, in-process).

    python bench/collect.py                                   # 10 / 50 / 100 member accounts, concurrency 1 and 8
    python bench/collect.py --accounts 200 --users 50 --concurrency 1,4,8,16
    python bench/collect.py --accounts 100 --latency-ms 20     # add 20 ms to every call, like a network round trip

For each organization size it seeds a fresh moto world: a management account and N members, each with
``--users`` IAM users (``--key-share`` of them with access keys, one in four of those with two keys, a few with
console passwords), two groups, three roles and a customer-managed policy; Identity Center with four permission
sets (three assigned in every account) and a small identity store (12 users, 3 groups). Then it runs
``collect(CollectOptions(org=True, concurrency=C))`` for each ``--concurrency`` value with a ``before-call``
recorder on the base session (which sees every call of the scan, see ``auditor/collect/session.py``) and prints
markdown tables:

* calls       - every AWS API call of the scan (a page of a paginated list is one call);
* per account - calls about one account (see ``attribute``), mean and range over all accounts; ``ListAccessKeys``
                is the only per-user call;
* per scan    - calls made once per scan (organization listing, permission sets, identity store);
* wall, accounts/s, speed-up - time of ``collect()`` alone, not the seeding.

moto answers in-process, in microseconds and under the GIL: wall times here say how much CPU the collectors and
moto burn, not how long a scan against AWS takes, where every call is a network round trip (tens of ms) and
threads overlap the waits. ``--latency-ms`` sleeps that long in each call (outside the GIL) to show that shape.
The credential report's polling sleeps are skipped (``sleep`` is a no-op). Not a test: nothing here asserts a time.
The environment is sealed like the test suite's (fake credentials, no config files, no endpoint, no instance
metadata), so nothing here can reach real AWS.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MANAGEMENT_ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "us-east-1"
AUDIT_ROLE = "OrganizationAccountAccessRole"
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY_POLICY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
AWS_MANAGED_POLICIES_USED = ("AdministratorAccess", "ReadOnlyAccess")


import boto3  # noqa: E402
import botocore.model  # noqa: E402
import moto.iam.models  # noqa: E402
from moto import mock_aws  # noqa: E402

from auditor.collect import CollectOptions, collect  # noqa: E402
from auditor.collect.operations import OPERATIONS_BY_SERVICE  # noqa: E402
from auditor.demo.sandbox import only_aws_managed_policies, sealed_aws_environment  # noqa: E402
from auditor.inventory import Inventory  # noqa: E402

# IAM calls sent with an account's own credentials are about that account, except this org-wide one.
ACCOUNT_IAM_OPERATIONS = frozenset(f"iam:{op}" for op in OPERATIONS_BY_SERVICE["iam"] - {"ListOrganizationsFeatures"})
# What moto 5.2 cannot answer (shared notes, aws-facts.md): the only coverage gaps a complete scan may show.
MOTO_GAPS = frozenset(
    {"ListOrganizationsFeatures", "ListDelegatedAdministrators", "GetPermissionsBoundaryForPermissionSet"}
)
PERMISSION_SETS = ("AdministratorAccess", "ReadOnly", "Developer", "Billing")


# ---------------------------------------------------------------------------------------------- seeding


@dataclass
class World:
    session: boto3.Session
    member_ids: list[str]
    users_with_keys: dict[str, int] = field(default_factory=dict)  # account id -> users with access keys


def policy(actions: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})


def trust(principal: dict[str, str]) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def seed(session: boto3.Session, members: int, users: int, key_share: float) -> World:
    organizations = session.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    root_id = organizations.list_roots()["Roots"][0]["Id"]
    ou_ids = [
        organizations.create_organizational_unit(ParentId=root_id, Name=name)["OrganizationalUnit"]["Id"]
        for name in ("Prod", "NonProd", "Sandbox")
    ]
    world = World(session=session, member_ids=[])
    for index in range(members):
        created = organizations.create_account(
            Email=f"member-{index}@example.com",
            AccountName=f"member-{index}",
            Tags=[{"Key": "env", "Value": ("prod", "dev", "sandbox")[index % 3]}],
        )["CreateAccountStatus"]
        world.member_ids.append(created["AccountId"])
        organizations.move_account(
            AccountId=created["AccountId"], SourceParentId=root_id, DestinationParentId=ou_ids[index % 3]
        )
    world.users_with_keys[MANAGEMENT_ACCOUNT_ID] = seed_iam(session.client("iam"), users, key_share)
    sts = session.client("sts")
    for account_id in world.member_ids:
        issued = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{AUDIT_ROLE}", RoleSessionName="seed")[
            "Credentials"
        ]
        iam = session.client(
            "iam",
            aws_access_key_id=issued["AccessKeyId"],
            aws_secret_access_key=issued["SecretAccessKey"],
            aws_session_token=issued["SessionToken"],
        )
        world.users_with_keys[account_id] = seed_iam(iam, users, key_share)
    seed_identity_center(session, [MANAGEMENT_ACCOUNT_ID, *world.member_ids])
    return world


def seed_iam(iam: Any, users: int, key_share: float) -> int:
    """One account's IAM; returns how many users have access keys."""
    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn=ADMIN_POLICY_ARN)
    iam.create_group(GroupName="developers")
    iam.put_group_policy(GroupName="developers", PolicyName="dev", PolicyDocument=policy("s3:*"))
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=policy("ec2:*"))["Policy"]["Arn"]
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust({"Service": "ec2.amazonaws.com"}))
    iam.attach_role_policy(RoleName="app", PolicyArn=READ_ONLY_POLICY_ARN)
    iam.create_role(
        RoleName="deployer",
        AssumeRolePolicyDocument=trust({"Service": "codebuild.amazonaws.com"}),
        MaxSessionDuration=43200,
    )
    iam.put_role_policy(RoleName="deployer", PolicyName="deploy", PolicyDocument=policy("cloudformation:*"))
    iam.create_role(RoleName="break-glass", AssumeRolePolicyDocument=trust({"AWS": MANAGEMENT_ACCOUNT_ID}))
    with_keys = round(users * key_share)
    for index in range(users):
        user_name = f"user-{index:03d}"
        iam.create_user(UserName=user_name, **({"PermissionsBoundary": boundary} if index % 5 == 0 else {}))
        iam.add_user_to_group(GroupName="admins" if index % 10 == 0 else "developers", UserName=user_name)
        if index % 4 == 0:
            iam.create_login_profile(UserName=user_name, Password=f"Correct-Horse-{index}")
        if index < with_keys:
            for _ in range(2 if index % 4 == 1 else 1):
                iam.create_access_key(UserName=user_name)
    return with_keys


def seed_identity_center(session: boto3.Session, account_ids: list[str]) -> None:
    """Four permission sets; three are assigned in every account, Billing nowhere.

    Every provisioned set is provisioned to every account on purpose: moto answers
    ``ListPermissionSetsProvisionedToAccount`` with every set provisioned anywhere in the instance (AWS: only the
    account's), so a set assigned in some accounts only would cost moto, not AWS, extra calls elsewhere.
    """
    sso_admin = session.client("sso-admin")
    identitystore = session.client("identitystore")
    instance = sso_admin.list_instances()["Instances"][0]
    instance_arn, store_id = instance["InstanceArn"], instance["IdentityStoreId"]
    set_arns = {}
    for name in PERMISSION_SETS:
        set_arns[name] = sso_admin.create_permission_set(
            InstanceArn=instance_arn, Name=name, SessionDuration="PT12H" if name == "AdministratorAccess" else "PT1H"
        )["PermissionSet"]["PermissionSetArn"]
    sso_admin.attach_managed_policy_to_permission_set(
        InstanceArn=instance_arn, PermissionSetArn=set_arns["AdministratorAccess"], ManagedPolicyArn=ADMIN_POLICY_ARN
    )
    sso_admin.put_inline_policy_to_permission_set(
        InstanceArn=instance_arn, PermissionSetArn=set_arns["ReadOnly"], InlinePolicy=policy("s3:Get*")
    )
    user_ids = [
        identitystore.create_user(
            IdentityStoreId=store_id,
            UserName=f"person-{index}",
            DisplayName=f"Person {index}",
            Name={"GivenName": "Person", "FamilyName": str(index)},
        )["UserId"]
        for index in range(12)
    ]
    group_ids = {
        name: identitystore.create_group(IdentityStoreId=store_id, DisplayName=name)["GroupId"]
        for name in ("Platform", "Auditors", "Developers")
    }
    for index, user_id in enumerate(user_ids):
        group_id = list(group_ids.values())[index % 3]
        identitystore.create_group_membership(IdentityStoreId=store_id, GroupId=group_id, MemberId={"UserId": user_id})
    plan = [("AdministratorAccess", "GROUP", group_ids["Platform"]), ("ReadOnly", "GROUP", group_ids["Auditors"])]
    plan.append(("Developer", "GROUP", group_ids["Developers"]))
    for index, account_id in enumerate(account_ids):
        assignments = list(plan)
        if index % 5 == 0:
            assignments.append(("ReadOnly", "USER", user_ids[0]))  # a direct user assignment now and then
        for set_name, principal_type, principal_id in assignments:
            sso_admin.create_account_assignment(
                InstanceArn=instance_arn,
                TargetId=account_id,
                TargetType="AWS_ACCOUNT",
                PermissionSetArn=set_arns[set_name],
                PrincipalType=principal_type,
                PrincipalId=principal_id,
            )
            # AWS provisions the set as part of the assignment; moto needs it asked for (tests/conftest.py)
            sso_admin.provision_permission_set(
                InstanceArn=instance_arn,
                PermissionSetArn=set_arns[set_name],
                TargetType="AWS_ACCOUNT",
                TargetId=account_id,
            )


# -------------------------------------------------------------------------------------------- recording


@dataclass
class Recorder:
    """Every call of a scan: operation, the access key that signed it, the parameters (which may name an account)."""

    base_access_key: str
    latency_seconds: float = 0.0
    calls: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    account_by_key: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, session: boto3.Session) -> None:
        session.events.register("before-parameter-build.*.*", self._keep_params)
        session.events.register("before-call.*.*", self._record)
        session.events.register("after-call.sts.AssumeRole", self._learn_key)

    def detach(self, session: boto3.Session) -> None:
        session.events.unregister("before-parameter-build.*.*", self._keep_params)
        session.events.unregister("before-call.*.*", self._record)
        session.events.unregister("after-call.sts.AssumeRole", self._learn_key)

    def _keep_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["bench_params"] = dict(params)  # the same context dict reaches before-call

    def _record(
        self, model: botocore.model.OperationModel, request_signer: Any, context: dict[str, Any], **_: Any
    ) -> None:
        credentials = request_signer._credentials  # private, but the only place a call's credentials are seen
        access_key = credentials.get_frozen_credentials().access_key if credentials else None
        operation = f"{model.service_model.service_name}:{model.name}"
        with self.lock:
            self.calls.append((operation, access_key, context.get("bench_params", {})))
        if self.latency_seconds:
            time.sleep(self.latency_seconds)  # a network round trip: releases the GIL like a socket wait

    def _learn_key(self, parsed: dict[str, Any], **_: Any) -> None:
        if "Credentials" in parsed:
            account_id = parsed["AssumedRoleUser"]["Arn"].split(":")[4]
            with self.lock:
                self.account_by_key[parsed["Credentials"]["AccessKeyId"]] = account_id

    def attribute(self) -> tuple[dict[str, Counter[str]], Counter[str]]:
        """Calls per account, and calls of the scan as a whole.

        A call is an account's when its parameters name it (AssumeRole's RoleArn, ListTagsForResource's
        ResourceId, the sso-admin assignment listings' AccountId), when that account's assumed-role credentials
        signed it, or when it is one of the per-account IAM reads sent with the management account's own
        credentials. Everything else is once per scan.
        """
        per_account: dict[str, Counter[str]] = {}
        per_scan: Counter[str] = Counter()
        for operation, access_key, params in self.calls:
            account = named_account(params) or self.account_by_key.get(access_key or "")
            if account is None and access_key == self.base_access_key and operation in ACCOUNT_IAM_OPERATIONS:
                account = MANAGEMENT_ACCOUNT_ID
            if account is None:
                per_scan[operation] += 1
            else:
                per_account.setdefault(account, Counter())[operation] += 1
        return per_account, per_scan


def named_account(params: dict[str, Any]) -> str | None:
    if "RoleArn" in params:
        return str(params["RoleArn"]).split(":")[4]
    for name in ("AccountId", "ResourceId"):
        if name in params:
            return str(params[name])
    return None


# ---------------------------------------------------------------------------------------------- running


@dataclass
class Run:
    members: int
    concurrency: int
    wall: float
    calls: int
    per_account: dict[str, Counter[str]]
    per_scan: Counter[str]
    by_operation: Counter[str]


def scan(world: World, concurrency: int, latency_seconds: float) -> Run:
    forget_credential_reports()
    base_credentials = world.session.get_credentials()
    assert base_credentials is not None  # mock_aws sets its own fake ones
    recorder = Recorder(base_credentials.get_frozen_credentials().access_key, latency_seconds=latency_seconds)
    recorder.attach(world.session)
    try:
        started = time.perf_counter()
        inventory = collect(CollectOptions(org=True, concurrency=concurrency), world.session, sleep=lambda _: None)
        wall = time.perf_counter() - started
    finally:
        recorder.detach(world.session)
    check_complete(inventory, world)
    per_account, per_scan = recorder.attribute()
    return Run(
        members=len(world.member_ids),
        concurrency=concurrency,
        wall=wall,
        calls=len(recorder.calls),
        per_account=per_account,
        per_scan=per_scan,
        by_operation=Counter(operation for operation, _, _ in recorder.calls),
    )


def forget_credential_reports() -> None:
    """Every scan starts without credential reports, as the first scan of the day does on AWS.

    Otherwise the second scan of a world would find them generated and skip a GenerateCredentialReport per
    account (moto answers STARTED the first time, COMPLETE afterwards).
    """
    for backends_of_account in moto.iam.models.iam_backends.values():
        for backend in backends_of_account.values():
            backend.credential_report = None


def check_complete(inventory: Inventory, world: World) -> None:
    """A benchmark of a scan that silently failed halfway would measure nothing: stop instead."""
    expected = sorted([MANAGEMENT_ACCOUNT_ID, *world.member_ids])
    collected = [account.account_id for account in inventory.accounts]
    errors = [e for e in inventory.errors if e.operation not in MOTO_GAPS]
    if collected != expected or errors:
        raise SystemExit(f"incomplete scan: {len(collected)}/{len(expected)} accounts, errors: {errors[:3]}")
    for account in inventory.accounts:
        with_keys = sum(1 for user in account.users or [] if user.access_keys)
        if with_keys != world.users_with_keys[account.account_id]:
            raise SystemExit(f"{account.account_id}: {with_keys} users with keys collected")


# ---------------------------------------------------------------------------------------------- printing


def mean_and_range(values: list[int]) -> str:
    low, high = min(values), max(values)
    return f"{statistics.mean(values):.1f}" + ("" if low == high else f" ({low}–{high})")


def print_summary(runs: list[Run], users: int, latency_ms: float) -> None:
    print(f"\nIAM users per account: {users}; added latency per call: {latency_ms:g} ms\n")
    print(
        "| accounts | concurrency | calls | per account | of which ListAccessKeys | per scan "
        "| calls ÷ accounts | wall | accounts/s | speed-up |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    baseline: dict[int, float] = {}
    for run in runs:
        accounts = run.members + 1
        baseline.setdefault(run.members, run.wall)
        totals = [sum(counter.values()) for counter in run.per_account.values()]
        keys = [counter["iam:ListAccessKeys"] for counter in run.per_account.values()]
        print(
            f"| {accounts} | {run.concurrency} | {run.calls:,} | {mean_and_range(totals)} | {mean_and_range(keys)} "
            f"| {sum(run.per_scan.values())} | {run.calls / accounts:.1f} | {run.wall:.2f} s "
            f"| {accounts / run.wall:.1f} | {baseline[run.members] / run.wall:.2f}× |"
        )


def print_operations(runs: list[Run]) -> None:
    """Calls by operation (the same at every concurrency, which is checked), per organization size."""
    by_size: dict[int, Run] = {}
    for run in runs:
        first = by_size.setdefault(run.members, run)
        if run.by_operation != first.by_operation:
            print(f"warning: {run.members} members: calls by operation differ between concurrency levels")
    sizes = sorted(by_size)
    operations = sorted(set().union(*(run.by_operation for run in by_size.values())))
    print("\n| operation | per | " + " | ".join(f"{members + 1} accounts" for members in sizes) + " |")
    print("|---|---|" + "---:|" * len(sizes))
    for operation in operations:
        largest = by_size[sizes[-1]]
        per_account = any(operation in counter for counter in largest.per_account.values())
        kind = "account" if per_account and operation not in largest.per_scan else "scan"
        if operation == "iam:ListAccessKeys":
            kind = "user with keys"
        cells = " | ".join(f"{by_size[members].by_operation[operation]:,}" for members in sizes)
        print(f"| {operation} | {kind} | {cells} |")
    totals = " | ".join(f"**{by_size[members].calls:,}**" for members in sizes)
    print(f"| **total** | | {totals} |")


def parse_list(text: str) -> list[int]:
    return [int(item) for item in text.split(",") if item.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", default="10,50,100", help="member accounts per organization (comma list)")
    parser.add_argument("--users", type=int, default=20, help="IAM users per account")
    parser.add_argument("--key-share", type=float, default=0.4, help="share of users with access keys")
    parser.add_argument("--concurrency", default="1,8", help="CollectOptions.concurrency values (comma list)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="sleep this long in every call")
    args = parser.parse_args(argv)
    # Sealed: nothing of the user's AWS setup can take part, so nothing here can reach a real account.
    with sealed_aws_environment(), only_aws_managed_policies(AWS_MANAGED_POLICIES_USED):
        runs = run_all(args)
    print_summary(runs, args.users, args.latency_ms)
    print_operations(runs)
    return 0


def run_all(args: argparse.Namespace) -> list[Run]:
    runs: list[Run] = []
    for members in parse_list(args.accounts):
        with mock_aws():
            started = time.perf_counter()
            world = seed(boto3.Session(region_name=REGION), members, args.users, args.key_share)
            print(f"seeded 1 + {members} accounts in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            for concurrency in parse_list(args.concurrency):
                run = scan(world, concurrency, args.latency_ms / 1000)
                print(f"  concurrency {concurrency}: {run.calls} calls in {run.wall:.2f} s", file=sys.stderr)
                runs.append(run)
    return runs


if __name__ == "__main__":
    sys.exit(main())
