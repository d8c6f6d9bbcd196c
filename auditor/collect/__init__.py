"""Collect: the AWS source, and the only code that talks to AWS. Read-only calls in, one ``Inventory`` out.

    from auditor.collect import AwsSource, CollectOptions
    inventory = AwsSource(CollectOptions(org=True)).collect()

Every AWS operation it may call is listed in :mod:`auditor.collect.operations`.
"""

from auditor.collect.options import CollectOptions
from auditor.collect.runner import AwsSource, ScanInterrupted, collect

__all__ = ["AwsSource", "CollectOptions", "ScanInterrupted", "collect"]
