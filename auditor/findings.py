"""Findings and the findings document (``findings.json``): the contract between evaluation and every reporter.

A finding is traceable: it names the rule (and so the recommendation) it comes from, the account and resource
it is about, and ``evidence`` holds the exact facts that triggered it. Its ``fingerprint`` is stable across
runs (never a timestamp or a list index), which is what baselines, diffs and SARIF alert identity key on.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from auditor.errors import InputError
from auditor.inventory import CollectionError, SimulatedFact, ToolInfo
from auditor.model import Model
from auditor.readiness.models import Readiness
from auditor.util.jsonfile import load_versioned
from auditor.util.safefile import write_text_atomic

FINDINGS_SCHEMA_VERSION: Literal["1"] = "1"
# How documents written before ``FindingsDocument.simulated`` existed said it: a notice with this prefix.
_SIMULATED_NOTICE_PREFIX = "simulated:"


class Severity(str, Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; used for ``--fail-on`` and for sorting."""
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls(value.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise InputError(f"unknown severity {value!r} (choose from {choices})") from None


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


def make_fingerprint(rule_id: str, account_id: str | None, resource_id: str, discriminator: str = "") -> str:
    """Hash of the finding's identity. Only identity goes in: a change of message or evidence keeps the alert."""
    identity = "\x1f".join([rule_id, account_id or "", resource_id, discriminator])
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


def finding_order(finding: Finding) -> tuple[int, str, str, str, str]:
    """The order findings are listed in everywhere: worst first, then by rule, account and resource."""
    return (-finding.severity.rank, finding.rule_id, finding.account_id or "", finding.resource_id, finding.fingerprint)


class FileLocation(Model):
    """Where a file finding points (credentials file, source tree); cloud findings have none."""

    path: str
    line: int = 1
    column: int | None = None  # 1-based, when the source knows it (a secret in a source file); SARIF startColumn


class Remediation(Model):
    """What to do about one finding, in the three forms people use (the shape Prowler's checks have): console
    steps, CLI commands, Terraform. Filled from the rule's template with the finding's own facts (its user, key
    id, account, role, permission set); a value the finding cannot know (the group to grant, a new key) stays
    a ``<placeholder>``. Commands are one per line, never wrapped into prose."""

    console: list[str] = Field(default_factory=list)
    cli: list[str] = Field(default_factory=list)
    terraform: str | None = None  # HCL
    # Not serialised: per section, (template line index, value, ...) for each line, as the template filled it.
    _template_values: tuple[tuple[tuple[Any, ...], ...], ...] | None = PrivateAttr(default=None)

    def record_template_values(self, values: tuple[tuple[tuple[Any, ...], ...], ...] | None) -> None:
        self._template_values = values

    def template_values(self) -> tuple[tuple[tuple[Any, ...], ...], ...] | None:
        """How each line was filled from its rule's template (``None`` when unknown, e.g. read from a file)."""
        return self._template_values

    def markdown(self) -> str:
        """Markdown with fenced code blocks (SARIF ``help.markdown``; GitHub renders it)."""
        parts = []
        if self.console:
            parts.append("**Console**\n\n" + "\n".join(f"{i}. {step}" for i, step in enumerate(self.console, 1)))
        if self.cli:
            parts.append(_fenced("**CLI**", "sh", "\n".join(self.cli)))
        if self.terraform:
            parts.append(_fenced("**Terraform**", "hcl", self.terraform.rstrip()))
        return "\n\n".join(parts)

    def text(self) -> str:
        """Plain text: steps numbered, commands prefixed with ``$``."""
        parts = []
        if self.console:
            parts.append("Console:\n" + "\n".join(f"  {i}. {step}" for i, step in enumerate(self.console, 1)))
        if self.cli:
            parts.append("CLI:\n" + "\n".join(f"  $ {line}" for line in self.cli))
        if self.terraform:
            parts.append("Terraform:\n" + self.terraform.rstrip())
        return "\n\n".join(parts)


def _fenced(title: str, language: str, code: str) -> str:
    """A fenced block longer than any run of backticks in ``code``: a rule pack's line holding ```` ``` ```` cannot
    close the fence and turn the rest into markdown."""
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", code)), default=0) + 1)
    return f"{title}\n\n{fence}{language}\n{code}\n{fence}"


_ARN_SEPARATORS = re.compile(r"[/:]")


def display_name(resource_id: str, evidence: Mapping[str, Any], location: FileLocation | None) -> str:
    """The short name people read for a finding's resource, computed once (at evaluation) so that every report
    says the same: a file finding's ``path:line``; a permission set's name (its ARN carries only an id); an
    access key as ``user key-id`` (people know a key by its user); else the last part of the ARN or path,
    ``arn:aws:iam::1:user/ops/alice`` -> ``alice``."""
    if location is not None:
        return f"{location.path}:{location.line}"
    named = evidence.get("permission_set_name")
    resource = resource_id.rstrip("/:")
    tail = named if isinstance(named, str) and named else _ARN_SEPARATORS.split(resource)[-1] or resource_id
    key_id = evidence.get("access_key_id")
    user = evidence.get("user_name")
    if isinstance(key_id, str) and key_id and resource_id == key_id and isinstance(user, str) and user:
        return f"{user} {key_id}"  # the key is the resource; its user is how people know it
    if isinstance(key_id, str) and key_id and key_id not in tail:
        return f"{tail} {key_id}"  # one user can have two key findings of a rule: tell them apart
    return tail


class SuppressionRecord(Model):
    """The suppression that matched a finding, copied from the config so the report is self-explaining."""

    reason: str
    owner: str | None = None
    expires: date | None = None
    expired: bool = False


class Finding(Model):
    fingerprint: str
    rule_id: str
    title: str
    severity: Severity
    account_id: str | None = None
    account_name: str | None = None
    region: str | None = None
    resource_type: str
    resource_id: str
    display_name: str  # the resource's short name (``display_name()``), the same in every report
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    # The notes of the simulated facts (``FindingsDocument.simulated``) this finding rests on; empty when none.
    simulated: list[str] = Field(default_factory=list)
    remediation: str
    fix: Remediation | None = None  # the remediation for this finding: its own names in console, CLI, Terraform
    references: list[str] = Field(default_factory=list)
    location: FileLocation | None = None
    suppressed: bool = False
    suppression: SuppressionRecord | None = None
    # With a baseline: "new", "unchanged", or "not_reverified": a baseline finding this scan could not check again
    # (its account was out of scope or unreadable, its rule did not run), carried forward as still open.
    baseline_state: Literal["new", "unchanged", "not_reverified"] | None = None

    def fails_gate(self, fail_on: Severity) -> bool:
        """Whether this finding fails a ``--fail-on`` gate: active, not already in the baseline, at or above it.
        The one definition, here with the data: the exit code (``engine/gate.py``) and the reports that show the
        gate (report.html's "Fix first") both read it."""
        return not self.suppressed and self.baseline_state in (None, "new") and self.severity.rank >= fail_on.rank

    @model_validator(mode="before")
    @classmethod
    def _with_display_name(cls, data: Any) -> Any:
        """A findings.json written before ``display_name`` existed (or a finding made by hand) gets the name
        evaluation would have given it, so readers never need a fallback of their own."""
        if not isinstance(data, dict) or "display_name" in data or not isinstance(data.get("resource_id"), str):
            return data
        evidence = data.get("evidence")
        location = data.get("location")
        if isinstance(location, Mapping):
            try:
                location = FileLocation.model_validate(location)
            except ValueError:  # the field's own validation reports it
                location = None
        return {
            **data,
            "display_name": display_name(
                data["resource_id"],
                evidence if isinstance(evidence, Mapping) else {},
                location if isinstance(location, FileLocation) else None,
            ),
        }


class ManualCheck(Model):
    """Something no API can read (e.g. Identity Center MFA settings): listed with console steps, never guessed."""

    id: str
    title: str
    rationale: str
    steps: list[str]
    references: list[str] = Field(default_factory=list)


RuleStatus = Literal["evaluated", "not_evaluated", "disabled", "failed"]


class RuleInfo(Model):
    """A rule's metadata as carried in the findings document, so every reporter (and a later merge) has it.

    ``status`` says whether the absence of findings means anything: only an ``evaluated`` rule without findings
    passed. ``not_evaluated``: a source it reads did not run; ``disabled``: switched off in ``auditor.toml``;
    ``failed``: the rule raised (an ``errors`` entry has the details). ``status_reason`` says which.
    """

    id: str
    title: str
    severity: Severity
    area: str
    rationale: str
    remediation: str
    fix: Remediation | None = None  # the rule's template, with <placeholders> where each finding has its names
    references: list[str] = Field(default_factory=list)
    status: RuleStatus = "evaluated"
    status_reason: str | None = None


class ScopeAccount(Model):
    account_id: str
    account_name: str | None = None
    is_management: bool = False


class Scope(Model):
    organization_id: str | None = None
    management_account_id: str | None = None
    sources: list[str] = Field(default_factory=list)
    accounts_scanned: list[ScopeAccount] = Field(default_factory=list)


class Summary(Model):
    total: int = 0
    active: int = 0  # not suppressed
    suppressed: int = 0
    by_severity: dict[str, int] = Field(default_factory=dict)
    by_rule: dict[str, int] = Field(default_factory=dict)
    by_account: dict[str, int] = Field(default_factory=dict)
    new: int | None = None  # with a baseline
    unchanged: int | None = None
    fixed: int | None = None
    not_reverified: int | None = None  # baseline findings carried forward unchecked (counted in total/active)


class TrendPoint(Model):
    """One earlier or this run of the same scope, as the report's Trend section draws it (``None``: unknown)."""

    scanned_at: datetime
    iam_users: int | None = None
    active_access_keys: int | None = None
    findings: int | None = None  # active findings; None: the run evaluated no rules (auditor readiness)
    new: int | None = None
    fixed: int | None = None
    readiness: dict[str, int] | None = None  # verdict -> accounts


class TrendAccount(Model):
    """An account's readiness verdict in the first run of the trend and in this one: who migrated since."""

    account_id: str
    account_name: str | None = None
    first_verdict: str | None = None
    verdict: str | None = None


class Trend(Model):
    """What ``--history`` read back for the report (auditor.history): the runs of this run's scope, oldest
    first and this one last, and when each finding was first seen in the scope."""

    scope: str
    points: list[TrendPoint] = Field(default_factory=list)
    accounts: list[TrendAccount] = Field(default_factory=list)
    first_seen: dict[str, datetime] = Field(default_factory=dict)  # fingerprint -> the first run it was in


class FindingsDocument(Model):
    """``findings.json``. Reporters, ``--baseline``, ``diff`` and ``merge`` all read and write this one shape."""

    schema_version: Literal["1"] = FINDINGS_SCHEMA_VERSION
    tool: ToolInfo
    generated_at: datetime
    inventory_collected_at: datetime | None = None
    scope: Scope
    summary: Summary
    findings: list[Finding] = Field(default_factory=list)
    fixed: list[Finding] = Field(default_factory=list)  # in the baseline, gone now
    errors: list[CollectionError] = Field(default_factory=list)
    manual_checks: list[ManualCheck] = Field(default_factory=list)
    rules: list[RuleInfo] = Field(default_factory=list)  # every rule of the run, each with its status
    notices: list[str] = Field(default_factory=list)  # expired or unused suppressions, baseline and merge remarks
    # Facts put in rather than collected (``auditor demo``); each finding names those it rests on. Reporters
    # import SimulatedFact from this module (they may not import the inventory).
    simulated: list[SimulatedFact] = Field(default_factory=list)
    # Migration readiness (auditor.readiness): None in documents written before it (merge unites the shards')
    readiness: Readiness | None = None
    trend: Trend | None = None  # with --history: this scope's earlier runs (None: no history file given)

    @model_validator(mode="before")
    @classmethod
    def _simulated_from_notices(cls, data: Any) -> Any:
        """Documents written before ``simulated`` existed said it in ``notices`` ("simulated: ..."): those
        lines become facts with only their note, so every reader looks in one place."""
        if not isinstance(data, dict) or "simulated" in data or not isinstance(data.get("notices"), list):
            return data
        notices = data["notices"]
        lines = [n for n in notices if isinstance(n, str) and n.startswith(_SIMULATED_NOTICE_PREFIX)]
        if not lines:
            return data
        return {
            **data,
            "notices": [n for n in notices if n not in lines],
            "simulated": [{"note": line[len(_SIMULATED_NOTICE_PREFIX) :].strip()} for line in lines],
        }

    @property
    def rules_not_evaluated(self) -> list[RuleInfo]:
        """Rules that did not run (source off, disabled, failed): their silence is not a pass."""
        return [rule for rule in self.rules if rule.status != "evaluated"]

    def dump_json(self) -> str:
        """Deterministic: the same document gives the same text (model field order, lists in their order)."""
        return self.model_dump_json(indent=2)

    def save(self, path: Path) -> None:
        """Atomically; a symlink at ``path`` is replaced, not followed (``auditor.util.safefile``)."""
        write_text_atomic(path, self.dump_json() + "\n")

    @classmethod
    def load(cls, path: Path, *, stdin: bool = False) -> FindingsDocument:
        """Read a ``findings.json``; raise ``InputError`` (exit 2) with one clear line on anything wrong. With
        ``stdin``, ``-`` is standard input (``--baseline -``, ``auditor diff``)."""
        return load_versioned(path, cls, kind="findings", schema_version=FINDINGS_SCHEMA_VERSION, stdin=stdin)


def summarize(findings: list[Finding], fixed: list[Finding] | None = None, with_baseline: bool = False) -> Summary:
    """Counts over *active* findings by severity, rule and account; suppressed ones are counted apart."""
    active = [f for f in findings if not f.suppressed]
    by_severity = {s.value: 0 for s in Severity}
    by_rule: dict[str, int] = {}
    by_account: dict[str, int] = {}
    for f in active:
        by_severity[f.severity.value] += 1
        by_rule[f.rule_id] = by_rule.get(f.rule_id, 0) + 1
        key = f.account_id or "-"
        by_account[key] = by_account.get(key, 0) + 1
    summary = Summary(
        total=len(findings),
        active=len(active),
        suppressed=len(findings) - len(active),
        by_severity=by_severity,
        by_rule=dict(sorted(by_rule.items())),
        by_account=dict(sorted(by_account.items())),
    )
    if with_baseline:
        summary.new = sum(1 for f in findings if f.baseline_state == "new")
        summary.unchanged = sum(1 for f in findings if f.baseline_state == "unchanged")
        summary.fixed = len(fixed or [])
        summary.not_reverified = sum(1 for f in findings if f.baseline_state == "not_reverified")
    return summary
