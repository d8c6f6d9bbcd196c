"""A sealed AWS environment for running moto in-process: the demo, the test suite and the benchmarks use it.

Sealed means nothing of the user's own AWS setup can take part: every ``AWS_*`` and ``MOTO_*`` variable is
cleared (profiles, endpoints, credentials, ``MOTO_ACCOUNT_ID``...), fake credentials are set, the config and
credentials files point nowhere and instance metadata is off. So a mistake in a mock can never turn into a
call to a real account with real credentials.

moto also parses its copy of all ~1,500 AWS managed policies (4 MB) for every account it touches when
``MOTO_IAM_LOAD_MANAGED_POLICIES`` is on, about 2 s per account: callers that attach only a few keep just
those (``only_aws_managed_policies``). The documents kept are moto's copies of the real ones.

moto draws account, OU, access-key and permission-set ids from one random generator: starting it from
a fixed value (``fixed_moto_random``) makes a build repeatable, id for id, as long as its calls come in the same order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

REGION = "us-east-1"
FAKE_CREDENTIAL = "testing"

SEALED_VALUES = {
    "AWS_ACCESS_KEY_ID": FAKE_CREDENTIAL,
    "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIAL,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",  # never ask 169.254.169.254 for credentials
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",  # so AdministratorAccess & co. can be attached
}
_CLEARED_PREFIXES = ("AWS_", "MOTO_")
_ALSO_CLEARED = ("TEST_SERVER_MODE", "TEST_PROXY_MODE")  # moto's own mode switches


def variables_to_clear(environ: Iterable[str]) -> list[str]:
    """The names in ``environ`` a sealed environment removes (before setting ``SEALED_VALUES``)."""
    return [name for name in environ if name.startswith(_CLEARED_PREFIXES) or name in _ALSO_CLEARED]


@contextmanager
def sealed_aws_environment() -> Iterator[None]:
    """Seal ``os.environ`` for the duration and restore it exactly afterwards."""
    saved = dict(os.environ)
    try:
        for name in variables_to_clear(list(os.environ)):
            del os.environ[name]
        os.environ.update(SEALED_VALUES)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def trimmed_managed_policy_data(names: Iterable[str]) -> str:
    """moto's managed-policy JSON reduced to ``names``."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    wanted = set(names)
    return json.dumps({name: doc for name, doc in json.loads(aws_managed_policies_data).items() if name in wanted})


@contextmanager
def only_aws_managed_policies(names: Iterable[str]) -> Iterator[None]:
    """Let moto load only these AWS managed policies for the duration."""
    import moto.iam.models as moto_iam

    full = moto_iam.aws_managed_policies_data
    moto_iam.aws_managed_policies_data = trimmed_managed_policy_data(names)
    try:
        yield
    finally:
        moto_iam.aws_managed_policies_data = full


@contextmanager
def fixed_moto_random(start: int) -> Iterator[None]:
    """Make moto's ids repeatable, then hand its generator back in the state we found it."""
    from moto.moto_api._internal import mock_random

    state = mock_random.getstate()
    mock_random.seed(start)
    try:
        yield
    finally:
        mock_random.setstate(state)
