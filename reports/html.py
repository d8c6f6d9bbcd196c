"""``report.html``: one self-contained page for people.

Safety, because every string in a findings document can come from an attacker (tag values, account names,
descriptions, rule packs):

* the page loads nothing: no external script, style, font or image, and a strict Content-Security-Policy
  (``default-src 'none'``) that allows exactly the one inline script and the one inline style by their
  SHA-256 hashes, computed here from the very text that is inlined;
* jinja2 autoescapes everything server-rendered (summary, overview, manual checks, coverage gaps, notices);
* the findings travel as JSON in ``<script type="application/json" id="data">`` with ``<``, ``>`` and ``&``
  escaped as ``\\u003c``/``\\u003e``/``\\u0026``, so no value can close the script element; the inline script
  inserts them with ``textContent`` only, never as markup.

Scale: with 50,000 findings the page must stay usable, so findings are not rendered as DOM by jinja. The
script filters and searches the array and renders one window of rows at a time ("show more"); rule metadata
(rationale, remediation, references) is stored once per rule, not per finding.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, BinaryIO

from pydantic_core import PydanticSerializationError, to_jsonable_python

from auditor.findings import Finding, FindingsDocument, Remediation, Severity
from auditor.readiness.models import (
    ACCESS_BASIS_MEANINGS,
    ACCESS_LEVEL_MEANINGS,
    BLOCKER_MEANINGS,
    CLASS_MEANINGS,
    EMERGENCY_KIND_MEANINGS,
    GROUPED_BY_MEANINGS,
    IDENTITY_SOURCE_MEANINGS,
    MATCH_MEANINGS,
    MATCHED_BY_MEANINGS,
    REVIEW_MEANINGS,
    VERDICT_MEANINGS,
    IamUserReadiness,
    Readiness,
)
from auditor.reporter import Reporter
from auditor.reports.trend import new_and_fixed, users_and_keys, verdicts

if TYPE_CHECKING:  # jinja2 loads when a page is rendered: --format's help lists this format without it
    import jinja2
    from markupsafe import Markup

SEVERITIES: tuple[Severity, ...] = tuple(Severity)  # worst first
SEVERITY_INDEX = {s: i for i, s in enumerate(SEVERITIES)}
NO_ACCOUNT = "-"  # findings about no account (local files, source trees), as in Summary.by_account
OTHER_AREA = "other"  # a finding whose rule is missing from document.rules
FIXED_LIST_LIMIT = 500  # fixed findings listed server-side; the rest are counted
FIX_FIRST_LIMIT = 15  # resources in the "fix first" list; the findings table has the rest
FIX_FIRST_OPEN = 3  # of which the first few are shown expanded

_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}
_BASELINE_CODES = {"new": 1, "unchanged": 2, "not_reverified": 3}  # report.js BASELINE, same order


@dataclass(frozen=True)
class Gate:
    """The run's ``--fail-on``, handed in by the CLI: the findings document does not record it. ``fail_on`` None:
    the run had no threshold, so no finding failed it."""

    fail_on: Severity | None


class HtmlReporter(Reporter):
    name = "html"
    default_filename = "report.html"
    description = "one self-contained page for people, filterable, with no external assets"

    def __init__(self, *, gate: Gate | None = None) -> None:
        """``gate``: the threshold the run was gated on, shown with "Fix first", whose entries with findings that
        fail it come first. None: not known (a page rendered outside a gated run), so the page claims nothing
        about it; new findings still come first."""
        self.gate = gate

    def render(self, document: FindingsDocument) -> bytes:
        """The page as UTF-8 bytes. A pure function of the document (no clock, no I/O beyond package data)."""
        buffer = io.BytesIO()
        self.write(document, buffer)
        return buffer.getvalue()

    def write(self, document: FindingsDocument, stream: BinaryIO) -> None:
        """The page, written as it is made: the findings' JSON goes out a slice of findings at a time, so the
        page (30 MB at 40,000 findings), its payload and their UTF-8 copy are never held whole."""
        if type(self).render is not HtmlReporter.render:  # a subclass that renders its own bytes: write those
            super().write(document, stream)
            return
        from markupsafe import Markup

        env = _environment()
        script = _static_text(env, "report.js")
        style = _static_text(env, "report.css")
        context = _context(document, self.gate)
        around_findings = json_for_script(_payload(context))  # all but the findings, which are appended below
        # Where the payload goes in the page: unguessable, so no string of the document can be mistaken for it.
        mark = f"data-{secrets.token_hex(16)}"
        page = env.get_template("report.html.j2").render(
            **context,
            script=Markup(script),
            style=Markup(style),
            data_json=Markup(mark),
            csp=content_security_policy(scripts=[script], styles=[style]),
        )
        if page.count(mark) != 1 or not around_findings.endswith('"findings":[]}'):
            raise RuntimeError("report.html.j2 must hold the data exactly once, and the findings must come last")
        page_head, page_tail = page.split(mark)
        rule_index = {r.id: i for i, r in enumerate(context["rules"])}
        account_index = {a.account_id: i for i, a in enumerate(context["accounts"])}
        note_index = {note: i for i, note in enumerate(context["simulated_notes"])}

        first_seen = document.trend.first_seen if document.trend is not None else {}

        def compact(f: Finding) -> dict[str, Any]:
            index = rule_index[f.rule_id]
            item = _compact(f, context["rules"][index], index, account_index[f.account_id or NO_ACCOUNT], note_index)
            seen = first_seen.get(f.fingerprint)
            if seen is not None:  # --history: the first run of this scope the finding was in
                item["fs"] = seen.strftime("%Y-%m-%d")
            return item

        # "replace": a lone surrogate in some string must not cost the whole report.
        stream.write((page_head + around_findings[: -len("]}")]).encode("utf-8", "replace"))
        findings = document.findings
        for start in range(0, len(findings), _FINDINGS_PER_WRITE):
            items = [compact(f) for f in findings[start : start + _FINDINGS_PER_WRITE]]
            text = json_for_script(items)[1:-1]  # the items without their brackets, joined by commas
            stream.write(("," if start else "").encode() + text.encode("utf-8", "replace"))
        stream.write(("]}" + page_tail).encode("utf-8", "replace"))


_FINDINGS_PER_WRITE = 1000


# --------------------------------------------------------------------------------------------- safety


def csp_hash(text: str) -> str:
    """The CSP source expression that allows exactly this inline block (hash of its UTF-8 text)."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(scripts: Iterable[str], styles: Iterable[str]) -> str:
    script_src = " ".join(csp_hash(s) for s in scripts) or "'none'"
    style_src = " ".join(csp_hash(s) for s in styles) or "'none'"
    # base-uri and form-action do not fall back to default-src, so they are closed explicitly.
    return f"default-src 'none'; script-src {script_src}; style-src {style_src}; base-uri 'none'; form-action 'none'"


