"""``--format``: the report formats a run can write, and the reporters it builds from them.

The built-in formats are ``auditor.reports.BUILTIN_REPORTERS``, one table from which ``--format``'s names,
default and help are derived. Other distributions add formats under the entry-point group ``auditor.reporters``;
those are third-party code, loaded when a command that reports runs (a broken one costs one warning line and
only itself) or when ``--help`` describes them, never to build the parser. Until they are loaded a name that is
not built in cannot be checked (an installed format is named by its class, not by its entry point), so such a
name is accepted while some format is installed, and checked when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from auditor.commands.values import csv_list
from auditor.errors import InputError

if TYPE_CHECKING:
    from auditor.reporter import Formats, Reporter

CONSOLE_FORMAT = "table"  # printed by default when stdout is a terminal


def parse_names(value: str) -> list[str]:
    """``--format``'s value: the formats named, each once; an unknown one is a usage error."""
    from auditor.reporter import ENTRY_POINT_GROUP

    names = csv_list(value)
    builtin = _builtin_names()
    unknown = [name for name in names if name not in builtin]
    if not names or (unknown and not _installed(ENTRY_POINT_GROUP)):
        raise argparse.ArgumentTypeError(_unknown(unknown, value, builtin))
    return list(dict.fromkeys(names))


def describe() -> str:
    """``--format``'s help: every format, installed ones included (their descriptions are in their code)."""
    table = _load()
    described = "; ".join(
        f"{name} ({reporter.default_filename or 'printed'}): {reporter.description}"
        for name, reporter in table.by_name.items()
    )
    defaults = ",".join(_builtin_file_formats())
    return f"comma-separated formats: {described}. Default: {defaults}, plus {CONSOLE_FORMAT} on a terminal"


def load(args: argparse.Namespace) -> None:
    """Load the formats (installed ones too) into ``args.format_table``, once the command runs, and check the
    names ``--format`` gave that were not built in. An installed format that failed to load is warned about
    with the reports (``args.format_table.problems``), or here when ``--format`` asked for it."""
    table = _load()
    args.format_table = table
    unknown = [name for name in args.formats or [] if name not in table.by_name]
    if unknown:
        from auditor.commands.console import warn

        for problem in table.problems:
            warn(problem)
        raise InputError(f"--format: {_unknown(unknown, ','.join(unknown), table.names)}")


def names(args: argparse.Namespace) -> list[str]:
    """The formats this run writes: ``--format``'s, else every built-in file format (plus the table on a
    terminal)."""
    return list(args.formats or [*_builtin_file_formats(), *([CONSOLE_FORMAT] if sys.stdout.isatty() else [])])


def reporters(names: Sequence[str], formats: Formats, args: argparse.Namespace) -> list[Reporter]:
    return [formats.by_name[name](**report_options(name, args)) for name in names]


def report_options(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """The CLI's report flags, handed to the constructors of the built-in formats they configure."""
    if name == "sarif":
        from auditor.reports.sarif import DEFAULT_CATEGORY

        category = args.sarif_category
        if category is None:  # not given: the reporter's default, with the command's suffix (-local, -code)
            category = DEFAULT_CATEGORY + args.sarif_category_suffix
        return {"category": category, "omit_suppressed": args.sarif_omit_suppressed}
    if name == CONSOLE_FORMAT:
        return {"color": sys.stdout.isatty()}
    if name == "html":  # the page shows the gate with "Fix first" (the findings document does not record it)
        from auditor.reports.html import Gate

        return {"gate": Gate(fail_on=args.fail_on) if hasattr(args, "fail_on") else None}
    return {}


def _load() -> Formats:
    from auditor.reporter import load_formats
    from auditor.reports import BUILTIN_REPORTERS

    return load_formats(BUILTIN_REPORTERS)


def _builtin_names() -> list[str]:
    from auditor.reports import BUILTIN_REPORTERS

    return [reporter.name for reporter in BUILTIN_REPORTERS]


def _builtin_file_formats() -> list[str]:
    from auditor.reports import BUILTIN_REPORTERS

    return [reporter.name for reporter in BUILTIN_REPORTERS if reporter.default_filename is not None]


def _installed(group: str) -> bool:
    """Whether any distribution registers a format (read from its metadata; nothing is imported)."""
    from importlib.metadata import entry_points

    return bool(entry_points(group=group))


def _unknown(unknown: Sequence[str], value: str, known: Sequence[str]) -> str:
    from auditor.util.suggest import closest

    suggested = [name for asked in unknown for name in closest(asked, known)]
    hint = f"did you mean {' or '.join(dict.fromkeys(suggested))}? " if suggested else ""
    return f"unknown format {', '.join(unknown) or value!r} ({hint}choose from {', '.join(known)})"
