"""The readiness stage: Inventory + configuration in, the ``readiness`` section out. Pure, like evaluation.

It runs after collection on the inventory alone (no network, no clock: ages are measured at the inventory's
collection time), so ``scan``, ``demo``, ``scan --from-inventory`` and ``auditor readiness`` give one answer
for one snapshot.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from auditor.engine.config import Config
from auditor.engine.patterns import first_match
from auditor.inventory import AccountInventory, IamUser, IdentityCenter, Inventory
from auditor.readiness.access import AccessMap, IamLevels
from auditor.readiness.classify import ClassPatterns, classify
from auditor.readiness.comparison import AccessComparison
from auditor.readiness.dependencies import roles_trusting_users
from auditor.readiness.emergency import emergency_access, no_break_glass
from auditor.readiness.match import UNMATCHED, IdentityIndex, identity_source, user_email
from auditor.readiness.models import (
    BLOCKER_CODES,
    REVIEW_CODES,
    USER_CLASSES,
    VERDICTS,
    AccountNotAssessed,
    AccountReadiness,
    Blocker,
    IamUserReadiness,
    IdentityCenterUserAccess,
    Person,
    ProductionAdministrator,
    Readiness,
    ReadinessSummary,
    built,
)
from auditor.readiness.verdict import blockers_for, reviews_for, root_hygiene, verdict_of, workloads_of


def start_url(identity_center: IdentityCenter | None) -> str | None:
    """The portal's default address; an organization's custom subdomain is not returned by any API."""
    store = identity_center.identity_store_id if identity_center is not None else None
    return f"https://{store}.awsapps.com/start" if store else None


def assess_readiness(inventory: Inventory, config: Config) -> Readiness:
    idc = inventory.identity_center
    enabled = idc if idc is not None and idc.status == "enabled" else None
    # production as the rules see it (RuleContext.production_pattern): auditor.toml's production_patterns
    production_patterns = config.production_account_patterns
    production = {
        account_id
        for account_id in {a.account_id for a in inventory.accounts}
        | {a.id for a in (inventory.organization.accounts if inventory.organization else [])}
        if first_match(production_patterns, inventory.account_facts(account_id)) is not None
    }
    access_map = AccessMap(inventory, enabled, production) if enabled is not None else None
    comparison = AccessComparison(inventory) if access_map is not None else None
    trusted = roles_trusting_users(inventory)
    index = IdentityIndex(enabled.users or [] if enabled is not None else [], config.readiness.confirmed_pairs)
    patterns = ClassPatterns.of(config.readiness)
    assignments = Counter(a.account_id for a in ((idc.assignments if idc else None) or []))  # per account, once
    as_of = inventory.as_of
    cutoff = as_of - timedelta(days=config.thresholds.unused_days)  # "recently used" is since then
    readiness = Readiness(
        identity_center_status=idc.status if idc is not None else "unknown",
        identity_store_id=enabled.identity_store_id if enabled else None,
        identity_source=identity_source(enabled.users if enabled else None),
        email_tag=config.readiness.email_tag,
        start_url=start_url(enabled),
        summary=ReadinessSummary(),
    )
    for account in sorted(inventory.accounts, key=lambda a: a.account_id):
        if account.users is None:
            readiness.accounts_not_assessed.append(_not_assessed(account, "its IAM users could not be read"))
            continue
        levels = IamLevels(account)
        fields = [
            _user(config, as_of, cutoff, patterns, account, user, levels, index, access_map, comparison, trusted)
            for user in account.users
        ]
        fields.sort(key=lambda u: u["user_name"])
        users = [built(IamUserReadiness, user_fields) for user_fields in fields]
        readiness.iam_users += users
        reason = _cannot_judge(idc, account.account_id)
        if reason is not None:
            readiness.accounts_not_assessed.append(_not_assessed(account, reason))
            continue
        readiness.accounts.append(
            _account(inventory, config, account, users, account.account_id in production, assignments)
        )
    if access_map is not None and enabled is not None:
        readiness.identity_center_users = [
            IdentityCenterUserAccess(
                user_id=user.user_id,
                user_name=user.user_name,
                display_name=user.display_name,
                emails=list(user.emails),
                groups=sorted(
                    (group.display_name if (group := enabled.group(gid)) else gid)
                    for gid in access_map.groups_of.get(user.user_id, [])
                ),
                access=access_map.grants.get(user.user_id, []),
            )
            for user in enabled.users or []
        ]
        readiness.production_administrators = [
            ProductionAdministrator(
                user_name=user.user_name,
                account_id=grant.account_id,
                account_name=grant.account_name,
                permission_set=grant.permission_set,
                via=grant.via,
            )
            for user in readiness.identity_center_users
            for grant in user.access
            if grant.privileged and grant.production
        ]
    readiness.people = people_of(readiness.iam_users)
    readiness.summary = summary_of(readiness)
    return readiness


def people_of(users: list[IamUserReadiness]) -> list[Person]:
    """Each person once, with every IAM user of theirs (``IamUserReadiness.person`` is the key)."""
    grouped: dict[str, list[IamUserReadiness]] = {}
    for user in users:
        if user.person is not None:
            grouped.setdefault(user.person, []).append(user)
    people = []
    for key, members in sorted(grouped.items()):
        found = next((u for u in members if u.identity_center_user_id is not None), None)
        if found is not None and all(u.identity_center_user == key for u in members):
            grouped_by = "matched"
        elif any(key in u.suggestions for u in members):
            grouped_by = "suggested"
        elif any(u.evidence.email and u.evidence.email.lower() == key for u in members):
            grouped_by = "email"
        else:
            grouped_by = "name"
        people.append(
            Person(
                person=key,
                identity_center_user=found.identity_center_user if found else None,
                identity_center_user_id=found.identity_center_user_id if found else None,
                grouped_by=grouped_by,
                iam_users=[u.arn for u in members],
                accounts=sorted({u.account_id for u in members}),
            )
        )
    return people


def person_key(user_name: str, email: str | None, found_name: str | None, suggestions: list[str]) -> str:
    """Who a human or stale IAM user is, as one key: their identity-store user, else their e-mail, else the one
    identity-store user they are like, else their own name (the same name in two accounts is one person)."""
    if found_name is not None:
        return found_name
    if email is not None:
        return email.lower()
    if len(suggestions) == 1:
        return suggestions[0]
    return user_name.lower()


def _not_assessed(account: AccountInventory, reason: str) -> AccountNotAssessed:
    return AccountNotAssessed(account_id=account.account_id, account_name=account.account_name, reason=reason)


def _cannot_judge(idc: IdentityCenter | None, account_id: str) -> str | None:
    """Why no verdict can be given for the account (unknown is not "no"), or ``None``."""
    if idc is None or idc.status == "unknown":
        return "Identity Center could not be read (see the coverage gaps)"
    if idc.status != "enabled":
        return None
    if idc.users is None:
        return "the identity store's users could not be listed (see the coverage gaps)"
    # without these, access through groups or a set's strength is unknown: a gap could be invented
    if idc.memberships is None:
        return "the identity store's group memberships could not be read (see the coverage gaps)"
    if idc.permission_sets is None:
        return "the permission sets could not be read (see the coverage gaps)"
    if idc.assignments is None or account_id in idc.assignments_unreadable_accounts:
        return "its Identity Center assignments could not be read (see the coverage gaps)"
    listed = idc.assignments_listed_accounts
    if listed is not None and account_id not in listed:
        return "its Identity Center assignments were not listed (outside the scan's scope)"
    return None


def _user(
    config: Config,
    as_of: datetime,
    cutoff: datetime,
    patterns: ClassPatterns,
    account: AccountInventory,
    user: IamUser,
    levels: IamLevels,
    index: IdentityIndex,
    access_map: AccessMap | None,
    comparison: AccessComparison | None,
    trusted: dict[str, list[str]],
) -> dict[str, Any]:
    """The fields of the user's ``IamUserReadiness`` (every one: ``built`` makes the record of them)."""
    email, email_from = user_email(user, config.readiness.email_tag)
    match = index.match(user, email, email_from) if access_map is not None else UNMATCHED
    suggestions = index.suggestions(user, match) if access_map is not None else []
    iam_access = levels.of(user)
    user_class, class_unconfirmed, evidence = classify(
        user,
        as_of=as_of,
        cutoff=cutoff,
        unused_days=config.thresholds.unused_days,
        patterns=patterns,
        email=email,
        email_from=email_from,
        match=match,
        suggestions=suggestions,
    )
    # Who the user is in Identity Center matters for people (and for stale users, to say who they were).
    person = user_class == "human" or user_class == "stale"
    judged = access_map is not None and person
    found = match.user if judged else None  # a disabled one too: it says who the person is
    level = access_map.level_in(found.user_id, account.account_id) if found is not None and access_map else None
    compared = None
    if (
        found is not None
        and match.status == "matched"
        and access_map is not None
        and comparison is not None
        and user_class == "human"
    ):
        sets = [
            comparison.set_side(account, arn)
            for arn in access_map.permission_set_arns_in(found.user_id, account.account_id)
        ]
        compared = comparison.compare(comparison.iam_side(account, user), sets, user.service_use)
    return {
        "account_id": account.account_id,
        "account_name": account.account_name,
        "user_name": user.user_name,
        "arn": user.arn,
        "user_class": user_class,
        "evidence": evidence,
        "identity_center_user": found.user_name if found is not None else None,
        "identity_center_user_id": found.user_id if found is not None else None,
        "match": match.status if judged else None,
        "matched_by": match.matched_by if judged else None,
        "candidates": list(match.candidates) if judged else [],
        "match_confirmed": match.confirmed if judged else None,
        "suggestions": suggestions if judged else [],
        "class_unconfirmed": class_unconfirmed,
        "person": person_key(user.user_name, email, found.user_name if found else None, suggestions)
        if person
        else None,
        "iam_access": iam_access,
        "identity_center_access": level,
        "access_gap": bool(compared and compared.lost),
        "exception": patterns.exception(user),
        "access_basis": compared.basis if compared else None,
        # lists of the record's own (built() takes them as they are; a comparison is shared by many people)
        "would_lose": list(compared.would_lose[0]) if compared else [],
        "would_lose_count": compared.would_lose[1] if compared else None,
        "needs_review": list(compared.needs_review[0]) if compared else [],
        "needs_review_count": compared.needs_review[1] if compared else None,
        "unknown_policies": list(compared.unknown) if compared else [],
        "trusted_by_roles": list(trusted.get(user.arn, ())),
    }


