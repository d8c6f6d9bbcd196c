"""Scenarios: changes to the demo organization, so the CI flow can be tried without AWS.

``auditor demo --scenario NAME`` builds the story's organization as usual and then applies the scenario on top,
with the same builder, before collecting. A scenario is applied *after* the whole story is built (Identity
Center included), so every id the story's build draws from moto's repeatable generator stays the same: a baseline
saved from ``auditor demo`` still matches, and only what the scenario adds shows up as new.

Each scenario says what it changed in the report (a simulated fact per account it adds to, naming the resource
types of the findings its additions can raise), like everything else the demo adds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditor.demo.description import MockAccessKey, MockAccount, MockIamUser
from auditor.demo.story import PRODUCTION
from auditor.errors import InputError

if TYPE_CHECKING:  # the builder (boto3) loads when a scenario is built: `auditor demo --help` lists them without it
    from auditor.demo.built import BuiltOrganization
    from auditor.inventory import SimulatedFact


@dataclass(frozen=True)
class Scenario:
    """Additions to accounts of the story, by account name (only IAM users, groups, roles and policies)."""

    name: str
    summary: str  # one line, for `auditor demo --help` and the report
    additions: tuple[MockAccount, ...]

    def apply(self, built: BuiltOrganization) -> list[SimulatedFact]:
        """Build the additions into the (already built) organization; what the report says about them."""
        from auditor.demo.builder import build_account_additions
        from auditor.inventory import SimulatedFact

        facts = []
        for account in self.additions:
            build_account_additions(built, account)
            facts.append(
                SimulatedFact(
                    account_id=built.account_ids[account.name],
                    resource_types=_resource_types(account),
                    note=f"demo scenario {self.name}: {self.summary}",
                )
            )
        return facts


def _resource_types(additions: MockAccount) -> tuple[str, ...]:
    """The resource types of the findings the additions can raise: the users, their keys, the roles (groups and
    policies raise findings only through the users and roles they are given to)."""
    types = []
    if additions.users:
        types.append("AWS::IAM::User")
    if any(user.access_keys for user in additions.users):
        types.append("AWS::IAM::AccessKey")
    if additions.roles:
        types.append("AWS::IAM::Role")
    return tuple(types)


NEW_ADMIN = Scenario(
    name="new-admin",
    summary=f"someone created IAM user eve in {PRODUCTION} with AdministratorAccess and an access key",
    additions=(
        MockAccount(
            name=PRODUCTION,
            email="-",  # only the name is used: the account exists already
            users=(
                MockIamUser(
                    name="eve",
                    managed_policies=("AdministratorAccess",),
                    access_keys=(MockAccessKey(),),
                ),
            ),
        ),
    ),
)

SCENARIOS: dict[str, Scenario] = {scenario.name: scenario for scenario in (NEW_ADMIN,)}


def scenario_named(name: str) -> Scenario:
    """The scenario called ``name``; one clear line (exit 2) naming the choices otherwise."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise InputError(f"unknown demo scenario {name!r} (choose from {', '.join(SCENARIOS)})") from None
