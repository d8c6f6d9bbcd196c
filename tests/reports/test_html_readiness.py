"""report.html's migration readiness section (issue 18): every person, once, matched and ready too; each account
with its verdict, blockers and their fix, reviews and emergency access; a legend for every value a reader meets.

The organization is built with the factories and run through the pipeline as a scan would (``findings_for``):
management (a break-glass user, ``carol@corp.example`` matched by e-mail: ready), dev (no break-glass user and no
role the management account assumes: ``no-break-glass``; ``alice`` matched by e-mail tag; ``admin`` matched by bare
user name: unconfirmed) and prod (``alice-prod``, the same person as dev's ``alice``). The page is read as a parser
reads it (``tests/html_checks.py``), then once in headless Chromium.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
from factories import (
    DEV,
    MGMT,
    PROD,
    aws_policy,
    builtin_rules,
    days_ago,
    default_org_accounts,
    idc_user,
    make_account,
    make_identity_center,
    make_inventory,
    make_org,
    make_user,
    management_access_role,
    permission_set,
)
from html_checks import parse, texts_by

from auditor.engine.config import Config
from auditor.engine.pipeline import findings_for
from auditor.findings import FindingsDocument
from auditor.inventory import AccountAssignment, IamUser, Inventory
from auditor.readiness import models
from auditor.reports.html import READINESS_COLUMNS, READINESS_LEGEND, HtmlReporter, readiness_view

ADMIN = permission_set("AdministratorAccess", managed=[aws_policy("AdministratorAccess")])
RECENT = days_ago(3)
HOSTILE = '<script>alert("x")</script>\'&'


def person(name: str, account_id: str, **fields: Any) -> IamUser:
    """An IAM user a person signs in with: a console password used 3 days ago, AdministratorAccess."""
    return make_user(
        name, account_id, password=True, password_last_used=RECENT, policies=[aws_policy("AdministratorAccess")],
        **fields,
    )  # fmt: skip


def organization(*more_dev_users: IamUser) -> Inventory:
    """See the module's docstring; every identity-store user has AdministratorAccess in every account."""
    break_glass = make_user(
        "breakglass-admin", MGMT, password=True, mfa=True, policies=[aws_policy("AdministratorAccess")]
    )
    accounts = [
        make_account(MGMT, "management", users=[break_glass, person("carol@corp.example", MGMT)], roles=[]),
        make_account(
            DEV,
            "dev",
            users=[person("alice", DEV, tags={"email": "alice@corp.example"}), person("admin", DEV), *more_dev_users],
            roles=[],
        ),
        make_account(
            PROD,
            "prod",
            users=[person("alice-prod", PROD, tags={"email": "alice@corp.example"})],
            roles=[management_access_role(PROD)],
        ),
    ]
    idc_users = [
        idc_user("u-alice", "alice@corp.example", "alice@corp.example"),
        idc_user("u-carol", "carol@corp.example", "carol@corp.example"),
        idc_user("u-admin", "admin"),
    ]
    assignments = [
        AccountAssignment(account_id=a.account_id, permission_set_arn=ADMIN.arn, principal_type="USER", principal_id=u)
        for a in accounts
        for u in ("u-alice", "u-carol", "u-admin")
    ]
    return make_inventory(
        accounts=accounts,
        organization=make_org(default_org_accounts()),
        identity_center=make_identity_center(permission_sets=[ADMIN], users=idc_users, assignments=assignments),
    )


def document(inventory: Inventory | None = None) -> FindingsDocument:
    return findings_for(inventory or organization(), builtin_rules(), Config())


def render(found: FindingsDocument) -> str:
    return HtmlReporter().render(found).decode()


def tidy(text: str) -> str:
    """texts_by's text with the space it puts around inline elements taken away before punctuation."""
    for before, after in ((" ,", ","), (" :", ":"), (" .", "."), ("( ", "("), (" )", ")")):
        text = text.replace(before, after)
    return text


