"""The demo's story, as data: "acme", an organization half-way from IAM users to IAM Identity Center.

The organization (account ids are moto's, made repeatable by starting moto's random generator from a fixed value):

* ``acme-management`` (moto's default account 123456789012): the organization (ALL features) and the
  Identity Center instance (home region us-east-1). A classic mistake: an IAM user ``admin`` with
  AdministratorAccess, a console password without MFA and a long-lived key from a laptop.
* ``/Root/Workloads``: ``acme-development`` and ``acme-production`` (tag ``Environment=production``).
  Production also holds ``ci-deploy``, a role trusted by the legacy account with MaxSessionDuration 43200.
* ``/Root/Legacy``: ``acme-legacy``, an older account that joined by invitation and still runs on IAM users:
  console users without MFA, ``alice`` with admin rights through the ``admins`` group, ``dave`` (virtual
  MFA, password never used), ``ci-deployer`` with two ``AKIA`` keys, one ~400 days old and never used, and
  ``carol``, whose only credential left is an SSH public key for CodeCommit. It has no Identity Center assignment.
* Identity Center: permission set ``AdministratorAccess`` (PT12H, AWS managed AdministratorAccess) assigned
  directly to the user ``alice@acme.example`` in management, development and production; permission set
  ``ReadOnly`` (ReadOnlyAccess, PT1H) assigned to the group ``Developers`` (bob, carol) in development.
  As AWS does on provisioning, each assigned account gets an ``AWSReservedSSO_<set>_<hex>`` role.
* Root users (simulated, see ``auditor.demo.simulated``): acme-legacy's root has an active access key, no
  MFA, and was used days ago; the others have MFA and no keys.
* Migration readiness (``auditor readiness``): development and production are ``migrated``; management is
  ``ready`` (``admin`` carries the tag ``email=alice@acme.example`` and Alice is administrator there through
  Identity Center); legacy is ``blocked`` (no assignment, and ``bob``, tagged ``bob@acme.example``, would
  lose his read-only access, ``carol`` her CodeCommit access: her SSH key makes her a person, not a stale user).

The order of accounts, users, keys and permission sets below is the order of moto calls, and so decides the
ids of a repeatable run (see ``auditor.demo.builder``): reordering them changes the demo's finding fingerprints.
"""

from __future__ import annotations

from auditor.demo.description import (
    MockAccessKey,
    MockAccount,
    MockAssignment,
    MockIamGroup,
    MockIamUser,
    MockIdentityCenter,
    MockIdentityCenterGroup,
    MockIdentityCenterUser,
    MockOrganization,
    MockOu,
    MockPermissionSet,
    MockRole,
)
from auditor.demo.simulated import SimulatedRoot, SimulatedUse

MANAGEMENT = "acme-management"
DEVELOPMENT = "acme-development"
PRODUCTION = "acme-production"
LEGACY = "acme-legacy"

# carol's public key, as `ssh-keygen -t ed25519` writes it (made for the demo; its private half was never kept)
CAROL_SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIXKIoNMzjsyNsho3m/z8e4+31aRWJbZ8qK08appI0Gk carol@acme.example"

ACME_MANAGEMENT = MockAccount(
    name=MANAGEMENT,
    email="aws-management@acme.example",
    age_days=1200,
    users=(
        # The classic mistake: an IAM admin user in the management account, with a long-lived key on a laptop.
        MockIamUser(
            name="admin",
            age_days=1100,
            console_password=True,
            password_last_used_days_ago=60,
            managed_policies=("AdministratorAccess",),
            access_keys=(MockAccessKey(age_days=700, last_used_days_ago=2, last_used_service="sts"),),
            # Alice's old login: the tag ties it to her Identity Center user (migration readiness: "ready").
            tags={"email": "alice@acme.example"},
        ),
        # Kept on purpose: the way in if Identity Center or the identity provider fails (a password and MFA in
        # the safe, never used day to day). Without it the management account could not be "ready".
        MockIamUser(
            name="break-glass",
            age_days=1000,
            console_password=True,
            virtual_mfa=True,
            managed_policies=("AdministratorAccess",),
        ),
    ),
)

ACME_DEVELOPMENT = MockAccount(
    name=DEVELOPMENT,
    email="aws-development@acme.example",
    age_days=300,
    tags={"Environment": "development"},
)

ACME_PRODUCTION = MockAccount(
    name=PRODUCTION,
    email="aws-production@acme.example",
    age_days=300,
    tags={"Environment": "production"},
    roles=(
        MockRole(
            name="ci-deploy",
            trusted_account=LEGACY,
            max_session_duration=43200,
            managed_policies=("PowerUserAccess",),
        ),
    ),
)

