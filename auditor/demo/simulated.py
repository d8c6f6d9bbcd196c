"""What the demo adds to, or removes from, a collected inventory because moto cannot tell the truth.

Nothing here is hidden from the report: every change is a fact in ``inventory.collection.simulated`` (a
``SimulatedFact``: the account it is about, the resource types of the findings resting on it, a note), which
the findings document carries and each finding resting on it names.

* **Simulated root facts** (``inject_simulated_root``). moto has no root user: its credential report has no
  ``<root_account>`` row and its account summary hard-wires the root flags to 0. After collection each
  described account gets a root row and matching ``AccountMFAEnabled`` / ``AccountAccessKeysPresent`` /
  ``AccountPasswordPresent`` flags, as its ``SimulatedRoot`` claims. Every account touched gets a fact in
  ``collection.simulated`` (about its root user, ``AWS::IAM::Root``), and nothing is injected into an account
  whose credential report or summary was not collected.
* **Coverage gaps are kept, moto's own artefacts are not** (``replace_moto_artefacts``). An error stays in
  ``inventory.errors`` unless real AWS could never return it *and* the builder knows the true answer; then
  it is dropped, the true answer recorded, and a fact in ``collection.simulated`` says which and why, for the
  findings that answer decides (organization-wide: no account). Dropped:
  ``organizations:ListDelegatedAdministrators`` (moto rejects ``sso.amazonaws.com``; the demo registers no
  delegated administrator) and ``sso-admin:GetPermissionsBoundaryForPermissionSet`` (NotImplemented; the demo
  sets no boundary) and ``iam:ListOrganizationsFeatures`` (NotImplemented; the demo organization has not
  enabled centralized root access, so ORG-002 fires as it would on AWS and the demo's gate can be green) and
  ``iam:ListServiceSpecificCredentials`` (NotImplemented, as is their creation: the demo's users hold none, so
  each user the error left unread is recorded with none, and readiness does not read "credentials-unknown").
* **Any other gap moto causes says so** (``label_simulator_gaps``): a ``NotImplemented`` error stays a coverage
  gap (the fact is unknown), and its message ends with "not implemented by the moto simulator; read on AWS",
  so nobody mistakes a limit of the simulator for a problem of their setup.
* **Simulated use** (``inject_simulated_use``). moto has no IAM last-accessed data
  (``iam:GenerateServiceLastAccessedDetails``): where the story says what each user holding a credential in an
  account used (``SimulatedUse``), those users get it as ``service_use``, the account's NotImplemented entry is
  dropped, and a fact says so (about no finding: the readiness stage reads it). An account the story does not
  describe in full keeps its gap.

Collected models are treated as immutable: each change builds a new object and assigns it to its field, never
edits a list or dict the collectors built (inventory models may keep indexes of their own content).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel

from auditor.demo.description import MockAccount, MockOrganization
from auditor.demo.sandbox import REGION
from auditor.inventory import (
    IDENTITY_CENTER_PRINCIPAL,
    ROOT_USER,
    ActionUse,
    CollectionError,
    CredentialReportKey,
    CredentialReportRow,
    Inventory,
    ServiceUse,
    SimulatedFact,
)

ModelT = TypeVar("ModelT", bound=BaseModel)

# The resource types of the findings a simulated fact decides (the rules' own names for them).
ROOT_TYPE = "AWS::IAM::Root"
ORGANIZATION_TYPE = "AWS::Organizations::Organization"
IDENTITY_CENTER_INSTANCE_TYPE = "AWS::SSO::Instance"
PERMISSION_SET_TYPE = "AWS::SSO::PermissionSet"


@dataclass(frozen=True)
class SimulatedRoot:
    """What the demo claims about an account's root user (moto cannot model root)."""

    mfa_active: bool
    password_last_used_days_ago: int | None = None
    access_key_age_days: int | None = None  # None: no root access key
    access_key_last_used_days_ago: int | None = None


