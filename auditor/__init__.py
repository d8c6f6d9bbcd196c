"""Identity security posture auditor for AWS Organizations.

Data flows one way: collect -> Inventory -> evaluate -> Findings -> report.
"""

__version__ = "0.1.0"
TOOL_NAME = "aws-identity-auditor"