ACME_LEGACY = MockAccount(
    name=LEGACY,
    email="aws-legacy@acme.example",
    age_days=2200,
    invited=True,
    groups=(MockIamGroup(name="admins", managed_policies=("AdministratorAccess",)),),
    users=(
        # Moved to Identity Center months ago; the old admin login is still there.
        MockIamUser(
            name="alice",
            age_days=2000,
            console_password=True,
            password_last_used_days_ago=200,
            groups=("admins",),
        ),
        # Still signs in the old way every week.
        MockIamUser(
            name="bob",
            age_days=900,
            console_password=True,
            password_last_used_days_ago=5,
            managed_policies=("ReadOnlyAccess",),
            # Bob in Identity Center, who has no access to acme-legacy there yet (readiness: an access gap).
            tags={"email": "bob@acme.example"},
        ),
        # Has MFA, never signed in: a leaver or a forgotten invitation.
        MockIamUser(name="dave", age_days=500, console_password=True, virtual_mfa=True),
        # Deploys to production with long-lived keys; the first key was never used and never removed.
        MockIamUser(
            name="ci-deployer",
            age_days=400,
            inline_policies={
                "assume-ci-deploy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/ci-deploy"}
                    ],
                }
            },
            access_keys=(
                MockAccessKey(age_days=400),
                MockAccessKey(age_days=120, last_used_days_ago=1, last_used_service="sts"),
            ),
        ),
        # Signs in through Identity Center now, but still pushes to legacy's CodeCommit repositories over SSH: her
        # only credential left is an SSH public key (no password, no access key). Not stale, and not to be deleted
        # before she has another way to push. Last in the account, so the ids of everything before stay put.
        MockIamUser(
            name="carol",
            age_days=700,
            managed_policies=("AWSCodeCommitPowerUser",),
            tags={"email": "carol@acme.example"},
            ssh_public_keys=(CAROL_SSH_KEY,),
        ),
    ),
)

ACME_IDENTITY_CENTER = MockIdentityCenter(
    groups=(MockIdentityCenterGroup("Developers", "Application developers: read-only in development"),),
    users=(
        MockIdentityCenterUser("alice@acme.example", "Alice", "Chen", emails=("alice@acme.example",)),
        MockIdentityCenterUser(
            "bob@acme.example", "Bob", "Okafor", emails=("bob@acme.example",), groups=("Developers",)
        ),
        MockIdentityCenterUser(
            "carol@acme.example", "Carol", "Diaz", emails=("carol@acme.example",), groups=("Developers",)
        ),
    ),
    permission_sets=(
        # AdministratorAccess at the 12-hour maximum, so nobody has to sign in twice a day.
        MockPermissionSet("AdministratorAccess", "Full administrator access", "PT12H", ("AdministratorAccess",)),
        # PT1H is AWS's default; passed explicitly because moto returns the integer 3600 when it is omitted.
        MockPermissionSet("ReadOnly", "Read-only access", "PT1H", ("ReadOnlyAccess",)),
    ),
    assignments=(
        # The admin set goes to one user, directly, in all three accounts (IDC-005, IDC-006).
        MockAssignment("AdministratorAccess", "USER", "alice@acme.example", (MANAGEMENT, DEVELOPMENT, PRODUCTION)),
        MockAssignment("ReadOnly", "GROUP", "Developers", (DEVELOPMENT,)),
    ),
    # Enabling Identity Center in an organization turns on its trusted access.
    trusted_access=True,
    reserved_roles=True,
)

ACME = MockOrganization(
    management=ACME_MANAGEMENT,
    ous=(
        MockOu("Workloads", accounts=(ACME_DEVELOPMENT, ACME_PRODUCTION)),
        MockOu("Legacy", accounts=(ACME_LEGACY,)),
    ),
    # Organizations gives the role it creates full administrator rights.
    member_role_managed_policies=("AdministratorAccess",),
    identity_center=ACME_IDENTITY_CENTER,
)

ACME_ROOTS: dict[str, SimulatedRoot] = {
    MANAGEMENT: SimulatedRoot(mfa_active=True, password_last_used_days_ago=150),
    DEVELOPMENT: SimulatedRoot(mfa_active=True),
    PRODUCTION: SimulatedRoot(mfa_active=True),
    # The account everyone forgot: root still has an access key, no MFA, and somebody used it last week.
    LEGACY: SimulatedRoot(
        mfa_active=False,
        password_last_used_days_ago=20,
        access_key_age_days=2000,
        access_key_last_used_days_ago=6,
    ),
}

# What each IAM user holding a credential used lately (simulated: moto has no last-accessed data). The readiness
# stage compares these actions, not everything the users' policies allow: bob would lose exactly what he reads.
ACME_USE: dict[tuple[str, str], tuple[SimulatedUse, ...]] = {
    (MANAGEMENT, "admin"): (
        SimulatedUse("iam", 3, ("iam:GetAccountSummary", "iam:ListUsers")),
        SimulatedUse("sts", 2),
        SimulatedUse("ec2", 2, ("ec2:DescribeInstances",)),
        SimulatedUse("s3", 10, ("s3:GetObject", "s3:ListBucket")),
    ),
    (MANAGEMENT, "break-glass"): (),  # never used day to day, as it should be
    (LEGACY, "alice"): (),  # nothing within the tracking window: her old login is stale
    (LEGACY, "bob"): (
        SimulatedUse("s3", 5, ("s3:GetObject", "s3:ListBucket")),
        SimulatedUse("ec2", 5, ("ec2:DescribeInstances",)),
        SimulatedUse("cloudwatch", 12),  # tracked as a whole: which of its actions is not recorded
    ),
    (LEGACY, "dave"): (),
    (LEGACY, "ci-deployer"): (SimulatedUse("sts", 1),),
}
