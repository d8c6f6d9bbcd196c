"""The source interface: where the facts of an inventory come from.

A source produces *its part* of the inventory: the sections it knows about filled, the others left empty, its
coverage gaps in ``errors``, and its name in ``collection.sources_collected``. The AWS organization is the first
source (``auditor.collect.AwsSource``); the AWS CLI files of a machine and source trees plug in here the same
way, each with its own section of the inventory, without touching the other sources or the later stages.

Rules declare the sources they read (``@rule(sources=[...])``, default ``aws``). A rule whose source did not
run is reported as *not evaluated*, never as passed: the inventory says which sources ran, and a saved
inventory keeps saying it when it is evaluated again months later.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import ClassVar, TypeVar

from auditor.inventory import AccountInventory, CollectionError, CollectionInfo, Inventory

AWS_SOURCE = "aws"

Section = TypeVar("Section")


class Source(ABC):
    name: ClassVar[str]  # what rules name in ``sources``; recorded in ``collection.sources_collected``

    @abstractmethod
    def collect(self) -> Inventory:
        """This source's part of the inventory. Failures become ``errors`` entries; only a failure of the whole
        source (no credentials at all, say) raises, as an ``auditor.errors.AuditorError``."""


def assemble_inventory(parts: Sequence[Inventory]) -> Inventory:
    """One inventory from the parts of several sources (or of several saved inventories).

    Each section comes from at most one part (the organization, Identity Center; an account by its id): two
    parts claiming the same one is a programming error, not something to merge by guesswork.
    """
    if not parts:
        raise ValueError("assemble_inventory: no parts")
    if len(parts) == 1:
        return parts[0]
    return Inventory(
        tool=parts[0].tool,
        collection=_collection(part.collection for part in parts),
        organization=_only_one("organization", [part.organization for part in parts]),
        identity_center=_only_one("identity_center", [part.identity_center for part in parts]),
        accounts=_accounts(parts),
        errors=sorted((error for part in parts for error in part.errors), key=CollectionError.sort_key),
        cli_files=_only_one("cli_files", [part.cli_files for part in parts]),
        code_scan=_only_one("code_scan", [part.code_scan for part in parts]),
    )


def _collection(collections: Iterable[CollectionInfo]) -> CollectionInfo:
    infos = list(collections)
    finished = [info.finished_at for info in infos]
    return CollectionInfo(
        started_at=min(info.started_at for info in infos),
        finished_at=max(f for f in finished if f is not None) if all(f is not None for f in finished) else None,
        caller=next((info.caller for info in infos if info.caller is not None), None),
        sources=list(dict.fromkeys(source for info in infos for source in info.sources)),
        regions=sorted({region for info in infos for region in info.regions}),
        simulated=list(dict.fromkeys(note for info in infos for note in info.simulated)),
        sources_collected=list(dict.fromkeys(name for info in infos for name in info.sources_collected)),
    )


def _only_one(section: str, values: list[Section | None]) -> Section | None:
    present = [value for value in values if value is not None]
    if len(present) > 1:
        raise ValueError(f"assemble_inventory: {len(present)} parts fill {section}; a section has one source")
    return present[0] if present else None


def _accounts(parts: Sequence[Inventory]) -> list[AccountInventory]:
    accounts: dict[str, AccountInventory] = {}
    for account in (account for part in parts for account in part.accounts):
        if account.account_id in accounts:
            raise ValueError(f"assemble_inventory: account {account.account_id} comes from two parts")
        accounts[account.account_id] = account
    return [accounts[key] for key in sorted(accounts)]
