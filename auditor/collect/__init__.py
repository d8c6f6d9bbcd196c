"""Collect: the AWS source, and the only code that talks to AWS. Read-only calls in, one ``Inventory`` out.

    from auditor.collect.options import CollectOptions
    from auditor.collect.runner import AwsSource
    inventory = AwsSource(CollectOptions(org=True)).collect()

Every AWS operation it may call is listed in :mod:`auditor.collect.operations`. Nothing is imported here, so
that the command line can read ``collect.options`` (its defaults) without loading boto3.
"""
