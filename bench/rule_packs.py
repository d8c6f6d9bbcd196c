"""Benchmark: what running a third-party rule pack in its own process costs (issue 20).

    python bench/rule_packs.py                       # 20 trivial rules; the demo, then 100 accounts x 200 users
    python bench/rule_packs.py --rules 50 --accounts 10 --users 50 --runs 3

A pack of ``--rules`` trivial rules (each yields one hit per account) is written to a temporary ``--rules-dir``
and timed, wall seconds, best of ``--runs``, against the same rules handed in as a pack that runs in the
auditor's process (which is what every third-party pack did before issue 20):

* load     - ``load_rules`` with the pack: in-process import, against the child that imports it and describes
             its rules as data (``auditor/engine/packs.py``);
* evaluate - ``evaluate`` with the built-in rules and the pack, minus ``evaluate`` with the built-in rules alone:
             what the pack's rules add, in-process against in their own process (the inventory saved once as
             JSON, read by the child, each rule's hits sent back as JSON lines and validated).

Over the demo's inventory (``auditor.demo.scan.demo_inventory``: moto, in-process) and over the synthetic
inventory of ``bench/readiness.py`` (no moto). Wall time, since most of the cost is in another process. Not a
test: nothing here asserts a time. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.engine.config import Config  # noqa: E402
from auditor.engine.evaluate import evaluate  # noqa: E402
from auditor.inventory import Inventory  # noqa: E402
from auditor.registry import RulePack, load_rules, rules_from  # noqa: E402
from auditor.rules import BUILTIN_PACK  # noqa: E402

RULE = """
@rule(id="ZZB-{n:03d}", title="trivial {n}", severity="low", area="bench", rationale="r", remediation="m")
def trivial_{n}(inventory, context):
    for account in inventory.accounts:
        yield Hit(account_id=account.account_id, resource_type="AWS::::Account", resource_id=account.account_id,
                  message="one hit per account")
"""


def write_pack(directory: Path, rules: int) -> Path:
    path = directory / "bench_pack.py"
    body = "from auditor.rule import Hit, rule\n" + "".join(RULE.format(n=n) for n in range(1, rules + 1))
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def in_process_pack(path: Path) -> RulePack:
    """The same file imported here, as a pack handed in (how every pack ran before issue 20)."""
    spec = importlib.util.spec_from_file_location("bench_pack_in_process", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return RulePack(origin=str(path), rules=rules_from(module))


def best(runs: int, work: Callable[[], object]) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    return min(timings)


def measure(label: str, inventory: Inventory, pack_dir: Path, pack_file: Path, runs: int) -> None:
    config = Config()
    builtin = load_rules([BUILTIN_PACK], use_entry_points=False)
    in_process = load_rules([BUILTIN_PACK, in_process_pack(pack_file)], use_entry_points=False)
    isolated = load_rules([BUILTIN_PACK], [pack_dir], use_entry_points=False)
    assert len(isolated.isolated) == len(in_process.rules) - len(builtin.rules), isolated.problems
    load_in = best(runs, lambda: in_process_pack(pack_file))
    load_iso = best(runs, lambda: load_rules([], [pack_dir], use_entry_points=False))
    base = best(runs, lambda: evaluate(inventory, builtin, config))
    with_in = best(runs, lambda: evaluate(inventory, in_process, config))
    with_iso = best(runs, lambda: evaluate(inventory, isolated, config))
    findings = len(evaluate(inventory, isolated, config).findings) - len(evaluate(inventory, builtin, config).findings)
    print(
        f"{label}: {len(isolated.isolated)} pack rules, {findings} pack findings; "
        f"load {load_in:.3f} s in-process, {load_iso:.3f} s in its own process; "
        f"evaluate built-in alone {base:.3f} s; the pack adds {with_in - base:.3f} s in-process, "
        f"{with_iso - base:.3f} s in its own process (best of {runs}, wall)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=20)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from auditor.demo.scan import demo_inventory
    from bench.readiness import inventory as synthetic

    with tempfile.TemporaryDirectory(prefix="bench-packs-") as directory:
        pack_dir = Path(directory)
        pack_file = write_pack(pack_dir, args.rules)
        measure("demo", demo_inventory(), pack_dir, pack_file, args.runs)
        label = f"synthetic {args.accounts} accounts x {args.users} users"
        measure(label, synthetic(args.accounts, args.users), pack_dir, pack_file, args.runs)


if __name__ == "__main__":
    main()
