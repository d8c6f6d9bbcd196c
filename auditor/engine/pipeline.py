"""The pure stages wired together: inventory -> evaluation -> findings document (+ baseline).

``auditor scan``, ``auditor demo`` and the tests all go through ``findings_for``, so the demo really is the
same pipeline a real scan runs. Writing the document out is :func:`auditor.reporter.write_reports`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from auditor.engine.baseline import apply_baseline
from auditor.engine.config import Config
from auditor.engine.document import build_document
from auditor.engine.evaluate import DEFAULT_RULE_TIMEOUT_SECONDS, evaluate
from auditor.findings import FindingsDocument
from auditor.inventory import Inventory
from auditor.readiness.assess import assess_readiness
from auditor.registry import RuleSet


def findings_for(
    inventory: Inventory,
    ruleset: RuleSet,
    config: Config,
    *,
    baseline: FindingsDocument | None = None,
    generated_at: datetime | None = None,
    rule_timeout: float | None = DEFAULT_RULE_TIMEOUT_SECONDS,
) -> FindingsDocument:
    evaluation = evaluate(inventory, ruleset, config, rule_timeout=rule_timeout)
    document = build_document(inventory, evaluation, ruleset, generated_at or datetime.now(UTC))
    document.readiness = assess_readiness(inventory, config)
    if baseline is not None:
        document = apply_baseline(document, baseline)
    return document