@dataclass(frozen=True)
class SimulatedUse:
    """One service an IAM user used, as the story claims it (moto has no last-accessed data): when, and the
    actions where AWS tracks them action by action (None: a service AWS tracks only as a whole)."""

    service: str  # the IAM prefix
    days_ago: int
    actions: tuple[str, ...] | None = None  # "s3:GetObject"


LAST_ACCESSED = ("iam", "GenerateServiceLastAccessedDetails", "NotImplemented")


def inject_simulated_use(
    inventory: Inventory,
    uses: Mapping[tuple[str, str], tuple[SimulatedUse, ...]],
    account_names: Mapping[str, str],
    *,
    now: datetime,
) -> None:
    """Give each user the story describes the use it claims (``uses``: (account name, user name) -> services), and
    drop an account's last-accessed gap only when every user there holding a credential is described."""
    facts: list[SimulatedFact] = []
    dropped: set[str] = set()
    for account in inventory.accounts:
        if account.users is None:
            continue
        name = account_names.get(account.account_id, "")
        described = [user for user in account.users if (name, user.user_name) in uses]
        if not described:
            continue
        holders = [user for user in account.users if user.password_enabled is not False or user.active_keys]
        users = [
            _rebuilt(user, service_use=_service_use(uses[(name, user.user_name)], now))
            if (name, user.user_name) in uses
            else user
            for user in account.users
        ]
        account.users = users
        if all((name, user.user_name) in uses for user in holders):
            dropped.add(account.account_id)
        facts.append(
            SimulatedFact(
                account_id=account.account_id,
                note=f"{name}: which services and actions {len(described)} IAM user(s) used "
                f"({', '.join(sorted(u.user_name for u in described))}) is simulated: moto does not implement IAM's "
                "last-accessed data",
            )
        )
    inventory.errors = [
        error
        for error in inventory.errors
        if not ((error.service, error.operation, error.error_code) == LAST_ACCESSED and error.account_id in dropped)
    ]
    _record_simulated(inventory, facts)


def _service_use(uses: tuple[SimulatedUse, ...], now: datetime) -> list[ServiceUse]:
    return [
        ServiceUse(
            namespace=use.service,
            last_accessed=now - timedelta(days=use.days_ago),
            actions=None
            if use.actions is None
            else [
                ActionUse(action=action, last_accessed=now - timedelta(days=use.days_ago), region=REGION)
                for action in use.actions
            ],
        )
        for use in uses
    ]


def inject_simulated_root(
    inventory: Inventory,
    description: MockOrganization,
    roots: Mapping[str, SimulatedRoot],
    account_ids: Mapping[str, str],
    *,
    now: datetime,
) -> None:
    """Add what moto cannot model (the root user) to the collected inventory, and record that we did."""
    simulated: list[SimulatedFact] = []
    for account in description.accounts():
        root = roots.get(account.name)
        account_inventory = inventory.account(account_ids[account.name])
        if root is None or account_inventory is None:
            continue
        injected = []
        report = account_inventory.credential_report
        if report is not None:
            rows = [_root_row(account_inventory.account_id, account, root, now=now)]
            rows += [row for row in report.rows if not row.is_root]
            account_inventory.credential_report = _rebuilt(report, rows=rows)
            injected.append("the root user row of the credential report")
        if account_inventory.account_summary is not None:
            account_inventory.account_summary = {**account_inventory.account_summary, **_root_summary_flags(root)}
            injected.append("the root flags of the account summary")
        if injected:
            note = (
                f"{account.name} ({account_inventory.account_id}): {' and '.join(injected)} are simulated "
                f"({_describe_root(root)}); moto cannot model the root user"
            )
            simulated.append(
                SimulatedFact(account_id=account_inventory.account_id, resource_types=(ROOT_TYPE,), note=note)
            )
    _record_simulated(inventory, simulated)