def _account(
    inventory: Inventory,
    config: Config,
    account: AccountInventory,
    users: list[IamUserReadiness],
    is_production: bool,
    assignments_by_account: Counter[str],
) -> AccountReadiness:
    idc = inventory.identity_center
    account_id = account.account_id
    blockers: list[Blocker] = []
    assignments = 0
    if idc is None or idc.status != "enabled":
        blockers.append(
            Blocker(
                code="identity-center-disabled",
                subject=account_id,
                message="IAM Identity Center is not enabled in the organization: nobody can sign in through it",
            )
        )
    else:
        assignments = assignments_by_account[account_id]
        if not assignments:
            blockers.append(
                Blocker(
                    code="no-assignments",
                    subject=account_id,
                    message=f"no Identity Center assignment in {account.display_name}: nobody can reach it "
                    "through the portal",
                )
            )
        blockers += blockers_for(users, account.display_name)
    management = account_id == inventory.management_account_id
    paths = emergency_access(account, users, inventory.management_account_id, config.readiness.emergency_access)
    missing_path = no_break_glass(account, paths, inventory.management_account_id)
    if missing_path is not None:
        blockers.append(missing_path)
    blockers.sort(key=lambda b: (BLOCKER_CODES.index(b.code), b.subject))
    reviews = sorted(reviews_for(users, account.display_name), key=lambda r: (REVIEW_CODES.index(r.code), r.subject))
    # a console password, an active key or another active credential, from the evidence already gathered
    remaining = {u.arn for u in users if u.evidence.console_password or u.evidence.active_keys or _holds_other(u)}
    humans = [u for u in users if u.user_class == "human" and u.exception is None]
    return AccountReadiness(
        account_id=account_id,
        account_name=account.account_name,
        is_production=is_production,
        verdict=verdict_of(blockers, reviews, users, remaining),
        blockers=blockers,
        reviews=reviews,
        humans=len(humans),
        humans_matched=sum(1 for u in humans if u.match == "matched"),
        identity_center_assignments=assignments,
        workloads=workloads_of(users),
        root=root_hygiene(account, inventory.as_of, config.thresholds.root_usage_days),
        is_management=management,
        emergency_access=paths,
    )


