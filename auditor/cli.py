"""Command line: builds the parser from the command modules and runs the chosen one. No business logic lives here.

Each command is a module of ``auditor.commands`` that adds its subparser and wires the stages when it runs;
building the parser imports none of the stages' heavy dependencies (boto3, jinja2, moto), so ``--help`` and
usage errors are immediate. The CLI wiring (this module and ``auditor.commands``) is the only code that names
the plug-ins: the built-in rule pack (``auditor.rules``) and the built-in report formats (``auditor.reports``).
The core stages take them as arguments.

Exit codes (a contract scripts depend on): 0 nothing at or above --fail-on; 1 findings at or above it;
2 could not run (usage, config, credentials, unreadable input, an output path that cannot be written, or a
scan that read no account at all); 3 ran and nothing failed the gate, but coverage is incomplete (some account,
API, rule pack or rule could not be read or run); 130 interrupted (Ctrl-C); 143 terminated (SIGTERM, handled as
Ctrl-C is: ``auditor.launch``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from auditor import TOOL_NAME, __version__
from auditor.commands import (
    collect,
    completion,
    demo,
    diff,
    history,
    local,
    merge,
    policy,
    readiness,
    rules,
    scan,
    scan_code,
    schema,
    sso_config,
)
from auditor.commands.options import EPILOG, Parser, add_global_options
from auditor.errors import AuditorError, ExitCode
from auditor.launch import interruption_line_and_code

# In the order `auditor --help` lists them.
COMMANDS = (
    scan,
    local,
    scan_code,
    collect,
    demo,
    rules,
    diff,
    merge,
    policy,
    readiness,
    history,
    sso_config,
    schema,
    completion,
)

MAX_ERROR_LINE = 300  # an error is one line a person can read, whatever the input held


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="auditor",
        description="Audit the identity security posture of an AWS Organization: IAM users, access keys, root, "
        "MFA, session lengths and IAM Identity Center. Read-only.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{TOOL_NAME} {__version__}")
    add_global_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for command in COMMANDS:
        command.add_parser(commands)
    for subparser in commands.choices.values():  # global options work after the command too
        add_global_options(subparser, after_command=True)  # after the command: its --debug help is known
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The program. Called without ``argv`` (the ``auditor`` command, ``python -m auditor``), a Ctrl-C ends the
    process at once after the partial inventory is saved: threads still waiting on AWS are not waited for."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.debug = getattr(args, "debug", False)
    _configure_logging(args.debug)
    try:
        return int(args.handler(args))
    except AuditorError as exc:
        if args.debug:
            _print_traceback()
        print(_one_line(f"auditor: error: {exc}"), file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (auditor.launch.Terminated)
        line, code = interruption_line_and_code()
        print(line, file=sys.stderr)
        if argv is None:
            _exit_now(code)
        return code
    except BrokenPipeError:
        return int(ExitCode.OK)
    except Exception as exc:  # the contract: one line, never a traceback, unless --debug
        if args.debug:
            _print_traceback()
        print(
            _one_line(f"auditor: error: unexpected {type(exc).__name__}: {exc}")
            + ("" if args.debug else " (run with --debug for details)"),
            file=sys.stderr,
        )
        return int(ExitCode.ERROR)


def _one_line(message: str) -> str:
    """The first line, at most ``MAX_ERROR_LINE`` characters: a 200 KB "line" helps nobody."""
    line = (message.splitlines() or [""])[0]
    return line if len(line) <= MAX_ERROR_LINE else line[: MAX_ERROR_LINE - 1] + "…"


def _print_traceback() -> None:
    """``--debug``: the traceback, redacted like the log, and the exit code stays the documented one."""
    import traceback

    from auditor.util.redact import redact

    sys.stderr.write(redact(traceback.format_exc()))


def _exit_now(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _configure_logging(debug: bool) -> None:
    import logging

    from auditor.util.redact import install

    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    install(logging.getLogger().handlers)  # every record ends at the root's handlers: none passes unredacted
    if not debug:
        logging.getLogger("botocore").setLevel(logging.ERROR)
