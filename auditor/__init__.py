"""Identity security posture auditor for AWS Organizations.

Data flows one way: collect -> Inventory -> evaluate -> Findings -> report.
"""

__version__ = "0.1.0"
TOOL_NAME = "aws-identity-auditor"
# The project's home page (README): SARIF's driver informationUri. pyproject.toml's [project.urls] Homepage is the
# same address (tests/project/test_packaging.py keeps the two equal).
HOMEPAGE = "https://github.com/aws-identity-auditor/aws-identity-auditor#readme"
