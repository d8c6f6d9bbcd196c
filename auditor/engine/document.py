"""Assemble the findings document from an inventory and its evaluation (the input of every reporter)."""

from __future__ import annotations

from datetime import datetime

from auditor import HOMEPAGE, TOOL_NAME, __version__
from auditor.engine.evaluate import Evaluation
from auditor.findings import FindingsDocument, RuleInfo, Scope, ScopeAccount, summarize
from auditor.inventory import Inventory, ToolInfo
from auditor.registry import RuleSet


def build_document(
    inventory: Inventory, evaluation: Evaluation, ruleset: RuleSet, generated_at: datetime
) -> FindingsDocument:
    """``generated_at`` is passed in (not read from the clock here) so the document is a pure function of its inputs."""
    organization = inventory.organization
    scope = Scope(
        organization_id=organization.id if organization else None,
        management_account_id=organization.management_account_id if organization else None,
        sources=list(inventory.collection.sources),
        accounts_scanned=[
            ScopeAccount(account_id=a.account_id, account_name=a.account_name, is_management=a.is_management)
            for a in inventory.accounts
        ],
    )
    return FindingsDocument(
        tool=ToolInfo(name=TOOL_NAME, version=__version__, information_uri=HOMEPAGE),
        generated_at=generated_at,
        inventory_collected_at=inventory.collection.started_at,
        scope=scope,
        summary=summarize(evaluation.findings),
        findings=evaluation.findings,
        errors=evaluation.errors,
        manual_checks=evaluation.manual_checks,
        rules=[
            RuleInfo(
                id=r.id,
                title=r.title,
                severity=r.severity,
                area=r.area,
                rationale=r.rationale,
                remediation=r.remediation,
                fix=r.fix.placeholders() if r.fix is not None else None,
                references=list(r.references),
                status=evaluation.outcomes[r.id].status,
                status_reason=evaluation.outcomes[r.id].reason,
            )
            for r in ruleset.rules
        ],
        notices=list(evaluation.notices),
        simulated=list(inventory.collection.simulated),
    )
