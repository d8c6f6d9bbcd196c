"""Baseline marking, diff, shard merge and the exit-code gate."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from report_fixtures import (
    DEV,
    GENERATED_AT,
    HOSTILE,
    MGMT,
    ORG_ID,
    PROD,
    clean_document,
    coverage_error,
    finding,
    make_document,
    sample_findings,
)

from auditor.engine.baseline import DiffResult, apply_baseline, diff
from auditor.engine.gate import gate
from auditor.engine.merge import merge
from auditor.errors import ExitCode, InputError
from auditor.findings import FindingsDocument, ManualCheck, Severity, SuppressionRecord, summarize
from auditor.reports.table import render_diff


def by_rule(findings) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for f in findings:
        grouped.setdefault(f.rule_id, []).append(f)
    return grouped


def new_user_finding(severity: str = "high"):
    return finding(
        "USER-002",
        PROD,
        "AWS::IAM::User",
        f"arn:aws:iam::{PROD}:user/mallory",
        "User mallory signs in without MFA",
        severity=severity,
    )


# ---------------------------------------------------------------------------------------------- baseline


def test_identical_baseline_marks_everything_unchanged_and_passes_the_gate() -> None:
    current = make_document(errors=[])
    marked = apply_baseline(current, make_document(errors=[]))
    assert {f.baseline_state for f in marked.findings} == {"unchanged"}
    assert marked.fixed == []
    assert (marked.summary.new, marked.summary.unchanged, marked.summary.fixed) == (0, len(current.findings), 0)
    assert gate(marked, Severity.INFO) == ExitCode.OK
    assert gate(marked, Severity.CRITICAL) == ExitCode.OK
    # without the baseline the same document fails the gate
    assert gate(current, Severity.HIGH) == ExitCode.FINDINGS


def test_baseline_keeps_the_document_otherwise_intact() -> None:
    current = make_document()
    before = current.model_dump()
    marked = apply_baseline(current, make_document())
    assert current.model_dump() == before  # inputs are not mutated
    assert [f.fingerprint for f in marked.findings] == [f.fingerprint for f in current.findings]
    assert [f.message for f in marked.findings] == [f.message for f in current.findings]
    assert marked.errors == current.errors and marked.rules == current.rules
    assert marked.summary.by_severity == current.summary.by_severity


def test_new_high_finding_fails_the_gate() -> None:
    baseline = make_document(errors=[])
    current = make_document([*sample_findings(), new_user_finding()], errors=[])
    marked = apply_baseline(current, baseline)
    states = {f.fingerprint: f.baseline_state for f in marked.findings}
    assert states[new_user_finding().fingerprint] == "new"
    assert list(states.values()).count("new") == 1
    assert marked.summary.new == 1
    assert gate(marked, Severity.HIGH) == ExitCode.FINDINGS
    assert gate(marked, Severity.MEDIUM) == ExitCode.FINDINGS
    assert gate(marked, Severity.CRITICAL) == ExitCode.OK  # the critical one is old
    assert gate(marked, None) == ExitCode.OK


def test_fixed_findings_are_listed() -> None:
    baseline = make_document([*sample_findings(), new_user_finding()])
    marked = apply_baseline(make_document(errors=[]), baseline)  # complete: every account read
    assert [f.fingerprint for f in marked.fixed] == [new_user_finding().fingerprint]
    assert marked.fixed[0].baseline_state is None
    assert marked.summary.fixed == 1


def test_suppressed_baseline_findings_that_disappear_are_not_called_fixed() -> None:
    baseline = make_document()
    without_suppressed = [f for f in sample_findings() if not f.suppressed]
    marked = apply_baseline(make_document(without_suppressed), baseline)
    assert marked.fixed == []


def test_expired_suppression_makes_a_baseline_finding_new_again() -> None:
    baseline = make_document(errors=[])
    now_active = [
        f.model_copy(
            update={
                "suppressed": False,
                "suppression": SuppressionRecord(reason="r", expires=date(2025, 1, 1), expired=True),
            }
        )
        if f.suppressed
        else f
        for f in sample_findings()
    ]
    marked = apply_baseline(make_document(now_active, errors=[]), baseline)
    formerly_suppressed = next(f for f in marked.findings if f.resource_id.endswith("break-glass"))
    assert formerly_suppressed.baseline_state == "new"
    assert gate(marked, Severity.MEDIUM) == ExitCode.FINDINGS
    assert gate(marked, Severity.HIGH) == ExitCode.OK


def test_baseline_from_another_organization_is_noted() -> None:
    marked = apply_baseline(make_document(), make_document(organization_id="o-other00000"))
    assert any("o-other00000" in notice for notice in marked.notices)
    assert not any("o-other" in n for n in apply_baseline(make_document(), make_document()).notices)


def test_baseline_survives_a_json_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    make_document().save(path)
    marked = apply_baseline(make_document(), FindingsDocument.load(path))
    assert marked.summary.new == 0
    again = tmp_path / "marked.json"
    marked.save(again)
    assert FindingsDocument.load(again) == marked


# -------------------------------------------------------------------------------------------------- gate


def test_gate_exit_codes() -> None:
    assert gate(clean_document(), Severity.LOW) == ExitCode.OK
    assert gate(clean_document(), None) == ExitCode.OK
    only_errors = make_document([], errors=[coverage_error()])
    assert gate(only_errors, Severity.LOW) == ExitCode.INCOMPLETE
    assert gate(only_errors, None) == ExitCode.INCOMPLETE
    high = make_document([new_user_finding("high")], errors=[coverage_error()])
    assert gate(high, Severity.HIGH) == ExitCode.FINDINGS  # failing findings win over incomplete coverage
    assert gate(high, Severity.CRITICAL) == ExitCode.INCOMPLETE
    assert gate(make_document([new_user_finding("info")], errors=[]), Severity.INFO) == ExitCode.FINDINGS
    assert gate(make_document([new_user_finding("low")], errors=[]), Severity.MEDIUM) == ExitCode.OK


def test_gate_ignores_suppressed_findings() -> None:
    suppressed = new_user_finding("critical").model_copy(
        update={"suppressed": True, "suppression": SuppressionRecord(reason="accepted risk")}
    )
    assert gate(make_document([suppressed], errors=[]), Severity.INFO) == ExitCode.OK


def test_gate_counts_new_but_not_unchanged() -> None:
    unchanged = new_user_finding("critical").model_copy(update={"baseline_state": "unchanged"})
    new = new_user_finding("critical").model_copy(update={"baseline_state": "new"})
    assert gate(make_document([unchanged], errors=[]), Severity.LOW) == ExitCode.OK
    assert gate(make_document([new], errors=[]), Severity.LOW) == ExitCode.FINDINGS


# -------------------------------------------------------------------------------------------------- diff


def test_diff_on_content() -> None:
    old_findings = [*sample_findings()[1:], new_user_finding()]  # ROOT-001 absent, mallory present
    result = diff(make_document(old_findings), make_document(errors=[]))
    assert isinstance(result, DiffResult)
    assert [f.rule_id for f in result.new] == ["ROOT-001"]
    assert [f.resource_id for f in result.fixed] == [f"arn:aws:iam::{PROD}:user/mallory"]
    assert len(result.unchanged) == len(sample_findings()) - 1
    assert all(f.fingerprint != result.new[0].fingerprint for f in result.unchanged)


def test_diff_identical_is_all_unchanged() -> None:
    result = diff(make_document(), make_document())
    assert result.new == [] and result.fixed == []
    assert len(result.unchanged) == len(sample_findings())
    text = render_diff(apply_baseline(make_document(), make_document()))
    assert text.startswith(f"0 new, 0 fixed, {len(sample_findings())} unchanged")
    assert "No change." in text


def test_render_diff_lists_new_and_fixed() -> None:
    old_findings = [*sample_findings()[2:], new_user_finding()]  # ROOT-001 and alice's USER-002 are new
    text = render_diff(apply_baseline(make_document(errors=[]), make_document(old_findings)))
    lines = text.splitlines()
    assert lines[0] == "2 new, 1 fixed, 6 unchanged"
    new_at, fixed_at = lines.index("New (critical 1, high 1)"), lines.index("Fixed (high 1)")
    new_block, fixed_block = lines[new_at:fixed_at], lines[fixed_at:]
    assert new_block[1].split() == ["severity", "rule", "account", "resource", "finding"]
    assert new_block[3].split()[:4] == ["critical", "ROOT-001", "management", "root"]
    assert "USER-002" in new_block[4] and "alice" in new_block[4]
    assert "mallory" in fixed_block[3]


def test_render_diff_escapes_hostile_text() -> None:
    document = make_document()
    document.findings[0].title = f"a rule pack's title {HOSTILE}"  # rule packs are not trusted either
    text = render_diff(apply_baseline(document, clean_document()), width=400)
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    assert not any(line.startswith("second line") for line in text.splitlines())
    assert "\\nsecond line" in text  # shown, escaped


def test_render_diff_marks_new_suppressed() -> None:
    text = render_diff(apply_baseline(make_document(), clean_document()))
    assert text.splitlines()[0] == "8 new, 0 fixed, 0 unchanged (1 of the new are suppressed)"
    assert "medium (suppressed)" in text


# ------------------------------------------------------------------------------------------------- merge


def shard(accounts: list[str], *, generated_offset: int = 0, **kwargs) -> FindingsDocument:
    findings = [f for f in sample_findings() if f.account_id in accounts or (f.account_id is None and MGMT in accounts)]
    return make_document(
        findings, accounts=accounts, generated_at=GENERATED_AT + timedelta(minutes=generated_offset), **kwargs
    )


def test_merge_unites_shards() -> None:
    management = shard([MGMT], notices=["shared notice", "only in shard one"])
    members = shard([DEV, PROD], generated_offset=5, notices=["shared notice"])
    merged = merge([management, members])
    assert sorted(f.fingerprint for f in merged.findings) == sorted(f.fingerprint for f in sample_findings())
    assert [a.account_id for a in merged.scope.accounts_scanned] == [MGMT, DEV, PROD]
    assert merged.scope.organization_id == ORG_ID
    assert merged.scope.management_account_id == MGMT
    assert merged.generated_at == members.generated_at
    assert merged.errors == [coverage_error()]  # the same gap reported by both shards is kept once
    assert [c.id for c in merged.manual_checks] == ["IDC-MFA"]
    assert sorted(r.id for r in merged.rules) == sorted(r.id for r in management.rules)
    assert merged.notices == ["shared notice", "only in shard one"]
    assert merged.summary == summarize(merged.findings)
    assert merged.summary.total == len(sample_findings())
    ranks = [f.severity.rank for f in merged.findings]
    assert ranks == sorted(ranks, reverse=True)


def test_merge_unites_simulated_facts_and_keeps_what_each_finding_rests_on() -> None:
    from auditor.findings import SimulatedFact

    root = SimulatedFact(account_id=MGMT, resource_types=("AWS::IAM::Root",), note="management's root is made up")
    organization = SimulatedFact(resource_types=("AWS::Organizations::Organization",), note="no features")
    management = shard([MGMT])
    management.simulated = [root, organization]
    management.findings[0].simulated = [root.note]
    members = shard([DEV, PROD], generated_offset=5)
    members.simulated = [organization]
    merged = merge([management, members])
    assert merged.simulated == [root, organization]  # each fact once
    rests = {f.fingerprint: f.simulated for f in merged.findings if f.simulated}
    assert rests == {management.findings[0].fingerprint: [root.note]}
    assert not any(notice.startswith("simulated") for notice in merged.notices)


def test_merge_is_order_independent_and_idempotent() -> None:
    a, b = shard([MGMT]), shard([DEV, PROD], generated_offset=5)
    assert merge([a, b]) == merge([b, a])
    whole = make_document()
    assert merge([whole, whole]).findings == merge([whole]).findings
    assert merge([whole]).summary == whole.summary


def test_merge_overlapping_shards_keeps_the_freshest_copy() -> None:
    old = make_document()
    reworded = [f.model_copy(update={"message": f"{f.message} (later)"}) for f in sample_findings()]
    fresh = make_document(reworded, generated_at=GENERATED_AT + timedelta(hours=1))
    merged = merge([fresh, old])
    assert len(merged.findings) == len(sample_findings())
    assert all(f.message.endswith("(later)") for f in merged.findings)


def test_merge_combines_distinct_errors_manual_checks_and_rules() -> None:
    other_error = coverage_error().model_copy(update={"account_id": DEV})
    extra_check = ManualCheck(id="ORG-ROOT", title="t", rationale="r", steps=["s"])
    a = make_document(errors=[coverage_error()])
    b = make_document(errors=[coverage_error(), other_error])
    b = b.model_copy(update={"manual_checks": [*b.manual_checks, extra_check], "rules": b.rules[:2]})
    merged = merge([a, b])
    assert len(merged.errors) == 2
    assert [c.id for c in merged.manual_checks] == ["IDC-MFA", "ORG-ROOT"]
    assert len(merged.rules) == len(a.rules)


def test_merge_keeps_baseline_information() -> None:
    marked = apply_baseline(make_document([*sample_findings(), new_user_finding()]), make_document())
    merged = merge([marked, shard([MGMT])])
    assert merged.summary.new == 1
    assert merged.summary.unchanged is not None


def test_merge_drops_fixed_entries_another_shard_still_has() -> None:
    shard_a = apply_baseline(make_document(sample_findings()[1:]), make_document())  # ROOT-001 "fixed" here
    shard_b = make_document()
    merged = merge([shard_a, shard_b])
    assert merged.fixed == []


def test_merge_refuses_different_schema_versions() -> None:
    future = make_document().model_copy(update={"schema_version": "2"})
    with pytest.raises(InputError, match="different schema_version"):
        merge([make_document(), future])


def test_merge_refuses_different_organizations_and_nothing() -> None:
    with pytest.raises(InputError, match="different organizations"):
        merge([make_document(), make_document(organization_id="o-other00000")])
    with pytest.raises(InputError, match="no findings documents"):
        merge([])


def test_merge_notes_different_tool_versions() -> None:
    older = make_document()
    older = older.model_copy(update={"tool": older.tool.model_copy(update={"version": "0.0.9"})})
    merged = merge([older, make_document(generated_at=GENERATED_AT + timedelta(minutes=1))])
    assert merged.tool.version == "0.1.0"
    assert any("0.0.9" in notice for notice in merged.notices)


def test_merged_document_round_trips(tmp_path: Path) -> None:
    merged = merge([shard([MGMT]), shard([DEV, PROD], generated_offset=5)])
    path = tmp_path / "merged.json"
    merged.save(path)
    assert FindingsDocument.load(path) == merged


# ------------------------------------------------------------------------------------ fingerprint migration


def test_baseline_with_the_old_fingerprints_still_matches() -> None:
    """findings-legacy-fingerprints.json was written by the previous version (commit 03c369c) from
    demo-inventory.json: access key findings named the user, account findings the root principal. Evaluated
    again now, with the new identities, every finding is unchanged and nothing is called fixed."""
    from conftest import FIXTURES

    from auditor.engine.config import Config
    from auditor.engine.pipeline import findings_for
    from auditor.inventory import Inventory
    from auditor.registry import load_rules
    from auditor.rules import BUILTIN_PACK

    old = FindingsDocument.load(FIXTURES / "findings-legacy-fingerprints.json")
    inventory = Inventory.load(FIXTURES / "demo-inventory.json")
    current = findings_for(inventory, load_rules([BUILTIN_PACK]), Config())
    keys = [f for f in current.findings if f.resource_type == "AWS::IAM::AccessKey"]
    accounts = [f for f in current.findings if f.rule_id == "IDC-002"]
    assert keys and accounts
    assert all(f.resource_id.startswith("AKIA") for f in keys)  # the key, not its user
    assert all(":root" not in f.resource_id for f in accounts)  # the account, not the root principal
    old_fingerprints = {f.fingerprint for f in old.findings}
    assert {f.fingerprint for f in keys + accounts}.isdisjoint(old_fingerprints)  # identities did change

    marked = apply_baseline(current, old)
    assert {f.baseline_state for f in marked.findings} == {"unchanged"}
    assert marked.fixed == []
    assert gate(marked, Severity.LOW) != ExitCode.FINDINGS
    assert diff(old, current).new == []


def test_merge_prefers_a_finding_a_shard_saw_over_a_carried_copy() -> None:
    """Shard A could not read an account and carried its finding forward; shard B read it. Whatever the order of
    the shards (A is newer here, so it would otherwise win), the merged document holds B's copy."""
    from report_fixtures import GENERATED_AT

    seen = sample_findings()[0].model_copy(update={"baseline_state": "unchanged"})
    carried = seen.model_copy(update={"baseline_state": "not_reverified", "message": "not re-verified (x): m"})
    older = make_document([seen], errors=[])
    newer = make_document([carried], errors=[], generated_at=GENERATED_AT + timedelta(hours=1))
    for documents in ([older, newer], [newer, older]):
        (merged_finding,) = merge(documents).findings
        assert merged_finding.baseline_state == "unchanged"
    (only,) = merge([newer]).findings
    assert only.baseline_state == "not_reverified"
