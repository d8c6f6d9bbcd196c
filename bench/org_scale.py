"""Benchmark of a whole-organization scan over HTTP, beside Prowler on one of its accounts (moto server).

    python bench/org_scale.py                                          # 100 members x 200 users, no added latency
    python bench/org_scale.py --latency-ms 50 --concurrency 8,16,32    # 50 ms per request, three concurrency levels
    python bench/org_scale.py --accounts 10 --users 200 --prowler      # and Prowler on one member account
    python bench/org_scale.py --accounts 300 --users 100 --no-reports  # growth: collection + evaluation only

What it does, in one process:

1. Describes an organization of ``--accounts`` members x ``--users`` IAM users (``--key-share`` of them with access
   keys) x ``--permission-sets`` Identity Center permission sets, with ``bench/collect.py``'s description, and
   builds it with the demo's builder (``auditor/demo/builder.py``) in moto's in-process backends. Assignments are
   provisioned as AWS provisions them (``identity_center_builder``).
2. Serves those same backends over HTTP on 127.0.0.1: moto's ``DomainDispatcherApplication`` wrapped in
   :class:`Instrumented`, which counts every request per operation and per signing access key and sleeps
   ``--latency-ms`` before answering. The wrapper sits around the application the WSGI server calls, not around a
   backend's ``app.wsgi_app`` (the dispatcher builds its own backend apps, so such a wrapper would never run);
   the harness measures that the delay is real before it runs anything (``probe_latency``).
3. Runs ``auditor scan --org`` (html+json+sarif, ``--save-inventory``) as a subprocess for each ``--concurrency``
   value, with the management account's credentials and ``AWS_ENDPOINT_URL`` pointing at the server, and Prowler
   (``--prowler``: ``prowler aws --service iam`` from ``--prowler-bin``) with a member account's assumed-role
   credentials. Each child's peak RSS is its ``VmHWM`` (``run_child`` says why not ``getrusage``).

Printed per run: wall, peak RSS, requests (total and per account), and for the auditor the ratio of its wall time
to the critical-path bound ``max(T0, L x (S + max(A / C, A / N)))``: T0 is the wall time of the same scan
without added latency (its CPU floor, measured when ``--latency-ms`` starts with 0, in the same window), L the
added latency,
S the requests made once per scan (the organization listing and Identity Center, which a scan needs before or
besides the accounts), A the requests about accounts, N the accounts (one account's requests are sequential,
so A / N is one account's chain) and C the concurrency. Nothing here is a test; nothing
asserts a time. The environment is sealed like the test suite's, so nothing can reach real AWS.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
import moto.iam.models  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.core.responses import ActionResult  # noqa: E402
from moto.iam.responses import IamResponse  # noqa: E402
from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app  # noqa: E402
from werkzeug.serving import BaseWSGIServer, make_server  # noqa: E402

from auditor.demo.sandbox import REGION, only_aws_managed_policies, sealed_aws_environment  # noqa: E402
from bench.collect import (  # noqa: E402
    answering_service_specific_credentials,
    build_world,
    describe_organization,
    forget_credential_reports,
)

StartResponse = Callable[..., Any]

# ------------------------------------------------------------------------- what moto lacks: last-accessed jobs

LAST_USED = "2026-11-30T12:00:00Z"


@contextlib.contextmanager
def answering_last_accessed() -> Iterator[None]:
    """``iam:GenerateServiceLastAccessedDetails`` and ``GetServiceLastAccessedDetails`` answered as IAM answers
    them for a job that is complete at its first read, while the block runs (issue 24's evidence of use).

    moto implements neither: unanswered, each account stops asking after its first user's ``NotImplemented``
    (``auditor/collect/last_accessed.py``), and a run would leave out the two requests per user holding a
    credential that a scan sends on AWS. Like ``bench/collect.py``'s ``answering_service_specific_credentials``,
    the methods are added to moto's IAM response class (not hooked on a session), so the HTTP server answers the
    scan in its child process; they are removed afterwards. Each report lists S3 used by action (two actions)
    and CloudWatch Logs as a whole service, so the answers are parsed as a real one would be. Without this
    (``--moto-last-accessed``) the run is the scan as it was before issue 24's calls, less one failing request
    per account.
    """

    def generate(self: IamResponse) -> ActionResult:
        return ActionResult({"JobId": f"job-{self._get_param('Arn')}"})

    def get(self: IamResponse) -> ActionResult:
        s3_actions = [
            {"ActionName": name, "LastAccessedTime": LAST_USED, "LastAccessedRegion": REGION}
            for name in ("GetObject", "PutObject")
        ]
        return ActionResult(
            {
                "JobStatus": "COMPLETED",
                "JobType": "ACTION_LEVEL",
                "JobCreationDate": LAST_USED,
                "JobCompletionDate": LAST_USED,
                "ServicesLastAccessed": [
                    {
                        "ServiceName": "Amazon S3",
                        "ServiceNamespace": "s3",
                        "LastAuthenticated": LAST_USED,
                        "TotalAuthenticatedEntities": 1,
                        "TrackedActionsLastAccessed": s3_actions,
                    },
                    {
                        "ServiceName": "Amazon CloudWatch Logs",
                        "ServiceNamespace": "logs",
                        "LastAuthenticated": LAST_USED,
                        "TotalAuthenticatedEntities": 1,
                    },
                ],
                "IsTruncated": False,
            }
        )

    names = ("generate_service_last_accessed_details", "get_service_last_accessed_details")
    assert not any(hasattr(IamResponse, name) for name in names), "moto answers them now: drop this"
    for name, method in zip(names, (generate, get), strict=True):
        setattr(IamResponse, name, method)
    try:
        yield
    finally:
        for name in names:
            delattr(IamResponse, name)


# --------------------------------------------------------------------------------------------- the server


class Instrumented:
    """WSGI middleware around moto's dispatcher: counts requests per operation and signing key; adds latency.

    The operation is the ``X-Amz-Target`` suffix (JSON protocols: Organizations, SSO Admin, Identity Store) or the
    form's ``Action`` (query protocol: IAM, STS); the body is read once and handed on unchanged.
    """

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self.latency_seconds = 0.0
        self.by_operation: Counter[str] = Counter()
        self.by_key: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        operation, access_key = self._identify(environ)
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        with self.lock:
            self.by_operation[operation] += 1
            self.by_key[access_key] += 1
        return self.app(environ, start_response)

    def _identify(self, environ: dict[str, Any]) -> tuple[str, str]:
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        scope = authorization.partition("Credential=")[2].split(",")[0].split("/")
        access_key, service = (scope[0], scope[3]) if len(scope) > 3 else ("", "?")
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return f"{service}:{target.rpartition('.')[2]}", access_key
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", ["?"])[0]
        if action == "?":
            action = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("Action", ["?"])[0]
        return f"{service}:{action}", access_key

    def reset(self, latency_seconds: float) -> None:
        with self.lock:
            self.latency_seconds = latency_seconds
            self.by_operation.clear()
            self.by_key.clear()


@dataclass
class Server:
    app: Instrumented
    wsgi: BaseWSGIServer
    thread: threading.Thread
    endpoint: str

    def stop(self) -> None:
        self.wsgi.shutdown()
        self.thread.join()


def serve() -> Server:
    """moto's server application over the process's own backends (the organization built first), on a free port."""
    app = Instrumented(DomainDispatcherApplication(create_backend_app))
    logging.getLogger("werkzeug").disabled = True  # a line (or a traceback) per request is server CPU and noise
    wsgi = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=wsgi.serve_forever, daemon=True)
    thread.start()
    return Server(app, wsgi, thread, f"http://127.0.0.1:{wsgi.server_port}")


def probe_latency(server: Server, latency_seconds: float, calls: int = 10) -> tuple[float, float]:
    """Median time of one GetCallerIdentity without and with the added latency: proof the delay is real."""
    sts = boto3.client("sts", region_name=REGION, endpoint_url=server.endpoint)
    medians = []
    for latency in (0.0, latency_seconds):
        server.app.reset(latency)
        times = []
        for _ in range(calls):
            started = time.perf_counter()
            sts.get_caller_identity()
            times.append(time.perf_counter() - started)
        medians.append(sorted(times)[len(times) // 2])
    server.app.reset(0.0)
    return medians[0], medians[1]


# -------------------------------------------------------------------------------------------- the runs


@dataclass
class Run:
    tool: str
    concurrency: int | None
    latency_ms: float
    wall: float
    peak_rss_mb: float
    cpu: float  # the tool's own CPU seconds (user + system)
    server_cpu: float  # the moto server's CPU seconds meanwhile (the harness process)
    requests: int
    by_operation: Counter[str]
    requests_per_account: dict[str, int]
    exit_code: int
    load: str
    findings: int | None = None
    notes: list[str] = field(default_factory=list)


def child_env(endpoint: str, credentials: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    if credentials:
        env.update(credentials)
    return env


@dataclass(frozen=True)
class ChildRun:
    wall: float
    peak_rss_mb: float
    exit_code: int
    cpu: float  # user + system seconds of the child and its descendants
    server_cpu: float  # user + system seconds of this process meanwhile: the moto server (and the 10 ms polling)


def run_child(argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> ChildRun:
    """Wall, peak RSS (MB) of the child and its descendants (summed), exit code, and where the CPU went.

    The peak is ``VmHWM`` from ``/proc``, polled every 10 ms: ``getrusage``/``wait4`` would report the memory of
    this (large, moto-holding) process at the moment it forked the child, since Linux carries ``maxrss`` across
    ``exec``. VmHWM belongs to the new program only and never decreases, so polling loses at most the last 10 ms.
    """
    peaks: dict[int, int] = {}
    children, own = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        try:
            while process.poll() is None:
                for pid in _tree(process.pid):
                    peaks[pid] = max(peaks.get(pid, 0), _vm_hwm_kb(pid))
                time.sleep(0.01)
        finally:
            if process.poll() is None:  # the harness itself was stopped: do not leave the child running
                process.kill()
                process.wait()
        wall = time.perf_counter() - started
    children_after, own_after = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    return ChildRun(
        wall=wall,
        peak_rss_mb=sum(peaks.values()) / 1024,
        exit_code=process.returncode,
        cpu=_cpu(children_after) - _cpu(children),
        server_cpu=_cpu(own_after) - _cpu(own),
    )


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def _tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                queue += [int(c) for c in Path(f"/proc/{current}/task/{task}/children").read_text().split()]
        except OSError:
            pass
    return pids


def _vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def load_average() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def per_account(server: Server, account_by_key: Callable[[str], str]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for key, count in server.app.by_key.items():
        counts[account_by_key(key)] += count
    return dict(counts)


def run_auditor(
    server: Server,
    label: str,
    python: str,
    concurrency: int,
    latency_ms: float,
    out: Path,
    formats: str | None,
    management_id: str,
) -> Run:
    """``formats``: ``auditor scan --format``; ``None`` runs ``auditor collect -o`` (the same inventory, no
    evaluation, no report)."""
    reports = fresh_dir(out / f"{label}-c{concurrency}-l{latency_ms:g}")
    argv = [
        python, "-m", "auditor", "scan", "--org", "--concurrency", str(concurrency),
        "--format", formats, "--output-dir", str(reports), "--save-inventory", str(reports / "inventory.json"),
    ] if formats is not None else [
        python, "-m", "auditor", "collect", "--org", "--concurrency", str(concurrency),
        "-o", str(reports / "inventory.json"),
    ]  # fmt: skip
    run = measure_run(
        server, label, concurrency, latency_ms, argv, child_env(server.endpoint), reports,
        account_of=lambda key: _account_of(key, management_id),
    )  # fmt: skip
    if (reports / "findings.json").exists():
        import json

        run.findings = len(json.loads((reports / "findings.json").read_bytes())["findings"])
    return run


def run_prowler(server: Server, prowler: str, member_id: str, latency_ms: float, out: Path) -> Run:
    """``prowler aws --service iam`` with the member's assumed-role credentials (as an auditor there would)."""
    sts = boto3.client("sts", region_name=REGION, endpoint_url=server.endpoint)
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{member_id}:role/OrganizationAccountAccessRole", RoleSessionName="prowler"
    )["Credentials"]
    reports = fresh_dir(out / f"prowler-l{latency_ms:g}")
    env = child_env(
        server.endpoint,
        {
            "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"],
        },
    )
    argv = [prowler, "aws", "--service", "iam", "--output-directory", str(reports), "--no-banner", "-f", REGION]
    return measure_run(server, "prowler", None, latency_ms, argv, env, reports, account_of=lambda _: member_id)


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def measure_run(
    server: Server,
    tool: str,
    concurrency: int | None,
    latency_ms: float,
    argv: list[str],
    env: dict[str, str],
    reports: Path,
    *,
    account_of: Callable[[str], str],
) -> Run:
    """One tool's run against a server with no credential report and ``latency_ms`` added to each request, and
    the server's count of its requests (``account_of``: the account a signing key belongs to)."""
    forget_credential_reports()
    server.app.reset(latency_ms / 1000)
    load = load_average()
    child = run_child(argv, env, reports, reports / "log.txt")
    return Run(
        tool=tool,
        concurrency=concurrency,
        latency_ms=latency_ms,
        wall=child.wall,
        peak_rss_mb=child.peak_rss_mb,
        cpu=child.cpu,
        server_cpu=child.server_cpu,
        requests=sum(server.app.by_operation.values()),
        by_operation=Counter(server.app.by_operation),
        requests_per_account=per_account(server, account_of),
        exit_code=child.exit_code,
        load=load,
    )


