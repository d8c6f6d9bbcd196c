"""SARIF 2.1.0 for GitHub code scanning (and any other SARIF consumer).

GitHub rejects a whole upload when a single result lacks a file location or its URI has a scheme, so every
result gets ``locations[0].physicalLocation.artifactLocation.uri``:

* a file finding (credentials file, source tree) keeps its real relative path and line;
* a cloud finding gets a stable, scheme-less placeholder derived from the resource, e.g.
  ``aws/111122223333/iam/user/alice`` for ``arn:aws:iam::111122223333:user/alice`` (type ``AWS::IAM::User``),
  with ``region.startLine`` 1, and the ARN itself as a logical location (``kind: "resource"``).

Alert identity across runs is the finding's fingerprint (rule id + account + resource + discriminator, never a
line number), given to GitHub as ``partialFingerprints``. ``automationDetails.id`` is
``<category>/<organization or account>/`` - the trailing slash makes the whole value the category, so every
nightly upload replaces the previous one and alerts it no longer contains are closed as fixed. A shard (a scan
limited by ``--ou``, ``--accounts`` or ``--exclude-accounts``) appends its selection, ``…/<organization>/ou-…/``,
so shards do not close each other's alerts. Findings a scan could not re-verify (an account it could not read)
are carried forward from the baseline and stay results, so their alerts stay open.

GitHub keeps 5,000 results of a run as alerts: above that, every critical and high finding stays its own result
and the rest are aggregated per rule and account (``split_for_github``), with a notification saying so.

Severity: ``level`` for SARIF consumers and ``properties["security-severity"]`` for GitHub, which maps
>= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, below that low; we use mid-band values. ``info`` findings get
``"0.0"`` (CVSS "none"): still a number (consumers parse it) and the lowest score there is, with level
``note``, so nothing informational is presented as a risk rating. Every result also carries its own
``level`` and ``properties["security-severity"]``, from the finding's severity. GitHub reads
``security-severity`` from the rule only, and it outranks the result's ``level``: a rule whose findings in this
document have severities other than the rule's (SECRET-001: critical with a secret nearby, high alone, info for
AWS's documentation example keys) gets no rule-level ``security-severity``, so GitHub shows each of its alerts by
its own level (an example key stays a note) instead of rating every one at the rule's 9.5 (Critical).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import io
import re
from typing import Any, BinaryIO
from urllib.parse import quote

from pydantic_core import to_json

from auditor.findings import Finding, FindingsDocument, Remediation, RuleInfo, Severity, SimulatedFact
from auditor.reporter import Reporter
from auditor.util.jsonfile import splice_json_lists
from auditor.util.text import markdown_text

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

SOURCE_ROOT = "%SRCROOT%"  # uriBaseId of files in the scanned tree: the checkout root
FINGERPRINT_KEY = "auditorFingerprint/v1"  # versioned: a change of fingerprint scheme gets a new key
MAX_DESCRIPTION = 1024  # GitHub: shortDescription / fullDescription text limit
MAX_RESULTS_PER_RUN = 25_000  # GitHub rejects runs with more results
MAX_ALERTS_KEPT = 5_000  # ... and keeps only this many of a run's results as alerts

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.INFO: "0.0",
}

_UNSAFE_SEGMENT = re.compile(r"[^A-Za-z0-9._+=@-]+")
_URL = re.compile(r"^https?://\S+$")


DEFAULT_CATEGORY = "aws-identity-auditor"


class SarifReporter(Reporter):
    name = "sarif"
    default_filename = "findings.sarif"
    description = "SARIF 2.1.0 for GitHub code scanning"

    def __init__(self, *, category: str = DEFAULT_CATEGORY, omit_suppressed: bool = False) -> None:
        """``category`` prefixes ``automationDetails.id`` (uploads with the same one replace each other);
        ``omit_suppressed`` leaves suppressed findings out, since GitHub shows SARIF-suppressed results as open."""
        self.category = category
        self.omit_suppressed = omit_suppressed

    def render(self, document: FindingsDocument) -> bytes:
        buffer = io.BytesIO()
        self.write(document, buffer)
        return buffer.getvalue()

    def write(self, document: FindingsDocument, stream: BinaryIO) -> None:
        """The log indented by 2, its results written a thousand at a time rather than as one text (50 MB at
        40,000 findings). pydantic-core's serializer writes the same bytes as ``json.dumps(indent=2,
        ensure_ascii=False)`` (but for a small float's exponent: ``1e-7``, not ``1e-07``), several times faster:
        the standard library has no C path for indented output."""
        if type(self).render is not SarifReporter.render:  # a subclass that renders its own bytes: write those
            super().write(document, stream)
            return
        log = build_sarif(document, category=self.category, omit_suppressed=self.omit_suppressed)
        run = log["runs"][0]
        results, run["results"] = run["results"], []
        batches = (
            to_json(results[i : i + _RESULTS_PER_WRITE], indent=2) for i in range(0, len(results), _RESULTS_PER_WRITE)
        )
        for chunk in splice_json_lists(to_json(log, indent=2), [(("runs", 0, "results"), batches)]):
            stream.write(chunk)
        stream.write(b"\n")


_RESULTS_PER_WRITE = 1000


def build_sarif(
    document: FindingsDocument, *, category: str = DEFAULT_CATEGORY, omit_suppressed: bool = False
) -> dict[str, Any]:
    """The SARIF log as a dict (one run)."""
    findings = [f for f in document.findings if not (omit_suppressed and f.suppressed)]
    # Worst first: GitHub keeps only the first results of a big run, so those should be the ones that matter.
    findings = sorted(findings, key=lambda f: -f.severity.rank)
    findings, groups = split_for_github(findings)
    left_out = max(0, len(findings) + len(groups) - MAX_RESULTS_PER_RUN)
    findings = findings[: max(0, MAX_RESULTS_PER_RUN - len(groups))]

    rules = _rules_for(document, findings + [group[0] for group in groups])
    rule_index = {rule.id: index for index, rule in enumerate(rules)}

    notifications = [_coverage_notification(error) for error in document.errors]
    notifications += [_simulated_notification(fact) for fact in document.simulated]
    notifications += [_notice_notification(notice) for notice in document.notices]
    notifications += [_not_evaluated_notification(rule) for rule in document.rules_not_evaluated]
    if left_out:
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{left_out} lower-severity result(s) left out of this SARIF run "
                    f"(GitHub accepts at most {MAX_RESULTS_PER_RUN} per run); findings.json has them all"
                },
                "descriptor": {"id": "results-truncated"},
            }
        )
    if groups:
        notifications.append(_aggregated_notification(groups))
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications

    severity_of_rule = {rule.id: rule.severity for rule in rules}
    varying = {f.rule_id for f in document.findings if f.severity != severity_of_rule.get(f.rule_id, f.severity)}
    driver: dict[str, Any] = {
        "name": document.tool.name,
        "version": document.tool.version,
        "rules": [_rule(rule, per_result_severity=rule.id in varying) for rule in rules],
    }
    information_uri = document.tool.information_uri or _information_uri(document.tool.name)
    if information_uri:
        driver["informationUri"] = information_uri
    if _SEMVER.match(document.tool.version):
        driver["semanticVersion"] = document.tool.version
    descriptors = _notification_descriptors(document, left_out, aggregated=len(groups))
    if descriptors:
        driver["notifications"] = descriptors

    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": automation_id(document, category)},
        "invocations": [invocation],
        "results": [_result(f, rule_index[f.rule_id]) for f in findings]
        + [_aggregate_result(group, rule_index[group[0].rule_id]) for group in groups],
        "properties": _run_properties(document, omitted_suppressed=omit_suppressed),
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


# --------------------------------------------------------------------------------------------- identity


def automation_id(document: FindingsDocument, category: str) -> str:
    """``<category>/<scope>/``: stable across runs of the same scope, so each upload replaces the last."""
    scope = document.scope
    accounts = scope.accounts_scanned
    scope_id = (
        scope.organization_id
        or scope.management_account_id
        or (accounts[0].account_id if len(accounts) == 1 else None)
        or "default"
    )
    category = "/".join(_segment(part) for part in category.split("/") if part.strip()) or DEFAULT_CATEGORY
    shard = shard_label(document)
    return f"{category}/{_segment(scope_id)}/" + (f"{shard}/" if shard else "")


def shard_label(document: FindingsDocument) -> str | None:
    """The selection a shard scanned (``--ou``, ``--accounts``, ``--exclude-accounts``, recorded in the
    document's sources), as one path segment; ``None`` for an unsharded scan.

    Shards of one organization must not share an ``automationDetails.id``: each upload would close the other
    shards' alerts as fixed (and upload-sarif ignores its ``category`` input once the file sets one)."""
    selection = [
        source for source in document.scope.sources if source.startswith(("ou:", "accounts:", "exclude-accounts:"))
    ]
    if not selection:
        return None
    label = _segment("+".join(sorted(selection)).replace(":", "-").replace(",", "-"))
    if len(label) > 80:  # a long account list: keep it readable and still distinct
        digest = hashlib.sha256(label.encode("utf-8")).hexdigest()[:12]
        label = f"{label[:60]}-{digest}"
    return label


def artifact_uri(finding: Finding) -> str:
    """The result's file path: the real one for file findings, a resource placeholder for cloud ones."""
    if finding.location is not None and finding.location.path.strip():
        return _file_uri(finding.location.path)
    return cloud_placeholder_uri(finding)


def artifact_location(finding: Finding) -> dict[str, Any]:
    """``uri`` plus, for a file of the scanned tree (a relative path), ``uriBaseId`` ``%SRCROOT%``: the checkout
    root, which is what code scanning resolves it against."""
    location: dict[str, Any] = {"uri": artifact_uri(finding)}
    path = finding.location.path if finding.location is not None else ""
    if path.strip() and location["uri"] != "local" and not location["uri"].startswith("local/"):
        location["uriBaseId"] = SOURCE_ROOT
    return location


def cloud_placeholder_uri(finding: Finding) -> str:
    """``aws/<account>/<service>/<type>/<name...>``: derived from the resource only, never an ``arn:`` URI."""
    type_parts = [p for p in finding.resource_type.split("::") if p]
    if type_parts and type_parts[0].lower() == "aws":
        type_parts = type_parts[1:]
    type_segments = [_segment(p.lower()) for p in type_parts] or ["resource"]
    account = finding.account_id or _arn_account(finding.resource_id) or "no-account"
    name_segments = _name_segments(finding.resource_id, type_parts[-1] if type_parts else "")
    return "/".join(["aws", _segment(account), *type_segments, *name_segments])


def _name_segments(resource_id: str, resource_type: str) -> list[str]:
    resource = resource_id
    if resource_id.startswith("arn:"):
        parts = resource_id.split(":", 5)
        resource = parts[5] if len(parts) == 6 else ""
    pieces = [p for p in re.split(r"[/:]", resource) if p]
    # "user/division/alice" for an AWS::IAM::User: the leading "user" repeats the type already in the path.
    if len(pieces) > 1 and pieces[0].lower() == resource_type.lower():
        pieces = pieces[1:]
    return [_segment(p) for p in pieces] or ["_"]


def _arn_account(resource_id: str) -> str | None:
    parts = resource_id.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[4]:
        return parts[4]
    return None


@functools.lru_cache(maxsize=1 << 16)  # account ids, types and user names repeat across a run's results
def _segment(text: str) -> str:
    cleaned = _UNSAFE_SEGMENT.sub("_", text.strip())
    return "_" if cleaned in ("", ".", "..") else cleaned


def _file_uri(path: str) -> str:
    """A relative URI reference: forward slashes, percent-encoded, never absolute or with a scheme."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if re.match(r"^[A-Za-z]:$", parts[0] if parts else ""):  # a Windows drive letter
        parts = parts[1:]
    if path.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", path) or ".." in parts:
        # Outside any repository checkout (e.g. ~/.aws/credentials): keep it recognisable but relative.
        parts = ["local", *[p for p in parts if p != ".."]]
    return "/".join(quote(p, safe="~!$&'()*+,;=@") for p in parts) or "local/_"


# ------------------------------------------------------------------------------------------------ rules


def _rules_for(document: FindingsDocument, findings: list[Finding]) -> list[RuleInfo]:
    """Every rule the document evaluated, plus a stand-in for any finding whose rule is not listed (a merge of
    documents from different rule packs, a hand-made document) so that every ``ruleIndex`` resolves.

    Rules that did not run are not listed as the run's rules (a consumer would read them as checked and
    clean); each gets a ``rule-not-evaluated`` notification instead."""
    rules: dict[str, RuleInfo] = {}
    for rule in document.rules:
        if rule.status == "evaluated":
            rules.setdefault(rule.id, rule)
    for f in findings:
        if f.rule_id not in rules:
            rules[f.rule_id] = RuleInfo(
                id=f.rule_id,
                title=f.title,
                severity=f.severity,
                area="other",
                rationale=f.title,
                remediation=f.remediation,
                references=list(f.references),
            )
    return list(rules.values())


def _rule(rule: RuleInfo, *, per_result_severity: bool = False) -> dict[str, Any]:
    """The rule's descriptor; ``per_result_severity``: its findings' severities vary, so no rule-level
    ``security-severity`` (GitHub would rate every result by it): each result carries its own."""
    references_text = "".join(f"\n- {ref}" for ref in rule.references)
    references_md = "".join(f"\n- {_markdown_reference(ref)}" for ref in rule.references)
    help_text = rule.remediation.strip() or rule.title
    # Markdown: the structured fix (console steps, then commands and Terraform in fenced code) when the rule has
    # one; else the prose with its "$ command" lines fenced, so GitHub does not run them together.
    help_markdown = _fix_markdown(rule.fix) if rule.fix is not None else _prose_markdown(help_text)
    if rule.references:
        help_text += f"\n\nReferences:{references_text}"
        help_markdown += f"\n\n**References**\n{references_md}"
    tags = ["security", rule.area]
    if any("CIS" in ref for ref in rule.references):
        tags.append("cis")
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": camel_case(rule.title) or rule.id.replace("-", ""),
        "shortDescription": {"text": _limit(rule.title)},
        "fullDescription": {"text": _limit(rule.rationale.strip() or rule.title)},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": list(dict.fromkeys(tags)),
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": "high",  # rules read recorded facts; they do not guess
        },
    }
    if per_result_severity:
        del descriptor["properties"]["security-severity"]
    help_uri = next((ref for ref in rule.references if _URL.match(ref)), None)
    if help_uri:  # the rule's first public reference: where a reader learns more (SARIF2012 wants one)
        descriptor["helpUri"] = help_uri
    return descriptor


def camel_case(title: str) -> str:
    """``"Root user has access keys"`` -> ``"RootUserHasAccessKeys"`` (SARIF ``name`` wants an identifier)."""
    words = re.findall(r"[A-Za-z0-9]+", title)
    return "".join(word[:1].upper() + word[1:] for word in words)


def _limit(text: str, limit: int = MAX_DESCRIPTION) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _markdown_text(text: str) -> str:
    """Text the reporter did not write (a rule's remediation, console steps, references: a pack's words) shown as
    written: raw HTML, links, code spans and table pipes escaped (``util/text.py``), so ``<root_account>`` stays
    visible and ``[sign in](https://evil.example)`` stays text."""
    return markdown_text(text)


def _fix_markdown(fix: Remediation) -> str:
    escaped = fix.model_copy(update={"console": [_markdown_text(step) for step in fix.console]})
    return escaped.markdown()


def _prose_markdown(text: str) -> str:
    """Prose with each run of ``$ command`` lines as one fenced ``sh`` block."""
    out: list[str] = []
    commands: list[str] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            commands.append(line[2:])
            continue
        if commands:
            out += ["", "```sh", *commands, "```", ""]
            commands = []
        out.append(_markdown_text(line))
    if commands:
        out += ["", "```sh", *commands, "```"]
    return "\n".join(out).strip()


def _markdown_reference(reference: str) -> str:
    """An autolink only for a URL that cannot leave it (no ``>``, space, quote, backslash or control character);
    any other reference, a pack's ``https://x> <img ...>`` included, is escaped text."""
    if _SAFE_URL.fullmatch(reference):
        return f"<{reference}>"
    return _markdown_text(reference)


_SAFE_URL = re.compile(r"https://[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+")


# ---------------------------------------------------------------------------------------------- results


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(1, finding.location.line) if finding.location else 1}
    if finding.location is not None and finding.location.column is not None:
        region["startColumn"] = max(1, finding.location.column)  # only where the finding knows it (a file)
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message.strip() or finding.title},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": artifact_location(finding), "region": region},
                "logicalLocations": [
                    {
                        "name": finding.display_name,
                        "fullyQualifiedName": finding.resource_id,
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {
            "primaryLocationLineHash": finding.fingerprint,
            FINGERPRINT_KEY: finding.fingerprint,
        },
        "properties": _result_properties(finding),
    }
    if finding.baseline_state is not None:
        # SARIF has no "not re-verified": such a finding is still open, so it stays "unchanged" (and its alert open)
        result["baselineState"] = "unchanged" if finding.baseline_state == "not_reverified" else finding.baseline_state
    if finding.suppressed:
        result["suppressions"] = [_suppression(finding)]
    return result


def _result_properties(finding: Finding) -> dict[str, Any]:
    dumped = finding.model_dump(mode="json", include={"evidence", "location"})
    properties: dict[str, Any] = {
        "account_id": finding.account_id,
        "account_name": finding.account_name,
        "severity": finding.severity.value,
        "security-severity": SECURITY_SEVERITY[finding.severity],
        "resource_type": finding.resource_type,
        "resource_id": finding.resource_id,
        "region": finding.region,
        "evidence": dumped["evidence"],
        "simulated": finding.simulated or None,  # the simulated facts it rests on (the run's "simulated" notes)
        # This finding's own fix (its user, key, account...): the rule's help shows the template.
        "remediation": finding.fix.model_dump(mode="json", exclude_none=True) if finding.fix else None,
    }
    return {key: value for key, value in properties.items() if value is not None}


def _suppression(finding: Finding) -> dict[str, Any]:
    record = finding.suppression
    suppression: dict[str, Any] = {
        "kind": "external",
        "status": "accepted",
        "justification": record.reason if record else "suppressed by the auditor configuration",
    }
    if record and (record.owner or record.expires):
        extra = {"owner": record.owner, "expires": record.expires.isoformat() if record.expires else None}
        suppression["properties"] = {k: v for k, v in extra.items() if v is not None}
    return suppression


# ------------------------------------------------------------------------------------------ run details


# Notification descriptors: id -> (level, short description, full description). GitHub's SARIF rules (GH2012)
# want fullDescription and help on every reportingDescriptor, notification descriptors included.
NOTIFICATION_DESCRIPTORS: dict[str, tuple[str, str, str]] = {
    "coverage-gap": (
        "error",
        "Something could not be read: the scan is incomplete",
        "An account, API or rule pack could not be read. Findings it would have produced are missing, so the "
        "absence of a result proves nothing for what it covers (exit code 3 unless findings fail the gate).",
    ),
    "simulated": (
        "warning",
        "Simulated data: a fact was injected, not collected",
        "A fact in this run was put in rather than read from AWS (auditor demo: the root user, which the moto "
        "simulator cannot model, or the true answer behind an error only the simulator returns). Results in the "
        "resource types and account it names rest on it; each such result lists it under properties.simulated.",
    ),
    "notice": (
        "note",
        "Notice from the auditor",
        "Something a reviewer should know about this run: expired or unused suppressions, a baseline from "
        "another organization, documents merged from different tool versions.",
    ),
    "results-truncated": (
        "warning",
        "Results left out",
        f"GitHub accepts at most {MAX_RESULTS_PER_RUN} results per run: the lowest-severity ones were left out "
        "of this file. findings.json has every finding.",
    ),
    "results-aggregated": (
        "warning",
        "Lower-severity results aggregated",
        f"GitHub keeps only {MAX_ALERTS_KEPT} results per run as alerts. This run had more findings, so every "
        "critical and high finding is its own result and the others are aggregated into one result per rule and "
        "account (or per rule), with a count. findings.json lists every finding.",
    ),
    "rule-not-evaluated": (
        "note",
        "A rule did not run",
        "The rule was not evaluated in this scan (a source it reads did not run, it was disabled in the "
        "configuration, or it failed), so it has no results here. That is not a pass.",
    ),
}


def _notification_descriptors(document: FindingsDocument, left_out: int, aggregated: int = 0) -> list[dict[str, Any]]:
    used = {
        "results-aggregated": bool(aggregated),
        "coverage-gap": bool(document.errors),
        "simulated": bool(document.simulated),
        "notice": bool(document.notices),
        "results-truncated": bool(left_out),
        "rule-not-evaluated": bool(document.rules_not_evaluated),
    }
    descriptors = []
    for descriptor_id, (level, short, full) in NOTIFICATION_DESCRIPTORS.items():
        if used[descriptor_id]:
            descriptors.append(
                {
                    "id": descriptor_id,
                    "name": camel_case(short),  # not the id: SARIF1001 forbids a name equal to the id
                    "shortDescription": {"text": short},
                    "fullDescription": {"text": full},
                    "help": {"text": full},
                    "defaultConfiguration": {"level": level},
                }
            )
    return descriptors


def _not_evaluated_notification(rule: RuleInfo) -> dict[str, Any]:
    status = rule.status.replace("_", " ")
    return {
        "level": "error" if rule.status == "failed" else "note",
        "message": {"text": f"{rule.id} ({rule.title}) {status}: {rule.status_reason or 'no reason recorded'}"},
        "descriptor": {"id": "rule-not-evaluated"},
        "associatedRule": {"id": rule.id},
        "properties": {"status": rule.status},
    }


def _coverage_notification(error: Any) -> dict[str, Any]:
    where = " ".join(
        part
        for part in (
            f"account {error.account_id}" if error.account_id else "",
            f"region {error.region}" if error.region else "",
        )
        if part
    )
    text = f"Not collected: {error.service} {error.operation}"
    text += f" ({where})" if where else ""
    text += f": {error.error_code}: {error.message}"
    # SARIF "error" notification: a condition that made the results incomplete (exit code 3).
    return {
        "level": "error",
        "message": {"text": text},
        "descriptor": {"id": "coverage-gap"},
        "properties": error.model_dump(mode="json"),
    }


def _simulated_notification(fact: SimulatedFact) -> dict[str, Any]:
    properties: dict[str, Any] = {"resource_types": list(fact.resource_types)}
    if fact.account_id is not None:
        properties["account_id"] = fact.account_id
    return {
        "level": "warning",
        "message": {"text": fact.note},
        "descriptor": {"id": "simulated"},
        "properties": properties,
    }


def _notice_notification(notice: str) -> dict[str, Any]:
    return {"level": "note", "message": {"text": notice}, "descriptor": {"id": "notice"}}


def _run_properties(document: FindingsDocument, *, omitted_suppressed: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "schema_version": document.schema_version,
        "generated_at": document.generated_at.isoformat(),
        "organization_id": document.scope.organization_id,
        "accounts_scanned": len(document.scope.accounts_scanned),
        "coverage_gaps": len(document.errors),
        "manual_checks": [check.id for check in document.manual_checks],
        "rules_not_evaluated": [rule.id for rule in document.rules_not_evaluated],
        "suppressed_results_omitted": omitted_suppressed,
    }
    if document.inventory_collected_at is not None:
        properties["inventory_collected_at"] = document.inventory_collected_at.isoformat()
    return {key: value for key, value in properties.items() if value is not None}


def _information_uri(distribution: str) -> str | None:
    """The project's home page from the installed package metadata (``[project.urls]`` in pyproject.toml).

    Used when the document does not name one (``tool.information_uri``, written since issue 10). Never invented:
    without one the (optional) ``informationUri`` is left out rather than pointing nowhere.
    """
    try:
        metadata = importlib.metadata.metadata(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    candidates = [metadata["Home-page"]] if "Home-page" in metadata else []
    for entry in metadata.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "documentation", "source", "repository"):
            candidates.append(url.strip())
    return next((url for url in candidates if url and _URL.match(url)), None)


_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$")


# ------------------------------------------------------------------------------------- GitHub's limits


def split_for_github(findings: list[Finding]) -> tuple[list[Finding], list[list[Finding]]]:
    """``(individual, groups)``: what becomes one result each, and what is aggregated into one result per group.

    Up to ``MAX_ALERTS_KEPT`` findings, every finding is its own result. Beyond it GitHub would keep an arbitrary
    subset as alerts, so every critical and high finding stays its own result and the rest are grouped by rule
    and account (by rule alone if that still does not fit), worst first.
    """
    if len(findings) <= MAX_ALERTS_KEPT:
        return findings, []
    individual = [f for f in findings if f.severity.rank >= Severity.HIGH.rank]
    rest = [f for f in findings if f.severity.rank < Severity.HIGH.rank]
    groups = _grouped(rest, by_account=True)
    if len(individual) + len(groups) > MAX_ALERTS_KEPT:
        groups = _grouped(rest, by_account=False)
    return individual, groups


def _grouped(findings: list[Finding], *, by_account: bool) -> list[list[Finding]]:
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        key = (finding.rule_id, (finding.account_id or "-") if by_account else "*")
        groups.setdefault(key, []).append(finding)
    return sorted(
        groups.values(), key=lambda g: (-max(f.severity.rank for f in g), g[0].rule_id, g[0].account_id or "")
    )


def _aggregate_result(group: list[Finding], rule_index: int) -> dict[str, Any]:
    """One result standing for ``group`` (same rule; same account unless grouped by rule alone). Its identity is
    the rule and account, so the alert persists while the group does."""
    first = group[0]
    worst = max(group, key=lambda f: f.severity.rank).severity
    accounts = sorted({f.account_id or "-" for f in group})
    account = accounts[0] if len(accounts) == 1 else "all-accounts"
    identity = hashlib.sha256(f"aggregate\x1f{first.rule_id}\x1f{account}".encode()).hexdigest()[:32]
    where = f"account {account}" if account != "all-accounts" else f"{len(accounts)} accounts"
    return {
        "ruleId": first.rule_id,
        "ruleIndex": rule_index,
        "level": LEVEL[worst],
        "message": {
            "text": f"{len(group)} {first.rule_id} finding(s) in {where}, aggregated into one result because the "
            f"organization has more findings than GitHub keeps as alerts ({MAX_ALERTS_KEPT}); findings.json lists "
            "each one"
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": "/".join(["aws", _segment(account), "aggregated", _segment(first.rule_id)])
                    },
                    "region": {"startLine": 1},
                }
            }
        ],
        "partialFingerprints": {"primaryLocationLineHash": identity, FINGERPRINT_KEY: identity},
        "properties": {
            "aggregated": True,
            "count": len(group),
            "severity": worst.value,
            "security-severity": SECURITY_SEVERITY[worst],
            "accounts": accounts[:100],
            "resource_ids": [f.resource_id for f in group[:20]],
        },
    }


def _aggregated_notification(groups: list[list[Finding]]) -> dict[str, Any]:
    count = sum(len(group) for group in groups)
    return {
        "level": "warning",
        "message": {
            "text": f"{count} medium, low and info finding(s) aggregated into {len(groups)} result(s) (one per rule "
            f"and account): GitHub keeps only {MAX_ALERTS_KEPT} results per run as alerts, and every critical and "
            "high finding is kept as its own result"
        },
        "descriptor": {"id": "results-aggregated"},
    }
