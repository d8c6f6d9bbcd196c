"""What the product tells a person to do, built in one place.

``template`` is the fill engine: a :class:`~auditor.remediation.template.FixTemplate` holds console steps, AWS CLI
lines and Terraform with ``{fact}`` fields and is filled with one finding's (or one plan step's) facts.
``aws_commands`` writes every AWS CLI command the product prints, each operation once. ``actions`` builds every
AWS action the product recommends (deactivate a key, delete a login profile, delete a user with everything
``DeleteUser`` requires gone first, assign a group, ...) with its console steps, CLI and Terraform together.
``facts`` turns inventory records into the facts the actions are filled with.

The built-in rules' fixes (``rules/_fixes.py``) and the migration plan (``auditor.readiness.plan``) both call
``actions``, so a command is corrected in one place and every report, fix block and plan step follows.
"""
