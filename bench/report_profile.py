"""Where report generation from a saved inventory spends its time and memory (html + json + sarif).

    python bench/report_profile.py INVENTORY.json                  # wall and peak RSS of each stage, in a child
    python bench/report_profile.py INVENTORY.json --tracemalloc    # + the 10 lines holding most memory at the peak
    python bench/report_profile.py INVENTORY.json --cprofile       # + the 10 functions with most own time

The inventory is one ``bench/org_scale.py`` saved (``--keep DIR``: ``DIR/<label>-c8-l0/inventory.json``). The
stages are the ones ``auditor scan --from-inventory`` runs: load the inventory, evaluate the rules and build the
findings document (``auditor.engine.pipeline.findings_for``), then write each format as ``write_reports`` does
(``Reporter.write``: streamed by the formats that override it; with ``--tracemalloc`` the html report is rendered
whole first, for the snapshot). Peak RSS is the process's own ``VmHWM`` read after each stage: the run starts in
a fresh interpreter, so it is this work's memory and nobody else's. tracemalloc and cProfile slow the run down
several times: their figures say *where*, the plain run says *how much*. Not a test: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import pstats
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inventory", type=Path)
    parser.add_argument("--formats", default="html,json,sarif")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument(
        "--keep-inventory", action="store_true", help="hold the inventory while rendering, as scan does today"
    )
    args = parser.parse_args(argv)

    if args.tracemalloc:
        tracemalloc.start(1)
    profile = cProfile.Profile() if args.cprofile else None
    if profile:
        profile.enable()
    started = time.perf_counter()
    stages: list[tuple[str, float, float]] = []

    def stage(name: str) -> None:
        stages.append((name, time.perf_counter() - started, vm_hwm_mb()))

    from auditor.engine.config import Config
    from auditor.engine.pipeline import findings_for
    from auditor.inventory import Inventory
    from auditor.registry import load_rules
    from auditor.reports import BUILTIN_REPORTERS  # the formats as the CLI names them
    from auditor.rules import BUILTIN_PACK
    from auditor.util.safefile import write_atomic, write_atomic_with

    stage("imports")
    inventory = Inventory.load(args.inventory)
    stage("load inventory")
    document = findings_for(inventory, load_rules([BUILTIN_PACK], []), Config())
    stage(f"evaluate ({len(document.findings):,} findings)")
    if not args.keep_inventory:
        del inventory  # the reports need only the document
    snapshot = tracemalloc.take_snapshot() if args.tracemalloc else None
    out = Path(tempfile.mkdtemp(prefix="report-profile-"))
    by_name = {reporter.name: reporter for reporter in BUILTIN_REPORTERS}
    for name in args.formats.split(","):
        reporter = by_name[name]()
        path = out / (reporter.default_filename or name)
        if args.tracemalloc and name == "html":
            rendered = reporter.render(document)
            snapshot = tracemalloc.take_snapshot()
            write_atomic(path, rendered)
            del rendered
        else:  # as write_reports does: a format that streams never holds its report whole
            write_atomic_with(path, functools.partial(reporter.write, document))
        stage(f"{name} ({path.stat().st_size / 1e6:.1f} MB)")
    if profile:
        profile.disable()

    print("| stage | ends at | peak RSS so far |\n|---|---:|---:|")
    for name, at, peak in stages:
        print(f"| {name} | {at:.2f} s | {peak:.0f} MB |")
    if args.tracemalloc:
        current, peak = tracemalloc.get_traced_memory()
        print(f"\ntracemalloc: peak {peak / 1e6:.0f} MB traced; top 10 lines at the html render:\n")
        assert snapshot is not None
        for statistic in snapshot.statistics("lineno")[:10]:
            frame = statistic.traceback[0]
            print(f"- {statistic.size / 1e6:6.1f} MB  {statistic.count:>9,} blocks  {frame.filename}:{frame.lineno}")
    if profile:
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(10)
        print("\n" + text.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
