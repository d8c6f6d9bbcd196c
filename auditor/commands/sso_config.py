"""``auditor sso-config``: the ~/.aws/config for an Identity Center user, a group or everyone, printed, written
to a new file, or merged into an existing one between the tool's marker lines."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.commands.console import say, warn
from auditor.commands.options import (
    SIGNAL_EXIT_CODES,
    Commands,
    add_demo_input,
    add_inventory_input,
    add_source_options,
)
from auditor.commands.sources import collect
from auditor.errors import ExitCode, InputError

if TYPE_CHECKING:
    from auditor.inventory import Inventory
    from auditor.readiness.sso_config import SsoConfig

EPILOG = (
    """\
exit codes:
  0  every profile was written
  2  nothing written: bad option, unreadable inventory or --merge file, a user or group that matches nothing
     (the error line suggests the closest names), no account to configure
  3  written, but something was skipped (one warning line each): a profile whose value AWS would not accept
     (a permission set name outside [\\w+=,.@-]{1,32}, ...), a profile --merge FILE defines outside the tool's
     block, or assignments the inventory could not read
"""
    + SIGNAL_EXIT_CODES
    + """
--merge FILE adds or updates the tool's profiles between the lines
  # BEGIN auditor sso-config <session>
  # END auditor sso-config <session>
and leaves the rest of FILE as it was, byte for byte (a new FILE is created with mode 0600, an existing one
keeps its mode). Profiles of an earlier --merge that this run does not make are kept; delete the block to
start afresh. A profile FILE defines outside the block is never written again: yours wins (exit 3).
"""
)


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser(
        "sso-config",
        help="print the ~/.aws/config for an Identity Center user, a group or everyone",
        description="Print an AWS CLI config: one [sso-session] and one [profile] per account and permission set "
        "the principal reaches in Identity Center (directly or through groups). Profile names are unique "
        "(collisions get -2, -3 in a fixed order) and every value is checked against AWS's pattern for its key.",
        epilog=EPILOG,
    )
    add_source_options(parser)
    add_inventory_input(parser)
    add_demo_input(parser, "use")
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
        "--profile-region",
        metavar="REGION",
        help="each written profile's region (default: the Identity Center home region)",
    )
    parser.add_argument(
        "--profile-template",
        default="<account-name>-<permission-set>",
        metavar="TEMPLATE",
        help="the names of the profiles written (the output; --profile names the credentials to read with), from "
        "<account-name>, <account-id>, <permission-set> (default: %(default)s)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to a new FILE instead of stdout")
    where.add_argument(
        "--merge",
        type=Path,
        metavar="FILE",
        help="add or update the profiles in FILE (~/.aws/config) between the tool's marker lines; see below",
    )
    parser.add_argument("--force", action="store_true", help="with -o: replace FILE if it exists")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from auditor.readiness.sso_config import build_sso_config, check_options, check_template

    check_template(args.profile_template)
    check_options(args.start_url, args.profile_region)
    if args.output is not None:
        check_new_file(args.output, args.force)
    if args.merge is not None:
        read_merge_file(args.merge)  # a file that cannot be merged fails before anything is collected
    config = build_sso_config(
        _inventory(args),
        user=args.user,
        group=args.group,
        start_url=args.start_url,
        session=args.session_name,
        region=args.profile_region,
        template=args.profile_template,
    )
    if not config.profiles:
        for line in config.warnings:
            warn(line)
        raise InputError("every profile was skipped (see the warnings): nothing written")
    if args.merge is not None:
        warnings = merge_into(args.merge, config)
    else:
        warnings = config.warnings
        if args.output is None:
            sys.stdout.write(config.text())
        else:
            write_new_file(args.output, config.text(), args.force)
            say(f"wrote {args.output}: {_profiles([p.name for p in config.profiles])}")
    for line in warnings:
        warn(line)
    return ExitCode.INCOMPLETE if warnings else ExitCode.OK


def _inventory(args: argparse.Namespace) -> Inventory:
    if args.demo:
        from auditor.demo.scan import demo_inventory

        return demo_inventory()
    return collect(args)


def _profiles(names: list[str]) -> str:
    """``3 profile(s): a, b, c`` (names are slugs: nothing to escape)."""
    return f"{len(names)} profile(s): " + ", ".join(names)


def read_merge_file(path: Path) -> str:
    """The file's text ("" when it does not exist yet); one error line when it cannot be merged.

    A symbolic link is refused rather than followed or replaced: following it would rewrite whatever it points
    to, replacing it would break a dotfiles manager's link; pass the file it points to.
    """
    from auditor.util.safefile import check_writable_file

    if path.is_symlink():
        raise InputError(f"--merge {path}: is a symbolic link (to {path.resolve()}): pass that file")
    check_writable_file(path, "--merge")
    if not path.exists():
        return ""
    from auditor.util.inputfile import CLI_FILE_LIMIT, UnreadableInputError, read_input

    try:
        return read_input(path, "AWS CLI config", CLI_FILE_LIMIT).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"--merge {path}: not UTF-8 text") from None
    except UnreadableInputError as exc:
        raise InputError(f"--merge {path}: {exc.reason}") from None


def merge_into(path: Path, config: SsoConfig) -> list[str]:
    """Merge the run's profiles into ``path`` (read again now: it may have changed during a collection), write it
    atomically, keeping an existing file's mode (0600 for a new one: it is someone's ~/.aws/config)."""
    import stat

    from auditor.readiness.sso_config import merge_config
    from auditor.util.safefile import write_text_atomic

    existed = path.exists()
    mode = stat.S_IMODE(path.stat().st_mode) if existed else 0o600
    merged = merge_config(read_merge_file(path), config, f"--merge {path}")
    write_text_atomic(path, merged.text, mode)
    say(f"{'merged into' if existed else 'wrote'} {path}: {_profiles(merged.profiles)} in the tool's block")
    return merged.warnings


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
    return InputError(f"{path} exists: pass --force to replace it, --merge it, or print to stdout without -o")