def _account_of(access_key: str, management_id: str) -> str:
    """The account whose credentials signed a request (moto's own mapping of assumed-role keys)."""
    if access_key.startswith("ASIA"):
        return str(moto.iam.models.get_account_id_from(access_key))
    return management_id


# ------------------------------------------------------------------------------------------- printing


def critical_path_bound(run: Run, floor: float | None) -> float | None:
    """``max(T0, L x (S + max(A / C, A / N)))`` (module docstring); ``None`` without latency or concurrency."""
    if not run.latency_ms or not run.concurrency:
        return None
    per_scan = 1 + sum(  # GetCallerIdentity, the organization listing, Identity Center's own listings
        count
        for operation, count in run.by_operation.items()
        if operation.split(":")[0] in PER_SCAN_SERVICES and operation not in ABOUT_AN_ACCOUNT
    )
    about_accounts = run.requests - per_scan
    accounts = max(1, len(run.requests_per_account))
    # C workers share the account requests, but one account's requests are sequential: its chain is a floor too
    spread = max(about_accounts / run.concurrency, about_accounts / accounts)
    bound = run.latency_ms / 1000 * (per_scan + spread)
    return max(bound, floor or 0.0)


# made by the management account, but one (or one per provisioned set) per account: they spread over the workers
ABOUT_AN_ACCOUNT = frozenset(
    {
        "organizations:ListTagsForResource",
        "sso:ListAccountAssignments",
        "sso:ListPermissionSetsProvisionedToAccount",
    }
)
PER_SCAN_SERVICES = frozenset({"organizations", "sso", "identitystore"})


