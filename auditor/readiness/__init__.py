"""Migration readiness: who still signs in as an IAM user, who they are in Identity Center, what blocks each
account. A pure stage after collection (``assess.assess_readiness``); ``plan`` and ``sso_config`` render from
its output. Nothing is imported here: ``auditor.findings`` imports the models, and the stage imports the config.
"""
