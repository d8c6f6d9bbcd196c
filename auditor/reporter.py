"""The reporter interface: how a findings document becomes a report.

A format is one class: a ``name`` (what ``--format`` takes), a ``default_filename`` under ``--output-dir``
(``None`` for a console format, which the CLI prints), a one-line ``description`` for ``--help``, and
``render(document) -> bytes``. Options are constructor arguments, so ``render`` is the same pure function for
every format: the findings document in, bytes out, no clock, no network, no knowledge of other formats.
Optionally, ``write(document, stream)`` streams the same bytes to a file (the default writes what ``render``
returns): a format whose reports are large overrides it so a scan never holds the whole report in memory.

The built-in formats live in ``auditor.reports``; other distributions add formats through the entry-point
group ``auditor.reporters`` (``name = "module:ReporterClass"``). The core only knows this interface: the CLI
wiring hands it the formats to use.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import entry_points
from pathlib import Path
from typing import BinaryIO, ClassVar

from auditor.findings import FindingsDocument
from auditor.util.safefile import prepare_output_dir, write_atomic_set

ENTRY_POINT_GROUP = "auditor.reporters"


class Reporter(ABC):
    name: ClassVar[str]
    default_filename: ClassVar[str | None]  # None: a console format, printed rather than written to a file
    description: ClassVar[str]

    @abstractmethod
    def render(self, document: FindingsDocument) -> bytes:
        """The report as bytes: a pure function of the document and the options given to the constructor."""

    def write(self, document: FindingsDocument, stream: BinaryIO) -> None:
        """Write the report to ``stream`` (a binary file): the same bytes as :meth:`render`. Optional: a format
        whose reports are large overrides it to stream them instead of holding the whole report in memory."""
        stream.write(self.render(document))


@dataclass
class Formats:
    """The formats a run can use, by name, and the installed formats that could not be loaded."""

    by_name: dict[str, type[Reporter]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return list(self.by_name)


def load_formats(builtin: Iterable[type[Reporter]], *, use_entry_points: bool = True) -> Formats:
    """The built-in formats, then installed ones. A broken or clashing installed format is a problem line,
    never a reason to lose the built-in reports."""
    formats = Formats()
    for reporter in builtin:
        formats.by_name[reporter.name] = reporter
    if not use_entry_points:
        return formats
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        origin = f"report format {ep.name!r} ({ep.value})"
        try:
            loaded = ep.load()
        except Exception as exc:  # a third party's bug must not cost the built-in reports
            formats.problems.append(f"{origin} failed to load: {type(exc).__name__}: {exc}")
            continue
        if not (isinstance(loaded, type) and issubclass(loaded, Reporter)):
            formats.problems.append(f"{origin} ignored: not a subclass of auditor.reporter.Reporter")
        elif loaded.name in formats.by_name:
            formats.problems.append(f"{origin} ignored: the format name {loaded.name!r} is already taken")
        else:
            formats.by_name[loaded.name] = loaded
    return formats


def write_reports(document: FindingsDocument, reporters: Sequence[Reporter], output_dir: Path) -> list[Path]:
    """Write each file format into ``output_dir`` as one set (``safefile.write_atomic_set``: all new or all old);
    returns the paths written. Console formats are skipped."""
    files = [
        (output_dir / reporter.default_filename, partial(reporter.write, document))
        for reporter in reporters
        if reporter.default_filename is not None
    ]
    if files:
        prepare_output_dir(output_dir)
    return write_atomic_set(files)