def section(html: str, start: str, end: str) -> str:
    """From ``start`` to the first ``end`` after it."""
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


# ---------------------------------------------------------------------------------------------- people


def test_every_person_appears_once_matched_and_ready_too() -> None:
    found = document()
    html = render(found)
    people = texts_by(html, "tbody", "data-person")
    statuses = dict(re.findall(r'<tbody class="person" data-person="([^"]*)" data-status="([^"]*)">', html))
    assert statuses == {"alice@corp.example": "ready", "carol@corp.example": "ready", "admin": "to review"}
    assert list(people) == ["admin", "alice@corp.example", "carol@corp.example"]  # to review first, then ready
    carol = people["carol@corp.example"]
    assert "ready" in carol and "management" in carol and "by email" in carol
    assert "IAM administrator → Identity Center administrator" in carol and "keeps every action" in carol
    assert "matched (break-glass" not in carol  # the break-glass user is nobody's: it is in the other table
    others = texts_by(html, "tr", "data-class")
    assert list(others) == ["break-glass"] and "breakglass-admin" in section(html, 'id="readiness-others"', "</table>")


def test_a_person_with_two_iam_users_in_two_accounts_is_shown_once_with_both() -> None:
    html = render(document())
    assert html.count('data-person="alice@corp.example"') == 1
    alice = texts_by(html, "tbody", "data-person")["alice@corp.example"]
    assert "2 IAM users in 2 accounts; grouped by matched" in alice
    rows = texts_by(html, "tr", "data-user")
    dev_alice, prod_alice = rows[f"arn:aws:iam::{DEV}:user/alice"], rows[f"arn:aws:iam::{PROD}:user/alice-prod"]
    assert "dev" in dev_alice and "alice@corp.example by tag" in dev_alice
    assert "prod" in prod_alice and "alice@corp.example by tag" in prod_alice
    # dev's own blocker stands beside her there, not in prod
    assert "no-break-glass (the account's blocker)" in dev_alice and "no-break-glass" not in prod_alice
    # the signals that decided the class, and every signal under "all signals"
    assert "e-mail tag alice@corp.example" in dev_alice and "all 3 signals" in dev_alice


def test_an_unconfirmed_match_is_flagged_and_reviewed() -> None:
    html = render(document())
    admin = texts_by(html, "tbody", "data-person")["admin"]
    assert "to review" in admin and "admin by user-name unconfirmed" in admin and "match-unconfirmed (review)" in admin


def test_a_suggestion_and_a_class_to_confirm_are_shown_never_applied() -> None:
    found = document(organization(person("alice-admin", DEV)))
    html = render(found)
    row = texts_by(html, "tr", "data-user")[f"arn:aws:iam::{DEV}:user/alice-admin"]
    assert "suggested, never applied: alice@corp.example" in row and "unmatched" in row
    assert "human-unmatched (blocker)" in row
    people = texts_by(html, "tbody", "data-person")
    assert "alice@corp.example" in people  # grouped with alice by the suggestion, shown with her
    assert "blocks" in people["alice@corp.example"] and "grouped by suggested" in people["alice@corp.example"]


def test_people_who_block_come_first_and_a_long_list_says_how_many_are_not_shown() -> None:
    found = document(organization(person("alice-admin", DEV)))
    readiness = found.readiness
    assert readiness is not None
    view = readiness_view(readiness)
    assert [p.status for p in view.people] == ["blocks", "to review", "ready"]
    short = readiness_view(readiness, limit=2)
    assert [len(p.users) for p in short.people] == [2]  # alice's first two IAM users, of three
    assert (short.people_not_listed, short.users_not_listed) == (2, 3)
    html = render(found)
    assert "more people" not in html  # nothing hidden at the page's limit


