"""``auditor sso-config``: the ~/.aws/config for an Identity Center user, a group or everyone, printed or written
to a new file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from auditor.commands.console import say
from auditor.commands.options import Commands, add_inventory_input, add_source_options
from auditor.commands.sources import collect
from auditor.errors import ExitCode, InputError


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser(
        "sso-config",
        help="print the ~/.aws/config for an Identity Center user, a group or everyone",
        description="Print an AWS CLI config: one [sso-session] and one [profile] per account and permission set "
        "the principal reaches in Identity Center (directly or through groups).",
    )
    add_source_options(parser)
    add_inventory_input(parser)
    principal = parser.add_mutually_exclusive_group(required=True)
    principal.add_argument("--user", metavar="NAME", help="an identity-store user name (or user id)")
    principal.add_argument("--group", metavar="NAME", help="an identity-store group name (or group id)")
    principal.add_argument("--all", action="store_true", help="every account x permission set assigned to anyone")
    parser.add_argument(
        "--start-url",
        metavar="URL",
        help="the access portal URL (default: https://<identity-store-id>.awsapps.com/start)",
    )
    parser.add_argument("--session-name", metavar="NAME", help="the [sso-session] name (default: the instance name)")
    parser.add_argument(
        "--profile-region", metavar="REGION", help="each profile's region (default: the Identity Center home region)"
    )
    parser.add_argument(
        "--profile-template",
        default="<account-name>-<permission-set>",
        metavar="TEMPLATE",
        help="profile names from <account-name>, <account-id>, <permission-set> (default: %(default)s)",
    )
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from auditor.readiness.sso_config import check_template, render_sso_config

    check_template(args.profile_template)
    if args.output is not None:
        check_new_file(args.output, args.force)
    text = render_sso_config(
        collect(args),
        user=args.user,
        group=args.group,
        start_url=args.start_url,
        session=args.session_name,
        region=args.profile_region,
        template=args.profile_template,
    )
    if args.output is None:
        sys.stdout.write(text)
        return ExitCode.OK
    write_new_file(args.output, text, args.force)
    say(f"wrote {args.output}")
    return ExitCode.OK


def check_new_file(path: Path, force: bool) -> None:
    """Before anything is collected: ``path`` must be writable, and new unless ``force``."""
    from auditor.util.safefile import check_writable_file

    if path.exists() and not force:
        raise _exists(path)
    check_writable_file(path, "-o")


def write_new_file(path: Path, text: str, force: bool) -> None:
    """Write ``text``; an existing file is replaced only with ``force`` (it may be someone's ~/.aws/config).

    With ``force`` the replacement is atomic (a half-written ~/.aws/config would break every profile);
    without it the file is created exclusively, so one that appeared since the check is not overwritten.
    """
    from auditor.util.safefile import write_text_atomic

    if force:
        write_text_atomic(path, text)
        return
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise _exists(path) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _exists(path: Path) -> InputError:
    return InputError(f"{path} exists: pass --force to replace it, or print to stdout without -o")
