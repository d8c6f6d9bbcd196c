"""The stages wired together: inventory -> evaluation -> findings document -> report files.

``auditor scan``, ``auditor demo`` and the tests all go through these functions, so the demo really is the
same pipeline a real scan runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from auditor.baseline import apply_baseline
from auditor.config import Config
from auditor.document import build_document
from auditor.evaluate import evaluate
from auditor.findings import FindingsDocument
from auditor.inventory import Inventory
from auditor.registry import RuleSet
from auditor.reports import ReportOptions, get_reporter


def findings_for(
    inventory: Inventory,
    ruleset: RuleSet,
    config: Config,
    *,
    baseline: FindingsDocument | None = None,
    generated_at: datetime | None = None,
) -> FindingsDocument:
    evaluation = evaluate(inventory, ruleset, config)
    document = build_document(inventory, evaluation, ruleset, generated_at or datetime.now(UTC))
    if baseline is not None:
        document = apply_baseline(document, baseline)
    return document


def write_reports(
    document: FindingsDocument, formats: Sequence[str], output_dir: Path, options: ReportOptions
) -> list[Path]:
    """Write each file format into ``output_dir``; returns the paths written (the table goes to stdout elsewhere)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in formats:
        reporter = get_reporter(name)
        path = output_dir / reporter.filename
        path.write_bytes(reporter.render(document, options))
        written.append(path)
    return written