def test_the_page_caps_long_lists_with_an_honest_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.reports import html as html_module

    monkeypatch.setattr(html_module, "READINESS_ROWS_LISTED", 1)
    monkeypatch.setattr(html_module.readiness_view, "__defaults__", (1,))
    page = render(document())
    assert len(texts_by(page, "tr", "data-user")) == 1 + 1  # one person's row, one other user's row
    more = tidy(texts_by(page, "p", "id")["readiness-people-more"])
    assert more == "2 more people (3 IAM users) not shown; see findings.json (readiness.people, readiness.iam_users)."


# -------------------------------------------------------------------------------------------- accounts


def test_each_account_has_its_verdict_blockers_with_their_fix_and_emergency_access() -> None:
    html = render(document())
    accounts = {key: tidy(text) for key, text in texts_by(html, "tr", "data-account").items()}
    management, dev, prod = accounts[MGMT], accounts[DEV], accounts[PROD]
    assert management.startswith("management 111111111111 management ready")
    assert "break-glass-user breakglass-admin" in management  # by name; the ARN is its title
    assert f'title="arn:aws:iam::{MGMT}:user/breakglass-admin">breakglass-admin</span>' in html
    assert "1 of 1" in management
    assert " blocked " in dev and "no-break-glass: " in dev
    assert "fix: " + models.BLOCKER_MEANINGS["no-break-glass"] in dev
    assert "none: no break-glass user, no role the management account assumes, nothing declared" in dev
    assert "match-unconfirmed: " in dev  # its review, beside the blocker
    assert "management-role OrganizationAccountAccessRole (as good as the management account's own" in prod
    source = tidy(texts_by(html, "p", "id")["readiness-identity-source"])
    assert source.startswith("Identity source: identity-center: ") and "E-mail tag read on IAM users: email" in source


def test_the_column_headers_are_the_legend_s_columns() -> None:
    markup = render(document())
    for table, columns in READINESS_COLUMNS.items():
        head = section(markup, f'id="readiness-{table}"', "</thead>")
        assert re.findall(r"<th(?: [^>]*)?>([^<]*)</th>", head) == list(columns)
    legend = section(markup, 'id="readiness-columns"', "</table>")
    for columns in READINESS_COLUMNS.values():
        for column, meaning in columns.items():
            assert f"<td>{column}</td><td>{meaning}</td>" in legend.replace("&#39;", "'")


# ---------------------------------------------------------------------------------------------- legend

# Values of models.py a reader does not meet as such: each with why it needs no line in the legend
NOT_IN_THE_LEGEND = {
    "SignalName": "a signal is shown by its detail, in words",
    "PointsTo": "shown beside each signal's detail, in words (human, workload, stale, neither)",
    "UserEvidence.email_from": "the signals say it in words (user name, e-mail tag)",
    "UserEvidence.class_source": "the reasons say it in words (readiness.classes, readiness.break_glass)",
}
MEANINGS = {
    "Verdict": models.VERDICT_MEANINGS,
    "BlockerCode": models.BLOCKER_MEANINGS,
    "ReviewCode": models.REVIEW_MEANINGS,
    "UserClass": models.CLASS_MEANINGS,
    "MatchStatus": models.MATCH_MEANINGS,
    "MatchedBy": models.MATCHED_BY_MEANINGS,
    "IdentitySource": models.IDENTITY_SOURCE_MEANINGS,
    "AccessLevel": models.ACCESS_LEVEL_MEANINGS,
    "AccessBasis": models.ACCESS_BASIS_MEANINGS,
    "EmergencyAccess.kind": models.EMERGENCY_KIND_MEANINGS,
    "Person.grouped_by": models.GROUPED_BY_MEANINGS,
}


def literals_of(annotation: Any) -> tuple[str, ...]:
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    return tuple(value for arg in get_args(annotation) for value in literals_of(arg))


