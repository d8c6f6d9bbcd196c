"""``auditor policy``: the audit role's least-privilege policy, or a CloudFormation template of the member role."""

from __future__ import annotations

import argparse
import json

from auditor.commands.options import Commands, exit_codes
from auditor.errors import ExitCode


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser(
        "policy",
        help="print the least-privilege IAM policy for the audit role",
        description="Print the IAM policy the audit role needs: exactly the read-only operations the collectors "
        "call (derived from the collectors' own list, so it cannot drift).",
        epilog=exit_codes((0, "printed"), (2, "usage")),
    )
    parser.add_argument(
        "--role-name",
        default="OrganizationAccountAccessRole",
        help="the member-account role the scanner assumes (default: %(default)s)",
    )
    parser.add_argument(
        "--member-template",
        action="store_true",
        help="print instead a CloudFormation template (for a StackSet) of the read-only member-account role",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from auditor.collect.policy import audit_role_policy, member_role_template

    if args.member_template:
        print(json.dumps(member_role_template(args.role_name), indent=2))
        return ExitCode.OK
    print(json.dumps(audit_role_policy(args.role_name), indent=2))
    return ExitCode.OK
