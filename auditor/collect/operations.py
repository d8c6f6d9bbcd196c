"""Every AWS operation the collectors may call, as data: the single source of truth for "read-only".

The call helpers refuse any operation not listed here, the read-only test compares what a full scan really
called against this listing, and ``auditor policy`` prints the audit role's least-privilege IAM policy from it.
Adding an AWS call therefore means adding it here first, where a reviewer sees it.

Keys are botocore service names (what ``boto3.client()`` takes); values are AWS operation names, which are
also the IAM action names once the service's IAM prefix is put in front.
"""

from __future__ import annotations

from collections.abc import Mapping

OPERATIONS_BY_SERVICE: Mapping[str, frozenset[str]] = {
    "sts": frozenset({"GetCallerIdentity", "AssumeRole"}),
    "organizations": frozenset(
        {
            "DescribeOrganization",
            "ListRoots",
            "ListOrganizationalUnitsForParent",
            "ListAccountsForParent",
            "ListAccounts",
            "ListTagsForResource",
            "ListDelegatedAdministrators",
            "ListAWSServiceAccessForOrganization",
        }
    ),
    "iam": frozenset(
        {
            "ListOrganizationsFeatures",
            "GenerateCredentialReport",
            "GetCredentialReport",
            "GetAccountSummary",
            "ListVirtualMFADevices",
            "GetAccountAuthorizationDetails",
            "ListRoles",
            "ListAccessKeys",
            # each IAM user's other credentials: what makes DeleteUser fail and what readiness must not call stale
            "ListSSHPublicKeys",
            "ListServiceSpecificCredentials",
            "ListSigningCertificates",
            # each IAM user's services and actions used (IAM's last-accessed data): a job per user, then its report
            "GenerateServiceLastAccessedDetails",
            "GetServiceLastAccessedDetails",
            # AWS managed policies' documents, once per scan for every one attached anywhere in the scan
            "GetPolicy",
            "GetPolicyVersion",
        }
    ),
    "sso-admin": frozenset(
        {
            "ListInstances",
            "ListPermissionSets",
            "DescribePermissionSet",
            "ListManagedPoliciesInPermissionSet",
            "ListCustomerManagedPolicyReferencesInPermissionSet",
            "GetInlinePolicyForPermissionSet",
            "GetPermissionsBoundaryForPermissionSet",
            "ListPermissionSetsProvisionedToAccount",
            "ListAccountAssignments",
        }
    ),
    "identitystore": frozenset({"ListUsers", "ListGroups", "ListGroupMemberships"}),
}

# Where the IAM action prefix differs from the botocore service name.
IAM_ACTION_PREFIXES: Mapping[str, str] = {"sso-admin": "sso"}

# Services whose data lives in one region: their errors record the region, the global ones' do not.
REGIONAL_SERVICES: frozenset[str] = frozenset({"sso-admin", "identitystore"})

# The only verbs a read-only auditor may use, plus the few other calls it needs, each read-only:
# * GenerateCredentialReport and GenerateServiceLastAccessedDetails start a report job in IAM (the credential
#   report; a user's service and action last-accessed data) that the matching Get reads back. They change no
#   resource, policy or setting, and both are in AWS's SecurityAudit managed policy.
# * AssumeRole enters a member account with the audit role; GetCallerIdentity says who the scan runs as.
READ_ONLY_PREFIXES: tuple[str, ...] = ("List", "Get", "Describe")
READ_ONLY_EXCEPTIONS: frozenset[str] = frozenset(
    {"GenerateCredentialReport", "GenerateServiceLastAccessedDetails", "AssumeRole", "GetCallerIdentity"}
)


class UnlistedOperationError(RuntimeError):
    """A collector tried an operation missing from ``OPERATIONS_BY_SERVICE``: a programming error."""


def is_listed(service: str, operation: str) -> bool:
    return operation in OPERATIONS_BY_SERVICE.get(service, frozenset())


def require_listed(service: str, operation: str) -> None:
    """Refuse, before anything is sent, a call that the listing (and so the audit policy) does not cover."""
    if not is_listed(service, operation):
        raise UnlistedOperationError(f"{service}:{operation} is not listed in auditor.collect.operations")


def is_read_only(operation: str) -> bool:
    return operation.startswith(READ_ONLY_PREFIXES) or operation in READ_ONLY_EXCEPTIONS


def iam_actions() -> list[str]:
    """The IAM actions (``sso:ListInstances``...) the audit role needs, sorted: the body of ``auditor policy``."""
    return sorted(
        f"{IAM_ACTION_PREFIXES.get(service, service)}:{operation}"
        for service, operations in OPERATIONS_BY_SERVICE.items()
        for operation in operations
    )
