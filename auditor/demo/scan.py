"""``demo_inventory()``: build the story's organization in moto, in-process, and scan it for real.

It needs no AWS account and no network. It starts moto in-process, builds ``auditor.demo.story.ACME`` with
ordinary boto3 calls (``auditor.demo.builder``), and then runs the *same* collection a real
``auditor scan --org`` runs. What comes back is an ordinary ``Inventory``: the rules, reports and exit codes
downstream cannot tell it from a real one, except through ``inventory.collection.simulated``, which says
which facts were injected rather than collected (``auditor.demo.simulated``).

Two things keep it fast and repeatable: moto's random generator starts from a fixed value (same account, OU,
permission-set ids on every run, so finding fingerprints are stable), and moto loads only the AWS managed
policies the story attaches (``only_aws_managed_policies``): about 2 s instead of about 10 s. Both are undone
afterwards.

The environment is sealed for the duration (``auditor.demo.sandbox``: fake credentials, ``AWS_CONFIG_FILE``
and ``AWS_SHARED_CREDENTIALS_FILE`` pointed at ``os.devnull``, every other ``AWS_*`` / ``MOTO_*`` variable
unset, so a user's profile or ``AWS_ENDPOINT_URL`` cannot leak in) and restored afterwards. ``os.environ``
is process-wide: do not run the demo concurrently with real AWS calls in other threads. Nothing is written
to disk; the CLI writes the reports.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import boto3

from auditor.demo.builder import build_organization
from auditor.demo.sandbox import (
    FAKE_CREDENTIAL,
    REGION,
    fixed_moto_random,
    only_aws_managed_policies,
    sealed_aws_environment,
)
from auditor.demo.scenarios import Scenario
from auditor.demo.simulated import (
    inject_simulated_root,
    inject_simulated_use,
    label_simulator_gaps,
    record_simulated,
    replace_moto_artefacts,
)
from auditor.demo.story import ACME, ACME_ROOTS, ACME_USE
from auditor.errors import AuditorError
from auditor.inventory import Inventory

MOTO_MISSING_MESSAGE = "the demo needs moto: pip install 'aws-identity-auditor[demo]'"
# Where moto's random generator starts, so account, OU and Identity Center ids are the same on every run.
MOTO_RANDOM_START = 20240611


def demo_inventory(
    *, progress: Callable[[int, int, str], None] | None = None, scenario: Scenario | None = None
) -> Inventory:
    """Build the mock organization in-process, scan it with the real collectors and return the Inventory.

    ``progress`` is passed to the collectors unchanged. ``scenario`` (``auditor.demo.scenarios``) is applied
    on top of the built story before collection. Raises ``AuditorError`` when moto is not installed.
    """
    try:
        import moto
    except ImportError:
        raise AuditorError(MOTO_MISSING_MESSAGE) from None

    from auditor.collect.options import CollectOptions
    from auditor.collect.runner import AwsSource

    now = datetime.now(UTC).replace(microsecond=0)
    with (
        sealed_aws_environment(),
        fixed_moto_random(MOTO_RANDOM_START),
        only_aws_managed_policies(ACME.aws_managed_policies()),
        moto.mock_aws(),
    ):
        # The fake credentials land in moto's default account, which becomes the management account.
        session = boto3.Session(
            aws_access_key_id=FAKE_CREDENTIAL, aws_secret_access_key=FAKE_CREDENTIAL, region_name=REGION
        )
        organization = build_organization(ACME, session, now=now)
        changed = scenario.apply(organization) if scenario is not None else None
        options = CollectOptions(
            org=True,
            role_name=ACME.member_role,
            region=REGION,
            identity_center_region=REGION,
            progress=progress,
        )
        # moto answers at once: there is nothing to wait for between credential-report polls.
        inventory = AwsSource(options, session, sleep=lambda _seconds: None).collect()
    inject_simulated_root(inventory, ACME, ACME_ROOTS, organization.account_ids, now=now)
    names = {account_id: name for name, account_id in organization.account_ids.items()}
    inject_simulated_use(inventory, ACME_USE, names, now=now)
    replace_moto_artefacts(inventory)
    label_simulator_gaps(inventory)
    if changed is not None:
        record_simulated(inventory, changed)
    return inventory
