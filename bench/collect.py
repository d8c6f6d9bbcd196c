"""Benchmark of collection: AWS calls per account, and how concurrency shortens a scan (moto, in-process).

    python bench/collect.py                                   # 10 / 50 / 100 member accounts, concurrency 1 and 8
    python bench/collect.py --accounts 200 --users 50 --concurrency 1,4,8,16
    python bench/collect.py --accounts 100 --latency-ms 20     # add 20 ms to every call, like a network round trip

For each organization size it describes an organization in the demo's vocabulary (``auditor.demo.description``)
and builds it in a fresh moto world with the demo's builder: a management account and N members, each with
``--users`` IAM users (``--key-share`` of them with access keys, one in four of those with two keys, a few with
console passwords), two groups, three roles and a customer-managed policy; Identity Center with four permission
sets (three assigned in every account) and a small identity store (12 users, 3 groups). Then it runs
``collect(CollectOptions(org=True, concurrency=C))`` for each ``--concurrency`` value with a ``before-call``
recorder on the base session (which sees every call of the scan, see ``auditor/collect/session.py``) and prints
markdown tables:

* calls       - every AWS API call of the scan (a page of a paginated list is one call);
* per account - calls about one account (see ``attribute``), mean and range over all accounts; the per-user
                calls are ``ListAccessKeys`` (users with keys), ``ListSSHPublicKeys`` and
                ``ListServiceSpecificCredentials`` (every user; moto lacks the second, answered by
                ``answering_service_specific_credentials``), ``ListSigningCertificates`` (users with a
                certificate: none here) and the last-accessed jobs (moto lacks them: one gap per account);
* per scan    - calls made once per scan (organization listing, permission sets, identity store);
* wall, accounts/s, speed-up - time of ``collect()`` alone, not the building of the organization.

moto answers in-process, in microseconds and under the GIL: wall times here say how much CPU the collectors and
moto burn, not how long a scan against AWS takes, where every call is a network round trip (tens of ms) and
threads overlap the waits. ``--latency-ms`` sleeps that long in each call (outside the GIL) to show that shape.
The credential report's polling sleeps are skipped (``sleep`` is a no-op). Not a test: nothing here asserts a time.
The environment is sealed like the test suite's (fake credentials, no config files, no endpoint, no instance
metadata), so nothing here can reach real AWS.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
import botocore.model  # noqa: E402
import moto.iam.models  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.core.responses import ActionResult  # noqa: E402
from moto.iam.responses import IamResponse  # noqa: E402

from auditor.collect.operations import OPERATIONS_BY_SERVICE  # noqa: E402
from auditor.collect.options import CollectOptions  # noqa: E402
from auditor.collect.runner import collect  # noqa: E402
from auditor.demo.builder import build_organization  # noqa: E402
from auditor.demo.description import (  # noqa: E402
    MOTO_MANAGEMENT_EMAIL,
    MOTO_MANAGEMENT_NAME,
    MockAccessKey,
    MockAccount,
    MockAssignment,
    MockIamGroup,
    MockIamUser,
    MockIdentityCenter,
    MockIdentityCenterGroup,
    MockIdentityCenterUser,
    MockOrganization,
    MockOu,
    MockPermissionSet,
    MockPolicy,
    MockRole,
    allow,
)
from auditor.demo.sandbox import REGION, only_aws_managed_policies, sealed_aws_environment  # noqa: E402
from auditor.inventory import Inventory  # noqa: E402

# IAM calls sent with an account's own credentials are about that account, except the org-wide one and the AWS
# managed policies' documents (read once per scan, with the management account's credentials).
SCAN_IAM_OPERATIONS = frozenset({"ListOrganizationsFeatures", "GetPolicy", "GetPolicyVersion"})
ACCOUNT_IAM_OPERATIONS = frozenset(f"iam:{op}" for op in OPERATIONS_BY_SERVICE["iam"] - SCAN_IAM_OPERATIONS)
# What moto 5.2 cannot answer (shared notes, aws-facts.md): the only coverage gaps a complete scan may show.
MOTO_GAPS = frozenset(
    {
        "ListOrganizationsFeatures",
        "ListDelegatedAdministrators",
        "GetPermissionsBoundaryForPermissionSet",
        "GenerateServiceLastAccessedDetails",
    }
)


# ------------------------------------------------------------------- what moto lacks and a scan sends per user


@contextlib.contextmanager
def answering_service_specific_credentials() -> Iterator[None]:
    """``iam:ListServiceSpecificCredentials`` answered as AWS answers it for a user holding none (``NoSuchEntity``
    for a user it does not know), while the block runs.

    moto implements neither it nor ``CreateServiceSpecificCredential``. Unanswered, each account would stop asking
    after its first user's ``NotImplemented`` (``auditor/collect/user_credentials.py``), and the figures would
    leave out one call per user that a scan sends on AWS. The method is added to moto's IAM response class, not
    hooked on a session, so that the HTTP server of ``bench/org_scale.py`` (the same process's backends, a scan
    in a child process) answers it too; it is removed afterwards.
    """

    def list_service_specific_credentials(self: IamResponse) -> ActionResult:
        self.backend.get_user(self._get_param("UserName"))  # raises moto's NoSuchEntity, as IAM does
        return ActionResult({"ServiceSpecificCredentials": []})

    assert not hasattr(IamResponse, "list_service_specific_credentials"), "moto answers it now: drop this"
    IamResponse.list_service_specific_credentials = list_service_specific_credentials  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del IamResponse.list_service_specific_credentials  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------ the organization


@dataclass
class World:
    session: boto3.Session
    management_id: str
    member_ids: list[str]
    users_with_keys: dict[str, int] = field(default_factory=dict)  # account id -> users with access keys


def describe_organization(members: int, users: int, key_share: float, permission_sets: int = 4) -> MockOrganization:
    """The management account and ``members`` members spread over three OUs, each account with the same IAM."""
    env_by_ou = {"Prod": "prod", "NonProd": "dev", "Sandbox": "sandbox"}  # member i goes to the (i % 3)th
    placed: dict[str, list[MockAccount]] = {ou: [] for ou in env_by_ou}
    for index in range(members):
        ou = list(env_by_ou)[index % 3]
        name = f"member-{index}"
        placed[ou].append(describe_account(name, f"{name}@example.com", {"env": env_by_ou[ou]}, users, key_share))
    management = describe_account(MOTO_MANAGEMENT_NAME, MOTO_MANAGEMENT_EMAIL, {}, users, key_share)
    member_names = [account.name for accounts in placed.values() for account in accounts]
    return MockOrganization(
        management=management,
        ous=tuple(MockOu(ou, accounts=tuple(accounts)) for ou, accounts in placed.items()),
        identity_center=describe_identity_center([management.name, *member_names], permission_sets),
    )


def describe_account(name: str, email: str, tags: dict[str, str], users: int, key_share: float) -> MockAccount:
    """``users`` IAM users (the first ``key_share`` of them with keys, one in four of those with two), two groups,
    three roles and a customer-managed boundary policy."""
    with_keys = round(users * key_share)
    return MockAccount(
        name=name,
        email=email,
        tags=tags,
        policies=(MockPolicy("boundary", allow("ec2:*")),),
        groups=(
            MockIamGroup("admins", managed_policies=("AdministratorAccess",)),
            MockIamGroup("developers", inline_policies={"dev": allow("s3:*")}),
        ),
        roles=(
            MockRole("app", trusted_service="ec2.amazonaws.com", managed_policies=("ReadOnlyAccess",)),
            MockRole(
                "deployer",
                trusted_service="codebuild.amazonaws.com",
                max_session_duration=43200,
                inline_policies={"deploy": allow("cloudformation:*")},
            ),
            MockRole("break-glass", trusted_account=MOTO_MANAGEMENT_NAME),
        ),
        users=tuple(
            MockIamUser(
                f"user-{index:03d}",
                permissions_boundary="boundary" if index % 5 == 0 else None,
                groups=("admins" if index % 10 == 0 else "developers",),
                console_password=index % 4 == 0,
                access_keys=(MockAccessKey(),) * ((2 if index % 4 == 1 else 1) if index < with_keys else 0),
            )
            for index in range(users)
        ),
    )


def describe_identity_center(account_names: list[str], permission_sets: int = 4) -> MockIdentityCenter:
    """Four permission sets; three are assigned in every account, Billing nowhere.

    ``permission_sets`` above four adds sets ``Extra-N``, each assigned to the Platform group in every account.

    Every provisioned set is provisioned to every account on purpose: moto answers
    ``ListPermissionSetsProvisionedToAccount`` with every set provisioned anywhere in the instance (AWS: only the
    account's), so a set assigned in some accounts only would cost moto, not AWS, extra calls elsewhere.
    """
    groups = ("Platform", "Auditors", "Developers")
    everywhere = tuple(account_names)
    return MockIdentityCenter(
        groups=tuple(MockIdentityCenterGroup(name) for name in groups),
        users=tuple(
            MockIdentityCenterUser(
                f"person-{index}", "Person", str(index), display_name=f"Person {index}", groups=(groups[index % 3],)
            )
            for index in range(12)
        ),
        permission_sets=(
            MockPermissionSet(
                "AdministratorAccess", session_duration="PT12H", managed_policies=("AdministratorAccess",)
            ),
            MockPermissionSet("ReadOnly", session_duration="PT1H", inline_policy=allow("s3:Get*")),
            MockPermissionSet("Developer", session_duration="PT1H"),
            MockPermissionSet("Billing", session_duration="PT1H"),
            *(MockPermissionSet(f"Extra-{index}", session_duration="PT1H") for index in range(permission_sets - 4)),
        ),
        assignments=(
            MockAssignment("AdministratorAccess", "GROUP", "Platform", everywhere),
            MockAssignment("ReadOnly", "GROUP", "Auditors", everywhere),
            MockAssignment("Developer", "GROUP", "Developers", everywhere),
            # a direct user assignment now and then
            MockAssignment("ReadOnly", "USER", "person-0", everywhere[::5]),
            *(
                MockAssignment(f"Extra-{index}", "GROUP", "Platform", everywhere)
                for index in range(permission_sets - 4)
            ),
        ),
    )


def build_world(session: boto3.Session, description: MockOrganization) -> World:
    built = build_organization(description, session)
    members = [account for account in description.accounts() if account is not description.management]
    return World(
        session=session,
        management_id=built.management_account_id,
        member_ids=[built.account_ids[account.name] for account in members],
        users_with_keys={
            built.account_ids[account.name]: sum(1 for user in account.users if user.access_keys)
            for account in description.accounts()
        },
    )


# -------------------------------------------------------------------------------------------- recording


@dataclass
class Recorder:
    """Every call of a scan: operation, the access key that signed it, the parameters (which may name an account)."""

    base_access_key: str
    management_id: str
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
                account = self.management_id
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
    recorder = Recorder(
        base_credentials.get_frozen_credentials().access_key, world.management_id, latency_seconds=latency_seconds
    )
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
    expected = sorted([world.management_id, *world.member_ids])
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


# The per-user calls, by whom they are sent for (``auditor/collect/iam.py``, ``user_credentials.py``).
PER_USER_KIND = {
    "iam:ListAccessKeys": "user with keys",
    "iam:ListSSHPublicKeys": "user",
    "iam:ListServiceSpecificCredentials": "user",
    "iam:ListSigningCertificates": "user with a certificate",
}


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
        kind = PER_USER_KIND.get(operation, kind)
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
    with sealed_aws_environment(), answering_service_specific_credentials():
        runs = run_all(args)
    print_summary(runs, args.users, args.latency_ms)
    print_operations(runs)
    return 0


def run_all(args: argparse.Namespace) -> list[Run]:
    runs: list[Run] = []
    for members in parse_list(args.accounts):
        description = describe_organization(members, args.users, args.key_share)
        with only_aws_managed_policies(description.aws_managed_policies()), mock_aws():
            started = time.perf_counter()
            world = build_world(boto3.Session(region_name=REGION), description)
            print(f"built 1 + {members} accounts in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            for concurrency in parse_list(args.concurrency):
                run = scan(world, concurrency, args.latency_ms / 1000)
                print(f"  concurrency {concurrency}: {run.calls} calls in {run.wall:.2f} s", file=sys.stderr)
                runs.append(run)
    return runs


if __name__ == "__main__":
    sys.exit(main())
