"""Collect: the only stage that talks to AWS. Read-only calls in, one ``Inventory`` out.

    from auditor.collect import CollectOptions, collect
    inventory = collect(CollectOptions(org=True))

Every AWS operation it may call is listed in :mod:`auditor.collect.operations`.
"""

from auditor.collect.options import CollectOptions
from auditor.collect.runner import collect

__all__ = ["CollectOptions", "collect"]
