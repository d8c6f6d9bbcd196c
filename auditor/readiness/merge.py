"""The readiness sections of ``findings.json`` shards (one scan job per OU), combined by ``auditor merge``.

Shards cover disjoint accounts, so accounts and IAM users are united (the freshest shard wins an overlap); the
identity store is the same in every shard, but each shard lists assignments only in its own accounts, so an
Identity Center user's grants are the union of what the shards saw. The summary is counted again.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.readiness.assess import summary_of
from auditor.readiness.models import AccessGrant, IdentityCenterUserAccess, ProductionAdministrator, Readiness


def merge_readiness(sections: Sequence[Readiness]) -> Readiness | None:
    """``sections`` oldest first; ``None`` when no shard has one (documents written before readiness)."""
    if not sections:
        return None
    latest = sections[-1]
    accounts = {a.account_id: a for s in sections for a in s.accounts}
    not_assessed = {a.account_id: a for s in sections for a in s.accounts_not_assessed if a.account_id not in accounts}
    users = {u.arn: u for s in sections for u in s.iam_users}
    grants: dict[str, dict[tuple[str, str, str], AccessGrant]] = {}
    people: dict[str, IdentityCenterUserAccess] = {}
    for section in sections:
        for person in section.identity_center_users:
            people[person.user_id] = person
            for grant in person.access:
                grants.setdefault(person.user_id, {})[(grant.account_id, grant.permission_set_arn, grant.via)] = grant
    admins: dict[tuple[str, str, str, str], ProductionAdministrator] = {
        (p.user_name, p.account_id, p.permission_set, p.via): p for s in sections for p in s.production_administrators
    }
    merged = Readiness(
        identity_center_status=latest.identity_center_status,
        identity_store_id=latest.identity_store_id,
        start_url=latest.start_url,
        summary=latest.summary,
        accounts=[accounts[key] for key in sorted(accounts)],
        accounts_not_assessed=[not_assessed[key] for key in sorted(not_assessed)],
        iam_users=sorted(users.values(), key=lambda u: (u.account_id, u.user_name)),
        identity_center_users=[
            people[user_id].model_copy(
                update={
                    "access": sorted(
                        grants.get(user_id, {}).values(), key=lambda g: (g.account_id, g.permission_set, g.via)
                    )
                }
            )
            for user_id in sorted(people, key=lambda uid: (people[uid].user_name, uid))
        ],
        production_administrators=[admins[key] for key in sorted(admins)],
    )
    merged.summary = summary_of(merged)
    return merged
