"""``migration-plan.md`` and ``migration-plan.csv`` from a :class:`MigrationPlan`, each safe to open.

Names come from the audited accounts: every CSV cell is neutralised against formula injection, and markdown
prose has control characters made visible and markup escaped (``auditor/util/text.py``, shared with the
terminal lines).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from auditor.readiness.models import Readiness
from auditor.readiness.plan_model import CSV_COLUMNS, STAGE_MEANINGS, MigrationPlan, PlanStep
from auditor.util.text import csv_cell, markdown_code, markdown_text


def render_csv(plan: MigrationPlan) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in plan.steps:
        values = {
            "step": str(s.step),
            "account_id": s.account_id or "",
            "account_name": s.account_name or "",
            "track": s.track,
            "subject": s.subject,
            "action": s.action,
            "command": s.command or "",
            "note": s.note or "",
            "stage": s.stage,
            "not_before": s.not_before.isoformat() if s.not_before else "",
            "rollback": s.rollback or "",
            "person": s.person or "",
        }
        writer.writerow([csv_cell(values[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def render_markdown(plan: MigrationPlan) -> str:
    r = plan.readiness
    summary = r.summary
    lines = [
        "# Migration plan: from IAM users to IAM Identity Center",
        "",
        markdown_text(
            f"Identity Center: {r.identity_center_status}"
            + (f", identity store {r.identity_store_id}, portal {r.start_url}" if r.start_url else "")
            + (f", identity source: {r.identity_source}" if r.identity_source != "unknown" else "")
        ),
        "",
        "| accounts migrated | ready | needs review | blocked | people matched | access gaps | people to review "
        "| active IAM user keys |",
        "|---|---|---|---|---|---|---|---|",
        f"| {summary.accounts_by_verdict.get('migrated', 0)} | {summary.accounts_by_verdict.get('ready', 0)} | "
        f"{summary.accounts_by_verdict.get('needs-review', 0)} | {summary.accounts_by_verdict.get('blocked', 0)} | "
        f"{summary.humans_matched} of {summary.humans} | {summary.access_gaps} | {summary.needs_review} | "
        f"{summary.active_keys_left} |",
        "",
        "Do the steps in order, each on or after its date: nobody's IAM user is switched off before they have signed "
        "in through the portal, and nothing is deleted before the reversible stage has been watched"
        + (f" for {plan.watch_days} days" if plan.start else "")
        + ". IAM Identity Center commands run from the management account (or the delegated administrator); every "
        "other destructive line checks the account it runs in first (STS GetCallerIdentity) and does nothing "
        "elsewhere.",
        "",
        "Stages:",
        "",
        *(f"- `{stage}`: {meaning}" for stage, meaning in STAGE_MEANINGS.items()),
        "",
    ]
    if r.accounts_not_assessed:
        lines += ["Not assessed (no verdict, no steps):", ""]
        lines += [
            markdown_text(f"- {a.account_name or a.account_id} ({a.account_id}): {a.reason}")
            for a in r.accounts_not_assessed
        ]
        lines.append("")
    current: tuple[str | None] | None = None
    for s in plan.steps:
        key = (s.account_id,)
        if key != current:
            current = key
            lines += _account_heading(r, s)
        lines += _step(s)
    if not plan.steps:
        lines += ["Nothing to do: every assessed account is migrated.", ""]
    if plan.suggestions:
        lines += ["## Suggestions (not steps: review them, nothing here runs by itself)", ""]
        for suggestion in plan.suggestions:
            where = f"{suggestion.account_name or suggestion.account_id} ({suggestion.account_id})"
            lines += [markdown_text(f"- {where}: {suggestion.title}. {suggestion.text}"), ""]
            if suggestion.document:
                lines += ["  ```json", *(f"  {markdown_code(line)}" for line in suggestion.document.splitlines())]
                lines += ["  ```", ""]
    return "\n".join(lines)


def _step(s: PlanStep) -> list[str]:
    when = f" (not before {s.not_before.isoformat()})" if s.not_before else ""
    lines = [
        f"{s.step}. **{s.stage}**, {s.track}{when}: {markdown_text(s.action)}"
        + (f" ({markdown_text(s.note)})" if s.note else "")
    ]
    if s.command:
        lines += ["", "   ```sh", *(f"   {markdown_code(line)}" for line in s.command.splitlines()), "   ```"]
    if s.rollback:
        lines += [
            "",
            "   Rollback:",
            "",
            "   ```sh",
            *(f"   {markdown_code(line)}" for line in s.rollback.splitlines()),
        ]
        lines.append("   ```")
    lines.append("")
    return lines


def _account_heading(r: Readiness, s: PlanStep) -> list[str]:
    if s.account_id is None:
        return ["## Organization", ""]
    account = next((a for a in r.accounts if a.account_id == s.account_id), None)
    if account is None:
        return [markdown_text(f"## {s.account_name or s.account_id} ({s.account_id})"), ""]
    lines = [
        markdown_text(f"## {account.account_name or account.account_id} ({account.account_id}): {account.verdict}")
    ]
    lines.append("")
    lines += [f"- blocker `{b.code}`: {markdown_text(b.message)}" for b in account.blockers]
    lines += [f"- to review `{r.code}`: {markdown_text(r.message)}" for r in account.reviews]
    return [*lines, ""] if account.blockers or account.reviews else lines


PLAN_FILE_NAMES = ("migration-plan.md", "migration-plan.csv")  # what `readiness` checks before it collects


def plan_files(plan: MigrationPlan) -> Iterable[tuple[str, str]]:
    markdown, csv = PLAN_FILE_NAMES
    yield markdown, render_markdown(plan)
    yield csv, render_csv(plan)