def print_runs(runs: list[Run], accounts: int, users: int, floors: dict[str, float]) -> None:
    print(f"\n{accounts} accounts (management + members) x {users} IAM users\n")
    print(
        "| tool | C | latency | wall | peak RSS | tool CPU | server CPU | requests | per account | bound | ÷ bound "
        "| findings | load |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for run in runs:
        accounts_seen = len(run.requests_per_account) or 1
        bound = critical_path_bound(run, floors.get(run.tool))
        cells = [
            run.tool,
            str(run.concurrency or "—"),
            f"{run.latency_ms:g} ms",
            f"{run.wall:.1f} s",
            f"{run.peak_rss_mb:.0f} MB",
            f"{run.cpu:.1f} s",
            f"{run.server_cpu:.1f} s",
            f"{run.requests:,}",
            f"{run.requests / accounts_seen:.1f}",
            f"{bound:.1f} s" if bound else "—",
            f"{run.wall / bound:.2f}×" if bound else "—",
            f"{run.findings:,}" if run.findings is not None else "—",
            run.load + ("" if run.exit_code in (0, 1) else f" (exit {run.exit_code})"),
        ]
        print("| " + " | ".join(cells) + " |")


def print_operations(runs: list[Run]) -> None:
    operations = sorted(set().union(*(run.by_operation for run in runs)))
    print("\n| operation | " + " | ".join(f"{r.tool} C{r.concurrency or '-'} {r.latency_ms:g}ms" for r in runs) + " |")
    print("|---|" + "---:|" * len(runs))
    for operation in operations:
        print(f"| {operation} | " + " | ".join(f"{run.by_operation[operation]:,}" for run in runs) + " |")


# ---------------------------------------------------------------------------------------------- main


def parse_list(text: str) -> list[int]:
    return [int(item) for item in text.split(",") if item.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100, help="member accounts")
    parser.add_argument("--users", type=int, default=200, help="IAM users per account")
    parser.add_argument("--key-share", type=float, default=0.5, help="share of users with access keys")
    parser.add_argument("--permission-sets", type=int, default=4, help="Identity Center permission sets")
    parser.add_argument("--concurrency", default="8", help="auditor --concurrency values (comma list)")
    parser.add_argument(
        "--latency-ms", default="0", help="added to every request at the server (comma list; 0 first gives T0)"
    )
    parser.add_argument(
        "--auditor-python",
        default=f"auditor={sys.executable}",
        help="LABEL=PYTHON[,LABEL=PYTHON]: the interpreters whose installed auditor runs (e.g. before and after)",
    )
    parser.add_argument("--formats", default="html,json,sarif", help="auditor --format")
    parser.add_argument("--no-reports", action="store_true", help="auditor --format json only (growth runs)")
    parser.add_argument(
        "--collect-only", action="store_true", help="run `auditor collect -o` instead of scan: collection's own memory"
    )
    parser.add_argument("--prowler", action="store_true", help="also run Prowler on the first member account")
    parser.add_argument("--prowler-bin", default="/tmp/prowler-venv/bin/prowler")
    parser.add_argument(
        "--moto-last-accessed",
        action="store_true",
        help="leave the last-accessed jobs to moto, which lacks them (the scan before issue 24's calls)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each configuration")
    parser.add_argument("--keep", type=Path, help="keep reports and logs here (default: a temporary directory)")
    args = parser.parse_args(argv)
    out = args.keep or Path(tempfile.mkdtemp(prefix="org-scale-"))
    last_accessed = contextlib.nullcontext() if args.moto_last_accessed else answering_last_accessed()
    with sealed_aws_environment(), answering_service_specific_credentials(), last_accessed:
        description = describe_organization(args.accounts, args.users, args.key_share, args.permission_sets)
        with only_aws_managed_policies(description.aws_managed_policies()), mock_aws():
            started = time.perf_counter()
            world = build_world(boto3.Session(region_name=REGION), description)
            print(f"built 1 + {args.accounts} accounts in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            server = serve()
            try:
                runs = measure(args, server, world.management_id, world.member_ids[0], out)
            finally:
                server.stop()
    floors = {run.tool: run.wall for run in runs if run.tool != "prowler" and not run.latency_ms}
    print_runs(runs, args.accounts + 1, args.users, floors)
    print_operations(runs)
    print(f"\nreports and logs: {out}", file=sys.stderr)
    return 0


def measure(args: argparse.Namespace, server: Server, management_id: str, member_id: str, out: Path) -> list[Run]:
    """Per latency (in the order given): Prowler once, then the auditor at each concurrency."""
    formats = None if args.collect_only else "json" if args.no_reports else args.formats
    runs: list[Run] = []
    for latency_ms in [float(item) for item in args.latency_ms.split(",")]:
        if latency_ms:
            check_latency(server, latency_ms)
        for _ in range(args.repeat):
            if args.prowler and Path(args.prowler_bin).exists():
                run = run_prowler(server, args.prowler_bin, member_id, latency_ms, out)
                print(f"  prowler L{latency_ms:g}: {run.wall:.1f} s, {run.peak_rss_mb:.0f} MB", file=sys.stderr)
                runs.append(run)
            levels = parse_list(args.concurrency)
            for label, python in (item.split("=", 1) for item in args.auditor_python.split(",")):
                for concurrency in levels if latency_ms else levels[:1]:  # without latency: the CPU floor, once
                    run = run_auditor(server, label, python, concurrency, latency_ms, out, formats, management_id)
                    print(
                        f"  {label} C{concurrency} L{latency_ms:g}: {run.wall:.1f} s, {run.peak_rss_mb:.0f} MB, "
                        f"{run.requests} requests, exit {run.exit_code}, load {run.load}",
                        file=sys.stderr,
                    )
                    runs.append(run)
    return runs


def check_latency(server: Server, latency_ms: float) -> None:
    without, with_latency = probe_latency(server, latency_ms / 1000)
    print(
        f"probe: GetCallerIdentity {without * 1000:.1f} ms, with {latency_ms:g} ms added "
        f"{with_latency * 1000:.1f} ms (+{(with_latency - without) * 1000:.1f} ms)",
        file=sys.stderr,
    )
    if with_latency - without < latency_ms / 1000 * 0.9:
        raise SystemExit("the added latency did not reach the requests: the wrapper is not on the served app")


if __name__ == "__main__":
    sys.exit(main())
