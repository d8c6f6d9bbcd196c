"""What a build returns: the ids moto gave the described organization, by the names the description used."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3


@dataclass(frozen=True)
class BuiltIdentityCenter:
    instance_arn: str
    identity_store_id: str
    permission_set_arns: Mapping[str, str]  # permission set name -> ARN
    user_ids: Mapping[str, str]  # user name -> id
    group_ids: Mapping[str, str]  # display name -> id


@dataclass(frozen=True)
class BuiltOrganization:
    """What was built, by the names the description used."""

    session: boto3.Session  # the management account's
    organization_id: str
    root_id: str
    management_account_id: str
    account_ids: Mapping[str, str]  # account name -> id, the management account included
    ou_ids: Mapping[str, str]  # OU path ("/Root/Workloads/Dev") -> id
    member_credentials: Mapping[str, Mapping[str, str]]  # member name -> boto3 credential arguments
    identity_center: BuiltIdentityCenter | None = None

    def client(self, account_name: str, service: str) -> Any:
        """A client in that account, made from the management session (so it reuses the loaded API models)."""
        return self.session.client(service, **self.member_credentials.get(account_name, {}))

    def member_session(self, account_name: str) -> boto3.Session:
        if account_name not in self.member_credentials:
            return self.session
        return boto3.Session(region_name=self.session.region_name, **self.member_credentials[account_name])

    @property
    def ou_ids_by_name(self) -> dict[str, str]:
        """OU name -> id, for organizations whose OU names are unique."""
        by_name = {path.rsplit("/", 1)[1]: ou_id for path, ou_id in self.ou_ids.items()}
        if len(by_name) != len(self.ou_ids):
            raise ValueError(f"OU names are not unique: {sorted(self.ou_ids)}")
        return by_name
