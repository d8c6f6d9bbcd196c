"""The readiness stage's outputs, byte for byte, against files written before its performance work.

Why: the readiness stage is tuned for speed (issue 24, "cost stays small": records built without re-validating
what the stage built itself, comparisons shared), and a faster stage must give the same answer. These files were
written by main at 68f29ac, before that work, from two inventories: the demo organization's saved inventory
(``tests/fixtures/demo-inventory.json``, every verdict and class the story has) and bench/readiness.py's
organization at 14 accounts x 60 users (shared policies, use known and unknown, access gaps, accounts without
assignments). Compared: ``findings.json`` as the JSON reporter writes it (readiness section included), the
readiness section alone, and the plan's two files.

A deliberate change of an output regenerates them: ``python tests/readiness/test_golden_outputs.py`` (and the
commit says which contract changed).
"""

from __future__ import annotations

import gzip
import io
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script to regenerate
    sys.path.insert(0, str(ROOT))

from auditor.engine.config import Config  # noqa: E402
from auditor.engine.pipeline import findings_for  # noqa: E402
from auditor.inventory import Inventory  # noqa: E402
from auditor.readiness.assess import assess_readiness  # noqa: E402
from auditor.readiness.models import IamUserReadiness, WorkloadUser  # noqa: E402
from auditor.readiness.plan import build_plan, plan_files  # noqa: E402
from auditor.registry import load_rules  # noqa: E402
from auditor.rules import BUILTIN_PACK  # noqa: E402
from bench.readiness import inventory as bench_inventory  # noqa: E402
from reports.json_report import JsonReporter  # noqa: E402

GOLDEN = ROOT / "tests" / "fixtures" / "readiness-golden"
GENERATED_AT = datetime(2026, 6, 2, tzinfo=UTC)
START = date(2026, 6, 3)


def _inventories() -> dict[str, Inventory]:
    return {
        "demo": Inventory.load(ROOT / "tests" / "fixtures" / "demo-inventory.json"),
        "bench-14x60": bench_inventory(14, 60),
    }


def outputs(name: str, inventory: Inventory) -> dict[str, bytes]:
    """Every file the readiness stage decides, for one inventory: ``{file name: bytes}``."""
    config = Config()
    document = findings_for(inventory, load_rules([BUILTIN_PACK]), config, generated_at=GENERATED_AT)
    stream = io.BytesIO()
    JsonReporter().write(document, stream)
    assert document.readiness is not None
    files = {
        f"{name}.findings.json": stream.getvalue(),
        f"{name}.readiness.json": document.readiness.model_dump_json(indent=2).encode(),
    }
    plan = build_plan(inventory, document.readiness, start=START, inventory_path="inventory.json")
    files.update((f"{name}.{file_name}", text.encode()) for file_name, text in plan_files(plan))
    return files


def _first_difference(expected: bytes, actual: bytes) -> str:
    for number, (want, got) in enumerate(zip(expected.splitlines(), actual.splitlines(), strict=False), 1):
        if want != got:
            return f"line {number}: expected {want[:200]!r}, got {got[:200]!r}"
    return f"lengths differ: expected {len(expected)} bytes, got {len(actual)}"


@pytest.mark.parametrize("name", ["demo", "bench-14x60"])
def test_outputs_match_the_golden_files(name: str) -> None:
    """findings.json, the readiness section and the plan are the bytes main wrote before the readiness stage was
    made faster (a gzip file per output, so the fixtures stay small)."""
    files = outputs(name, _inventories()[name])
    assert sorted(files) == sorted(p.name.removesuffix(".gz") for p in GOLDEN.glob(f"{name}.*.gz"))
    for file_name, actual in files.items():
        expected = gzip.decompress((GOLDEN / f"{file_name}.gz").read_bytes())
        assert actual == expected, f"{file_name}: {_first_difference(expected, actual)}"


@pytest.mark.parametrize("name", ["demo", "bench-14x60"])
def test_records_built_without_validation_are_what_validation_gives(name: str) -> None:
    """The stage builds its records without validating them again (``readiness.models.built``): each user's
    record, with its evidence, keys and lists of actions, has exactly the model's fields, and validating its JSON
    gives an equal record (a missing or extra key, a tuple for a list or a value outside a ``Literal`` would fail
    here); so does each account's workloads' track."""
    readiness = assess_readiness(_inventories()[name], Config())
    assert readiness.iam_users
    for user in readiness.iam_users:
        assert list(user.__dict__) == list(IamUserReadiness.model_fields)
        assert list(user.evidence.__dict__) == list(type(user.evidence).model_fields)
        built_here = [*user.evidence.active_keys, *user.would_lose, *user.needs_review]
        built_here += [count for count in (user.would_lose_count, user.needs_review_count) if count is not None]
        for record in built_here:
            assert list(record.__dict__) == list(type(record).model_fields)
        assert IamUserReadiness.model_validate_json(user.model_dump_json()) == user, user.arn
    workloads = [workload for account in readiness.accounts for workload in account.workloads]
    assert workloads
    for workload in workloads:
        assert list(workload.__dict__) == list(WorkloadUser.model_fields)
        assert WorkloadUser.model_validate_json(workload.model_dump_json()) == workload, workload.arn


def _regenerate() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, inventory in _inventories().items():
        for file_name, data in outputs(name, inventory).items():
            # mtime 0: the same bytes give the same .gz
            (GOLDEN / f"{file_name}.gz").write_bytes(gzip.compress(data, mtime=0))
            print(f"wrote {file_name}.gz ({len(data)} bytes)")


if __name__ == "__main__":
    _regenerate()