def model_values() -> dict[str, tuple[str, ...]]:
    """Every set of values models.py defines: its Literal aliases, and the Literals written into a field."""
    aliases = {name: value for name, value in vars(models).items() if get_origin(value) is Literal}
    found = {name: get_args(value) for name, value in aliases.items()}
    for name, model in vars(models).items():
        if isinstance(model, type) and issubclass(model, models.Model) and model.__module__ == models.__name__:
            hints = typing.get_type_hints(model)
            for field in model.model_fields:
                values = literals_of(hints[field])
                if values and not any(set(values) == set(get_args(alias)) for alias in aliases.values()):
                    found[f"{name}.{field}"] = values
    return found


def test_every_value_in_models_has_a_meaning_so_none_ships_unexplained() -> None:
    values = model_values()
    assert set(values) == set(MEANINGS) | set(NOT_IN_THE_LEGEND), "a new set of values needs its meanings"
    for name, meanings in MEANINGS.items():
        assert set(meanings) == set(values[name]), name
        assert all(meaning.strip() for meaning in meanings.values()), name


def test_the_legend_explains_every_value_and_every_column() -> None:
    html = render(document())
    legend = section(html, 'id="readiness-legend"', "</details>")
    for meanings in MEANINGS.values():
        for code in meanings:
            assert f'<td class="mono">{code} <span class="muted">' in legend, code
    for name, meanings in READINESS_LEGEND.items():
        if name.endswith("severity") or name == "columns":
            continue
        for code in meanings:  # type: ignore[attr-defined]
            assert f'<td class="mono">{code} <span class="muted">' in legend, code


# -------------------------------------------------------------------------------------------- escaping


def test_every_inventory_string_is_escaped() -> None:
    """A hostile IAM user name, tag and account name (a saved inventory can hold anything) stay text."""
    hostile = person(HOSTILE, DEV, tags={"email": f"{HOSTILE}@corp.example"})
    inventory = organization(hostile)
    inventory.accounts[1] = inventory.accounts[1].model_copy(update={"account_name": f'"><img src=x>{HOSTILE}'})
    html = render(document(inventory))
    plain = render(document())
    tags = [tag for tag, _ in parse(html).tags]
    assert tags.count("script") == [tag for tag, _ in parse(plain).tags].count("script") and "img" not in tags
    arn = f"arn:aws:iam::{DEV}:user/{HOSTILE}"
    row = texts_by(html, "tr", "data-user")[arn]  # the attribute held the quotes: the ARN reads back whole
    assert HOSTILE in row and f"{HOSTILE}@corp.example" in row
    assert f'"><img src=x>{HOSTILE} {DEV}' in texts_by(html, "tr", "data-account")[DEV]
    assert "<script>alert" not in html


# ---------------------------------------------------------------------------------------------- browser


@pytest.mark.slow  # drives headless Chromium
def test_the_section_in_chromium(page: Any, tmp_path: Path) -> None:
    found = document(organization(person("alice-admin", DEV)))
    path = tmp_path / "report.html"
    path.write_bytes(HtmlReporter().render(found))
    page.goto(path.as_uri())
    page.wait_for("document.getElementById('findings').dataset.state === 'ready'")
    people = page.evaluate(
        "Array.from(document.querySelectorAll('#readiness-people tbody.person'))"
        ".map(b => [b.dataset.person, b.dataset.status, b.rows.length])"
    )
    assert people == [
        ["alice@corp.example", "blocks", 3],
        ["admin", "to review", 1],
        ["carol@corp.example", "ready", 1],
    ]
    # the person's cell spans their rows: one cell per person in the table
    assert page.evaluate("document.querySelectorAll('#readiness-people th[scope=rowgroup]').length") == 3
    assert page.evaluate("document.querySelector('#readiness-people th[scope=rowgroup]').rowSpan") == 3
    legend_open = page.evaluate("document.getElementById('readiness-legend').open")
    assert legend_open is False
    assert page.console_errors() == [] and page.exceptions == []
