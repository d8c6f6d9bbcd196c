"""The ``local`` source: this machine's AWS CLI files (``auditor local``, ``auditor scan --local``).

``source.CliFilesSource`` reads the shared credentials and config files line by line into the inventory's
``cli_files`` section: profiles, their kind and key ids, never a secret's value. No AWS call.
"""