def json_for_script(value: Any) -> str:
    """JSON that is safe as the text of a ``<script type="application/json">`` element.

    With ``<``, ``>`` and ``&`` escaped, no value can form ``</script``, ``<!--`` or an entity; ``JSON.parse``
    reads the escapes back as the original characters.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_jsonable)
    # str.replace, not str.translate: translate walks a non-ASCII string character by character in Python's
    # slow path (seconds at 50,000 findings); three replaces run in C.
    for char, escape in _JSON_SCRIPT_ESCAPES.items():
        text = text.replace(chr(char), escape)
    return text


def _jsonable(value: Any) -> Any:
    """Evidence may hold datetimes, sets, enums: serialise them as the JSON report does (pydantic's rules)."""
    try:
        return to_jsonable_python(value)
    except PydanticSerializationError:
        return str(value)


@functools.cache  # the environment and its compiled template are reused: render stays pure
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("auditor.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = format_time
    env.filters["count"] = lambda n: f"{n:,}"
    env.filters["by_code"] = by_code
    env.filters["subject_name"] = lambda subject: subject.rsplit("/", 1)[-1]  # an IAM user's name, or an account id
    env.filters["breakable"] = breakable
    return env


# Where a name or an id may wrap besides spaces: after these (report.js SEPARATOR, the same set). Not inside a
# word: "acme-production (827711753676)" wraps as "acme-" / "production" / "(827711753676)", never "producti" / "on".
_SEPARATOR_AFTER = re.compile(r"(?<=[-_./:@,=+|])(?=[^\s])")


def breakable(text: object) -> Markup:
    """``text`` escaped, with ``<wbr>`` after each separator: the one way a name or an id wraps where it is
    shown. The style (``.name``) keeps the browser from breaking inside the pieces."""
    from markupsafe import Markup, escape

    return Markup("<wbr>").join(escape(piece) for piece in _SEPARATOR_AFTER.split(str(text)))


def _static_text(env: jinja2.Environment, name: str) -> str:
    """An asset to inline verbatim. Newlines normalised as the HTML parser does, or the hash would not match."""
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    closing = "</script" if name.endswith(".js") else "</style"
    if closing in text.lower():
        raise ValueError(f"{name} must not contain {closing}")
    return text


def format_time(value: datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# -------------------------------------------------------------------------------------------- context


@dataclass
class _Account:
    account_id: str  # NO_ACCOUNT for findings about no account
    name: str | None
    is_management: bool = False
    scanned: bool = False
    suppressed: int = 0
    by_severity: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in SEVERITIES})
    by_area: dict[str, int] = field(default_factory=dict)
    worst_by_area: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> int:
        return sum(self.by_severity.values())

    @property
    def worst(self) -> str | None:
        return next((s.value for s in SEVERITIES if self.by_severity[s.value]), None)

    def count(self, area: str, severity: str) -> None:
        self.by_severity[severity] += 1
        self.by_area[area] = self.by_area.get(area, 0) + 1
        self.worst_by_area[area] = _worse(self.worst_by_area.get(area), severity)

    @property
    def label(self) -> str:
        if self.account_id == NO_ACCOUNT:
            return "(no account)"
        return f"{self.name} ({self.account_id})" if self.name else self.account_id


@dataclass
class _Rule:
    id: str
    title: str
    severity: str
    area: str
    rationale: str
    remediation: str
    references: list[str]
    fix: Remediation | None = None  # the template: <field> where each finding has its value
    status: str = "evaluated"  # RuleInfo.status: "not_evaluated" when a source it reads did not run
    active: int = 0
    suppressed: int = 0
    worst: str | None = None

    def count(self, severity: str) -> None:
        self.active += 1
        self.worst = _worse(self.worst, severity)


@dataclass
class _Action:
    """One entry of "fix first": a resource (an IAM user together with its access keys) and its findings."""

    name: str
    kind: str
    account: str
    fail_on: Severity | None = None  # the run's gate, when known
    findings: list[Finding] = field(default_factory=list)

    @property
    def worst(self) -> Severity:
        return max((f.severity for f in self.findings), key=lambda s: s.rank)

    @property
    def failing(self) -> int:
        """Its findings that fail the gate (none when the gate is not known or has no threshold)."""
        fail_on = self.fail_on
        return 0 if fail_on is None else sum(1 for f in self.findings if f.fails_gate(fail_on))

    @property
    def new(self) -> int:
        """Its findings new since the baseline (none without a baseline)."""
        return sum(1 for f in self.findings if f.baseline_state == "new")

    def rank_key(self) -> tuple[bool, bool, int, int, int, str, str]:
        worst = self.worst
        at_worst = sum(1 for f in self.findings if f.severity == worst)
        return (not self.failing, not self.new, -worst.rank, -at_worst, -len(self.findings), self.account, self.name)


_KIND = {
    "AWS::IAM::User": "IAM user",
    "AWS::IAM::Root": "root user",
    "AWS::IAM::Role": "IAM role",
    "AWS::Organizations::Account": "account",
    "AWS::Organizations::Organization": "organization",
    "AWS::SSO::PermissionSet": "permission set",
    "AWS::SSO::Assignment": "permission set assignments",
    "AWS::SSO::Instance": "Identity Center instance",
}


def fix_first(
    findings: Iterable[Finding], limit: int = FIX_FIRST_LIMIT, fail_on: Severity | None = None
) -> tuple[list[_Action], int]:
    """Active findings grouped by what a person acts on, worst first: ``(top actions, how many more)``.

    An access key's findings go under its user (``evidence.user_arn``): deleting the user fixes them all. Within a
    resource, findings are worst first. Resources with a finding that fails the gate (``fail_on``) come first,
    then those with a finding new since the baseline: what broke the build is what a reader came for. Then
    resources rank by their worst finding, then by how many findings they have at that severity, then in total.
    Within a resource, the same order: failing, new, worst. Names are the findings' ``display_name`` (a user's,
    for its keys).
    """
    groups: dict[tuple[str, str], _Action] = {}
    for f in findings:
        if f.suppressed:
            continue
        user_arn = f.evidence.get("user_arn")
        if isinstance(user_arn, str) and user_arn:
            key, kind, name = user_arn, "IAM user", str(f.evidence.get("user_name") or f.display_name)
        else:
            key, kind, name = f.resource_id, _KIND.get(f.resource_type, f.resource_type), f.display_name
        account = f"{f.account_name} ({f.account_id})" if f.account_name else (f.account_id or "(no account)")
        action = groups.setdefault(
            (f.account_id or "", key), _Action(name=name, kind=kind, account=account, fail_on=fail_on)
        )
        action.findings.append(f)
    ranked = sorted(groups.values(), key=_Action.rank_key)

    def order(f: Finding) -> tuple[bool, bool, int, str, str]:
        failing = fail_on is not None and f.fails_gate(fail_on)
        return (not failing, f.baseline_state != "new", -f.severity.rank, f.rule_id, f.resource_id)

    for action in ranked[:limit]:
        action.findings.sort(key=order)
    return ranked[:limit], max(0, len(ranked) - limit)


def _context(document: FindingsDocument, gate: Gate | None = None) -> dict[str, Any]:
    """What the template reads. Every count the document's summary holds comes from the summary; only what it
    does not hold (per rule, per account and area, "fix first", what fails the gate) is counted here."""
    rules, accounts = _tally(document)
    areas = _areas(rules.values())
    ordered_accounts = sorted(accounts.values(), key=_account_order)
    fail_on = gate.fail_on if gate is not None else None
    sorted_rules = sorted(rules.values(), key=lambda r: (-_rank(r.worst or r.severity), r.id))
    actions, actions_more = fix_first(document.findings, fail_on=fail_on)
    return {
        "doc": document,
        "fix_first": actions,
        "fix_first_more": actions_more,
        "fix_first_open": FIX_FIRST_OPEN,
        "gate": gate,
        "fail_on": fail_on,
        "gate_failing": sum(1 for f in document.findings if f.fails_gate(fail_on)) if fail_on is not None else 0,
        "severities": [s.value for s in SEVERITIES],
        "accounts": ordered_accounts,
        "rules": sorted_rules,
        "areas": areas,
        "area_totals": {area: sum(a.by_area.get(area, 0) for a in ordered_accounts) for area in areas},
        "area_worst": {area: _worst(a.worst_by_area.get(area) for a in ordered_accounts) for area in areas},
        **_filter_values(document, sorted_rules, ordered_accounts),
        "areas_not_evaluated": {
            area
            for area in areas
            if not any(r.status == "evaluated" or r.active or r.suppressed for r in rules.values() if r.area == area)
        },
        **_summary_counts(document),
        "fixed": document.fixed[:FIXED_LIST_LIMIT],
        "fixed_more": max(0, len(document.fixed) - FIXED_LIST_LIMIT),
        "simulated": document.simulated,
        "simulated_notes": _simulated_notes(document),
        "trend_charts": _trend_charts(document),
        "resting_on_simulated": sum(1 for f in document.findings if f.simulated and not f.suppressed),
        "scanned_count": len(document.scope.accounts_scanned),
        "not_evaluated": document.rules_not_evaluated,
        "readiness_legend": READINESS_LEGEND,
        "readiness_view": readiness_view(document.readiness) if document.readiness is not None else None,
    }


# ------------------------------------------------------------------------------------------ readiness

READINESS_ROWS_LISTED = 500  # IAM users in the people table, and in the other users' table; the rest are counted

# A person's standing, from the blockers and reviews their IAM users are the subject of (worst first).
PERSON_STATUS_MEANINGS: dict[str, str] = {
    "blocks": "one of their IAM users is the subject of a blocker: its account cannot be cut over until it is fixed",
    "not assessed": "one of their IAM users is in an account that got no verdict (see its reason): not known to be "
    "ready",
    "to review": "nothing known blocks, but a person must look first (each review says what)",
    "exception": "declared in readiness.exceptions: kept, left out of the plan",
    "stale": "stale IAM users only: nothing of theirs is in use to keep; they go after a look",
    "ready": "matched (and the match confirmed), keeps every action they use, nothing to review: nothing about them "
    "stands in the way (their account's own blockers, shown beside them, still do)",
}
PERSON_STATUS_SEVERITY = {
    "blocks": "high",
    "not assessed": "medium",
    "to review": "medium",
    "exception": "info",
    "stale": "info",
    "ready": "low",
}

# Every column of the readiness tables, with what it holds: the headers are these keys, in this order, so no
# column can appear without its line in the legend.
READINESS_COLUMNS: dict[str, dict[str, str]] = {
    "accounts": {
        "Account": "the account's name and id; production (production_patterns) and management marked",
        "Verdict": "migrated, ready, needs-review or blocked (below)",
        "Blockers, with their fix": "what must be done before the account's IAM users can go, each code with what "
        "to do",
        "Reviews": "what a person must look at before the account can be ready (the tool cannot decide it)",
        "People matched": "the account's IAM users that are people (humans, exceptions apart): how many of them are "
        "matched to an Identity Center user, of how many",
        "Emergency access": "how the account can be entered if Identity Center fails: its break-glass users, a role "
        "the management account assumes, a declared path; none blocks (no-break-glass)",
        "Workloads (replacement)": "IAM users of software, with the role that replaces their keys",
        "Root": "the root user: active keys, MFA, recent use",
    },
    "people": {
        "Person": "one person, once, with every IAM user of theirs in every account; how the users were grouped and "
        "the person's standing",
        "IAM user": "the account and the IAM user; its class, flagged confirm when a weak signal alone made it a "
        "person",
        "Why this class": "the signals that decided the class; every fact looked at is under 'all signals'",
        "Identity Center user": "who the person is in Identity Center and how that was found (by user name only: "
        "unconfirmed); suggestions are likenesses, never applied",
        "Keeps / loses": "access today in IAM and in Identity Center (a summary), then the comparison action by "
        "action: what they would lose (actions the IAM user used, or, its use unknown, may use, that no permission "
        "set assigned to the person in the account allows outright), what to review, the roles that trust the IAM "
        "user",
        "Blockers and reviews": "the codes this IAM user is the subject of (the account's list says more)",
    },
    "others": {
        "Account": "the account",
        "IAM user": "the IAM user and its class (workload, break-glass, or a user kept as an exception)",
        "Why this class": "the signals that decided the class; every fact looked at is under 'all signals'",
        "Notes": "active keys, the replacement for a workload's keys, roles that trust the IAM user, blockers and "
        "reviews",
    },
}

# Marks on a value that ask a person to confirm it
READINESS_FLAGS: dict[str, str] = {
    "confirm": "on a class: a person by a weak signal alone (access keys only, a name like an Identity Center "
    "user's): confirm it in readiness.classes",
    "unconfirmed": "on a match: by user name only, which a shared login also has: confirm it in readiness.confirmed, "
    "or tag the IAM user with the e-mail",
}

READINESS_LEGEND = {
    "verdicts": VERDICT_MEANINGS,
    "blockers": BLOCKER_MEANINGS,
    "reviews": REVIEW_MEANINGS,
    "person_statuses": PERSON_STATUS_MEANINGS,
    "classes": CLASS_MEANINGS,
    "matches": MATCH_MEANINGS,
    "matched_by": MATCHED_BY_MEANINGS,
    "grouped_by": GROUPED_BY_MEANINGS,
    "emergency_kinds": EMERGENCY_KIND_MEANINGS,
    "identity_sources": IDENTITY_SOURCE_MEANINGS,
    "access_levels": ACCESS_LEVEL_MEANINGS,
    "access_basis": ACCESS_BASIS_MEANINGS,
    "flags": READINESS_FLAGS,
    "columns": READINESS_COLUMNS,
    "verdict_severity": {"migrated": "info", "ready": "low", "needs-review": "medium", "blocked": "high"},
    "person_status_severity": PERSON_STATUS_SEVERITY,
}


@dataclass
class _UserRow:
    """One IAM user in the readiness tables, with the blockers and reviews it is the subject of."""

    user: IamUserReadiness
    blockers: list[str]
    reviews: list[str]
    assessed: bool  # its account got a verdict
    account_blockers: list[str] = field(default_factory=list)  # the codes of its account's own blockers

    @property
    def status(self) -> str:
        if self.blockers:
            return "blocks"
        if not self.assessed:
            return "not assessed"
        if self.reviews:
            return "to review"
        user = self.user
        if user.exception is not None:
            return "exception"
        if user.user_class == "stale":
            return "stale"
        confirmed = user.match_confirmed and not user.class_unconfirmed
        if user.user_class == "human" and user.match == "matched" and confirmed:
            return "ready"
        return "to review"  # nothing named it, yet nothing shows it ready: never read as a pass


@dataclass
class _PersonRow:
    key: str
    identity_center_user: str | None
    grouped_by: str
    accounts: int
    users: list[_UserRow]  # the ones listed (at most READINESS_ROWS_LISTED in the whole table)
    total_users: int  # all of them
    missing: list[str]  # ARNs readiness.people names that readiness.iam_users does not hold (a hand-made document)
    status: str = "ready"


@dataclass
class _ReadinessView:
    people: list[_PersonRow]
    people_total: int
    people_not_listed: int  # people with no row at all
    users_not_listed: int  # people's IAM users with no row (theirs, and those of people not listed)
    others: list[_UserRow]  # IAM users that are no person's: workloads, break-glass users
    others_total: int
    people_by_status: dict[str, int]


_STATUS_ORDER = tuple(PERSON_STATUS_MEANINGS)


def by_code(items: Iterable[Any]) -> list[tuple[str, list[Any]]]:
    """Blockers or reviews by code, in the order they come (the readiness stage sorts them by code): an account
    with forty people whose credentials could not be read shows the code once, the forty messages folded."""
    groups: dict[str, list[Any]] = {}
    for item in items:
        groups.setdefault(item.code, []).append(item)
    return list(groups.items())


def readiness_view(readiness: Readiness, limit: int = READINESS_ROWS_LISTED) -> _ReadinessView:
    """The readiness section as the page lists it: every person once, those who block first, with each IAM user
    and what it is the subject of; then the IAM users that are no person's. Both tables stop at ``limit`` rows and
    say how many more there are (findings.json has every one)."""
    blockers: dict[str, list[str]] = {}
    reviews: dict[str, list[str]] = {}
    for account in readiness.accounts:
        for blocker in account.blockers:
            blockers.setdefault(blocker.subject, []).append(blocker.code)
        for review in account.reviews:
            reviews.setdefault(review.subject, []).append(review.code)
    assessed = {a.account_id for a in readiness.accounts}

    def row(user: IamUserReadiness) -> _UserRow:
        return _UserRow(
            user,
            list(dict.fromkeys(blockers.get(user.arn, []))),
            list(dict.fromkeys(reviews.get(user.arn, []))),
            user.account_id in assessed,
            list(dict.fromkeys(blockers.get(user.account_id, []))),
        )

    by_arn = {u.arn: u for u in readiness.iam_users}
    in_people: set[str] = set()
    people: list[_PersonRow] = []
    for person in readiness.people:
        rows = [row(by_arn[arn]) for arn in person.iam_users if arn in by_arn]
        in_people.update(person.iam_users)
        found = _PersonRow(
            key=person.person,
            identity_center_user=person.identity_center_user,
            grouped_by=person.grouped_by,
            accounts=len(person.accounts),
            users=rows,
            total_users=len(person.iam_users),
            missing=[arn for arn in person.iam_users if arn not in by_arn],
        )
        found.status = min((r.status for r in rows), key=_STATUS_ORDER.index, default="not assessed")
        people.append(found)
    people.sort(key=lambda p: (_STATUS_ORDER.index(p.status), p.key))
    rows_in_all = sum(len(p.users) for p in people)
    listed: list[_PersonRow] = []
    room = limit
    for entry in people:
        if room <= 0:
            break
        listed.append(entry)
        entry.users = entry.users[:room]
        room -= len(entry.users)
    shown = sum(len(p.users) for p in listed)
    others = [row(u) for u in readiness.iam_users if u.arn not in in_people]
    others.sort(key=lambda r: (not r.blockers, not r.reviews, r.user.account_id, r.user.user_name))
    by_status = {status: sum(1 for p in people if p.status == status) for status in _STATUS_ORDER}
    return _ReadinessView(
        people=listed,
        people_total=len(people),
        people_not_listed=len(people) - len(listed),
        users_not_listed=rows_in_all - shown,
        others=others[:limit],
        others_total=len(others),
        people_by_status=by_status,
    )


def _trend_charts(document: FindingsDocument) -> dict[str, Any] | None:
    """The Trend section's SVG (reports/trend.py), when the history holds an earlier run of this scope."""
    trend = document.trend
    if trend is None or len(trend.points) < 2:
        return None
    return {
        "users": users_and_keys(trend.points),
        "verdicts": verdicts(trend.points),
        "findings": new_and_fixed(trend.points),
    }


def _summary_counts(document: FindingsDocument) -> dict[str, Any]:
    """The summary's numbers, as the template names them."""
    summary = document.summary
    by_severity = {s.value: summary.by_severity.get(s.value, 0) for s in SEVERITIES}
    return {
        "total": summary.total,
        "active": summary.active,
        "suppressed": summary.suppressed,
        "by_severity": by_severity,
        "worst": next((severity for severity, count in by_severity.items() if count), None),
        "has_baseline": summary.new is not None,
        "new": summary.new or 0,
        "unchanged": summary.unchanged or 0,
        "not_reverified": summary.not_reverified or 0,
        "fixed_count": summary.fixed or 0,
    }


def _tally(document: FindingsDocument) -> tuple[dict[str, _Rule], dict[str, _Account]]:
    """Each rule's and each account's counts of active findings (by severity, by area) and suppressed ones."""
    rules = {
        r.id: _Rule(
            r.id, r.title, r.severity.value, r.area, r.rationale, r.remediation, list(r.references), r.fix, r.status
        )
        for r in document.rules
    }
    accounts = {
        a.account_id: _Account(a.account_id, a.account_name, a.is_management, scanned=True)
        for a in document.scope.accounts_scanned
    }
    for f in document.findings:
        rule = _rule_of(f, rules)
        account = _account_of(f, accounts)
        if f.suppressed:
            rule.suppressed += 1
            account.suppressed += 1
        else:
            rule.count(f.severity.value)
            account.count(rule.area, f.severity.value)
    return rules, accounts


def _areas(rules: Iterable[_Rule]) -> list[str]:
    """The rule areas the accounts x areas table has a column for, in the rules' order: those with a rule whose
    sources ran (whatever it found) or with findings. An area whose every rule read a source that did not run
    (``local`` in a cloud scan) has no column: a column of dots would read as "checked, nothing found"."""
    rules = list(rules)
    return list(dict.fromkeys(r.area for r in rules if r.status != "not_evaluated" or r.active or r.suppressed))


def _filter_values(document: FindingsDocument, rules: Iterable[_Rule], accounts: list[_Account]) -> dict[str, Any]:
    """What each filter of the findings list offers: only values some finding has (active or suppressed, since
    "show suppressed" lists those too). A rule, an area or a severity without findings would filter to an empty
    list, which reads as "checked, nothing found"."""
    present = {f.severity.value for f in document.findings}
    with_findings = [r for r in rules if r.active or r.suppressed]
    states = {f.baseline_state for f in document.findings}
    return {
        "filter_severities": [s.value for s in SEVERITIES if s.value in present],
        "filter_accounts": [a for a in accounts if a.active or a.suppressed],
        "filter_rules": with_findings,
        "filter_areas": list(dict.fromkeys(r.area for r in with_findings)),
        "filter_baseline": [state for state in _BASELINE_CODES if state in states],
    }


def _rule_of(f: Finding, rules: dict[str, _Rule]) -> _Rule:
    """The finding's rule; one the document has no metadata for still gets a row, so the finding stays visible."""
    rule = rules.get(f.rule_id)
    if rule is None:
        rule = rules[f.rule_id] = _Rule(
            f.rule_id, f.title, f.severity.value, OTHER_AREA, "", f.remediation, list(f.references)
        )
    return rule


def _account_of(f: Finding, accounts: dict[str, _Account]) -> _Account:
    """The finding's account (``NO_ACCOUNT`` for none); one the scope does not list gets a row, named by it."""
    key = f.account_id or NO_ACCOUNT
    account = accounts.get(key)
    if account is None:
        account = accounts[key] = _Account(key, f.account_name)
    elif account.name is None and f.account_name:
        account.name = f.account_name
    return account


def _account_order(a: _Account) -> tuple[bool, int, int, bool, bool, str]:
    """Worst first (by worst severity, then by active findings), "no account" last; ties: scanned accounts, the
    management account first, then by id."""
    return (
        a.account_id == NO_ACCOUNT,
        -_rank(a.worst) if a.worst else 1,
        -a.active,
        not a.scanned,
        not a.is_management,
        a.account_id,
    )


def _simulated_notes(document: FindingsDocument) -> list[str]:
    """The notes findings refer to by index in the page's data: the document's facts, then any other note a
    finding names (a document put together by hand or by a merge)."""
    notes = [fact.note for fact in document.simulated]
    notes += [note for f in document.findings for note in f.simulated]
    return list(dict.fromkeys(notes))


_RANK = {s.value: s.rank for s in Severity}


def _rank(severity: str) -> int:
    return _RANK[severity]


def _worse(current: str | None, candidate: str) -> str:
    if current is None or _rank(candidate) > _rank(current):
        return candidate
    return current


def _worst(values: Iterable[str | None]) -> str | None:
    worst: str | None = None
    for v in values:
        if v is not None:
            worst = _worse(worst, v)
    return worst


# -------------------------------------------------------------------------------------------- payload


def _payload(context: dict[str, Any]) -> dict[str, Any]:
    """The compact JSON the script works on, with ``findings`` empty: the writer appends them (``_compact``) a
    slice at a time. Keys are short because a 50,000-finding report repeats them.

    ``rules``, ``accounts`` and ``simulated`` (notes) are lists; a finding refers to them by index. A finding
    carries its own title, remediation and references only where they differ from its rule's.
    """
    rules: list[_Rule] = context["rules"]
    accounts: list[_Account] = context["accounts"]
    return {
        "severities": context["severities"],
        "rules": [
            {
                "id": r.id,
                "title": r.title,
                "severity": r.severity,
                "area": r.area,
                "rationale": r.rationale,
                "remediation": r.remediation,
                "references": r.references,
                **({"fx": [r.fix.console, r.fix.cli, r.fix.terraform or ""]} if r.fix else {}),
            }
            for r in rules
        ],
        "accounts": [{"id": a.account_id, "name": a.name} for a in accounts],
        "simulated": context["simulated_notes"],  # what a finding's "v" indexes
        "findings": [],  # last, and filled by the writer
    }


_FIELD = re.compile(r"<[a-z][a-z0-9_]*>")


@functools.lru_cache(maxsize=4096)
def _template_parts(template: str) -> tuple[str, ...]:
    """A template line's literal text around its ``<field>`` markers."""
    return tuple(_FIELD.split(template))


def _values_in(line: str, parts: tuple[str, ...]) -> list[str] | None:
    """The values that turn the template ``parts`` into ``line`` (each the shortest that fits), or ``None``.

    String searches, not a regex: a 50,000-finding report runs this for every line of every fix. Whatever is
    found, literal parts and values joined in order give back ``line`` exactly, which is all report.js needs.
    """
    if not line.startswith(parts[0]) or not line.endswith(parts[-1]):
        return None
    values: list[str] = []
    position = len(parts[0])
    end = len(line) - len(parts[-1])
    for literal in parts[1:-1]:
        found = line.find(literal, position, end) if literal else position
        if found < 0:
            return None
        values.append(line[position:found])
        position = found + len(literal)
    if position > end:
        return None
    values.append(line[position:end])
    return values


def compact_fix(fix: Remediation, template: Remediation | None) -> Sequence[Any]:
    """A finding's fix as ``[console, cli, terraform]``, each line either its text or ``[i, value, ...]``: line
    ``i`` of its rule's template (``_Rule.fix``, sent once per rule) with these values for its ``<fields>``.

    Most of a fix is its rule's text; only the names differ. Sending the names alone keeps a 50,000-finding
    page near its size without fixes; report.js puts the lines back together (literal text + values).
    """
    recorded = fix.template_values()
    if recorded is not None and template is not None:
        return recorded  # filled in this run: the values are known, nothing to parse
    sections: list[tuple[list[str], list[str]]] = [
        (fix.console, template.console if template else []),
        (fix.cli, template.cli if template else []),
        ([fix.terraform] if fix.terraform else [], [template.terraform] if template and template.terraform else []),
    ]
    out: list[Any] = []
    for lines, templates in sections:
        items: list[Any] = []
        start = 0
        for line in lines:
            items.append(line)
            for index in range(start, len(templates)):
                parts = _template_parts(templates[index])
                values = _values_in(line, parts) if len(parts) > 1 else ([] if line == parts[0] else None)
                if values is not None:
                    items[-1] = [index, *values]
                    start = index  # template lines come in order; a list fact repeats the same one
                    break
        out.append(items)
    return out


def _compact(f: Finding, rule: _Rule, rule_idx: int, account_idx: int, note_index: dict[str, int]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "p": f.fingerprint,
        "r": rule_idx,
        "s": SEVERITY_INDEX[f.severity],
        "a": account_idx,
        "t": f.resource_type,
        "i": f.resource_id,
        "n": f.display_name,
        "m": f.message,
    }
    if f.evidence:
        item["e"] = f.evidence
    if f.region:
        item["g"] = f.region
    if f.location is not None:
        item["l"] = f"{f.location.path}:{f.location.line}"
    if f.title != rule.title:
        item["x"] = f.title
    if f.remediation != rule.remediation:
        item["d"] = f.remediation
    if f.fix is not None:  # this finding's own fix, as what fills its rule's template (see compact_fix)
        item["fx"] = compact_fix(f.fix, rule.fix)
    if list(f.references) != rule.references:
        item["f"] = list(f.references)
    if f.suppressed:
        s = f.suppression
        item["u"] = (
            {
                "reason": s.reason,
                "owner": s.owner,
                "expires": s.expires.isoformat() if s.expires else None,
                "expired": s.expired,
            }
            if s is not None
            else {"reason": None, "owner": None, "expires": None, "expired": False}
        )
    if f.baseline_state:
        item["b"] = _BASELINE_CODES[f.baseline_state]
    if f.simulated:  # the simulated facts it rests on, as indexes into the page's list of notes
        item["v"] = [note_index[note] for note in f.simulated]
    return item