def _holds_other(user: IamUserReadiness) -> bool:
    other = user.evidence.other_credentials
    return other is not None and other.any_active


def summary_of(readiness: Readiness) -> ReadinessSummary:
    """Counted in one pass over the users (there can be tens of thousands)."""
    classes = Counter(u.user_class for u in readiness.iam_users)
    matches = Counter(u.match for u in readiness.iam_users if u.user_class == "human" and u.exception is None)
    verdicts = Counter(a.verdict for a in readiness.accounts)
    blockers = Counter(b.code for a in readiness.accounts for b in a.blockers)
    reviews = Counter(r.code for a in readiness.accounts for r in a.reviews)
    return ReadinessSummary(
        accounts_by_verdict={v: verdicts[v] for v in VERDICTS},
        users_by_class={c: classes[c] for c in USER_CLASSES},
        humans=sum(matches.values()),
        humans_matched=matches["matched"],
        humans_unmatched=matches["unmatched"],
        humans_ambiguous=matches["ambiguous"],
        humans_disabled=matches["disabled"],
        humans_unconfirmed=sum(
            1
            for u in readiness.iam_users
            if u.match_confirmed is False and u.user_class == "human" and u.exception is None
        ),
        people=len({u.person for u in readiness.iam_users if u.user_class == "human" and u.exception is None}),
        access_gaps=sum(
            1 for u in readiness.iam_users if u.access_gap and u.user_class == "human" and u.exception is None
        ),
        needs_review=sum(
            1
            for u in readiness.iam_users
            if (u.needs_review or u.unknown_policies) and u.user_class == "human" and u.exception is None
        ),
        active_keys_left=sum(len(u.evidence.active_keys) for u in readiness.iam_users),
        blockers_by_code={code: blockers[code] for code in BLOCKER_CODES},
        reviews_by_code={code: reviews[code] for code in REVIEW_CODES},
    )