@dataclass(frozen=True)
class MotoArtefact:
    """A collection error that only moto produces, and what the demo organization really has instead."""

    service: str
    operation: str
    error_code: str
    explanation: str
    affects: tuple[str, ...]  # the resource types of the findings the true answer decides
    # records the true answer, given the errors dropped (whose accounts it is about)
    record_true_answer: Callable[[Inventory, list[CollectionError]], None] = lambda _inventory, _dropped: None

    def matches(self, error: CollectionError) -> bool:
        return (error.service, error.operation, error.error_code) == (self.service, self.operation, self.error_code)


def _record_no_delegated_admin(inventory: Inventory, _dropped: list[CollectionError]) -> None:
    if inventory.organization is not None:
        inventory.organization = _rebuilt(
            inventory.organization, delegated_administrators={IDENTITY_CENTER_PRINCIPAL: []}
        )


def _record_no_permission_set_boundaries(inventory: Inventory, _dropped: list[CollectionError]) -> None:
    """The collector marks every set whose boundary it could not read; the demo's sets have none, and that is known."""
    identity_center = inventory.identity_center
    if identity_center is not None and identity_center.permission_sets:
        sets = [
            _rebuilt(permission_set, permissions_boundary_unreadable=False)
            for permission_set in identity_center.permission_sets
        ]
        inventory.identity_center = _rebuilt(identity_center, permission_sets=sets)


def _record_no_root_access_features(inventory: Inventory, _dropped: list[CollectionError]) -> None:
    if inventory.organization is not None:
        inventory.organization = _rebuilt(inventory.organization, organizations_features=[])


def _record_no_service_specific_credentials(inventory: Inventory, dropped: list[CollectionError]) -> None:
    """moto can neither create nor list service-specific credentials; the demo's users hold none. Only the lists
    the dropped errors left unread (``None``, in their accounts) are set: anything read stays as read."""
    accounts = {error.account_id for error in dropped}
    for account in inventory.accounts:
        if account.account_id not in accounts or account.users is None:
            continue
        account.users = [
            _rebuilt(user, service_specific_credentials=[]) if user.service_specific_credentials is None else user
            for user in account.users
        ]


SIMULATOR_GAP = "not implemented by the moto simulator; read on AWS"

# Only errors a real AWS account never returns, and only where the builder knows the true answer.
MOTO_ARTEFACTS: tuple[MotoArtefact, ...] = (
    MotoArtefact(
        "organizations",
        "ListDelegatedAdministrators",
        "InvalidInputException",
        "moto rejects the service principal sso.amazonaws.com, which AWS accepts; the demo organization "
        "registers no delegated administrator, so none is recorded",
        affects=(IDENTITY_CENTER_INSTANCE_TYPE,),  # IDC-007: Identity Center without a delegated administrator
        record_true_answer=_record_no_delegated_admin,
    ),
    MotoArtefact(
        "iam",
        "ListOrganizationsFeatures",
        "NotImplemented",
        "moto does not implement it; the demo organization has not enabled centralized root access "
        "(RootCredentialsManagement, RootSessions), so none is recorded",
        affects=(ORGANIZATION_TYPE,),  # ORG-002: centralized root access not enabled
        record_true_answer=_record_no_root_access_features,
    ),
    MotoArtefact(
        "sso-admin",
        "GetPermissionsBoundaryForPermissionSet",
        "NotImplemented",
        "moto does not implement it; the demo's permission sets have no permissions boundary, so none is recorded",
        affects=(PERMISSION_SET_TYPE,),  # the permission sets' boundaries (no rule reads them yet)
        record_true_answer=_record_no_permission_set_boundaries,
    ),
    MotoArtefact(
        "iam",
        "ListServiceSpecificCredentials",
        "NotImplemented",
        "moto implements neither it nor CreateServiceSpecificCredential; the demo's IAM users hold no "
        "service-specific credential, so none is recorded",
        affects=(),  # about no finding: no rule reads them, the readiness stage does (credentials-unknown otherwise)
        record_true_answer=_record_no_service_specific_credentials,
    ),
)


def replace_moto_artefacts(inventory: Inventory) -> None:
    """Drop the errors in ``MOTO_ARTEFACTS``, record the demo's true answer, and say so in ``simulated``."""
    simulated: list[SimulatedFact] = []
    for artefact in MOTO_ARTEFACTS:
        dropped = [error for error in inventory.errors if artefact.matches(error)]
        if not dropped:
            continue
        inventory.errors = [error for error in inventory.errors if not artefact.matches(error)]
        artefact.record_true_answer(inventory, dropped)
        note = (
            f"dropped {len(dropped)} {artefact.service}:{artefact.operation} error(s) ({artefact.error_code}): "
            f"{artefact.explanation}"
        )
        simulated.append(SimulatedFact(resource_types=artefact.affects, note=note))  # organization-wide
    _record_simulated(inventory, simulated)


def label_simulator_gaps(inventory: Inventory) -> None:
    """Say so on every gap left that moto caused (``NotImplemented``): the gap stays, its cause is named."""
    if any(e.error_code == "NotImplemented" and SIMULATOR_GAP not in e.message for e in inventory.errors):
        inventory.errors = [
            error.model_copy(update={"message": f"{error.message} ({SIMULATOR_GAP})"})
            if error.error_code == "NotImplemented" and SIMULATOR_GAP not in error.message
            else error
            for error in inventory.errors
        ]


def record_simulated(inventory: Inventory, facts: list[SimulatedFact]) -> None:
    """Add facts to ``collection.simulated``: the findings document carries them, every report shows them, and
    each finding resting on one names it."""
    _record_simulated(inventory, facts)


def _record_simulated(inventory: Inventory, facts: list[SimulatedFact]) -> None:
    if facts:
        collection = inventory.collection
        inventory.collection = _rebuilt(collection, simulated=[*collection.simulated, *facts])


def _rebuilt(model: ModelT, **changes: Any) -> ModelT:
    """A new, validated ``model`` with ``changes``: unlike ``model_copy(update=...)``, nothing derived is kept."""
    values = {name: getattr(model, name) for name in type(model).model_fields}
    return type(model).model_validate({**values, **changes})


# ------------------------------------------------------------------------------------------------- root


def _root_row(account_id: str, account: MockAccount, root: SimulatedRoot, *, now: datetime) -> CredentialReportRow:
    """The ``<root_account>`` row as the collectors parse a real one (a slot that never held a key is left out)."""

    def ago(days: int | None) -> datetime | None:
        return None if days is None else now - timedelta(days=days)

    keys = []
    if root.access_key_age_days is not None:
        used = root.access_key_last_used_days_ago is not None
        keys.append(
            CredentialReportKey(
                slot=1,
                active=True,
                last_rotated=ago(root.access_key_age_days),
                last_used_date=ago(root.access_key_last_used_days_ago),
                last_used_region=REGION if used else None,
                last_used_service="ec2" if used else None,
            )
        )
    return CredentialReportRow(
        user=ROOT_USER,
        arn=f"arn:aws:iam::{account_id}:root",
        user_creation_time=ago(account.age_days),
        password_enabled=None,  # AWS writes "not_supported" for root
        password_last_used=ago(root.password_last_used_days_ago),
        mfa_active=root.mfa_active,
        access_keys=keys,
    )


def _root_summary_flags(root: SimulatedRoot) -> dict[str, int]:
    return {
        "AccountMFAEnabled": int(root.mfa_active),
        "AccountAccessKeysPresent": int(root.access_key_age_days is not None),
        "AccountPasswordPresent": 1,
    }


def _describe_root(root: SimulatedRoot) -> str:
    facts = ["MFA on a hardware key" if root.mfa_active else "no MFA"]
    if root.access_key_age_days is None:
        facts.append("no access key")
    else:
        facts.append("an active access key")
    if root.access_key_last_used_days_ago is not None or root.password_last_used_days_ago is not None:
        last = min(d for d in (root.access_key_last_used_days_ago, root.password_last_used_days_ago) if d is not None)
        facts.append(f"last used {last} days before the scan")
    return ", ".join(facts)
